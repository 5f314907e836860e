"""Notebook parameters: read (``-p key=value``, YAML files), checked before any kernel starts, merged.

Reading: :func:`parse_parameter_assignment` / :func:`parse_parameter_value` read ``-p`` values and
:func:`load_parameter_file` a ``params/<name>.yaml`` or ``--params`` file, typed by
:class:`ParameterLoader` (YAML 1.2 core scalars; dates stay strings); :func:`resolve_path_parameters`
makes path parameters absolute. :func:`check_plain_value` and :func:`check_injection` keep parameters
plain data that papermill passes unchanged.

:data:`CHECKS` is one table, keyed by parameter name, of what a value may be. ``csm run`` applies it
(:func:`check_parameters`) to every selected notebook that takes the parameter, after the layers
(``params/<name>.yaml``, ``--params FILE``, ``-p``) are merged, so a typo such as ``-p period=2026-13``,
``-p lang=fr`` or ``-p sla_hours=abc`` is refused with one line — which parameter, the value given,
what is allowed — and no report folder is created. Only what can be checked without data is checked
here; checks that need the data (a period with no data in it, a column that is missing) stay in the
notebook.

To check a new parameter, add one line to :data:`CHECKS`, e.g. ``"max_levels": count()``; a
parameter that is not in the table is passed on unchecked.

Merging (:func:`merge_layer`): a mapping given in a later layer is merged *recursively* into the
mapping of the layers before it (the stored ``params/<name>.yaml`` value, else the notebook's own
default), so ``-p 'targets={fcr_rate: {target: 85}}'`` changes one number and keeps every other target;
``null`` as a value inside a mapping removes that entry (``targets: {aht_minutes: null}`` drops the
handle-time target). Any other value (a number, text, list, or a mapping replacing a non-mapping)
replaces the earlier one; a top-level ``null`` sets the parameter to None. Parameters marked
``merge=False`` in the table (e.g. ``planned_split``, whose keys are the experiment's arms) are
always replaced whole.
"""
from __future__ import annotations

import ast
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from csm.errors import ParameterError
from csm.strict_yaml import StrictYAMLMixin

__all__ = ["fraction_open", "date", "dates", 
    "CHECKS", "LANGUAGES", "PATH_PARAMETERS", "PATH_SUFFIXES", "Check", "ParameterLoader",
    "check_injection", "check_parameters", "check_plain_value", "check_value", "count", "is_path_parameter", "is_url",
    "load_parameter_file", "merge_layer", "number", "one_line", "one_of", "parse_parameter_assignment",
    "parse_parameter_value", "resolve_path_parameters", "same_value",
]

#: Parameters holding a path (besides any name ending in one of PATH_SUFFIXES).
PATH_PARAMETERS = frozenset({"data_dir", "mapping"})
PATH_SUFFIXES = ("_dir", "_path", "_file")


class _Refused(ValueError):
    """A value is not allowed; the message says what is (or why not). ``complete``: the message already
    says what is allowed, so the check's ``allowed`` text is not appended."""

    def __init__(self, message: str, complete: bool = False):
        super().__init__(message)
        self.complete = complete


@dataclass(frozen=True)
class Check:
    """What a parameter may be: ``allowed`` (shown to the user) and ``test`` (raises :class:`_Refused`
    with a more precise reason, or returns False when the value is simply not of the allowed kind)."""

    allowed: str
    test: Callable[[object], bool | None]
    merge: bool = True  # mappings given later merge into the stored mapping (see module docstring)

    def __call__(self, value) -> None:
        if self.test(value) is False:
            raise _Refused(self.allowed)


# --------------------------------------------------------------------------- check builders

def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def one_of(*choices, merge: bool = True) -> Check:
    """The value is one of ``choices`` (None allowed when listed)."""
    shown = " or ".join("null" if c is None else repr(c) for c in choices)
    return Check(f"one of {shown}", lambda v: any(v == c and type(v) is type(c) for c in choices), merge)


def number(*, gt=None, ge=None, lt=None, le=None, integer: bool = False, optional: bool = False) -> Check:
    """A finite number (an integer with ``integer``) within the bounds; None too with ``optional``."""
    kind = "an integer" if integer else "a number"
    parts = [f"greater than {gt:g}" if gt is not None else "", f"at least {ge:g}" if ge is not None else "",
             f"less than {lt:g}" if lt is not None else "", f"at most {le:g}" if le is not None else ""]
    bounds = " and ".join(p for p in parts if p)
    if gt is not None and lt is not None:
        bounds = f"strictly between {gt:g} and {lt:g}"
    elif gt is not None and le is not None:
        bounds = f"greater than {gt:g} and at most {le:g}"
    allowed = f"{kind} {bounds}".strip() + (", or null" if optional else "")

    def test(v):
        if v is None:
            return optional
        if not _is_number(v) or (integer and not (isinstance(v, int) or float(v).is_integer())):
            return False
        return not ((gt is not None and v <= gt) or (ge is not None and v < ge)
                    or (lt is not None and v >= lt) or (le is not None and v > le))

    return Check(allowed, test)


def count(minimum: int = 1, *, optional: bool = False) -> Check:
    """A whole number ≥ ``minimum`` (counts of periods, days, cases, resamples …)."""
    return number(ge=minimum, integer=True, optional=optional)


def fraction_open() -> Check:
    """A probability or level strictly between 0 and 1 (alpha, confidence, power …)."""
    return number(gt=0, lt=1)


def _period_test(value):
    from csm.periods import check_period_syntax

    if not isinstance(value, str):
        return False
    try:
        check_period_syntax(value)
    except ParameterError as exc:
        raise _Refused(str(exc), complete="write" in str(exc)) from None


_PERIOD_ALLOWED = "'latest', 'latest-quarter', '2026-06' (month), '2026-Q2' (quarter), '2026' (year) or '2026-06-01..2026-06-30'"


def _comparison_test(value):
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null", "previous",
                                                                                 "year_ago")):
        return True
    return _period_test(value)


_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def _is_date(value) -> bool:
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        return False
    import datetime as dt

    try:
        dt.date(*(int(p) for p in value.strip().split("-")))
    except ValueError:
        return False
    return True


def date(*, optional: bool = False) -> Check:
    return Check("a date written as '2026-04-30'" + (" or null" if optional else ""),
                 lambda v: (v is None and optional) or _is_date(v))


def dates(*, or_count: bool = False, optional: bool = False) -> Check:
    def test(v):
        if v is None and optional:
            return True
        if or_count and isinstance(v, int) and not isinstance(v, bool):
            return v >= 1
        if not isinstance(v, list):
            return False
        bad = [d for d in v if not _is_date(d)]
        if bad:
            raise _Refused(f"expected a list of dates written as '2026-10-01'; {bad[0]!r} is not one", complete=True)
        return True

    allowed = "a list of dates written as '2026-10-01' ([] for none)"
    if or_count:
        allowed += ", a number k ≥ 1 of equal steps"
    if optional:
        allowed += " or null"
    return Check(allowed, test)


def _clock(text) -> bool:
    m = re.match(r"^(\d{1,2}):(\d{2})$", str(text))
    return bool(m) and int(m.group(2)) < 60 and (int(m.group(1)) < 24 or text == "24:00")


def _business_hours_test(v):
    if not isinstance(v, dict):
        return False
    unknown = set(v) - {"start", "end", "workdays"}
    if unknown:
        raise _Refused(f"a mapping with start, end and workdays; unknown key(s) {sorted(unknown)}", complete=True)
    for key in ("start", "end"):
        if key in v and not _clock(v[key]):
            raise _Refused(f"{key} must be a clock time like '09:00' (00:00–24:00), got {v[key]!r}", complete=True)
    days = v.get("workdays", [0, 1, 2, 3, 4])
    if not (isinstance(days, list) and days and all(isinstance(d, int) and not isinstance(d, bool)
                                                    and 0 <= d <= 6 for d in days)):
        raise _Refused(f"workdays must be a list of weekday numbers 0 (Monday) … 6 (Sunday), got {days!r}",
                       complete=True)
    return True


def _targets_test(v):
    from csm.kpi import check_targets

    if v is None:
        return True
    try:
        check_targets(v)
    except ParameterError as exc:
        raise _Refused(str(exc), complete=True) from None


def _rollout_ok(v: dict) -> bool:
    unknown = set(v) - {"group_column", "treated", "date", "window", "outcome", "cluster"}
    if unknown:
        raise _Refused(f"rollout has unknown key(s) {sorted(unknown)}; allowed: group_column, treated, date, "
                       "window, outcome, cluster", complete=True)
    if "date" in v and not _is_date(v["date"]):
        raise _Refused(f"rollout.date must be a date written as '2025-09-01', got {v['date']!r}", complete=True)
    window = v.get("window")
    if window is not None and not (isinstance(window, list) and len(window) == 2 and all(map(_is_date, window))):
        raise _Refused(f"rollout.window must be [first day, last day] or null, got {window!r}", complete=True)
    return True


def _list_of_text(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _folder_test(v):
    if v is not None and not isinstance(v, str):
        return False
    if v is None or not v.strip():
        raise _Refused("the folder path is empty; give the folder holding the data files, e.g. "
                       "-p data_dir=data/sample", complete=True)
    if "\0" in v:
        raise _Refused("the path contains a NUL character", complete=True)
    if is_url(v):
        from csm.engine.sources import DATABASE_SCHEMES, _PASSWORD_IN_URL

        scheme = v.strip().split("://", 1)[0].lower()
        if scheme not in DATABASE_SCHEMES + ("duckdb",):
            raise _Refused(f"databases of kind {scheme!r} are not supported; give a PostgreSQL URL "
                           "(postgresql://user@host:5432/database), a DuckDB file or a folder", complete=True)
        if _PASSWORD_IN_URL.match(v.strip()) or re.search(r"(?i)[?&]password=", v):
            raise _Refused("the database URL holds a password, which would be recorded with the report; "
                           "give it in the PGPASSWORD environment variable or ~/.pgpass and leave it out of the "
                           "URL (postgresql://user@host:5432/database)", complete=True)
    return True


def is_url(value) -> bool:
    """A database URL (``scheme://…``), not a path. (The same test as csm.engine.sources.is_url, kept here so
    that checking parameters imports neither pandas nor the engine.)"""
    return isinstance(value, str) and bool(re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", value.strip()))


def _optional_path(kind: str, what: str):
    """The test of a parameter holding null or a path (``kind`` "file" or "folder"); ``what`` names what to give."""
    def test(v):
        if v is None:
            return True
        if not isinstance(v, str):
            return False
        if not v.strip():
            raise _Refused(f"the {kind} path is empty; give {what}, or null for none", complete=True)
        if "\0" in v:
            raise _Refused("the path contains a NUL character", complete=True)
        return True
    return test


#: the report languages (the ``lang`` parameter); also the only values ``<html lang>`` is ever set from.
LANGUAGES = ("en", "zh")


#: parameter name -> what it may be; applied to every notebook that takes the parameter.
CHECKS: dict[str, Check] = {
    # every report
    "lang": one_of(*LANGUAGES),
    "data_dir": Check("a folder path, a DuckDB file or a database URL (text)", _folder_test),
    "engine": one_of("duckdb", "spark"),
    "mapping": Check("null or the path of a column-mapping YAML file", _optional_path("file", "a mapping YAML file")),
    "period": Check(_PERIOD_ALLOWED, _period_test),
    "comparison": Check(f"'previous', 'year_ago', null or a period: {_PERIOD_ALLOWED}", _comparison_test),
    "on_invalid": one_of("raise", "drop"),
    "sentiment_cache_dir": Check("null or a folder for the scores by text hash", _optional_path("folder", "a folder")),
    # definitions and enumerations
    "csat_definition": one_of("mean", "pct_satisfied"),
    "time_clock": one_of("calendar", "business"),
    "time_statistic": one_of("median", "mean"),
    "aht_statistic": one_of("mean", "median"),
    "trend_freq": one_of(None, "W", "M", "Q"),
    "correction": one_of("holm", "bh", "fdr_bh", "by", "fdr_by", "bonferroni", "hommel"),
    "time_unit": one_of("W", "D", "M"),
    "cohort_freq": one_of("Q", "M", "Y"),
    # numbers and ranges
    "sla_hours": number(gt=0),
    "sla_target": number(gt=0, le=1),
    "alpha": fraction_open(),
    "spike_alpha": fraction_open(),
    "confidence": fraction_open(),
    "power": fraction_open(),
    "srm_threshold": fraction_open(),
    "vip_share": fraction_open(),
    "margin": number(gt=0, le=1),
    "annual_discount_rate": number(ge=0, lt=1),
    "min_spike_ratio": number(gt=1),
    "negative_below": number(ge=-1, le=1),
    "positive_above": number(ge=-1, le=1),
    # counts
    **{name: count() for name in (
        "trend_periods", "spc_days", "league_min_n", "spike_lookback_weeks", "model_months", "repeat_within_days",
        "top_categories", "max_texts_per_group", "lookback_months", "agent_min_comments", "examples_per_aspect",
        "retention_months", "at_risk_top", "at_risk_horizon_months", "holdout_months", "horizon_months",
        "min_clusters", "n_boot", "max_texts")},
    "season_length": count(2),
    "aa_splits": count(0),
    "seed": count(0, optional=True),
    "planned_units": count(optional=True),
    # dates, calendars and structured values
    "experiment_end": date(optional=True),
    "looks": dates(or_count=True, optional=True),
    "rollout": Check("null or a mapping {group_column: …, treated: [...], date: '2025-09-01'} (window, outcome "
                     "and cluster optional)", lambda v: v is None or (isinstance(v, dict) and _rollout_ok(v))),
    "text_source": one_of("auto", "responses", "tickets"),
    "max_levels": count(),
    "at_risk_min_customers": count(),
    "max_customers": count(),
    "min_churners": count(),
    "lifetime_cap_years": number(gt=0),
    "currency": Check("a three-letter currency code such as CNY, USD or EUR", lambda v: isinstance(v, str) and bool(re.fullmatch(r"[A-Za-z]{3}", v))),
    "customer_covariates": Check("a list of column names", _list_of_text),
    "holidays": dates(),
    "business_hours": Check("a mapping like {start: '09:00', end: '18:00', workdays: [0, 1, 2, 3, 4]}",
                            _business_hours_test),
    "targets": Check("a mapping of KPI code -> {target: level} or {target_change: relative change, baseline: …}"
                     " (see csm/kpi/targets.py TARGET_BASELINES)", _targets_test),
    "nps_segments": Check("a list of column names", _list_of_text),
    "retention_by": Check("a list of column names", _list_of_text),
    "dimensions": Check("a list of column names", _list_of_text),
    "model_covariates": Check("a list of column names", _list_of_text),
    "planned_split": Check("a mapping of variant -> planned share", lambda v: isinstance(v, dict), merge=False),
}


def _shown(value) -> str:
    if is_url(value):  # a password in a database URL is never shown
        from csm.engine.sources import mask_url

        value = mask_url(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_value(name: str, value, *, notebook: str = "", origin: str = "") -> None:
    """Raise ParameterError (one line: parameter, value, what is allowed) if ``value`` is not allowed."""
    check = CHECKS.get(name)
    if check is None:
        return
    try:
        check(value)
    except _Refused as exc:
        where = f" for notebook '{notebook}'" if notebook else ""
        source = f" (from {origin})" if origin else ""
        reason = str(exc).rstrip(".")
        if exc.complete:
            detail = reason
        else:
            detail = f"expected {reason}" if reason == check.allowed else f"{reason}; expected {check.allowed}"
        raise ParameterError(f"Parameter '{name}' = {_shown(value)}{source}{where} is not allowed: "
                             f"{detail}.") from None


def check_parameters(notebook: str, values: dict, sources: dict | None = None) -> None:
    """Check every parameter of ``values`` that the table knows (see :data:`CHECKS`)."""
    sources = sources or {}
    for name, value in values.items():
        check_value(name, value, notebook=notebook, origin=sources.get(name, ""))


_DELETE = None


def _merge(base, update):
    if not (isinstance(base, dict) and isinstance(update, dict)):
        return update
    out = dict(base)
    for key, value in update.items():
        if value is _DELETE:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def merge_layer(name: str, earlier, value):
    """The value of parameter ``name`` after a later layer gives ``value`` (see module docstring)."""
    check = CHECKS.get(name)
    if check is not None and not check.merge:
        return value
    return _merge(earlier, value)


# --------------------------------------------------------------------------- parameter values as given

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
                f"Cannot read the parameter value {text!r}: {one_line(exc)}. Quote strings as 'text', "
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
    except UnicodeDecodeError as exc:
        raise ParameterError(f"Cannot read parameter file {path}: {exc}. Save it as UTF-8 YAML.") from None
    except OSError as exc:
        raise ParameterError(f"Cannot read parameter file {path}: {exc.strerror or exc}. Check the path (a folder, "
                             "a broken or looping symbolic link, permissions).") from None
    try:
        data = yaml.load(text, Loader=ParameterLoader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as exc:
        raise ParameterError(f"Parameter file {path} is not valid YAML: {one_line(exc)}.") from None
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
        if is_path_parameter(name) and isinstance(value, str) and value.strip() and not is_url(value):
            path = Path(value).expanduser()
            if not path.is_absolute():
                path = Path(project) / path
            value = str(Path(os.path.normpath(path)))
        resolved[name] = value
    return resolved



_PLAIN_TYPES = (str, bool, int, float, type(None))


def check_plain_value(notebook: str, key: str, value, origin: str, _where: str = "") -> None:
    """Parameters are data: only JSON-like values (no objects, no NaN/inf); ParameterError otherwise."""
    where = f"{key}{_where}"
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(
            f"Parameter '{where}' for notebook '{notebook}' (from {origin}) is {value}; give a finite number or null."
        )
    if isinstance(value, _PLAIN_TYPES):
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            check_plain_value(notebook, key, item, origin, f"{_where}[{i}]")
        return
    if isinstance(value, dict):
        for k, item in value.items():
            if not isinstance(k, str):
                raise ParameterError(f"Parameter '{where}' (from {origin}) has a non-string key {k!r}.")
            check_plain_value(notebook, key, item, origin, f"{_where}[{k!r}]")
        return
    raise ParameterError(
        f"Parameter '{where}' for notebook '{notebook}' (from {origin}) is a {type(value).__name__}; "
        "parameters must be strings, numbers, booleans, null, lists or mappings."
    )


def check_injection(notebook: str, parameters: dict, kernel_name: str) -> None:
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
    if not same_value(assigned, parameters):
        raise ParameterError(
            f"The parameters for notebook '{notebook}' would not arrive unchanged in the notebook; "
            "use plain strings, numbers, booleans, lists or mappings."
        )


def same_value(a, b) -> bool:
    """Equal values of the same types, recursively (``1 == 1.0 == True`` are not the same here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a == b



def one_line(exc) -> str:
    """An exception's message on one line."""
    return " ".join(str(exc).split())
