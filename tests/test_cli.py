"""The `csm` command line: exit codes, messages, -p parsing, sample data, validate plumbing."""
from __future__ import annotations

import io
import json
import shutil
import sys
import types
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from csm.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
VALUES_CSV = "value,label\n1.5,东\n2.5,西\n4.0,南\n"


def make_project(root: Path, *, with_data: bool) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "params").mkdir()
    for name in ("good", "broken"):
        shutil.copy(FIXTURES / f"{name}.ipynb", root / "notebooks" / f"{name}.ipynb")
    if with_data:
        (root / "data" / "sample").mkdir(parents=True)
        (root / "data" / "sample" / "tickets.csv").write_text(VALUES_CSV, encoding="utf-8")
    return root


def fake_sample_module(calls: list) -> types.ModuleType:
    """Stand-in for csm.data.sample: records its calls and writes tickets.csv."""

    def write_sample(out_dir, **options):
        calls.append((Path(out_dir), options))
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        (Path(out_dir) / "tickets.csv").write_text(VALUES_CSV, encoding="utf-8")

    module = types.ModuleType("csm.data.sample")
    module.write_sample = write_sample
    return module


@pytest.fixture
def fake_sample(monkeypatch):
    calls = []
    monkeypatch.setitem(sys.modules, "csm.data.sample", fake_sample_module(calls))
    return calls


@pytest.fixture(scope="module")
def cli_project(tmp_path_factory):
    """A project with one good run 'first' made by `csm run good -p period_start=2026-05-01`,
    where the sample data did not exist yet and was generated first."""
    root = make_project(tmp_path_factory.mktemp("cli") / "proj", with_data=False)
    mp = pytest.MonkeyPatch()
    calls = []
    mp.setitem(sys.modules, "csm.data.sample", fake_sample_module(calls))
    mp.chdir(root / "notebooks")  # the project is found by walking up
    capture = {}
    try:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            capture["code"] = main(["run", "good", "-p", "period_start=2026-05-01", "-p", "threshold=1e-3",
                                    "--run-id", "first"])
        capture["out"], capture["err"] = out.getvalue(), err.getvalue()
    finally:
        mp.undo()
    capture["sample_calls"] = calls
    return root, capture


def test_run_exit_zero_prints_report_and_keeps_dates_as_strings(cli_project):
    root, capture = cli_project
    assert capture["code"] == 0, capture["err"]
    assert "Report: ../reports/first/" in capture["out"]  # relative to the cwd (notebooks/)
    assert "good" in capture["out"] and "ok" in capture["out"]
    # sample data generated first, with the generator's defaults, and the user told so
    assert capture["sample_calls"] == [((root / "data" / "sample").resolve(), {})]
    assert "Sample data not found; writing it" in capture["err"]
    assert "  good finished: ok (" in capture["err"]  # each notebook is told as it finishes
    manifest = json.loads((root / "reports" / "first" / "manifest.json").read_text(encoding="utf-8"))
    results = manifest["results"]["good"]
    assert results["period_start"] == "2026-05-01" and results["period_start_type"] == "str"
    assert results["threshold"] == 0.001
    assert manifest["command_line"].startswith("csm run good -p period_start=2026-05-01")


def test_unknown_parameter_exit_2_with_message_no_traceback(cli_project, capsys):
    root, _ = cli_project
    assert main(["run", "good", "-p", "titel=x", "--project", str(root)]) == 2
    err = capsys.readouterr().err
    assert "Unknown parameter 'titel'" in err and "Did you mean 'title'?" in err
    assert "Traceback" not in err


def test_existing_run_id_refused_exit_2(cli_project, capsys):
    root, _ = cli_project
    assert main(["run", "good", "--run-id", "first", "--project", str(root)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys):
    assert main([]) == 2
    assert main(["run", "-p", "no_equals_sign"]) == 2
    assert main(["validate", "x.csv"]) == 2  # --table is required
    err = capsys.readouterr().err
    assert "name=value" in err and "--table" in err
    for jobs in ("0", "-1", "two"):
        assert main(["run", "--jobs", jobs]) == 2
        assert "--jobs" in capsys.readouterr().err


def test_failing_notebook_exit_1(cli_project, capsys):
    root, _ = cli_project
    assert main(["run", "broken", "--project", str(root), "--run-id", "broken-run"]) == 1
    out = capsys.readouterr().out
    assert "broken" in out and "failed" in out and "cell 3: ValueError: planted failure" in out and "FAILED" in out
    assert (root / "reports" / "broken-run" / "broken.html").is_file()


def test_rerun_identical_refused_then_forced(cli_project, capsys):
    root, _ = cli_project
    manifest = root / "reports" / "first" / "manifest.json"
    assert main(["rerun", str(manifest)]) == 0
    assert "Results identical" in capsys.readouterr().out

    values = root / "data" / "sample" / "tickets.csv"
    original = values.read_bytes()
    try:
        values.write_text(VALUES_CSV + "9.0,北\n", encoding="utf-8")
        assert main(["rerun", str(manifest)]) == 2
        err = capsys.readouterr().err
        assert "data/sample/tickets.csv: changed (expected sha256" in err and "--force" in err
        assert main(["rerun", str(manifest), "--force"]) == 1
        out = capsys.readouterr().out
        assert "good.n_rows: 3 → 4" in out and "Results differ" in out
    finally:
        values.write_bytes(original)


def test_validate_prints_problems_and_summary(capsys, tmp_path):
    (tmp_path / "tickets.csv").write_text(
        "ticket_id,customer_id,created_at,channel,category\n"
        "1,c1,2025-03-01,phone,other\n2,c2,not a date,phone,other\n3,c3,2025-03-02,phone,other\n"
        "4,c4,yesterday,phone,other\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text("tables:\n  customers:\n    columns: {customer_id: Kunde}\n", encoding="utf-8")
    (tmp_path / "customers.csv").write_text("Kunde,signup_date\nk1,2024-01-01\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "tickets.csv"), "--table", "tickets"]) == 1
    out = capsys.readouterr().out
    assert "column 'created_at'" in out and "rows 3, 5" in out and "1 problem(s)" in out
    assert main(["validate", str(tmp_path / "customers.csv"), "--table", "customers",
                 "--mapping", str(tmp_path / "m.yaml")]) == 0
    assert "OK" in capsys.readouterr().out


def test_validate_unreadable_file_exit_1(capsys, tmp_path):
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    assert main(["validate", str(tmp_path / "broken.xlsx"), "--table", "tickets"]) == 1
    captured = capsys.readouterr()
    assert "broken.xlsx" in captured.out + captured.err and "xlsx" in (captured.out + captured.err).lower()


def test_sample_data_passes_options(fake_sample, tmp_path, capsys):
    out_dir = tmp_path / "out"
    assert main(["sample-data", "--out", str(out_dir), "--seed", "7", "--customers", "50", "--format", "csv"]) == 0
    assert fake_sample == [(out_dir, {"seed": 7, "customers": 50, "fmt": "csv"})]
    assert "Sample data written to" in capsys.readouterr().out
