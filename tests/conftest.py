"""Shared pytest configuration and fixtures.

Fixture notebooks under tests/fixtures are inputs of the runner tests, not
regression notebooks: nbval must not collect them.
"""
import json
import os
from pathlib import Path

import pytest

from csm.cli import main

ROOT = Path(__file__).resolve().parents[1]
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """`csm run` (every notebook) on the bundled sample data, once per test session: (exit code, reports dir)."""
    reports = tmp_path_factory.mktemp("reports")
    code = main(["run", "--project", str(ROOT), "--reports-dir", str(reports)])
    return code, reports


@pytest.fixture(scope="session")
def sample_results(sample_run):
    """``results`` of the sample run's manifest: notebook name -> recorded headline results."""
    _, reports = sample_run
    (manifest,) = reports.glob("*/manifest.json")
    return json.loads(manifest.read_text(encoding="utf-8"))["results"]


# --- partial and real-shaped data: shared by the missing-input matrix tests of every report ---

SAMPLE = ROOT / "data" / "sample"
TABLE_NAMES = ("tickets", "responses", "customers", "transactions", "assignments")


def write_partial_sample(folder: Path, *, drop_tables=(), drop_columns=None) -> Path:
    """A copy of the bundled sample in ``folder`` (Parquet) without ``drop_tables`` and with
    ``drop_columns`` ({table: [column, ...]}) removed; returns the folder. The sample is never modified."""
    import pandas as pd

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    drop_columns = drop_columns or {}
    unknown = (set(drop_tables) | set(drop_columns)) - set(TABLE_NAMES)
    assert not unknown, f"unknown tables {sorted(unknown)}"
    for name in TABLE_NAMES:
        if name in drop_tables:
            continue
        frame = pd.read_parquet(SAMPLE / f"{name}.parquet")
        missing = set(drop_columns.get(name, ())) - set(frame.columns)
        assert not missing, f"sample table {name} has no columns {sorted(missing)}"
        frame.drop(columns=list(drop_columns.get(name, ()))).to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def run_report(name: str, reports: Path, *params: str) -> tuple[int, dict, str]:
    """`csm run NAME` with ``-p`` assignments ``params`` into ``reports``:
    (exit code, manifest, the report's HTML text or "" when there is none)."""
    reports = Path(reports)
    argv = ["run", name, "--project", str(ROOT), "--reports-dir", str(reports)]
    for assignment in params:
        argv += ["-p", assignment]
    code = main(argv)
    manifests = sorted(reports.glob("*/manifest.json"))
    manifest = json.loads(manifests[-1].read_text(encoding="utf-8")) if manifests else {}
    html_files = sorted(reports.glob(f"*/{name}.html"))
    html = html_files[-1].read_text(encoding="utf-8") if html_files else ""
    return code, manifest, html


@pytest.fixture(scope="session", autouse=True)
def chart_theme():
    """Every test draws with the project theme, as a notebook does after its first cell's ``use_theme()``
    (importing a chart module applies nothing)."""
    from csm.report.theme import use_theme

    use_theme()


@pytest.fixture(scope="session")
def spark_engine():
    """One local Spark session (csm.engine.spark, local[*]) for the whole test run, shared by every Spark test
    (a session costs ~25 s to start). Skipped with the reason where Spark cannot start; with CSM_REQUIRE_SPARK
    set (CI's Spark stage) that is a failure instead, so a broken setup cannot pass as skipped tests."""
    from csm.engine import spark as engine_spark

    ok, why = engine_spark.spark_available()
    if not ok:
        if os.environ.get("CSM_REQUIRE_SPARK"):
            pytest.fail(f"CSM_REQUIRE_SPARK is set but Spark is not available: {why}")
        pytest.skip(f"Spark is not available here: {why}")
    engine = engine_spark.connect_spark()
    yield engine
    engine.close()
