"""Which notebooks run, with which parameters: the project, its notebooks and the parameter layers.

:func:`plan_reports` checks every selected notebook and its parameters before anything runs and gives one
:class:`NotebookPlan` per notebook: ``params/<name>.yaml``, then ``--params FILE``, then ``-p`` (see
:mod:`csm.run.parameters`), path parameters resolved from the project folder.
"""
from __future__ import annotations

import ast
import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path

from csm.errors import ParameterError
from csm.run.parameters import (
    LANGUAGES,
    is_url,
    check_injection,
    check_parameters,
    check_plain_value,
    load_parameter_file,
    merge_layer,
    one_line,
    resolve_path_parameters,
)

__all__ = [
    "DEFAULT_KERNEL", "NotebookPlan", "effective_path", "find_project", "list_notebooks", "literal_default",
    "notebook_parameters", "plan_reports", "report_language",
]

DEFAULT_KERNEL = "python3"


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
    entry; see :mod:`csm.run.parameters`), and every value the table :data:`csm.run.parameters.CHECKS`
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
    taken = {name: notebook_parameters(project / "notebooks" / f"{name}.ipynb") for name in names}

    # run-wide keys must be known to at least one selected notebook
    run_wide = [(k, "-p") for k in overrides]
    if not file_notebook:
        run_wide += [(k, f"--params {params_file}") for k in file_params]
    for key, origin in run_wide:
        if not any(key in taken[n] for n in names):
            known = sorted(set().union(*(taken[n] for n in names)))
            scope = f"notebook '{names[0]}' takes" if len(names) == 1 else f"notebooks {', '.join(names)} take"
            raise ParameterError(
                f"Unknown parameter '{key}' (from {origin}): {scope} no parameter of that name"
                f"{_did_you_mean(key, known)} Parameters: {', '.join(known) or 'none (no cell tagged parameters)'}."
            )

    plans = []
    for name in names:
        known = taken[name]
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
                check_plain_value(name, key, value, origin)
                if isinstance(value, dict):  # a partial mapping merges into the stored one (csm.run.parameters)
                    earlier = given[key] if key in given else literal_default(known[key])
                    if isinstance(earlier, dict):
                        value = merge_layer(key, earlier, value)
                        origin = f"{sources[key]} + {origin}" if key in sources else origin
                given[key] = value
                sources[key] = origin
        check_parameters(name, given, sources)  # values checkable without data: before any kernel starts
        resolved = resolve_path_parameters(given, project)
        check_injection(name, resolved, kernel_name)
        notebooks_dir = project / "notebooks"
        plans.append(
            NotebookPlan(
                name=name,
                notebook_path=notebooks_dir / f"{name}.ipynb",
                given=given,
                resolved=resolved,
                sources=sources,
                data_dir=effective_path("data_dir", resolved, known, notebooks_dir),
                mapping=effective_path("mapping", resolved, known, notebooks_dir),
                ignored=ignored,
            )
        )
    return plans


def notebook_parameters(path: Path) -> dict:
    """The parameters of a notebook's cell tagged ``parameters`` (papermill's inspection), by name."""
    import papermill

    try:
        return papermill.inspect_notebook(str(path))
    except Exception as exc:  # unreadable JSON, bad parameters cell …
        raise ParameterError(f"Cannot read the parameters of notebook {path}: {one_line(exc)}.") from None


def effective_path(name: str, resolved: dict, known: dict, notebooks_dir: Path) -> Path | None:
    """The path a notebook will use: the injected value, else its literal default (relative to notebooks/)."""
    if name in resolved:
        value = resolved[name]
        if is_url(value):  # a database: no input file to hash
            return None
        return Path(value) if isinstance(value, str) and value.strip() else None
    if name not in known:
        return None
    try:
        default = ast.literal_eval(str(known[name].get("default")))
    except (ValueError, SyntaxError):
        return None
    if not isinstance(default, str) or not default.strip() or is_url(default):
        return None
    path = Path(default).expanduser()
    return Path(os.path.normpath(path if path.is_absolute() else notebooks_dir / path))


def literal_default(spec: dict):
    """A notebook parameter's default value when it is a literal (else None)."""
    try:
        return ast.literal_eval(str(spec.get("default")))
    except (ValueError, SyntaxError):
        return None



def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return "."
    return ". Did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def report_language(plan: NotebookPlan) -> str | None:
    """The ``lang`` parameter when it is one of :data:`csm.run.parameters.LANGUAGES`, else None (English)."""
    if "lang" in plan.resolved:
        lang = plan.resolved["lang"]
    else:  # not given: the notebook's own default
        try:
            lang = literal_default(notebook_parameters(plan.notebook_path).get("lang") or {})
        except ParameterError:
            lang = None
    return lang if isinstance(lang, str) and lang in LANGUAGES else None
