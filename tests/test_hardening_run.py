"""Hardening of the run side (issue 15): rerun trusts nothing in a manifest, inputs are only the files the
tables are read from, dead kernels / time limits / signals end a run within seconds, one run per run id,
malformed manifests, parameters checked before a kernel starts, OS errors as one line, no PII in errors.

Every test builds a tiny project in tmp_path (a notebook starts a kernel in ~1-2 s); nothing here runs
a full report.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from csm.cli import main
from csm.errors import ParameterError, RunError
from csm.run import (
    hash_inputs,
    plan_reports,
    rerun,
    run_reports,
    write_index,
)
from csm.run.manifest import check_run_id

ROOT = Path(__file__).resolve().parents[1]
TICKETS = "ticket_id,customer_id\nt1,c1\nt2,c2\nt3,c1\n"

GOOD = """\
from pathlib import Path
import pandas as pd
from csm.report.results import record
tickets = pd.read_csv(Path(data_dir) / "tickets.csv")
record("n_rows", len(tickets))
record("lang", lang)
print("rows", len(tickets))
"""
SLEEPER = """\
import os, subprocess, time
from pathlib import Path
from csm.report.results import record
child = subprocess.Popen(["sleep", str(seconds + 30)])  # a process the kernel started: must die with it
Path(pid_file + ".child").write_text(str(child.pid))
Path(pid_file).write_text(str(os.getpid()))
print("started", flush=True)
time.sleep(seconds)
record("slept", seconds)
"""
KILLER = """\
import os, signal
import time
print("before the kill", flush=True)
time.sleep(0.5)  # let the output reach the runner before the kernel dies
if how == "kill9":
    os.kill(os.getpid(), signal.SIGKILL)
elif how == "exit":
    os._exit(3)
elif how == "segv":
    os.kill(os.getpid(), signal.SIGSEGV)
"""
PII = """\
raise ValueError("customer 张伟 13812345678 <zhang.wei@example.com> id 11010519491231002X failed")
"""


def _notebook(path: Path, parameters: str, code: str, *, after: str = 'print("after")') -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"), cell, nbformat.v4.new_code_cell(code),
                nbformat.v4.new_code_cell(after)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def make_project(root: Path) -> Path:
    """notebooks good / sleeper / killer / pii, data/sample/tickets.csv (+ an unrelated file)."""
    (root / "notebooks").mkdir(parents=True)
    (root / "params").mkdir()
    nbs = root / "notebooks"
    _notebook(nbs / "good.ipynb", 'data_dir = "../data/sample"  # folder\nmapping = None  # mapping\n'
                                  'lang = "en"  # language', GOOD)
    _notebook(nbs / "sleeper.ipynb", 'seconds = 60  # how long\npid_file = "pid.txt"  # where the pid goes', SLEEPER)
    _notebook(nbs / "killer.ipynb", 'how = "kill9"  # how the kernel dies', KILLER)
    _notebook(nbs / "pii.ipynb", 'lang = "zh"  # language', PII)
    (root / "data" / "sample").mkdir(parents=True)
    (root / "data" / "sample" / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    (root / "data" / "sample" / "notes.txt").write_text("not a table\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("hard") / "proj")


@pytest.fixture(scope="module")
def base(project):
    """One good run 'base' of the good notebook."""
    result = run_reports(["good"], project=project, run_id="base")
    assert result.ok
    return project / "reports" / "base" / "manifest.json"


def _tampered(manifest: Path, run_id: str, edit) -> Path:
    """A copy of run folder ``manifest`` as ``reports/<run_id>/`` with ``edit(manifest dict)`` applied."""
    folder = manifest.parent.parent / run_id
    folder.mkdir()
    data = json.loads(manifest.read_text(encoding="utf-8"))
    edit(data)
    (folder / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    return folder / "manifest.json"


def _folders(reports: Path) -> set[str]:
    return {p.name for p in reports.iterdir()}


# --------------------------------------------------------------------------- 1. rerun trusts nothing

@pytest.mark.parametrize("hostile", ["../evil", "/tmp/evil", "good/../../evil", "..", "good\n", ".good"])
def test_rerun_runs_only_plain_names_of_the_projects_notebooks(project, base, hostile):
    evil = project / "evil.ipynb"  # beside notebooks/: what '../evil' would run
    _notebook(evil, "x = 1  # x", f"open({str(project / 'PWNED')!r}, 'w').write('x')")

    def edit(m):
        m["notebooks"] = {hostile: m["notebooks"]["good"]}
    tampered = _tampered(base, f"evil-{abs(hash(hostile))}", edit)
    before = _folders(project / "reports")
    with pytest.raises(RunError, match="is not a notebook of the project"):
        rerun(tampered, force=True)
    assert not (project / "PWNED").exists() and _folders(project / "reports") == before


def test_rerun_rederives_inputs_from_the_parameters_it_runs_with(project, base, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "tickets.csv").write_text(TICKETS + "t4,c9\n", encoding="utf-8")

    def edit(m):  # both given and resolved edited consistently: only the inputs can tell
        for key in ("given", "resolved"):
            m["notebooks"]["good"]["parameters"][key]["data_dir"] = str(other)
    tampered = _tampered(base, "edited-data-dir", edit)
    with pytest.raises(RunError) as refused:
        rerun(tampered)
    message = str(refused.value)
    assert f"{other / 'tickets.csv'}: new file not in the manifest" in message
    assert "--force" in message


def test_rerun_refuses_once_naming_every_difference(project, base, tmp_path):
    """Changed data, changed notebook source, a project field pointing elsewhere, resolved parameters
    that do not follow from the given ones: one RunError listing all, and a note on the git commit."""
    elsewhere = make_project(tmp_path / "elsewhere")

    def edit(m):
        m["project"] = str(elsewhere)
        m["git_commit"] = "0" * 40
        m["notebooks"]["good"]["source_sha256"] = "f" * 64
        m["notebooks"]["good"]["parameters"]["resolved"]["lang"] = "zh"
        m["inputs"]["data/sample/tickets.csv"]["sha256"] = "e" * 64
    tampered = _tampered(base, "many-differences", edit)
    before = _folders(project / "reports")
    with pytest.raises(RunError) as refused:
        rerun(tampered)
    message = str(refused.value)
    assert "data/sample/tickets.csv: changed (expected sha256 " + "e" * 64 in message
    assert "notebook notebooks/good.ipynb: changed since the run (recorded sha256 " + "f" * 64 in message
    assert f"project: the manifest says {str(elsewhere)!r}" in message and str(project) in message
    assert "resolved parameter(s) lang do not follow from the given ones" in message
    assert "(note) git commit: the run was made at " + "0" * 40 in message
    assert _folders(project / "reports") == before  # nothing ran

    forced = rerun(tampered, force=True)  # forced: this project's notebook runs, and the results are compared
    assert forced.run.ok and forced.run.report_dir.parent == project / "reports"
    assert {d.key for d in forced.differences} == {"lang"}  # resolved lang=zh ran, recorded en
    assert len(forced.source_changes) == 3 and forced.notes


@pytest.mark.parametrize("roots", [["/proc/self", "/"], "not a list"])
def test_rerun_ignores_recorded_input_roots(project, base, roots):
    def edit(m):
        m["input_roots"] = roots
    tampered = _tampered(base, f"roots-{abs(hash(str(roots)))}", edit)
    again = rerun(tampered)
    assert again.identical and again.input_changes == []


def test_odd_data_dir_in_a_manifest_gives_a_message_not_a_traceback(project, base, capsys):
    def edit(m):
        for key in ("given", "resolved"):
            m["notebooks"]["good"]["parameters"][key]["data_dir"] = "/proc/self"
    tampered = _tampered(base, "proc-self", edit)
    assert main(["rerun", str(tampered)]) == 2
    err = capsys.readouterr().err
    assert "data/sample/tickets.csv: an input of the run that the rerun would not read" in err
    assert "Traceback" not in err and "--force" in err


def test_manifest_outside_a_reports_folder_is_refused(project, base, tmp_path, capsys):
    loose = tmp_path / "loose" / "run1"
    loose.mkdir(parents=True)
    (loose / "manifest.json").write_bytes(base.read_bytes())
    assert main(["rerun", str(loose / "manifest.json"), "--project", str(project)]) == 2
    err = capsys.readouterr().err
    assert "needs a manifest inside a reports folder" in err
    assert sorted(p.name for p in (tmp_path / "loose").iterdir()) == ["run1"]  # no index, no run beside it
    # a manifest not in a run folder of its own (directly in reports/) is refused too
    direct = project / "reports" / "manifest.json"
    direct.write_bytes(base.read_bytes())
    try:
        with pytest.raises(RunError, match="not one"):
            rerun(direct)
    finally:
        direct.unlink()


def test_tampered_lang_in_a_manifest_is_refused_before_a_kernel_starts(project, base):
    payload = 'en"><script>alert(1)</script>'

    def edit(m):
        for key in ("given", "resolved"):
            m["notebooks"]["good"]["parameters"][key]["lang"] = payload
    tampered = _tampered(base, "lang-payload", edit)
    before = _folders(project / "reports")
    with pytest.raises(RunError, match=r"Parameter 'lang' .* is not allowed: expected one of 'en' or 'zh'"):
        rerun(tampered, force=True)
    assert _folders(project / "reports") == before


# --------------------------------------------------------------------------- 2. inputs: the table files only

def test_only_the_files_the_tables_are_read_from_are_hashed(project, tmp_path):
    folder = tmp_path / "export"
    (folder / "reports" / "old").mkdir(parents=True)
    (folder / "reports" / "old" / "manifest.json").write_text("{}", encoding="utf-8")
    (folder / "shadow").write_text("root:$6$secret\n", encoding="utf-8")
    (folder / "big.bin").write_bytes(os.urandom(1 << 20))
    (folder / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    (folder / "customers.parquet").mkdir()  # a folder of a table's name is not read as a table
    mapping = tmp_path / "m.yaml"
    mapping.write_text("tables:\n  responses:\n    file: survey export.csv\n", encoding="utf-8")
    (folder / "survey export.csv").write_text("x\n1\n", encoding="utf-8")
    plans = plan_reports(["good"], project=project, overrides={"data_dir": str(folder), "mapping": str(mapping)})
    inputs, _ = hash_inputs(plans, project)
    assert sorted(inputs) == sorted([str(folder / "tickets.csv"), str(folder / "survey export.csv"), str(mapping)])
    assert inputs[str(folder / "tickets.csv")]["sha256"] == hashlib.sha256(TICKETS.encode()).hexdigest()

    etc = plan_reports(["good"], project=project, overrides={"data_dir": "/etc"})
    assert not any(p.startswith("/etc/") for p in hash_inputs(etc, project)[0])  # /etc/shadow is never read


def test_a_reports_folder_inside_data_dir_does_not_make_reruns_refuse(tmp_path):
    project = make_project(tmp_path / "p")
    data = project / "data" / "sample"
    first = run_reports(["good"], project=project, run_id="one", reports_dir=data / "reports")
    assert first.ok
    manifest = json.loads(first.manifest_path.read_text(encoding="utf-8"))
    assert list(manifest["inputs"]) == ["data/sample/tickets.csv"]  # notes.txt and reports/ are not inputs
    again = rerun(first.manifest_path, project=project)  # the first run's folder is now inside data_dir
    assert again.identical and again.input_changes == []


# --------------------------------------------------------------------------- 3. dead kernel, time limit, signals

@pytest.mark.parametrize("how, names", [("kill9", ["killer", "good"]), ("exit", ["killer"]), ("segv", ["killer"])])
def test_a_kernel_that_dies_fails_the_notebook_within_seconds(tmp_path, how, names):
    project = make_project(tmp_path / "p")
    start = time.monotonic()
    result = run_reports(names, project=project, run_id="dead", overrides={"how": how})
    elapsed = time.monotonic() - start
    assert elapsed < 30, f"took {elapsed:.0f} s"  # it hung forever before
    killer, *others = result.notebooks
    assert killer.status == "failed" and killer.error.exception == "DeadKernelError"
    assert "died" in killer.error.message and killer.error.cell == 2
    assert all(nb.ok for nb in others)  # the run goes on with the next notebook
    executed = nbformat.read(str(result.report_dir / "killer.ipynb"), as_version=4)
    assert "before the kill" in json.dumps(executed.cells[3].outputs)  # what was executed is kept
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["notebooks"]["killer"]["status"] == "failed"
    assert not [p for p in (project / "reports").iterdir() if p.name.startswith(".")]  # no temp folder, no lock


def test_time_limit_stops_a_notebook(tmp_path):
    project = make_project(tmp_path / "p")
    start = time.monotonic()
    result = run_reports(["sleeper"], project=project, run_id="slow", timeout=4,
                         overrides={"pid_file": str(tmp_path / "pid")})
    elapsed = time.monotonic() - start
    assert 4 <= elapsed < 20
    (nb,) = result.notebooks
    assert nb.status == "failed" and nb.error.exception == "Timeout" and "4 s" in nb.error.message
    assert nb.error.cell == 2
    executed = nbformat.read(str(nb.notebook_path), as_version=4)
    assert "started" in json.dumps(executed.cells[3].outputs)
    assert not _alive(int((tmp_path / "pid").read_text()))
    assert not _alive(int((tmp_path / "pid.child").read_text()))  # nor anything the kernel started
    with pytest.raises(ParameterError, match="time limit"):
        run_reports(["sleeper"], project=project, timeout=-1)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie (not yet reaped by init) is dead


def _start_csm(project: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "csm.cli", "run", *args, "--project", str(project)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_ends_the_run_within_seconds_and_publishes_it_failed(tmp_path, signum):
    project = make_project(tmp_path / "p")
    pid_file = tmp_path / "kernel.pid"
    proc = _start_csm(project, "sleeper", "good", "--run-id", "sig", "-p", f"pid_file={pid_file}", "--jobs", "1")
    _wait_for(pid_file)
    time.sleep(0.5)
    sent = time.monotonic()
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 15
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err
    reports = project / "reports"
    assert sorted(p.name for p in reports.iterdir()) == ["index.html", "sig"]  # no .tmp-, no .lock-, no latest
    manifest = json.loads((reports / "sig" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["stopped_by"] == signal.Signals(signum).name
    sleeper, good = manifest["notebooks"]["sleeper"], manifest["notebooks"]["good"]
    assert sleeper["status"] == "failed" and sleeper["error"]["exception"] == "RunStopped"
    assert good["status"] == "failed" and "not run" in good["error"]["message"]
    executed = nbformat.read(str(reports / "sig" / "sleeper.ipynb"), as_version=4)
    assert "started" in json.dumps(executed.cells[3].outputs)
    assert not _alive(int(pid_file.read_text()))
    assert not _alive(int(Path(f"{pid_file}.child").read_text()))


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_sigterm_with_two_kernels_running_stops_both_and_starts_no_other(tmp_path):
    project = make_project(tmp_path / "p")
    pids = [tmp_path / "a.pid", tmp_path / "b.pid"]
    for name, pid_file in zip(("sleeper_a", "sleeper_b"), pids):
        _notebook(project / "notebooks" / f"{name}.ipynb",
                  f"seconds = 60  # how long\npid_file = {str(pid_file)!r}  # where the pid goes", SLEEPER)
    proc = _start_csm(project, "sleeper_a", "sleeper_b", "good", "--run-id", "par", "--jobs", "2")
    for pid_file in pids:  # both kernels are running at once
        _wait_for(pid_file)
    time.sleep(0.5)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 15
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    reports = project / "reports"
    assert sorted(p.name for p in reports.iterdir()) == ["index.html", "par"]  # no .tmp-, no .lock-, no latest
    manifest = json.loads((reports / "par" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["stopped_by"] == "SIGTERM" and manifest["jobs"] == 2
    assert list(manifest["notebooks"]) == ["sleeper_a", "sleeper_b", "good"]  # the order asked for
    for name in ("sleeper_a", "sleeper_b"):
        entry = manifest["notebooks"][name]
        assert entry["status"] == "failed" and entry["error"]["exception"] == "RunStopped"
        executed = nbformat.read(str(reports / "par" / f"{name}.ipynb"), as_version=4)
        assert "started" in json.dumps([c.get("outputs") for c in executed.cells])  # what was executed is kept
    good = manifest["notebooks"]["good"]
    assert good["status"] == "failed" and "not run" in good["error"]["message"]  # never started
    for pid_file in pids:
        assert not _alive(int(pid_file.read_text()))
        assert not _alive(int(Path(f"{pid_file}.child").read_text()))


# --------------------------------------------------------------------------- 4. one run per run id

def test_concurrent_runs_with_one_run_id_exclude_each_other(tmp_path, capsys):
    project = make_project(tmp_path / "p")
    pid_file = tmp_path / "kernel.pid"
    first = _start_csm(project, "sleeper", "--run-id", "same", "-p", f"pid_file={pid_file}", "-p", "seconds=4")
    _wait_for(pid_file)
    reports = project / "reports"
    for force in ([], ["--force"]):
        assert main(["run", "good", "--project", str(project), "--run-id", "same", *force]) == 2
        err = capsys.readouterr().err
        assert "Another csm run with run id 'same' is running" in err and "Traceback" not in err
        assert (reports / ".tmp-same" / "sleeper.ipynb").is_file()  # the first run's folder is untouched
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    manifest = json.loads((reports / "same" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok" and manifest["results"] == {"sleeper": {"slept": 4}}
    assert sorted(p.name for p in reports.iterdir()) == ["index.html", "latest.json", "same"]


def test_a_lock_and_temp_folder_left_by_a_killed_run_do_not_block_the_next(tmp_path):
    project = make_project(tmp_path / "p")
    reports = project / "reports"
    (reports / ".tmp-again").mkdir(parents=True)
    (reports / ".tmp-again" / "good.ipynb").write_text("{half", encoding="utf-8")
    (reports / ".lock-again").write_text("99999999\n", encoding="utf-8")  # nobody holds it
    result = run_reports(["good"], project=project, run_id="again")
    assert result.ok
    assert sorted(p.name for p in reports.iterdir()) == ["again", "index.html", "latest.json"]


@pytest.mark.parametrize("run_id", ["monthly\n", "monthly\r", "mon\nthly", "../x", "a/b", ".hidden", "", " x",
                                    "x" * 101, "index.html", "latest.json"])
def test_run_ids_are_matched_whole(run_id):
    with pytest.raises(ParameterError, match="cannot name a report folder"):
        check_run_id(run_id)


# --------------------------------------------------------------------------- 5. index, parameter checks

@pytest.mark.parametrize("text", ["{", "[]", '"text"', '{"notebooks": [1]}', '{"notebooks": {"x": {"parameters": 3}}}',
                                  '{"notebooks": {"x": {"parameters": {"given": [1]}}}}', "\xff\xfe garbage", "[" * 5000])
def test_index_survives_a_malformed_manifest(tmp_path, text):
    reports = tmp_path / "reports"
    (reports / "bad").mkdir(parents=True)
    (reports / "bad" / "manifest.json").write_bytes(text.encode("latin-1") if "\xff" in text else text.encode())
    (reports / "dir" / "manifest.json").mkdir(parents=True)  # a folder where the manifest should be
    (reports / "good").mkdir()
    (reports / "good" / "manifest.json").write_text(json.dumps(
        {"run_id": "good", "status": "ok", "notebooks": {"kpi": {"status": "ok", "html": "kpi.html"}}}))
    (reports / "latest.json").write_text("[1, 2]", encoding="utf-8")
    page = write_index(reports).read_text(encoding="utf-8")
    assert 'href="good/kpi.html"' in page
    assert "<li>bad: manifest.json unreadable" in page and "<li>dir: manifest.json unreadable" in page
    assert page.count("manifest.json unreadable") == 2


def test_a_later_run_succeeds_beside_a_malformed_manifest(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "reports" / "broken").mkdir(parents=True)
    (project / "reports" / "broken" / "manifest.json").write_text('{"notebooks": [', encoding="utf-8")
    assert run_reports(["good"], project=project, run_id="after").ok
    assert "<li>broken: manifest.json unreadable" in (project / "reports" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("assignment, expected", [
    ('lang=en"><script>alert(1)</script>', "Parameter 'lang'"),
    ("lang=fr", "expected one of 'en' or 'zh'"),
    ("lang=EN", "expected one of 'en' or 'zh'"),
    ("sla_hours=abc", "Parameter 'sla_hours' = 'abc'"),
    ("sla_hours=-5", "greater than 0"),
    ("sla_hours=0", "greater than 0"),
    ("sla_hours=.nan", "finite number"),
    ("sla_hours=true", "Parameter 'sla_hours'"),
    ("data_dir=", "the folder path is empty"),
    ("data_dir=   ", "the folder path is empty"),
    ("mapping=''", "the file path is empty"),
])
def test_parameters_are_refused_before_a_kernel_starts(tmp_path, capsys, assignment, expected):
    reports = tmp_path / "reports"
    code = main(["run", "kpi_scorecard", "--project", str(ROOT), "--reports-dir", str(reports), "-p", assignment])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and "Traceback" not in err and err.count("\n") == 1
    assert not reports.exists() or not any(reports.iterdir())  # no kernel, no folder


# --------------------------------------------------------------------------- 6. OS and parse errors: one line

def _one_plain_line(err: str) -> None:
    """One line from csm (papermill's progress bar may be on stderr too), no traceback."""
    assert "Traceback" not in err, err
    assert len([line for line in err.splitlines() if line.startswith("csm")]) == 1, err


def test_reports_folder_that_cannot_be_created(tmp_path, capsys):
    project = make_project(tmp_path / "p")
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    assert main(["run", "good", "--project", str(project), "--reports-dir", str(tmp_path / "afile" / "reports")]) == 1
    err = capsys.readouterr().err
    _one_plain_line(err)
    assert str(tmp_path / "afile") in err and "a file is in the way" in err


def test_full_reports_folder_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    """The disk fills up while the manifest is written (after the notebook ran): one line, nothing left."""
    import csm.run.execute as runner

    project = make_project(tmp_path / "p")

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    monkeypatch.setattr(runner, "write_json", full)
    assert main(["run", "good", "--project", str(project), "--run-id", "full"]) == 1
    err = capsys.readouterr().err
    _one_plain_line(err)
    assert "manifest.json" in err and "disk is full" in err
    assert not list((project / "reports").iterdir())  # no temp folder, no lock, no half report


@pytest.mark.parametrize("code_, text", [(errno.EROFS, "read-only"), (errno.EACCES, "permission denied")])
def test_read_only_reports_folder_gives_one_line(tmp_path, capsys, monkeypatch, code_, text):
    project = make_project(tmp_path / "p")
    real_mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):
        if self.name == "reports":
            raise OSError(code_, os.strerror(code_), str(self))
        return real_mkdir(self, *args, **kwargs)
    monkeypatch.setattr(Path, "mkdir", refuse)
    assert main(["run", "good", "--project", str(project)]) == 1
    err = capsys.readouterr().err
    _one_plain_line(err)
    assert str(project / "reports") in err and text in err


def test_symlink_loops_and_unreadable_inputs_give_one_line(tmp_path, capsys):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for argv in (["run", "--project", str(loop)], ["rerun", str(loop / "manifest.json")],
                 ["validate", str(loop)], ["run", "good", "--project", str(ROOT), "--params", str(loop)]):
        assert main(argv) != 0
        _one_plain_line(capsys.readouterr().err)
    project = make_project(tmp_path / "p")
    (project / "data" / "sample" / "tickets.csv").unlink()
    (project / "data" / "sample" / "tickets.csv").symlink_to(project / "data" / "sample" / "tickets.csv")
    assert main(["run", "good", "--project", str(project)]) == 1  # the notebook fails: no table file
    capsys.readouterr()


def test_sample_data_onto_an_existing_file(tmp_path, capsys):
    target = tmp_path / "taken.csv"
    target.write_text("keep me\n", encoding="utf-8")
    assert main(["sample-data", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    _one_plain_line(err)
    assert "existing file" in err and target.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("text", ["{not json", "[]", '{"notebooks": 1}', ""])
def test_unparsable_manifest_gives_one_line(project, text, capsys):
    folder = project / "reports" / f"unparsable-{abs(hash(text))}"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(text, encoding="utf-8")
    assert main(["rerun", str(folder / "manifest.json")]) == 2
    _one_plain_line(capsys.readouterr().err)


def test_unparsable_parameter_file_gives_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("period: [2026\n  lang: zh: x\n", encoding="utf-8")
    assert main(["run", "kpi_scorecard", "--project", str(ROOT), "--params", str(bad)]) == 2
    err = capsys.readouterr().err
    _one_plain_line(err)
    assert str(bad) in err


# --------------------------------------------------------------------------- 7. no PII in error messages

def test_error_message_in_manifest_and_failure_page_is_masked(tmp_path, capsys):
    project = make_project(tmp_path / "p")
    assert main(["run", "pii", "--project", str(project), "--run-id", "pii"]) == 1
    out = capsys.readouterr().out
    folder = project / "reports" / "pii"
    message = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["notebooks"]["pii"]["error"]["message"]
    page = (folder / "pii.html").read_text(encoding="utf-8")
    for raw in ("13812345678", "zhang.wei@example.com", "11010519491231002X"):
        assert raw not in message and raw not in page and raw not in out
    assert "[PHONE]" in message and "[EMAIL]" in message and "[ID]" in message
    assert "[PHONE]" in page and 'lang="zh-CN"' in page
