"""csm.complaints.analyse: the whole report's computation in one call, on the sample (planted truth) and on
small hand-made inputs; and the presentation of its result (csm.report.complaints) in both languages."""
import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csm import complaints as C
from csm.data.load import load_tables
from csm.data.sample import TRUTH
from csm.errors import ParameterError
from csm.notes import Note, Skipped
from csm.periods import Period
from csm.report import complaints as report
from csm.report.results import to_json_safe

ROOT = Path(__file__).resolve().parents[1]
RECORD_KEYS = ["period", "skipped", "pareto", "spike_search", "spikes", "root_causes", "changes", "concentration",
               "outcome_drivers", "resolution", "distinctive_terms", "data_quality"]


@pytest.fixture(scope="module")
def data():
    return load_tables(ROOT / "data" / "sample", tables=["tickets"])


@pytest.fixture(scope="module")
def result(data):
    steps = []
    out = C.analyse(data, progress=lambda done, total: steps.append((done, total)))
    assert steps[-1][0] == steps[-1][1] and [d for d, _ in steps] == sorted(d for d, _ in steps)
    return out


def test_records_are_the_reports_keys_in_order_and_json(result):
    records = result.records()
    assert list(records) == RECORD_KEYS
    safe = to_json_safe(records)
    json.dumps(safe, allow_nan=False)
    assert safe["period"] == {"period": "2026-06", "start": "2026-06-01T00:00:00", "end": "2026-06-30T00:00:00",
                              "comparison": "2026-05"}
    assert safe["skipped"] == []  # the sample has every optional column
    assert "spike_index" not in safe["root_causes"][0] and "effect_name" not in safe["root_causes"][0]
    assert all("odds_ratio" in r and "estimate" not in r for r in safe["outcome_drivers"])


def test_result_is_frozen_with_periods_and_windows(result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.root = None
    assert isinstance(result.period, Period) and isinstance(result.comparison, Period)
    end = result.period.end
    assert result.model_start == max(end - pd.DateOffset(months=12), result.data_start.normalize())
    assert result.model_window_full and result.model_months == pytest.approx(12, abs=0.05)
    assert result.chart_start == end - pd.Timedelta(weeks=78 + 13)
    assert all((w["week"] >= result.chart_start).all() for w in result.weekly.values())
    assert set(result.weekly) == {"category", "region"}
    # resolution by category keeps every complaint of the period (the largest categories and "all others")
    assert result.resolution["n"].sum() == result.n_period == result.pareto["count"].sum()
    assert all(isinstance(n, Note) for n in result.notes) and all(isinstance(s, Skipped) for s in result.skipped)


def test_main_spike_is_the_planted_one_found_by_its_row_key(result):
    truth = TRUTH["spike"]
    spike = result.main_spike
    assert (spike["level"], spike["category"], spike["region"]) == ("category×region", truth["category"],
                                                                    truth["region"])
    first = result.root[result.root["kind"] == "spike"].iloc[0]
    assert result.spike_table.loc[int(first["spike_index"])].equals(spike)
    series = result.main_spike_series
    assert set(series["level"]) == {"category×region"} and set(series["region"]) == {truth["region"]}
    assert (series["week"] >= result.chart_start).all() and series["flagged"].sum() == spike["weeks"]
    drivers = result.main_spike_drivers
    assert truth["carrier"] in set(drivers.loc[drivers["driver"], "level"])
    assert result.main_spike_terms is not None and len(result.main_spike_terms)
    during, usual = result.main_spike_texts
    assert 0 < during < usual  # 3 spike weeks against the 16 usual weeks around them


def test_main_spike_uses_the_exact_key_not_equal_numbers():
    """Two spikes with the same first week and the same excess: the old float-equality join could not tell
    them apart; the row key can."""
    week = pd.Timestamp("2025-03-03")
    table = pd.DataFrame({"level": ["category", "region"], "category": ["a", pd.NA], "region": [pd.NA, "x"],
                          "start": week, "end": week + pd.Timedelta(days=6), "excess": 40.0})
    root = pd.DataFrame({"kind": ["concentration", "spike"], "spike_index": [np.nan, 1]})
    assert C.main_spike(root, table)["level"] == "region"
    assert C.main_spike(root.iloc[:1], table) is None


def test_spike_text_window_is_eight_weeks_either_side_of_the_spike_weeks():
    days = pd.date_range("2025-01-01", "2025-08-31", freq="D")
    t = pd.DataFrame({"created_at": days + pd.Timedelta(hours=23), "category": ["a", "b"] * (len(days) // 2)
                      + ["a"] * (len(days) % 2), "description": "x"})
    spike = pd.Series({"level": "category", "category": "a", "start": pd.Timestamp("2025-04-07"),
                       "end": pd.Timestamp("2025-04-20")})
    near, during = C.spike_text_window(t, spike)
    assert set(near["category"]) == {"a"}
    assert near["created_at"].min() >= pd.Timestamp("2025-02-10") and near["created_at"].max() < pd.Timestamp("2025-06-16")
    assert near["created_at"].min() < pd.Timestamp("2025-02-12") and near["created_at"].max() > pd.Timestamp("2025-06-13")
    inside = near.loc[during, "created_at"]
    assert inside.min() >= spike["start"] and inside.max() < pd.Timestamp("2025-04-21") and during.sum() == 7


def test_rates_are_fractions_and_a_percent_target_is_refused(data):
    with pytest.raises(ParameterError, match=r"sla_target must be between 0 and 1 \(a fraction: write 0.80"):
        C.analyse(data, sla_target=80)
    with pytest.raises(ParameterError, match="max_levels must be a whole number"):
        C.analyse(data, max_levels=2.5)


def test_concentration_and_model_notes_are_codes(result):
    assert "note" not in result.concentration.summary  # no prose in results: notes are Note codes
    for test in result.concentration.tests.values():
        assert all(isinstance(n, Note) for n in test.notes)
    codes = {n.code for n in result.notes}
    assert "short_history" in codes and {"model_missing", "model_rare_reference"} <= codes
    for note in result.notes:
        for lang in ("en", "zh"):
            text = report.note_sentence(note, lang)
            assert text and "{" not in text and "tenure_lt6" not in text


def test_analysis_without_a_comparison_or_texts(data):
    partial = dataclasses.replace(data, tickets=data.tickets.drop(columns=["description", "resolved_at"]))
    out = C.analyse(partial, comparison=None, spike_lookback_weeks=20)
    assert out.comparison is None and out.changes is None and out.records()["changes"] is None
    assert {s.section for s in out.skipped} == {"spike_terms", "words", "resolution"}
    assert out.category_terms is None and out.resolution is None and out.main_spike_terms is None


@pytest.fixture
def shown(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    out = []
    monkeypatch.setattr(report, "display", out.append)
    yield out
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_section_shows_in_both_languages(result, shown, lang):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "FigureCanvasAgg is non-interactive")
        for show in (report.show_summary, report.show_root_causes, report.show_changes, report.show_pareto,
                     report.show_spikes, report.show_main_spike, report.show_concentration, report.show_outcomes,
                     report.show_resolution, report.show_words, report.show_appendix):
            before = len(shown)
            assert show(result, lang) is None
            assert len(shown) > before, show.__name__
    findings = report.findings(result, lang)
    assert 3 <= len(findings) <= 5
    text = " ".join(str(getattr(x, "data", "")) for x in shown)
    assert ("Logistics · East" if lang == "en" else "物流配送 · 华东") in text
    assert "short_history" not in text and "{" not in text.replace("{\\", "")


def test_spike_method_follows_the_history(result):
    en = report.spike_method_sentences(result, "en")
    assert en[0].startswith("The data hold 77 complete weeks") and "Bonferroni" in en[1]
    untested = dataclasses.replace(result, spikes=dataclasses.replace(
        result.spikes, tested=False, notes=(Note("spikes_not_tested", weeks=8, needed=17, window=13, extra=4),)))
    assert report.spike_method_sentences(untested, "en") == []
