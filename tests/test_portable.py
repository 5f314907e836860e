"""Portable tests: the same text on any machine and any dependency set inside the declared bounds.

Runs under both CI environments (newest versions and the declared lower bounds, see .ci/run).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from csm.compat import STR, read_parquet
from csm.data import load_table
from csm.data.validate import OFFSET_QUICK
from csm.report import results

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


# ----------------------------------------------------------------------------- dates with UTC offsets
def test_a_csv_with_utc_offsets_loads_into_the_mapping_time_zone(tmp_path):
    """The offset path of the loader (pandas 2.2 crashed here: ``re.error: bad escape \\z``)."""
    created = ["2025-03-01T02:00:00Z", "2025-03-01 07:30:00+05:30", "2025-03-01 10:00 +0800",
               "2025-02-28 21:00:00-05:00", "2025-03-01 02:00 UTC", "2025-03-01 10:00"]
    rows = ["ticket_id,customer_id,created_at,channel,category"]
    rows += [f"T{i},C{i},{c},phone,other" for i, c in enumerate(created)]
    path = tmp_path / "tickets.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = load_table(path, "tickets", mapping={"timezone": "Asia/Shanghai"})
    # every value with an offset is the same instant, 10:00 in Shanghai; the naive one is taken as local time
    assert res.frame["created_at"].tolist() == [pd.Timestamp("2025-03-01 10:00")] * len(created)
    assert res.frame["created_at"].dtype == "datetime64[ns]"


@pytest.mark.parametrize("dtype", [object, STR, "string[python]"])
def test_offset_pattern_means_the_same_to_python_re_and_to_re2(dtype):
    """``str.contains`` runs Python ``re`` (object strings) or RE2 (pyarrow strings): same answers."""
    values = ["2025-03-01T02:00:00Z", "2025-03-01 10:00+08:00", "2025-03-01 10:00 +0800", "2025-03-01 UTC",
              "2025-03-01 10:00", "2025-03-01 10:00+08:00 (Beijing)", "GMT", "Zulu", "2025-03-01 10:00+０８:００", None]
    expected = [v is not None and re.search(OFFSET_QUICK, v) is not None for v in values]
    assert expected == [True, True, True, True, False, False, True, False, False, False]  # a quick pre-filter
    got = pd.Series(values, dtype=dtype).str.contains(OFFSET_QUICK, regex=True)
    assert got.to_numpy(dtype=bool, na_value=False).tolist() == expected


def test_text_columns_keep_missing_values_missing():
    """pandas 2.2's ``astype("str")`` writes missing values as the text "None"/"nan"; csm's STR does not."""
    s = pd.Series(["a", None, np.nan], dtype=object).astype(STR)
    assert s.isna().tolist() == [False, True, True]
    assert pd.Series(pd.Categorical(["x", None])).astype(STR).isna().tolist() == [False, True]


def test_parquet_text_reads_back_as_the_text_dtype(tmp_path):
    frame = pd.DataFrame({"id": pd.Series(["a", None], dtype=STR), "n": [1.0, 2.0]})
    frame.to_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(read_parquet(tmp_path / "t.parquet"), frame)


# ----------------------------------------------------------------------------- recorded results
def test_recorded_values_live_in_output_metadata_which_nbval_does_not_compare(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append((obj, kw)))
    value = pd.DataFrame({"kpi": ["csat"], "estimate": [4.123456789012345]})
    results.record("scorecard", value)
    obj, kw = shown[0]
    assert kw["raw"] is True and obj == {results.RESULT_MIMETYPE: {"key": "scorecard"}}  # what nbval compares
    assert kw["metadata"] == {results.RESULT_MIMETYPE: {"value": [{"kpi": "csat", "estimate": 4.123456789012345}]}}
    output = nbformat.v4.new_output("display_data", data=obj, metadata=kw["metadata"])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[output])])
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)  # through the file format
    assert results.collect(nb) == {"scorecard": [{"kpi": "csat", "estimate": 4.123456789012345}]}
    json.dumps(obj)  # plain JSON


# ----------------------------------------------------------------------------- committed notebooks
def _text_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.output_type == "stream":
                yield i, out.name, out.text
            for mime, data in out.get("data", {}).items():
                if mime.startswith("text/") and isinstance(data, str):
                    yield i, mime, data


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_show_only_rounded_numbers_and_no_stderr(path):
    """nbval compares every text output: numbers must be formatted at a fixed, short precision (a raw float
    shown with pandas' six decimals changes in its last digits on another CPU), and nothing may go to stderr
    (warnings differ between library versions)."""
    assert NOTEBOOKS, "no committed notebooks found"
    for cell, kind, text in _text_outputs(path):
        assert kind != "stderr", (path.name, cell, text[:300])
        if kind == "text/html" and "<style" in text:
            text = re.sub(r"<style.*?</style>", "", text, flags=re.S)
        long = re.findall(r"(?<![\w.#-])\d+\.\d{5,}(?![\w.])", text)
        assert not long, (path.name, cell, kind, long[:5])
