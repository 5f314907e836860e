"""The report runner: papermill runs, HTML export, manifest, failures, rerun, parameter safety.

Kernels are slow to start (~1-3 s each), so a handful of runs on one small
project are shared by the tests of this module; the other tests need no kernel.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from csm.errors import ParameterError, RunError
from csm.report.results import RESULT_MIMETYPE, collect, to_json_safe
from csm.run import (
    compare_results,
    find_project,
    parse_parameter_assignment,
    parse_parameter_value,
    plan_reports,
    rerun,
    resolve_path_parameters,
    run_reports,
)

FIXTURES = Path(__file__).parent / "fixtures"
VALUES_CSV = "value,label\n1.5,东\n2.5,西\n4.0,南\n"
PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg=="


def make_project(root: Path, notebooks=("good", "broken"), *, with_data: bool = True) -> Path:
    """A mini project: notebooks/, params/, data/sample/tickets.csv, mapping.yaml."""
    (root / "notebooks").mkdir(parents=True)
    (root / "params").mkdir()
    for name in notebooks:
        shutil.copy(FIXTURES / f"{name}.ipynb", root / "notebooks" / f"{name}.ipynb")
    if with_data:
        (root / "data" / "sample").mkdir(parents=True)
        (root / "data" / "sample" / "tickets.csv").write_text(VALUES_CSV, encoding="utf-8")
    (root / "mapping.yaml").write_text("tickets: {}\n", encoding="utf-8")
    (root / "params" / "good.yaml").write_text("title: 月度报告\nmapping: mapping.yaml\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("proj"))


def dangerous_title(sentinel: Path) -> str:
    """A parameter value that would run code, or break the string, if it were pasted into code."""
    return (
        f"\"'; __import__('os').system('touch {sentinel}') #\n"
        f"''' \"\"\" \\\" \\' \\n \\\\ {{x}} %s 中文 标题\n"
        f"__import__('pathlib').Path({str(sentinel)!r}).touch()"
    )


@pytest.fixture(scope="module")
def base_run(project):
    """One good run (the 'good' notebook only) with run id 'base' and a hostile title."""
    sentinel = project / "INJECTED"
    title = dangerous_title(sentinel)
    result = run_reports(
        ["good"], project=project, overrides={"title": title, "period_start": "2026-05-01"},
        run_id="base", kernel_name="python3",
    )
    return result, title, sentinel


# --------------------------------------------------------------------------- a good run

def test_good_run_writes_executed_notebook_html_and_manifest(project, base_run):
    result, title, _ = base_run
    assert result.ok and result.exit_code == 0
    folder = project / "reports" / "base"
    assert result.report_dir == folder
    assert {p.name for p in folder.iterdir()} == {"good.ipynb", "good.html", "manifest.json"}
    assert not list((project / "reports").glob(".tmp-*"))

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == "base" and manifest["status"] == "ok"
    entry = manifest["notebooks"]["good"]
    assert entry["status"] == "ok" and entry["error"] is None and entry["duration_s"] > 0
    # results recorded by the notebook, computed from tickets.csv
    results = manifest["results"]["good"]
    assert results["n_rows"] == 3
    assert results["mean_value"] == pytest.approx((1.5 + 2.5 + 4.0) / 3, rel=1e-15)
    assert results["table"] == [{"value": 1.5, "label": "东"}, {"value": 2.5, "label": "西"},
                                {"value": 4.0, "label": "南"}]
    assert results["threshold"] == 0.5  # the notebook default (not given)
    assert results["kernel_prefix"] == sys.prefix  # the kernel runs in this environment
    # parameters as given (merged: params/good.yaml, then overrides) and as resolved
    given, resolved = entry["parameters"]["given"], entry["parameters"]["resolved"]
    assert given == {"title": title, "mapping": "mapping.yaml", "period_start": "2026-05-01"}
    assert resolved["mapping"] == str(project / "mapping.yaml")
    assert entry["parameters"]["sources"] == {"title": "-p", "mapping": "params/good.yaml", "period_start": "-p"}
    # inputs: the table files of the data_dir (the notebook default ../data/sample) and the mapping file
    values = project / "data" / "sample" / "tickets.csv"
    assert manifest["inputs"] == {
        "data/sample/tickets.csv": {"sha256": hashlib.sha256(values.read_bytes()).hexdigest(),
                                   "size": values.stat().st_size},
        "mapping.yaml": {"sha256": hashlib.sha256((project / "mapping.yaml").read_bytes()).hexdigest(),
                         "size": (project / "mapping.yaml").stat().st_size},
    }
    # environment
    assert set(manifest["packages"]) >= {"pandas", "numpy", "papermill", "statsmodels", "seaborn", "matplotlib",
                                         "textblob", "scipy"}
    assert manifest["packages"]["pandas"] == pd.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", manifest["python"]["version"])
    start, end = (datetime.fromisoformat(manifest[k]) for k in ("started_utc", "finished_utc"))
    assert start.utcoffset().total_seconds() == 0 and start <= end
    assert "csm_version" in manifest and "git_commit" in manifest and manifest["command_line"]
    # the executed notebook holds the injected parameters and the outputs
    executed = nbformat.read(folder / "good.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    assert collect(executed) == results
    # latest.json and index.html
    assert json.loads((project / "reports" / "latest.json").read_text())["folder"] == "base"
    assert 'href="base/good.html"' in (project / "reports" / "index.html").read_text(encoding="utf-8")


def test_html_report_is_self_contained_without_code(project, base_run):
    page = (project / "reports" / "base" / "good.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8"' in page
    assert 'src="http' not in page and 'href="http' not in page and "src='http" not in page
    assert "区域 华东: 平均值 2.667" in page  # printed output, Chinese intact
    assert "客服周报" in page  # markdown heading
    assert PNG_BASE64 in page  # image embedded as a data URI
    for hidden in ("CODE_MARKER", "must-not-reach-the-html", "read_csv", "import pandas",  # code
                   RESULT_MIMETYPE, "period_start_type",  # recorded results
                   "__import__", "threshold = 0.5", "Parameters"):  # parameters cells
        assert hidden not in page, hidden


def test_parameter_values_arrive_as_exact_strings_and_never_run(project, base_run):
    _, title, sentinel = base_run
    results = json.loads((project / "reports" / "base" / "manifest.json").read_text(encoding="utf-8"))["results"]
    assert results["good"]["title"] == title
    assert results["good"]["period_start"] == "2026-05-01"
    assert results["good"]["period_start_type"] == "str"
    assert not sentinel.exists()


def test_git_commit_recorded_when_the_project_is_a_repository(tmp_path):
    from csm.run.manifest import git_commit, git_dirty

    assert git_commit(tmp_path) is None or shutil.which("git") is None
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    run = lambda *a: subprocess.run(["git", "-C", str(tmp_path), *a], check=True, capture_output=True)  # noqa: E731
    run("init", "-q")
    (tmp_path / "f.txt").write_text("x")
    run("add", "f.txt")
    run("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "x")
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert git_commit(tmp_path) == head.strip()
    assert git_dirty(tmp_path) is False
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "x.ipynb").write_text("{}")
    assert git_dirty(tmp_path) is True  # an uncommitted notebook: the commit alone does not reproduce the run


def test_export_html_drops_results_parameters_code_and_external_resources(tmp_path, recwarn):
    from csm.report.html import export_html

    nb = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell('title = "INJECTED-SOURCE"')
    injected.metadata["tags"] = ["injected-parameters"]
    injected.outputs = [nbformat.v4.new_output("stream", name="stdout", text="INJECTED-OUTPUT\n")]
    body = nbformat.v4.new_code_cell("SOURCE-MARKER = 1")
    body.outputs = [
        nbformat.v4.new_output("display_data", data={RESULT_MIMETYPE: {"key": "k", "value": 1}}),
        nbformat.v4.new_output("stream", name="stdout", text="visible 可见\n"),
        nbformat.v4.new_output("display_data", data={
            "text/html": '<script src="https://cdn.example.com/x.js"></script>'
                         '<link rel="stylesheet" href="http://cdn.example.com/x.css"><b>bold</b>'}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# 标题"), injected, body]
    page = export_html(nb, tmp_path / "r.html", title="r").read_text(encoding="utf-8")

    assert page.count('class="jp-OutputArea-child"') == 2  # the stream and the HTML output only
    assert "visible 可见" in page and "<b>bold</b>" in page and "标题" in page
    for hidden in ("INJECTED-SOURCE", "INJECTED-OUTPUT", "SOURCE-MARKER", "cdn.example.com"):
        assert hidden not in page, hidden
    assert not [w for w in recwarn if "not able to be represented" in str(w.message)]


# --------------------------------------------------------------------------- failures and replacing

def test_existing_report_is_not_replaced_without_force(project, base_run):
    with pytest.raises(RunError, match="already exists.*--force"):
        run_reports(["good"], project=project, run_id="base")


def test_failing_notebook_keeps_error_others_run_and_good_report_survives(project, base_run, capfd):
    base = project / "reports" / "base"
    before = (base / "manifest.json").read_bytes()

    capfd.readouterr()
    result = run_reports(None, project=project, run_id="base", force=True, kernel_name="python3", jobs=2)  # parallel
    # the kernels talk over private Unix sockets: no "running over TCP without encryption" warning in cron logs
    assert "without encryption" not in capfd.readouterr().err

    assert not result.ok and result.exit_code == 1
    assert [nb.name for nb in result.notebooks] == ["broken", "good"]
    broken, good = result.notebooks
    assert broken.status == "failed" and good.status == "ok"  # the failure did not stop 'good'
    assert (broken.error.notebook, broken.error.cell, broken.error.exception, broken.error.message) == (
        "broken", 3, "ValueError", "planted failure 计划中的错误")  # the RunError says where and what
    assert str(broken.error) == "notebook 'broken', cell 3: ValueError: planted failure 计划中的错误"
    assert good.results["n_rows"] == 3
    # the old, good report is untouched; this run is kept aside
    assert result.previous_kept and not result.replaced_previous
    assert (base / "manifest.json").read_bytes() == before
    assert result.report_dir.name.startswith("base.failed-") and result.report_dir.is_dir()
    assert json.loads((project / "reports" / "latest.json").read_text())["folder"] == "base"
    # the error, where it happened, and the executed notebook with its error output
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    error = manifest["notebooks"]["broken"]["error"]
    assert error["cell_index"] == 3  # 0-based in notebooks/broken.ipynb: the `raise` cell
    assert error["exception"] == "ValueError" and error["message"] == "planted failure 计划中的错误"
    executed = nbformat.read(result.report_dir / "broken.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert any(o.output_type == "error" and o.ename == "ValueError" for o in outputs)
    assert any(o.output_type == "stream" and "before the failure" in o.text for o in outputs)
    assert not any(o.output_type == "stream" and "never reached" in o.text for o in outputs)
    page = (result.report_dir / "broken.html").read_text(encoding="utf-8")
    assert "planted failure 计划中的错误" in page and 'src="http' not in page
    # a failed notebook gets no report made of papermill's traceback: a page for a manager says which report, the
    # message, what to do and whom to ask (run id, the folder it ended up in, the executed notebook);
    # no traceback, no code, no output that ran before the failure
    assert "Report failed: broken" in page and "step" not in page.split("<body", 1)[1]  # no cell numbers
    assert "What to do" in page and "unexpected problem in the report itself" in page  # not a DataError
    assert f"the run id base and the folder {result.report_dir}." in page
    assert "The executed notebook broken.ipynb in that folder holds the technical details." in page
    for absent in ("Traceback", "raise ValueError", "before the failure", "<pre", "<script", "ValueError"):
        assert absent not in page, absent
    good_page = (result.report_dir / "good.html").read_text(encoding="utf-8")
    assert "failed" not in good_page.split("<body", 1)[1][:2000]  # the good notebook's report is a report
    # the index lists both runs with their status
    index = (project / "reports" / "index.html").read_text(encoding="utf-8")
    broken_row = re.search(rf'<tr><td><a href="{re.escape(result.report_dir.name)}/broken.html">broken</a></td>'
                           r'<td>(.*?)</td>', index).group(1)
    assert '<span class="status status-failed">failed</span>' in broken_row
    assert "planted failure 计划中的错误" in broken_row  # the reason, in the index


def _comparable(notebook_path: Path) -> list:
    """An executed notebook's cells without papermill's timings: what a reader and nbval see."""
    executed = nbformat.read(notebook_path, as_version=4)
    return [(c.cell_type, c.source, json.dumps(c.get("outputs", []), sort_keys=True)) for c in executed.cells]


def test_parallel_kernels_give_the_same_reports_as_one_after_the_other(tmp_path):
    project = make_project(tmp_path / "p")
    cwd = os.getcwd()
    one = run_reports(None, project=project, run_id="one", jobs=1)
    two = run_reports(None, project=project, run_id="two", jobs=2)
    assert [nb.name for nb in one.notebooks] == [nb.name for nb in two.notebooks] == ["broken", "good"]
    first, second = (json.loads(r.manifest_path.read_text(encoding="utf-8")) for r in (one, two))
    assert list(first["notebooks"]) == list(second["notebooks"]) == ["broken", "good"]  # the order asked for
    assert first["jobs"] == 1 and second["jobs"] == 2
    assert first["results"] == second["results"] and first["inputs"] == second["inputs"]
    for name in ("broken", "good"):
        a, b = first["notebooks"][name], second["notebooks"][name]
        assert (a["status"], a["error"], a["parameters"]) == (b["status"], b["error"], b["parameters"])
        assert _comparable(one.report_dir / f"{name}.ipynb") == _comparable(two.report_dir / f"{name}.ipynb")
    assert (one.report_dir / "good.html").read_bytes() == (two.report_dir / "good.html").read_bytes()
    assert [nb.error for nb in one.notebooks][0].cell == [nb.error for nb in two.notebooks][0].cell == 3
    assert os.getcwd() == cwd  # the kernels start in notebooks/; this process's folder never changes
    with pytest.raises(ParameterError, match="at least 1"):
        run_reports(["good"], project=project, jobs=0)


# --------------------------------------------------------------------------- rerun

def test_rerun_identical_then_refused_on_changed_input_then_forced(project, base_run):
    manifest = project / "reports" / "base" / "manifest.json"
    same = rerun(manifest, kernel_name="python3")
    assert same.identical and same.exit_code == 0 and same.differences == []
    assert same.run.report_dir.parent == project / "reports" and same.run.report_dir.name != "base"
    new_manifest = json.loads(same.run.manifest_path.read_text(encoding="utf-8"))
    assert new_manifest["rerun_of"]["run_id"] == "base" and new_manifest["rerun_of"]["identical"] is True
    # the rerun used the stored resolved parameters, hostile title included
    assert new_manifest["results"]["good"]["title"] == base_run[1]

    values = project / "data" / "sample" / "tickets.csv"
    original = values.read_bytes()
    try:
        values.write_text(VALUES_CSV + "9.0,北\n", encoding="utf-8")
        with pytest.raises(RunError) as refused:
            rerun(manifest)
        message = str(refused.value)
        assert "data/sample/tickets.csv" in message
        assert hashlib.sha256(original).hexdigest() in message
        assert hashlib.sha256(values.read_bytes()).hexdigest() in message

        forced = rerun(manifest, force=True, kernel_name="python3")
        assert forced.run.ok and not forced.identical and forced.exit_code == 1
        assert [c.path for c in forced.input_changes] == ["data/sample/tickets.csv"]
        differing = {d.key for d in forced.differences}
        assert differing == {"n_rows", "mean_value", "table"}
        n_rows = next(d for d in forced.differences if d.key == "n_rows")
        assert (n_rows.old, n_rows.new) == (3, 4)
    finally:
        values.write_bytes(original)


# --------------------------------------------------------------------------- parameters (no kernel)

def test_unknown_parameter_names_the_notebook_and_suggests(project):
    with pytest.raises(ParameterError) as err:
        plan_reports(["good"], project=project, overrides={"titel": "x"})
    message = str(err.value)
    assert "'titel'" in message and "Did you mean 'title'?" in message
    assert "data_dir, mapping, period_start, threshold, title" in message


def test_unknown_parameter_in_stored_params_file_names_the_file(tmp_path):
    project = make_project(tmp_path / "p", notebooks=("good",))
    (project / "params" / "good.yaml").write_text("treshold: 1\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"params/good.yaml.*Did you mean 'threshold'"):
        plan_reports(None, project=project)


def test_unknown_notebook_is_refused_with_suggestion(project):
    with pytest.raises(ParameterError, match="No notebook 'godo'.*Did you mean 'good'"):
        plan_reports(["godo"], project=project)


def test_parameters_merge_stored_then_file_then_overrides_and_resolve_paths(project, tmp_path):
    params_file = tmp_path / "set.yaml"
    params_file.write_text("notebook: good\ntitle: from file\nthreshold: 0.7\ndata_dir: other/data\n"
                           "period_start: 2026-05-01\n", encoding="utf-8")
    [plan] = plan_reports(None, project=project, params_file=params_file, overrides={"threshold": 0.9})
    assert plan.name == "good"  # chosen by the file's `notebook:` key
    assert plan.given == {"title": "from file", "mapping": "mapping.yaml", "threshold": 0.9, "data_dir": "other/data",
                          "period_start": "2026-05-01"}  # a date in YAML stays a string
    assert plan.resolved["data_dir"] == str(project / "other" / "data")
    assert plan.data_dir == project / "other" / "data"
    assert plan.sources["threshold"] == "-p" and plan.sources["title"].startswith("--params")
    with pytest.raises(ParameterError, match="stored for notebook 'good'"):
        plan_reports(["broken"], project=project, params_file=params_file)


def test_run_wide_override_goes_only_to_notebooks_that_take_it(project):
    plans = {p.name: p for p in plan_reports(None, project=project, overrides={"title": "T"})}
    assert plans["good"].given["title"] == "T"
    assert "title" not in plans["broken"].given and plans["broken"].ignored == {"title": "T"}


def test_path_parameters_resolve_against_the_project():
    project = Path("/srv/proj")
    resolved = resolve_path_parameters(
        {"data_dir": "data/x", "mapping": "/abs/m.yaml", "out_file": "../o.csv", "title": "data/x", "n_dir": 3},
        project,
    )
    assert resolved == {"data_dir": "/srv/proj/data/x", "mapping": "/abs/m.yaml", "out_file": "/srv/o.csv",
                        "title": "data/x", "n_dir": 3}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-05-01", "2026-05-01"),
        ("2026-05-01 10:00:00", "2026-05-01 10:00:00"),
        ("2026-05-01T10:00:00Z", "2026-05-01T10:00:00Z"),
        ("3", 3), ("-3", -3), ("0.5", 0.5), ("1e-3", 0.001), (".5", 0.5),
        ("true", True), ("False", False), ("null", None), ("", None),
        ("yes", "yes"), ("off", "off"), ("010", "010"), ("10:30", "10:30"),
        ("zh", "zh"), ("Report: May #1", "Report: May #1"),
        ("'123'", "123"), ('"a\\nb"', "a\nb"),
        ("[north, 2026-01-01, 3]", ["north", "2026-01-01", 3]),
    ],
)
def test_parameter_values_are_yaml_but_dates_stay_strings(text, expected):
    value = parse_parameter_value(text)
    assert value == expected and type(value) is type(expected)


def test_parameter_assignment_errors():
    assert parse_parameter_assignment("period_start=2026-05-01") == ("period_start", "2026-05-01")
    assert parse_parameter_assignment("title=a=b") == ("title", "a=b")
    for bad in ("novalue", "=3", "two words=1"):
        with pytest.raises(ParameterError, match="name=value"):
            parse_parameter_assignment(bad)


def test_non_data_parameter_values_are_refused(project):
    for bad in (float("nan"), object(), {"a": {1: 2}}):
        with pytest.raises(ParameterError):
            plan_reports(["good"], project=project, overrides={"threshold": bad})


def test_find_project_walks_up(project):
    assert find_project(project / "notebooks") == project
    with pytest.raises(ParameterError, match="No csm project"):
        find_project(Path("/"))


# --------------------------------------------------------------------------- comparing results

def test_compare_results_tolerance_and_exactness():
    old = {"nb": {"f": 1.0, "i": 3, "s": "a", "b": True, "rows": [{"x": 1.0}, {"x": 2.0}], "gone": 1}}
    same = {"nb": {"f": 1.0 + 1e-12, "i": 3, "s": "a", "b": True, "rows": [{"x": 1.0}, {"x": 2.0 * (1 + 5e-10)}],
                   "gone": 1}}
    assert compare_results(old, same) == []
    new = {"nb": {"f": 1.0 + 1e-6, "i": 4, "s": "b", "b": 1, "rows": [{"x": 1.0}, {"x": 2.1}], "new": 0}}
    diffs = {d.key: d for d in compare_results(old, new)}
    assert set(diffs) == {"f", "i", "s", "b", "rows", "gone", "new"}
    assert diffs["rows"].where == "[1]['x']"
    assert str(diffs["rows"]) == "nb.rows[1]['x']: 2.0 → 2.1"


# --------------------------------------------------------------------------- results recording

def test_to_json_safe_converts_pandas_and_numpy():
    frame = pd.DataFrame({
        "region": ["华东", "north"],
        "n": np.array([3, 4], dtype="int64"),
        "rate": [0.25, np.nan],
        "day": [pd.Timestamp("2026-05-01 08:30"), pd.NaT],
    })
    assert to_json_safe(frame) == [
        {"region": "华东", "n": 3, "rate": 0.25, "day": "2026-05-01T08:30:00"},
        {"region": "north", "n": 4, "rate": None, "day": None},
    ]
    indexed = frame.set_index("region")[["n"]]
    assert to_json_safe(indexed) == [{"region": "华东", "n": 3}, {"region": "north", "n": 4}]
    converted = to_json_safe({"a": np.float64(0.5), "b": np.int32(2), "c": np.bool_(True), "d": (1, pd.NA),
                              "e": np.array([1.5, np.inf]), 7: "seven"})
    assert converted == {"a": 0.5, "b": 2, "c": True, "d": [1, None], "e": [1.5, None], "7": "seven"}
    assert type(converted["b"]) is int and type(converted["c"]) is bool
    json.dumps(converted, allow_nan=False)
    with pytest.raises(TypeError, match=r"value\['x'\]\[0\].*object"):
        to_json_safe({"x": [object()]})


def test_collect_merges_results_in_cell_order():
    def result_output(key, value):
        return nbformat.v4.new_output("display_data", data={RESULT_MIMETYPE: {"key": key, "value": value}})

    nb = nbformat.v4.new_notebook()
    first, second = nbformat.v4.new_code_cell("a"), nbformat.v4.new_code_cell("b")
    first.outputs = [result_output("k", 1), nbformat.v4.new_output("stream", name="stdout", text="x"),
                     result_output("rows", [{"a": 1}])]
    second.outputs = [result_output("k", 2)]
    nb.cells = [nbformat.v4.new_markdown_cell("m"), first, second]
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)  # as stored on disk
    assert collect(nb) == {"k": 2, "rows": [{"a": 1}]}
    assert type(collect(nb)["rows"][0]) is dict


def test_default_kernel_is_this_python_even_when_a_foreign_python3_kernelspec_wins(tmp_path, monkeypatch):
    """A `python3` kernelspec elsewhere on the machine (another Python, or a broken one) must not be used."""
    foreign = tmp_path / "jupyter" / "kernels" / "python3"
    foreign.mkdir(parents=True)
    (foreign / "kernel.json").write_text(json.dumps(
        {"argv": ["/bin/false", "-f", "{connection_file}"], "display_name": "foreign", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))  # searched before every other kernel folder
    proj = make_project(tmp_path / "proj", notebooks=("good",))
    result = run_reports(["good"], project=proj, run_id="k")
    assert result.ok, result.notebooks


def test_a_parallel_run_starts_the_notebooks_that_took_longest_before(tmp_path):
    from csm.run.manifest import previous_durations

    reports = tmp_path / "reports"
    for folder, started, entries in [
        ("old", "2026-01-01T00:00:00+00:00", {"a": ("ok", 50.0), "b": ("ok", 5.0), "c": ("ok", 9.0)}),
        ("new", "2026-02-01T00:00:00+00:00", {"a": ("ok", 10.0), "b": ("failed", 0.5)}),
    ]:
        (reports / folder).mkdir(parents=True)
        notebooks = {name: {"status": status, "duration_s": seconds} for name, (status, seconds) in entries.items()}
        (reports / folder / "manifest.json").write_text(json.dumps({"started_utc": started, "notebooks": notebooks}))
    (reports / "broken").mkdir()
    (reports / "broken" / "manifest.json").write_text("{not json")
    # the newest successful time of each: a from 'new', b from 'old' (it failed in 'new'), d never ran
    assert previous_durations(reports, ["a", "b", "d"]) == {"a": 10.0, "b": 5.0}
    assert previous_durations(tmp_path / "nowhere", ["a"]) == {}
