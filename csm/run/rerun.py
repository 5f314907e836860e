"""Repeating a run from its manifest and comparing the results key by key.

:func:`rerun` executes a stored manifest again after checking, from the manifest's location and the
parameters it will run with, that the notebooks and inputs did not change (:func:`check_inputs`), and
compares the recorded results (:func:`compare_results`: strings, integers and booleans exactly, floats to a
relative 1e-9).
"""
from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from csm.errors import ParameterError, RunError
from csm.run.execute import DEFAULT_TIMEOUT, RunResult, execute_plans
from csm.run.manifest import (
    INDEX_NAME,
    MANIFEST_NAME,
    RUN_ID_PATTERN,
    git_commit,
    hash_inputs,
    is_regular_file,
    read_manifest,
    sha256,
    shown,
    write_json,
)
from csm.run.parameters import (
    check_injection,
    check_parameters,
    check_plain_value,
    is_path_parameter,
    resolve_path_parameters,
    same_value,
)
from csm.run.plan import DEFAULT_KERNEL, NotebookPlan, effective_path, find_project, list_notebooks, notebook_parameters

__all__ = ["InputChange", "RerunResult", "ResultDifference", "check_inputs", "compare_results", "rerun"]


@dataclass(frozen=True)
class InputChange:
    """An input file that differs from the manifest."""

    path: str
    status: str  # "changed" | "missing" | "added" | "unread"
    expected_sha256: str | None
    actual_sha256: str | None

    def __str__(self) -> str:
        if self.status == "changed":
            return f"{self.path}: changed (expected sha256 {self.expected_sha256}, found {self.actual_sha256})"
        if self.status == "missing":
            return f"{self.path}: missing (expected sha256 {self.expected_sha256})"
        if self.status == "unread":
            return (f"{self.path}: an input of the run that the rerun would not read (its data_dir or mapping "
                    "points elsewhere)")
        return f"{self.path}: new file not in the manifest (sha256 {self.actual_sha256})"


@dataclass(frozen=True)
class ResultDifference:
    """A recorded result that differs between the old and the new run."""

    notebook: str
    key: str
    where: str  # e.g. "by_region[2]['estimate']" inside the value, "" for the value itself
    old: object
    new: object

    def __str__(self) -> str:
        place = f"{self.notebook}.{self.key}{self.where}"
        old, new = _at(self.old, self.where), _at(self.new, self.where)
        if isinstance(old, list) and isinstance(new, list) and len(old) != len(new):
            return f"{place}: {len(old)} → {len(new)} items"
        return f"{place}: {_short(old)} → {_short(new)}"


def _at(value, where: str):
    """The part of ``value`` that ``where`` (e.g. ``[2]['n']``) points to."""
    for token in re.findall(r"\[([^\]]+)\]", where):
        try:
            value = value[ast.literal_eval(token)]
        except (ValueError, SyntaxError, KeyError, IndexError, TypeError):
            return value
    return value


_ABSENT = "<absent>"


def _short(value, limit: int = 80) -> str:
    text = value if value == _ABSENT else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class RerunResult:
    """Outcome of :func:`rerun`."""

    run: RunResult
    previous_manifest: Path
    differences: list[ResultDifference]
    input_changes: list[InputChange]  # non-empty only when forced past changed inputs
    source_changes: list[str] = field(default_factory=list)  # notebooks / manifest facts forced past
    notes: list[str] = field(default_factory=list)  # said, never refused on (e.g. another git commit)

    @property
    def identical(self) -> bool:
        return self.run.ok and not self.differences

    @property
    def exit_code(self) -> int:
        if self.run.stopped_by:
            return self.run.exit_code
        return 0 if self.identical else 1


_NOTEBOOK_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")


def check_inputs(manifest: dict, plans: list[NotebookPlan] | None = None, project: Path | None = None
                 ) -> list[InputChange]:
    """The inputs a rerun would read, compared with the hashes the manifest recorded.

    The files are derived from the parameters the rerun runs with (``plans``; by default the manifest's
    resolved parameters), not from the manifest's list: a file the rerun reads that the manifest does not
    list is "added", one whose hash differs "changed", a recorded file that no longer exists "missing",
    and a recorded file that still exists but would not be read (the parameters point elsewhere) "unread".
    """
    project = Path(project if project is not None else manifest.get("project", "."))
    if plans is None:
        plans = _rerun_plans(manifest, project, Path(MANIFEST_NAME), DEFAULT_KERNEL)
    now, _ = hash_inputs(plans, project)
    before = manifest.get("inputs")
    before = before if isinstance(before, dict) else {}
    changes = []
    for path in sorted(set(before) | set(now)):
        old, new = before.get(path), now.get(path)
        old_sha = old.get("sha256") if isinstance(old, dict) else None
        if new is None:
            recorded = Path(path) if Path(path).is_absolute() else project / path
            changes.append(InputChange(path, "unread" if is_regular_file(recorded) else "missing", old_sha, None))
        elif old is None:
            changes.append(InputChange(path, "added", None, new["sha256"]))
        elif old_sha != new["sha256"]:
            changes.append(InputChange(path, "changed", old_sha, new["sha256"]))
    return changes


def _manifest_location(manifest_path: Path | str, project: Path | str | None) -> tuple[Path, Path, Path]:
    """(manifest, reports folder, project) of a manifest to rerun, from where it is — never from its text.

    A manifest must be ``<reports>/<run folder>/manifest.json``: ``<reports>`` is ``<project>/reports`` or
    a folder csm writes reports into (it holds index.html); the project is ``project`` (``--project``)
    or the one found from the reports folder.
    """
    path = Path(manifest_path).expanduser()
    try:
        if path.is_dir():
            path = path / MANIFEST_NAME
        path = path.resolve(strict=True)
    except FileNotFoundError:
        raise RunError(f"Manifest {manifest_path} does not exist.") from None
    except (OSError, RuntimeError) as exc:  # a symlink loop, a name too long …
        raise RunError(f"Cannot open manifest {manifest_path}: {getattr(exc, 'strerror', None) or exc}.") from None
    folder, reports = path.parent, path.parent.parent
    where = (f"A rerun needs a manifest inside a reports folder, as csm run writes it: "
             f"reports/<run-id>/{MANIFEST_NAME}; {path} is not one")
    if path.name != MANIFEST_NAME or folder.name.startswith(".") or not RUN_ID_PATTERN.fullmatch(folder.name) \
            or not (reports.name == "reports" or (reports / INDEX_NAME).is_file()):
        raise RunError(f"{where}. Rerun the manifest in its run folder under reports/.")
    if project is not None:
        project = Path(project).expanduser().resolve()
        if not ((project / "notebooks").is_dir() and (project / "params").is_dir()):
            raise RunError(f"{project} is not a csm project (it needs notebooks/ and params/).")
    else:
        try:
            project = find_project(reports.parent)
        except ParameterError:
            raise RunError(f"The reports folder {reports} is not inside a csm project; pass --project DIR "
                           "(the project whose notebooks the run used).") from None
    if not (reports == project / "reports" or (reports / INDEX_NAME).is_file()):
        raise RunError(f"{where} (its folder {reports} is neither {project / 'reports'} nor holds a csm "
                       f"{INDEX_NAME}). Rerun the manifest in its run folder under reports/.")
    return path, reports, project


def _rerun_plans(old: dict, project: Path, manifest_path: Path, kernel_name: str) -> list[NotebookPlan]:
    """The plans of a rerun: the manifest's notebooks — plain names of notebooks of ``project`` only —
    with their recorded resolved parameters, checked exactly as csm run checks parameters."""
    notebooks_dir = project / "notebooks"
    available = set(list_notebooks(project))
    problems, plans = [], []
    for name, entry in old["notebooks"].items():
        if not (isinstance(name, str) and _NOTEBOOK_NAME.fullmatch(name) and not name.endswith(".")) \
                or name not in available:
            problems.append(f"notebook {name!r} is not a notebook of the project {project} (a rerun runs only "
                            f"notebooks/<name>.ipynb of that project: {', '.join(sorted(available)) or 'none'})")
            continue
        if not isinstance(entry, dict):
            problems.append(f"notebook '{name}': its entry is not a mapping")
            continue
        path = notebooks_dir / f"{name}.ipynb"
        known = notebook_parameters(path)
        params = entry.get("parameters") or {}
        resolved = params.get("resolved") if isinstance(params, dict) else None
        given = params.get("given") if isinstance(params, dict) else None
        if not isinstance(resolved, dict) or not all(isinstance(k, str) for k in resolved):
            problems.append(f"notebook '{name}': parameters.resolved is not a mapping of parameter names")
            continue
        resolved = dict(resolved)
        unknown = [k for k in resolved if k not in known]
        if unknown:
            problems.append(f"notebook {path} no longer takes parameter(s) {', '.join(map(str, unknown))} used by "
                            f"run {old.get('run_id')}")
            continue
        try:
            for key, value in resolved.items():
                check_plain_value(name, key, value, str(manifest_path))
            check_parameters(name, resolved, {k: str(manifest_path) for k in resolved})
            check_injection(name, resolved, kernel_name)
        except ParameterError as exc:
            problems.append(str(exc))
            continue
        plans.append(NotebookPlan(
            name=name, notebook_path=path, given=dict(given) if isinstance(given, dict) else {}, resolved=resolved,
            sources={k: f"rerun of {old.get('run_id')}" for k in resolved},
            data_dir=effective_path("data_dir", resolved, known, notebooks_dir),
            mapping=effective_path("mapping", resolved, known, notebooks_dir),
        ))
    if not old["notebooks"]:
        problems.append("the manifest lists no notebooks")
    if problems:
        raise RunError(f"Cannot rerun {manifest_path}:\n" + "\n".join(f"  {p}" for p in problems))
    return plans


def rerun(
    manifest_path: Path | str,
    *,
    force: bool = False,
    run_id: str | None = None,
    kernel_name: str | None = None,
    command_line: list[str] | None = None,
    project: Path | str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    jobs: int | None = None,
    progress=None,
) -> RerunResult:
    """Run a stored manifest again and compare the recorded results key by key.

    Nothing in the manifest is trusted. The project is the one the manifest's reports folder belongs to
    (or ``project``), and the manifest must sit in a run folder of a reports folder. Only plain names of
    that project's notebooks run, with the stored *resolved* parameters checked as ``csm run`` checks
    them. Before running, the inputs are derived again from those parameters and hashed, and the
    notebooks' sources are hashed: any changed, missing or new input file, a changed notebook, a
    ``project`` field naming another folder, or resolved parameters that do not follow from the given ones
    refuse the rerun — one RunError naming every difference — unless ``force``. Another git commit is
    said, not refused on. Results are compared exactly for strings, integers and booleans and with a
    relative tolerance of 1e-9 for floats. ``jobs``, ``progress``: as for :func:`csm.run.run_reports`.
    """
    manifest_path, reports_dir, project = _manifest_location(manifest_path, project)
    old = read_manifest(manifest_path)
    kernel_name = kernel_name or old.get("kernel") or DEFAULT_KERNEL
    if not isinstance(kernel_name, str):
        raise RunError(f"Cannot rerun {manifest_path}: its kernel {kernel_name!r} is not a kernel name.")
    plans = _rerun_plans(old, project, manifest_path, kernel_name)

    changes = check_inputs(old, plans, project)
    source_changes, notes = [], []
    recorded_project = old.get("project")
    if not isinstance(recorded_project, str) or Path(recorded_project).expanduser().resolve() != project:
        source_changes.append(f"project: the manifest says {recorded_project!r}, but it lies in the reports "
                              f"folder of {project} (that project's notebooks run)")
    for plan in plans:
        entry = old["notebooks"][plan.name]
        recorded, now = entry.get("source_sha256"), sha256(plan.notebook_path)
        if recorded != now:
            source_changes.append(f"notebook {shown(plan.notebook_path, project)}: changed since the run "
                                  f"(recorded sha256 {recorded}, now {now})")
        moved = Path(str(recorded_project)) != project  # then path parameters resolved elsewhere: not compared
        try:
            expected = resolve_path_parameters(plan.given, project)
        except Exception:  # noqa: BLE001
            expected = {}
        differing = sorted(k for k in set(plan.resolved) | set(expected)
                           if not (moved and is_path_parameter(k))
                           and not same_value(expected.get(k, _ABSENT), plan.resolved.get(k, _ABSENT)))
        if differing:
            source_changes.append(f"notebook '{plan.name}': resolved parameter(s) {', '.join(differing)} do not "
                                  "follow from the given ones (the manifest was edited)")
    commit = git_commit(project)
    if old.get("git_commit") != commit:
        notes.append(f"git commit: the run was made at {old.get('git_commit')}, the project is now at {commit}")
    if (changes or source_changes) and not force:
        raise RunError(
            f"Run {old.get('run_id')} ({manifest_path}) cannot be repeated as it was:\n"
            + "\n".join(f"  {c}" for c in [*changes, *source_changes])
            + "".join(f"\n  (note) {n}" for n in notes)
            + "\nRestore these files, or pass --force to rerun anyway (the results will be compared)."
        )
    run = execute_plans(
        plans,
        project=project,
        run_id=run_id,
        reports_dir=reports_dir,
        force=force,
        kernel_name=kernel_name,
        command_line=command_line,
        timeout=timeout,
        jobs=jobs,
        progress=progress,
        extra_manifest={"rerun_of": {"run_id": str(old.get("run_id")), "manifest": shown(manifest_path, project),
                                     "input_changes": [str(c) for c in changes],
                                     "source_changes": source_changes, "notes": notes}},
    )
    new_results = {nb.name: nb.results for nb in run.notebooks}
    old_results = old.get("results") if isinstance(old.get("results"), dict) else {}
    old_results = {k: v for k, v in old_results.items() if isinstance(v, dict)}
    differences = compare_results(old_results, new_results)
    result = RerunResult(run=run, previous_manifest=manifest_path, differences=differences, input_changes=changes,
                         source_changes=source_changes, notes=notes)
    manifest = json.loads(run.manifest_path.read_text(encoding="utf-8"))
    manifest["rerun_of"]["identical"] = result.identical
    manifest["rerun_of"]["differences"] = [str(d) for d in differences]
    write_json(run.manifest_path, manifest)
    return result


def compare_results(old: dict, new: dict, *, rel_tol: float = 1e-9) -> list[ResultDifference]:
    """Key-by-key differences between two ``{notebook: {key: value}}`` result sets.

    Strings, integers, booleans and None must match exactly; floats within
    ``rel_tol`` (relative); lists and mappings element by element.
    """
    differences = []
    for notebook in sorted(set(old) | set(new)):
        old_nb, new_nb = old.get(notebook) or {}, new.get(notebook) or {}
        for key in sorted(set(old_nb) | set(new_nb)):
            if key not in new_nb:
                differences.append(ResultDifference(notebook, key, "", old_nb[key], _ABSENT))
            elif key not in old_nb:
                differences.append(ResultDifference(notebook, key, "", _ABSENT, new_nb[key]))
            else:
                where = _first_difference(old_nb[key], new_nb[key], "", rel_tol)
                if where is not None:
                    differences.append(ResultDifference(notebook, key, where, old_nb[key], new_nb[key]))
    return differences


def _first_difference(a, b, where: str, rel_tol: float) -> str | None:
    """Where (a path like ``[2]['n']``) ``a`` and ``b`` first differ, or None when equal."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return None if (type(a) is type(b) and a == b) else where
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return None if a == b else where
        return None if math.isclose(a, b, rel_tol=rel_tol, abs_tol=0.0) else where
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return where
        for i, (x, y) in enumerate(zip(a, b)):
            found = _first_difference(x, y, f"{where}[{i}]", rel_tol)
            if found is not None:
                return found
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return where
        for k in a:
            found = _first_difference(a[k], b[k], f"{where}[{k!r}]", rel_tol)
            if found is not None:
                return found
        return None
    return None if a == b else where

