"""What a run leaves behind: the manifest of each run, the index of every run, the inputs' hashes.

``reports/<run-id>/manifest.json`` records what ran, with which parameters (given, resolved, from where),
the sha256 of every input file the tables are read from, the packages, the git commit and each notebook's
results (:func:`csm.report.results.collect`); ``reports/index.html`` lists every run on disk
(:func:`write_index`, regenerated from the manifests) and ``reports/latest.json`` names the last run in
which every notebook succeeded.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from csm.errors import ParameterError, RunError
from csm.report.html import index_page
from csm.run.parameters import one_line
from csm.run.plan import NotebookPlan, report_language

__all__ = [
    "INDEX_NAME", "KEY_PACKAGES", "LATEST_NAME", "MANIFEST_NAME", "RUN_ID_PATTERN", "build_manifest",
    "check_run_id", "git_commit", "git_dirty", "hash_inputs", "input_files", "is_regular_file", "previous_durations",
    "read_manifest",
    "sha256", "shown", "stamp", "utc_now", "write_atomic", "write_index", "write_json", "write_latest",
]

MANIFEST_NAME = "manifest.json"
LATEST_NAME = "latest.json"
INDEX_NAME = "index.html"
#: Packages whose versions every manifest records.
KEY_PACKAGES = (
    "pandas", "numpy", "scipy", "statsmodels", "seaborn", "matplotlib", "textblob",
    "papermill", "nbconvert", "nbformat", "ipykernel", "pyarrow", "jieba",
)
#: What a run id (a report folder's name) may be; used with fullmatch: no final newline.
RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def hash_inputs(plans: list[NotebookPlan], project: Path) -> tuple[dict, list[str]]:
    """sha256 and size of every file the notebooks' tables are read from, and of each mapping file.

    Only the files :func:`csm.data.load.load_tables` would open are hashed: ``<table>.parquet|.csv|
    .csv.gz|.xlsx`` in each ``data_dir`` (or the ``file:`` a mapping names for a table), never every file
    under the folder — so ``-p data_dir=/etc`` hashes nothing it does not read, an unrelated big folder
    does not bloat the manifest, and a reports folder inside ``data_dir`` is not an input.
    Returns ``({path: {"sha256", "size"}}, roots)`` with paths relative to the project where possible.
    """
    roots: list[Path] = []
    files: dict = {}
    for plan in plans:
        for path in input_files(plan.data_dir, plan.mapping):
            if path not in files:
                files[path] = None
        for root in (plan.data_dir, plan.mapping):
            if root is not None and root not in roots:
                roots.append(root)
    hashed = {}
    for path in files:
        try:
            hashed[shown(path, project)] = {"sha256": sha256(path), "size": path.stat().st_size}
        except OSError as exc:
            raise RunError(f"Cannot read the input file {path}: {exc.strerror or exc}. Check that it is "
                           "readable (permissions, a broken link), or point data_dir elsewhere.") from None
    return dict(sorted(hashed.items())), [shown(r, project) for r in roots]


def input_files(data_dir: Path | None, mapping: Path | None) -> list[Path]:
    """The files a notebook's tables are read from: per contract table, the ``file:`` its mapping names
    (relative to ``data_dir``) or ``<table><suffix>`` for every suffix the loader accepts; plus the mapping
    file itself. Only existing regular files (a FIFO, device or folder of that name is not read as data)."""
    from csm.data.contract import TABLES
    from csm.data.load import SUFFIXES

    parsed = None
    if mapping is not None and is_regular_file(mapping):
        try:
            from csm.data.mapping import load_mapping

            parsed = load_mapping(mapping)
        except Exception:  # noqa: BLE001 - the notebook reports a bad mapping; here the default names apply
            parsed = None
    out: list[Path] = []
    if data_dir is not None:
        for table in TABLES:
            tm = parsed.for_table(table) if parsed is not None else None
            if tm is not None and getattr(tm, "file", None):
                candidates = [Path(data_dir) / tm.file]
            else:
                candidates = [Path(data_dir) / f"{table}{suffix}" for suffix in SUFFIXES]
            out += [p for p in candidates if is_regular_file(p)]
    if mapping is not None and is_regular_file(mapping):
        out.append(Path(mapping))
    return list(dict.fromkeys(out))


def is_regular_file(path: Path) -> bool:
    """An existing regular file (False for a folder, a FIFO, a broken link or a path that cannot be)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a symlink loop, a NUL byte, a name too long …
        return False


def sha256(path: Path) -> str:
    """The sha256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_manifest(*, run_id, folder, project, reports_dir, plans, runs, inputs, input_roots, started, finished,
                   command_line, kernel_name) -> dict:
    """The manifest of a run: its notebooks in the order of ``plans``, their parameters and results."""
    import csm

    by_name = {r.name: r for r in runs}
    notebooks = {}
    for plan in plans:
        r = by_name[plan.name]
        notebooks[plan.name] = {
            "status": r.status,
            "error": r.error.as_record() if r.error is not None else None,
            "duration_s": r.duration_s,
            "notebook": f"{plan.name}.ipynb",
            "html": r.html_path.name if r.html_path else None,
            "language": report_language(plan) or "en",  # the report's language (index.html is written in it)
            "source_notebook": shown(plan.notebook_path, project),
            "source_sha256": sha256(plan.notebook_path),
            "parameters": {
                "given": plan.given,
                "resolved": plan.resolved,
                "sources": plan.sources,
                "ignored": plan.ignored,
            },
        }
    if command_line is None:
        command_line = [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv and sys.argv[0] else []
    return {
        "run_id": run_id,
        "folder": folder.name,
        "status": "ok" if all(r.ok for r in runs) else "failed",
        "csm_version": csm.__version__,
        "project": str(project),
        "reports_dir": str(reports_dir),
        "git_commit": git_commit(project),
        "git_dirty": git_dirty(project),  # uncommitted changes in csm/, notebooks/ or params/
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation(),
                   "executable": sys.executable, "platform": platform.platform()},
        "packages": _package_versions(),
        "kernel": kernel_name,
        "started_utc": started,
        "finished_utc": finished,
        "command_line": shlex.join(command_line),
        "notebooks": notebooks,
        "results": {r.name: r.results for r in runs},
        "inputs": inputs,
        "input_roots": input_roots,
    }


def _package_versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(project: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(project), "rev-parse", "--verify", "--quiet", "HEAD"],
            capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", commit) else None


def git_dirty(project: Path) -> bool | None:
    """Whether the code a report depends on (csm/, notebooks/, params/) differs from the recorded commit."""
    try:
        done = subprocess.run(["git", "-C", str(project), "status", "--porcelain", "--", "csm", "notebooks", "params"],
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(done.stdout.strip()) if done.returncode == 0 else None


def read_manifest(path: Path | str) -> dict:
    """A run manifest; RunError when it is missing or not one."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError(f"Manifest {path} does not exist.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunError(f"Cannot read manifest {path}: {one_line(exc)}.") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("notebooks"), dict):
        raise RunError(f"{path} is not a csm run manifest (no 'notebooks' section).")
    return manifest



def check_run_id(run_id: str) -> None:
    """ParameterError unless ``run_id`` can name a report folder."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.fullmatch(run_id) or run_id in (INDEX_NAME, LATEST_NAME):
        raise ParameterError(
            f"Run id {run_id!r} cannot name a report folder: use letters, digits, '.', '_' and '-', "
            "starting with a letter or digit (e.g. 2026-10-monthly)."
        )


def stamp() -> str:
    """The UTC time as ``YYYYmmdd-HHMMSS`` (a default run id)."""
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")


def utc_now() -> str:
    """The UTC time in ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def shown(path: Path, base: Path | None = None) -> str:
    """``path`` relative to ``base`` (default: cwd) when inside it, else absolute; '/' separators."""
    path = Path(path)
    base = Path(base) if base is not None else Path.cwd()
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def write_json(path: Path, data) -> None:
    """Write ``data`` as indented JSON, atomically (no NaN)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    write_atomic(path, text)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path`` and rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _listable(manifest) -> bool:
    """A manifest of the shape the index reads (a hand-edited or truncated one is listed as unreadable)."""
    if not isinstance(manifest, dict) or not isinstance(manifest.get("notebooks") or {}, dict):
        return False
    for entry in (manifest.get("notebooks") or {}).values():
        if isinstance(entry, dict):
            params = entry.get("parameters") or {}
            if not isinstance(params, dict) or not isinstance(params.get("given") or {}, dict):
                return False
    return True


def write_index(reports_dir: Path) -> Path:
    """(Re)write reports/index.html listing every run folder that holds a manifest, newest first."""
    reports_dir = Path(reports_dir)
    latest = None
    try:
        latest = json.loads((reports_dir / LATEST_NAME).read_text(encoding="utf-8")).get("folder")
    except (OSError, ValueError, AttributeError):
        pass
    runs, unreadable = [], []
    for folder in sorted(reports_dir.iterdir()):
        try:
            if not folder.is_dir() or folder.name.startswith(".") or not (folder / MANIFEST_NAME).exists():
                continue
            manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            unreadable.append(folder.name)
            continue
        if _listable(manifest):
            runs.append((folder.name, manifest))
        else:  # a malformed manifest is listed as unreadable, never fatal for the run that writes the index
            unreadable.append(folder.name)
    runs.sort(key=lambda item: (str(item[1].get("started_utc", "")), item[0]), reverse=True)

    page = index_page(runs, latest=latest, unreadable=unreadable)
    path = reports_dir / INDEX_NAME
    write_atomic(path, page)
    return path


def write_latest(reports_dir: Path, run_id: str, folder: Path, finished: str) -> None:
    """Point ``reports/latest.json`` at ``folder``: the last run in which every notebook succeeded."""
    write_json(Path(reports_dir) / LATEST_NAME, {"run_id": run_id, "folder": folder.name, "finished_utc": finished,
                                                 "manifest": f"{folder.name}/{MANIFEST_NAME}"})


def previous_durations(reports_dir: Path, names) -> dict[str, float]:
    """Seconds each of ``names`` took in the newest run folder of ``reports_dir`` in which it succeeded
    (names never run successfully there are left out): what a parallel run starts first."""
    wanted, found, manifests = set(names), {}, []
    try:
        folders = [f for f in Path(reports_dir).iterdir() if not f.name.startswith(".")]
    except OSError:
        return {}
    for folder in folders:
        try:
            manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(manifest, dict) and isinstance(manifest.get("notebooks"), dict):
            manifests.append(manifest)
    manifests.sort(key=lambda m: str(m.get("started_utc", "")), reverse=True)
    for manifest in manifests:
        for name, entry in manifest["notebooks"].items():
            if name in wanted and name not in found and isinstance(entry, dict) and entry.get("status") == "ok":
                seconds = entry.get("duration_s")
                if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds >= 0:
                    found[name] = float(seconds)
        if len(found) == len(wanted):
            break
    return found
