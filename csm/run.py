"""Headless report runs: papermill execution, HTML export, run manifest, rerun.

A *project* is a folder holding ``notebooks/<name>.ipynb`` (each with a cell
tagged ``parameters``) and ``params/<name>.yaml``. :func:`run_reports` executes
notebooks with papermill into ``reports/<run-id>/``::

    reports/<run-id>/<name>.ipynb    executed notebook (errors included when a cell failed)
    reports/<run-id>/<name>.html     self-contained report for managers: no code, no external resources
    reports/<run-id>/manifest.json   what ran, with which parameters, inputs (sha256) and results
    reports/index.html               every run on disk, regenerated from the manifests
    reports/latest.json              the last run in which every notebook succeeded

A run is written into ``reports/.tmp-<run-id>/`` and renamed into place at the
end, so a half-written report never replaces a good one. :func:`rerun`
executes a stored manifest again after checking that the inputs did not change
and compares the recorded results key by key.

The runner knows nothing about any analysis: notebooks report their headline
numbers with :func:`csm.report.results.record`.
"""
from __future__ import annotations

import ast
import difflib
import hashlib
import json
import math
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml

from csm.errors import ParameterError, RunError
from csm.parameters import check_parameters, merge_layer
from csm.report.html import export_html, index_page, write_error_page  # noqa: F401 - public here too
from csm.report.results import collect
from csm.strict_yaml import StrictYAMLMixin

MANIFEST_NAME = "manifest.json"
LATEST_NAME = "latest.json"
INDEX_NAME = "index.html"
DEFAULT_KERNEL = "python3"
#: Packages whose versions every manifest records.
KEY_PACKAGES = (
    "pandas", "numpy", "scipy", "statsmodels", "seaborn", "matplotlib", "textblob",
    "papermill", "nbconvert", "nbformat", "ipykernel", "pyarrow", "jieba",
)
#: Parameters holding a path (besides any name ending in one of PATH_SUFFIXES).
PATH_PARAMETERS = frozenset({"data_dir", "mapping"})
PATH_SUFFIXES = ("_dir", "_path", "_file")
_ERROR_MARKER_TAG = "papermill-error-cell-tag"
_RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


# --------------------------------------------------------------------------- project

def find_project(start: Path | str | None = None) -> Path:
    """The project folder: ``start`` (default: cwd) or its nearest parent holding notebooks/ and params/."""
    here = Path(start or Path.cwd()).expanduser().resolve()
    for folder in (here, *here.parents):
        if (folder / "notebooks").is_dir() and (folder / "params").is_dir():
            return folder
    raise ParameterError(
        f"No csm project found at {here} or any folder above it: a project folder holds notebooks/ "
        "and params/. Run csm inside the project or pass --project DIR."
    )


def list_notebooks(project: Path) -> list[str]:
    """Names (file stems) of the notebooks in ``project/notebooks``, sorted."""
    folder = Path(project) / "notebooks"
    return sorted(p.stem for p in folder.glob("*.ipynb") if not p.name.startswith("."))


# --------------------------------------------------------------------------- parameter values

class ParameterLoader(StrictYAMLMixin, yaml.SafeLoader):
    """YAML loader for parameters: plain scalars are typed like YAML 1.2 (core schema).

    Aliases/anchors and duplicate keys are refused (:class:`csm.data.mapping.StrictYAMLMixin`).

    Unlike PyYAML's YAML 1.1 default, dates and timestamps stay strings
    (``2026-05-01`` is the string ``"2026-05-01"``), ``yes``/``no``/``on``/``off``
    stay strings, ``010`` stays a string (no octal), ``1:30`` stays a string (no
    base 60), and ``1e-3`` is a float.
    """


ParameterLoader.yaml_implicit_resolvers = {}
_IMPLICIT_TYPES = (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
)
for _tag, _regex, _first in _IMPLICIT_TYPES:
    ParameterLoader.add_implicit_resolver(_tag, re.compile(_regex), _first)


def parse_parameter_value(text: str):
    """A ``-p key=value`` value: a YAML scalar or flow list/mapping; dates stay strings.

    ``[a, b]`` and ``{k: v}`` are YAML flow collections, ``'...'``/``"..."`` quoted
    strings; anything else is typed by :class:`ParameterLoader` (null, bool, int,
    float) or kept verbatim as a string — including colons, ``#`` and quotes inside.
    """
    stripped = text.strip()
    if stripped[:1] in ("[", "{", "'", '"'):
        try:
            value = yaml.load(stripped, Loader=ParameterLoader)  # noqa: S506 - safe loader subclass
        except yaml.YAMLError as exc:
            raise ParameterError(
                f"Cannot read the parameter value {text!r}: {_one_line(exc)}. Quote strings as 'text', "
                "lists as [a, b]."
            ) from None
        return value
    for _tag, regex, _first in _IMPLICIT_TYPES:
        if re.match(regex, stripped):
            return yaml.load(stripped, Loader=ParameterLoader) if stripped else None  # noqa: S506
    return text


def parse_parameter_assignment(text: str) -> tuple[str, object]:
    """``"key=value"`` → ``(key, parsed value)`` (see :func:`parse_parameter_value`)."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key.isidentifier():
        raise ParameterError(
            f"Cannot read -p {text!r}: write -p name=value, e.g. -p period_start=2026-05-01 or -p lang=zh."
        )
    return key, parse_parameter_value(value)


def load_parameter_file(path: Path | str) -> tuple[dict, str | None]:
    """A flat YAML mapping of parameter → value, and the optional ``notebook:`` it is stored for."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ParameterError(f"Parameter file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"Cannot read parameter file {path}: {exc}. Save it as UTF-8 YAML.") from None
    try:
        data = yaml.load(text, Loader=ParameterLoader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as exc:
        raise ParameterError(f"Parameter file {path} is not valid YAML: {_one_line(exc)}.") from None
    if data is None:
        return {}, None
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ParameterError(
            f"Parameter file {path} must be a flat YAML mapping of parameter: value lines, "
            f"e.g. 'period_start: 2026-05-01'; found {type(data).__name__}."
        )
    data = dict(data)
    notebook = data.pop("notebook", None)
    if notebook is not None and not isinstance(notebook, str):
        raise ParameterError(f"Parameter file {path}: 'notebook' must be a notebook name, got {notebook!r}.")
    return data, notebook


def is_path_parameter(name: str) -> bool:
    """True for parameters holding a path: data_dir, mapping and names ending in _dir/_path/_file."""
    return name in PATH_PARAMETERS or name.endswith(PATH_SUFFIXES)


def resolve_path_parameters(parameters: dict, project: Path) -> dict:
    """Path-like string parameters made absolute: relative ones are taken from the project folder."""
    resolved = {}
    for name, value in parameters.items():
        if is_path_parameter(name) and isinstance(value, str) and value.strip():
            path = Path(value).expanduser()
            if not path.is_absolute():
                path = Path(project) / path
            value = str(Path(os.path.normpath(path)))
        resolved[name] = value
    return resolved


# --------------------------------------------------------------------------- planning

@dataclass
class NotebookPlan:
    """One notebook about to run, with its parameters as given and as injected."""

    name: str
    notebook_path: Path
    given: dict
    resolved: dict
    sources: dict  # parameter -> where its value came from
    data_dir: Path | None  # effective data_dir (given, or the notebook's default), for input hashing
    mapping: Path | None
    ignored: dict = field(default_factory=dict)  # run-wide parameters this notebook does not take


def plan_reports(
    names: list[str] | None = None,
    *,
    project: Path,
    overrides: dict | None = None,
    params_file: Path | None = None,
    kernel_name: str | None = None,
) -> list[NotebookPlan]:
    """Check notebooks and parameters before anything runs; raise ParameterError on any problem.

    Parameters are merged as params/<name>.yaml, then ``params_file``, then
    ``overrides``; a mapping merges recursively into the earlier one (``null`` removes an
    entry; see :mod:`csm.parameters`), and every value the table :data:`csm.parameters.CHECKS`
    knows is checked. A key from ``params_file``/``overrides`` that only some of the
    selected notebooks take is passed to those (and listed as ignored for the
    others); a key no selected notebook takes is an error.
    """
    project = Path(project).resolve()
    available = list_notebooks(project)
    overrides = {k: (str(v) if isinstance(v, Path) else v) for k, v in (overrides or {}).items()}
    file_params, file_notebook = ({}, None)
    if params_file is not None:
        file_params, file_notebook = load_parameter_file(params_file)
    if names is None or len(names) == 0:
        names = [file_notebook] if file_notebook else available
        if not names:
            raise ParameterError(f"No notebooks in {project / 'notebooks'}: nothing to run.")
    elif file_notebook and file_notebook not in names:
        raise ParameterError(
            f"Parameter file {params_file} is stored for notebook '{file_notebook}', "
            f"but the run asks for {', '.join(names)}. Run 'csm run {file_notebook} --params {params_file}'."
        )
    names = list(dict.fromkeys(names))
    for name in names:
        if name not in available:
            raise ParameterError(
                f"No notebook '{name}' in {project / 'notebooks'}{_did_you_mean(name, available)} "
                f"Available notebooks: {', '.join(available) or 'none'}."
            )
    kernel_name = kernel_name or DEFAULT_KERNEL
    notebook_parameters = {name: _notebook_parameters(project / "notebooks" / f"{name}.ipynb") for name in names}

    # run-wide keys must be known to at least one selected notebook
    run_wide = [(k, "-p") for k in overrides]
    if not file_notebook:
        run_wide += [(k, f"--params {params_file}") for k in file_params]
    for key, origin in run_wide:
        if not any(key in notebook_parameters[n] for n in names):
            known = sorted(set().union(*(notebook_parameters[n] for n in names)))
            scope = f"notebook '{names[0]}' takes" if len(names) == 1 else f"notebooks {', '.join(names)} take"
            raise ParameterError(
                f"Unknown parameter '{key}' (from {origin}): {scope} no parameter of that name"
                f"{_did_you_mean(key, known)} Parameters: {', '.join(known) or 'none (no cell tagged parameters)'}."
            )

    plans = []
    for name in names:
        known = notebook_parameters[name]
        given: dict = {}
        sources: dict = {}
        ignored: dict = {}
        stored = project / "params" / f"{name}.yaml"
        layers = []
        if stored.is_file():
            stored_params, _ = load_parameter_file(stored)
            layers.append((stored_params, f"params/{name}.yaml", True))
        if params_file is not None and (not file_notebook or file_notebook == name):
            layers.append((file_params, f"--params {params_file}", bool(file_notebook)))
        layers.append((overrides, "-p", False))
        for values, origin, strict in layers:
            for key, value in values.items():
                if key not in known:
                    if strict:
                        raise ParameterError(
                            f"Unknown parameter '{key}' in {origin} for notebook '{name}'"
                            f"{_did_you_mean(key, sorted(known))} The notebook's parameters are: "
                            f"{', '.join(sorted(known)) or 'none (no cell tagged parameters)'}."
                        )
                    ignored[key] = value
                    continue
                _check_value(name, key, value, origin)
                if isinstance(value, dict):  # a partial mapping merges into the stored one (csm.parameters)
                    earlier = given[key] if key in given else _literal_default(known[key])
                    if isinstance(earlier, dict):
                        value = merge_layer(key, earlier, value)
                        origin = f"{sources[key]} + {origin}" if key in sources else origin
                given[key] = value
                sources[key] = origin
        check_parameters(name, given, sources)  # values checkable without data: before any kernel starts
        resolved = resolve_path_parameters(given, project)
        _check_injection(name, resolved, kernel_name)
        notebooks_dir = project / "notebooks"
        plans.append(
            NotebookPlan(
                name=name,
                notebook_path=notebooks_dir / f"{name}.ipynb",
                given=given,
                resolved=resolved,
                sources=sources,
                data_dir=_effective_path("data_dir", resolved, known, notebooks_dir),
                mapping=_effective_path("mapping", resolved, known, notebooks_dir),
                ignored=ignored,
            )
        )
    return plans


def _notebook_parameters(path: Path) -> dict:
    import papermill

    try:
        return papermill.inspect_notebook(str(path))
    except Exception as exc:  # unreadable JSON, bad parameters cell …
        raise ParameterError(f"Cannot read the parameters of notebook {path}: {_one_line(exc)}.") from None


def _effective_path(name: str, resolved: dict, known: dict, notebooks_dir: Path) -> Path | None:
    """The path a notebook will use: the injected value, else its literal default (relative to notebooks/)."""
    if name in resolved:
        value = resolved[name]
        return Path(value) if isinstance(value, str) and value.strip() else None
    if name not in known:
        return None
    try:
        default = ast.literal_eval(str(known[name].get("default")))
    except (ValueError, SyntaxError):
        return None
    if not isinstance(default, str) or not default.strip():
        return None
    path = Path(default).expanduser()
    return Path(os.path.normpath(path if path.is_absolute() else notebooks_dir / path))


def _literal_default(spec: dict):
    """A notebook parameter's default value when it is a literal (else None)."""
    try:
        return ast.literal_eval(str(spec.get("default")))
    except (ValueError, SyntaxError):
        return None


_PLAIN_TYPES = (str, bool, int, float, type(None))


def _check_value(notebook: str, key: str, value, origin: str, _where: str = "") -> None:
    """Parameters are data: only JSON-like values (no objects, no NaN/inf)."""
    where = f"{key}{_where}"
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(
            f"Parameter '{where}' for notebook '{notebook}' (from {origin}) is {value}; give a finite number or null."
        )
    if isinstance(value, _PLAIN_TYPES):
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_value(notebook, key, item, origin, f"{_where}[{i}]")
        return
    if isinstance(value, dict):
        for k, item in value.items():
            if not isinstance(k, str):
                raise ParameterError(f"Parameter '{where}' (from {origin}) has a non-string key {k!r}.")
            _check_value(notebook, key, item, origin, f"{_where}[{k!r}]")
        return
    raise ParameterError(
        f"Parameter '{where}' for notebook '{notebook}' (from {origin}) is a {type(value).__name__}; "
        "parameters must be strings, numbers, booleans, null, lists or mappings."
    )


def _check_injection(notebook: str, parameters: dict, kernel_name: str) -> None:
    """Prove that papermill's injected cell assigns exactly these values and does nothing else."""
    if not parameters:
        return
    from papermill.translators import translate_parameters

    code = translate_parameters(kernel_name, "python", parameters, "Parameters")
    try:
        tree = ast.parse(code)
        assigned = {}
        for node in tree.body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                raise ValueError("statement other than a plain assignment")
            assigned[node.targets[0].id] = ast.literal_eval(node.value)
    except (SyntaxError, ValueError) as exc:
        raise ParameterError(
            f"The parameters for notebook '{notebook}' cannot be passed safely as data ({exc}); "
            "use plain strings, numbers, booleans, lists or mappings."
        ) from None
    if not _same_value(assigned, parameters):
        raise ParameterError(
            f"The parameters for notebook '{notebook}' would not arrive unchanged in the notebook; "
            "use plain strings, numbers, booleans, lists or mappings."
        )


def _same_value(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    return a == b


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return "."
    return ". Did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def _one_line(exc) -> str:
    return " ".join(str(exc).split())


# --------------------------------------------------------------------------- results of a run

@dataclass
class NotebookRun:
    """Outcome of one notebook in a run."""

    name: str
    status: str  # "ok" | "failed"
    notebook_path: Path
    html_path: Path | None
    duration_s: float
    results: dict
    error: dict | None = None  # {cell_index, execution_count, exception, message}

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class RunResult:
    """Outcome of :func:`run_reports`: where the report went and how each notebook fared."""

    run_id: str
    report_dir: Path
    manifest_path: Path
    notebooks: list[NotebookRun]
    replaced_previous: bool = False  # force: an existing report folder was replaced
    previous_kept: bool = False  # force, but a notebook failed: the old report stays, this run is kept aside

    @property
    def ok(self) -> bool:
        return all(nb.ok for nb in self.notebooks)

    @property
    def failed(self) -> list[NotebookRun]:
        return [nb for nb in self.notebooks if not nb.ok]

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


# --------------------------------------------------------------------------- running

def run_reports(
    names: list[str] | None = None,
    *,
    project: Path,
    overrides: dict | None = None,
    params_file: Path | None = None,
    run_id: str | None = None,
    reports_dir: Path | None = None,
    force: bool = False,
    kernel_name: str | None = None,
    command_line: list[str] | None = None,
) -> RunResult:
    """Execute notebooks with papermill into ``reports/<run-id>/`` (notebook, HTML, manifest).

    ``names`` default to every notebook of the project (sorted). Parameters:
    params/<name>.yaml, then ``params_file``, then ``overrides``; path-like
    values relative to the project folder. A failing notebook does not stop the
    others (check :attr:`RunResult.ok`). An existing ``reports/<run_id>`` is
    replaced only with ``force`` and only when every notebook succeeded.
    Raises ParameterError (bad name/parameter) or RunError (refused) before any
    notebook runs.
    """
    project = Path(project).resolve()
    plans = plan_reports(names, project=project, overrides=overrides, params_file=params_file, kernel_name=kernel_name)
    return _execute_plans(
        plans,
        project=project,
        run_id=run_id,
        reports_dir=Path(reports_dir).resolve() if reports_dir else project / "reports",
        force=force,
        kernel_name=kernel_name or DEFAULT_KERNEL,
        command_line=command_line,
    )


def _execute_plans(
    plans: list[NotebookPlan],
    *,
    project: Path,
    run_id: str | None,
    reports_dir: Path,
    force: bool,
    kernel_name: str,
    command_line: list[str] | None,
    extra_manifest: dict | None = None,
) -> RunResult:
    _check_kernel(kernel_name)
    reports_dir.mkdir(parents=True, exist_ok=True)
    if run_id is None:
        run_id = _new_run_id(reports_dir)
    else:
        _check_run_id(run_id)
    target = reports_dir / run_id
    if target.exists() and not force:
        raise RunError(
            f"The report folder {_shown(target)} already exists. Choose another --run-id, or pass --force to "
            "replace it (it is replaced only if every notebook succeeds; otherwise it stays as it is)."
        )
    tmp = reports_dir / f".tmp-{run_id}"
    if tmp.exists():
        shutil.rmtree(tmp)  # left over from an interrupted run with the same id
    tmp.mkdir()

    started = _utc_now()
    try:
        inputs, input_roots = hash_inputs(plans, project)
        runs = [_run_one(plan, tmp, kernel_name) for plan in plans]
        finished = _utc_now()
        ok = all(r.ok for r in runs)
        replacing = target.exists()
        folder = target if (ok or not replacing) else _unique(reports_dir, f"{run_id}.failed-{_stamp()}")
        manifest = _manifest(
            run_id=run_id, folder=folder, project=project, reports_dir=reports_dir, plans=plans, runs=runs,
            inputs=inputs, input_roots=input_roots, started=started, finished=finished,
            command_line=command_line, kernel_name=kernel_name,
        )
        manifest.update(extra_manifest or {})
        _write_json(tmp / MANIFEST_NAME, manifest)
        _move_into_place(tmp, folder, replace=(folder == target and replacing))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    for r in runs:  # paths now point into the final folder
        r.notebook_path = folder / r.notebook_path.name
        r.html_path = folder / r.html_path.name if r.html_path else None
        if not r.ok and r.html_path:  # the failure page names the folder the analyst finds the notebook in
            plan = next(p for p in plans if p.name == r.name)
            write_error_page(r.html_path, r.name, r.error, r.notebook_path.name if r.notebook_path.exists() else None,
                             language=plan.resolved.get("lang"), run_id=run_id, folder=str(folder))
    if ok:
        _write_json(
            reports_dir / LATEST_NAME,
            {"run_id": run_id, "folder": folder.name, "finished_utc": finished, "manifest": f"{folder.name}/{MANIFEST_NAME}"},
        )
    write_index(reports_dir)
    return RunResult(
        run_id=run_id,
        report_dir=folder,
        manifest_path=folder / MANIFEST_NAME,
        notebooks=runs,
        replaced_previous=replacing and folder == target,
        previous_kept=replacing and folder != target,
    )


def _this_python_kernel_manager(ipc_dir: str | None = None):
    """A KernelManager that starts ipykernel in *this* interpreter, whatever kernelspecs the machine has.

    A ``python3`` kernelspec in the user's Jupyter folders (left by another Python installation) would
    otherwise win over this environment's and run the report where ``csm`` is not installed.
    With ``ipc_dir`` (a private, short-pathed folder; POSIX only) the kernel talks over Unix sockets in it
    instead of TCP on localhost: no other local user can listen in, and ipykernel no longer warns
    "Kernel is running over TCP without encryption" on every run (which filled cron logs).
    """
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager

    class ThisPythonKernelManager(KernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if ipc_dir is not None:
                self.transport = "ipc"
                self.ip = os.path.join(ipc_dir, "kernel")

        @property
        def kernel_spec(self):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name=f"Python ({sys.executable})", language="python")

    return ThisPythonKernelManager


def _ipc_dir():
    """A private temporary folder for the kernel's Unix sockets (None where there are none: Windows)."""
    import tempfile

    if os.name != "posix":
        return None
    return tempfile.TemporaryDirectory(prefix="csm-kernel-")  # 0700, short path under the temp folder


def _check_kernel(kernel_name: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    if kernel_name == DEFAULT_KERNEL:  # always this interpreter (see _this_python_kernel_manager)
        return

    try:
        KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        raise RunError(
            f"No Jupyter kernel named '{kernel_name}'. Install one for this Python with "
            f"'{sys.executable} -m ipykernel install --sys-prefix' (see 'jupyter kernelspec list')."
        ) from None


def _run_one(plan: NotebookPlan, out_dir: Path, kernel_name: str) -> NotebookRun:
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    out_path = out_dir / f"{plan.name}.ipynb"
    error = None
    start = time.monotonic()
    sockets = _ipc_dir() if kernel_name == DEFAULT_KERNEL else None
    try:
        papermill.execute_notebook(
            str(plan.notebook_path),
            str(out_path),
            parameters=plan.resolved,
            kernel_name=kernel_name,
            language="python",
            progress_bar=True,
            cwd=str(plan.notebook_path.parent),
            **({"kernel_manager_class": _this_python_kernel_manager(sockets.name if sockets else None)}
               if kernel_name == DEFAULT_KERNEL else {}),
        )
    except PapermillExecutionError as exc:
        error = {"cell_index": None, "execution_count": exc.exec_count, "exception": exc.ename, "message": exc.evalue}
    except Exception as exc:  # kernel died, timeout …: the notebook failed, the run goes on
        error = {"cell_index": None, "execution_count": None, "exception": type(exc).__name__,
                 "message": _one_line(exc)}
    finally:
        if sockets is not None:
            sockets.cleanup()
    duration = round(time.monotonic() - start, 3)

    executed = None
    if out_path.exists():
        try:
            executed = nbformat.read(str(out_path), as_version=4)
        except Exception:  # noqa: BLE001 - a truncated file counts as a failure below
            executed = None
    if executed is None and error is None:
        error = {"cell_index": None, "execution_count": None, "exception": "RunError",
                 "message": "papermill wrote no readable output notebook"}
    if error is not None and executed is not None:
        error["cell_index"] = _failed_source_cell(executed)

    results: dict = {}
    html_path = None
    lang = plan.resolved.get("lang")
    lang = lang if isinstance(lang, str) else None
    if error is not None:
        # no management report from a failed notebook (papermill's output is a traceback with code): a
        # one-paragraph page says what failed; the executed notebook stays next to it for the analyst
        if executed is not None:
            results = collect(executed)
        html_path = write_error_page(out_dir / f"{plan.name}.html", plan.name, error, out_path.name
                                     if executed is not None else None, language=lang,
                                     run_id=out_dir.name.removeprefix(".tmp-"))
    elif executed is not None:
        results = collect(executed)
        html_path = out_dir / f"{plan.name}.html"
        try:
            export_html(executed, html_path, title=plan.name, language=lang)
        except Exception as exc:  # noqa: BLE001
            html_path = None
            if error is None:
                error = {"cell_index": None, "execution_count": None, "exception": type(exc).__name__,
                         "message": f"HTML export failed: {_one_line(exc)}"}
    return NotebookRun(
        name=plan.name,
        status="ok" if error is None else "failed",
        notebook_path=out_path,
        html_path=html_path,
        duration_s=duration,
        results=results,
        error=error,
    )


def _failed_source_cell(executed) -> int | None:
    """Index (0-based, in notebooks/<name>.ipynb) of the first cell with an error output."""
    index = 0
    for cell in executed.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags or _ERROR_MARKER_TAG in tags:
            continue
        if any(o.get("output_type") == "error" for o in cell.get("outputs", []) or []):
            return index
        if cell.get("metadata", {}).get("papermill", {}).get("exception") is True:
            return index
        index += 1
    return None


# --------------------------------------------------------------------------- manifest

def hash_inputs(plans: list[NotebookPlan], project: Path) -> tuple[dict, list[str]]:
    """sha256 and size of every file under each data_dir and of each mapping file.

    Returns ``({path: {"sha256", "size"}}, roots)`` with paths relative to the
    project where possible. Hidden files (``.name``) are skipped.
    """
    roots: list[Path] = []
    for plan in plans:
        for root in (plan.data_dir, plan.mapping):
            if root is not None and root not in roots:
                roots.append(root)
    files = _hash_roots(roots, project)
    return files, [_shown(r, project) for r in roots]


def _hash_roots(roots: list[Path], project: Path) -> dict:
    files: dict = {}
    for root in roots:
        if root.is_file():
            candidates = [root]
        elif root.is_dir():
            candidates = sorted(
                p for p in root.rglob("*")
                if p.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                           for part in p.relative_to(root).parts)
            )
        else:
            continue
        for path in candidates:
            files[_shown(path, project)] = {"sha256": _sha256(path), "size": path.stat().st_size}
    return dict(sorted(files.items()))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest(*, run_id, folder, project, reports_dir, plans, runs, inputs, input_roots, started, finished,
              command_line, kernel_name) -> dict:
    import csm

    by_name = {r.name: r for r in runs}
    notebooks = {}
    for plan in plans:
        r = by_name[plan.name]
        notebooks[plan.name] = {
            "status": r.status,
            "error": r.error,
            "duration_s": r.duration_s,
            "notebook": f"{plan.name}.ipynb",
            "html": r.html_path.name if r.html_path else None,
            "source_notebook": _shown(plan.notebook_path, project),
            "source_sha256": _sha256(plan.notebook_path),
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
        "git_commit": _git_commit(project),
        "git_dirty": _git_dirty(project),  # uncommitted changes in csm/, notebooks/ or params/
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


def _git_commit(project: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(project), "rev-parse", "--verify", "--quiet", "HEAD"],
            capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", commit) else None


def _git_dirty(project: Path) -> bool | None:
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
        raise RunError(f"Cannot read manifest {path}: {_one_line(exc)}.") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("notebooks"), dict):
        raise RunError(f"{path} is not a csm run manifest (no 'notebooks' section).")
    return manifest


# --------------------------------------------------------------------------- report folders

def _move_into_place(tmp: Path, folder: Path, *, replace: bool) -> None:
    if not replace:
        os.replace(tmp, folder)
        return
    backup = _unique(folder.parent, f".old-{folder.name}-{_stamp()}")
    os.replace(folder, backup)
    try:
        os.replace(tmp, folder)
    except BaseException:
        os.replace(backup, folder)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def _new_run_id(reports_dir: Path) -> str:
    base = _stamp()
    return _unique(reports_dir, base, also=lambda name: (reports_dir / f".tmp-{name}").exists()).name


def _unique(parent: Path, name: str, also=lambda name: False) -> Path:
    candidate, n = name, 1
    while (parent / candidate).exists() or also(candidate):
        n += 1
        candidate = f"{name}-{n}"
    return parent / candidate


def _check_run_id(run_id: str) -> None:
    if not _RUN_ID_PATTERN.match(run_id) or run_id in (INDEX_NAME, LATEST_NAME):
        raise ParameterError(
            f"Run id {run_id!r} cannot name a report folder: use letters, digits, '.', '_' and '-', "
            "starting with a letter or digit (e.g. 2026-10-monthly)."
        )


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _shown(path: Path, base: Path | None = None) -> str:
    """``path`` relative to ``base`` (default: cwd) when inside it, else absolute; '/' separators."""
    path = Path(path)
    base = Path(base) if base is not None else Path.cwd()
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _write_json(path: Path, data) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    _write_atomic(path, text)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_index(reports_dir: Path) -> Path:
    """(Re)write reports/index.html listing every run folder that holds a manifest, newest first."""
    reports_dir = Path(reports_dir)
    latest = None
    try:
        latest = json.loads((reports_dir / LATEST_NAME).read_text(encoding="utf-8")).get("folder")
    except (OSError, ValueError, AttributeError):
        pass
    runs = []
    for folder in reports_dir.iterdir():
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        try:
            manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict):
            runs.append((folder.name, manifest))
    runs.sort(key=lambda item: (str(item[1].get("started_utc", "")), item[0]), reverse=True)

    page = index_page(runs, latest=latest)
    path = reports_dir / INDEX_NAME
    _write_atomic(path, page)
    return path


# --------------------------------------------------------------------------- rerun

@dataclass(frozen=True)
class InputChange:
    """An input file that differs from the manifest."""

    path: str
    status: str  # "changed" | "missing" | "added"
    expected_sha256: str | None
    actual_sha256: str | None

    def __str__(self) -> str:
        if self.status == "changed":
            return f"{self.path}: changed (expected sha256 {self.expected_sha256}, found {self.actual_sha256})"
        if self.status == "missing":
            return f"{self.path}: missing (expected sha256 {self.expected_sha256})"
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

    @property
    def identical(self) -> bool:
        return self.run.ok and not self.differences

    @property
    def exit_code(self) -> int:
        return 0 if self.identical else 1


def check_inputs(manifest: dict) -> list[InputChange]:
    """Re-hash the manifest's inputs; every changed, missing or added file."""
    project = Path(manifest["project"])
    roots = [Path(r) if Path(r).is_absolute() else project / r for r in manifest.get("input_roots", [])]
    now = _hash_roots(roots, project)
    before = manifest.get("inputs") or {}
    changes = []
    for path in sorted(set(before) | set(now)):
        old, new = before.get(path), now.get(path)
        if old and not new:
            changes.append(InputChange(path, "missing", old.get("sha256"), None))
        elif new and not old:
            changes.append(InputChange(path, "added", None, new["sha256"]))
        elif old.get("sha256") != new["sha256"]:
            changes.append(InputChange(path, "changed", old.get("sha256"), new["sha256"]))
    return changes


def rerun(
    manifest_path: Path | str,
    *,
    force: bool = False,
    run_id: str | None = None,
    kernel_name: str | None = None,
    command_line: list[str] | None = None,
) -> RerunResult:
    """Run a stored manifest again and compare the recorded results key by key.

    The same notebooks run with the stored *resolved* parameters into a new
    report folder next to the old one. Before running, the inputs are re-hashed:
    any changed, missing or new file refuses the rerun (RunError naming each file
    with expected and actual sha256) unless ``force``. Results are compared
    exactly for strings, integers and booleans and with a relative tolerance of
    1e-9 for floats.
    """
    manifest_path = Path(manifest_path)
    if manifest_path.is_dir():
        manifest_path = manifest_path / MANIFEST_NAME
    manifest_path = manifest_path.resolve()
    old = read_manifest(manifest_path)
    project = Path(old.get("project", ""))
    if not (project / "notebooks").is_dir():
        raise RunError(
            f"The project folder {project} recorded in {manifest_path} no longer holds notebooks/; "
            "rerun from the original location of the project."
        )
    changes = check_inputs(old)
    if changes and not force:
        raise RunError(
            f"Inputs changed since run {old.get('run_id')} ({manifest_path}); the rerun would not repeat it:\n"
            + "\n".join(f"  {c}" for c in changes)
            + "\nRestore these files, or pass --force to rerun anyway (the results will be compared)."
        )
    kernel_name = kernel_name or old.get("kernel") or DEFAULT_KERNEL
    plans = []
    notebooks_dir = project / "notebooks"
    for name, entry in old["notebooks"].items():
        path = notebooks_dir / f"{name}.ipynb"
        if not path.is_file():
            raise RunError(f"Notebook {path} of run {old.get('run_id')} no longer exists.")
        known = _notebook_parameters(path)
        params = entry.get("parameters", {}) or {}
        resolved = dict(params.get("resolved") or {})
        unknown = [k for k in resolved if k not in known]
        if unknown:
            raise RunError(
                f"Notebook {path} no longer takes parameter(s) {', '.join(unknown)} used by run "
                f"{old.get('run_id')}; it cannot be repeated."
            )
        for key, value in resolved.items():
            _check_value(name, key, value, str(manifest_path))
        _check_injection(name, resolved, kernel_name)
        plans.append(NotebookPlan(
            name=name, notebook_path=path, given=dict(params.get("given") or {}), resolved=resolved,
            sources={k: f"rerun of {old.get('run_id')}" for k in resolved},
            data_dir=_effective_path("data_dir", resolved, known, notebooks_dir),
            mapping=_effective_path("mapping", resolved, known, notebooks_dir),
        ))
    run = _execute_plans(
        plans,
        project=project,
        run_id=run_id,
        reports_dir=manifest_path.parent.parent,
        force=force,
        kernel_name=kernel_name,
        command_line=command_line,
        extra_manifest={"rerun_of": {"run_id": old.get("run_id"), "manifest": _shown(manifest_path, project),
                                     "input_changes": [str(c) for c in changes]}},
    )
    new_results = {nb.name: nb.results for nb in run.notebooks}
    differences = compare_results(old.get("results") or {}, new_results)
    result = RerunResult(run=run, previous_manifest=manifest_path, differences=differences, input_changes=changes)
    manifest = json.loads(run.manifest_path.read_text(encoding="utf-8"))
    manifest["rerun_of"]["identical"] = result.identical
    manifest["rerun_of"]["differences"] = [str(d) for d in differences]
    _write_json(run.manifest_path, manifest)
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
