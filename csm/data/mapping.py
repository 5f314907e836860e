"""Column mappings: how a tool's export (Zoho Desk, a Chinese CRM, …) becomes a contract table.

A mapping is a small YAML file the analyst writes once per source system::

    # one table
    table: tickets                      # optional: restrict the mapping to one table
    columns:                            # contract column: header in the export
      ticket_id: 工单编号
      customer_id: [客户编号, 客户ID]    # a list = alternatives, the first one present is used
    values:                             # per column: value in the export -> contract value
      channel: {微信: social, 400热线: phone}
      priority: {"-None-": null}        # null = missing
    datetime_format: "%Y/%m/%d %H:%M"   # or a list of formats, tried in order
    timezone: Asia/Shanghai             # values with a UTC offset are converted to this zone
    sheet: 工单                          # Excel: sheet name (or 0-based number); default first
    encoding: gb18030                   # CSV: force an encoding instead of detecting it
    delimiter: "|"                      # CSV: field separator (default: detected among , ; tab |)
    decimal: ","                        # CSV/Excel text: decimal comma (1.234,50 = 1234.5); "." by default
    header_row: 3                       # row of the file/sheet that holds the headers (default 1): rows
                                        # above it (a cover title, a merged title row) are skipped
    drop_columns: [联系电话]              # headers to discard on reading (e.g. PII)
    pseudonymise: [customer_id]         # columns whose every value is replaced by a stable hash (#<12 hex>),
                                        # for keys that are personal data (contact names, e-mail addresses)
    file: 工单导出.xlsx                   # load_tables: file name to use for this table
    derive:                             # customers: columns the export does not have, computed on loading
      signup_date: {tenure_months: tenure, as_of: "2024-06-30"}   # sign-up = as_of − tenure months
      churn_date: {when_churned: as_of}   # churned = true customers left on this date (as_of or a date)

or several tables at once::

    timezone: Asia/Shanghai             # top-level defaults: timezone, datetime_format, encoding
    tables:
      tickets:   {columns: {...}, values: {...}}
      responses: {columns: {...}}

``values:`` may be keyed by the contract column or by the export's header. Source values are
matched after trimming spaces and ignoring case. With ``timezone:``, values that carry a UTC
offset (``+08:00``, ``Z``) are converted into that zone; values without one are taken to be in
that zone already. All times end up naive (company-local).
``derive:`` (customers table only) is for a CRM snapshot that gives tenure in months and a churn flag but
no dates (e.g. the IBM Telco export, ``data/mappings/crm_snapshot.yaml``). ``signup_date`` becomes
``as_of − tenure × 365.25/12 days``: the tenure in months is measured on the same scale as the survival
analyses (a month is 365.25/12 days), so a customer's derived tenure in months is exactly the exported one.
``churn_date: {when_churned: as_of}`` gives customers with ``churned = true`` the snapshot date (or another
date) as churn date, since the export has none; everyone else stays active. Consequences: the tenure at
churn is the exported tenure, so Kaplan–Meier curves and Cox hazard ratios on the tenure scale are as
good as the tenure and the flag; calendar-time churn rates (per month, per cohort) are not meaningful
(every churn falls on one day) and the report leaves them out; and customers who left before the window
the export covers are not in it at all, so retention is overstated when the export holds only customers
active at some recent date (the Telco sample: churn "within the last month").

``datetime_format: excel`` reads Excel serial day numbers (``45678`` = 2025-01-21, ``45678.5`` = noon);
``unix`` / ``unix_ms`` read Unix times in seconds / milliseconds (UTC; converted into ``timezone:`` when
given). They may be combined with strptime formats in a list (``[excel, "%Y-%m-%d"]``).

Mapping files are read without YAML aliases (``&anchor`` / ``*alias`` are refused: a few lines of
aliases can expand to gigabytes) and without duplicate keys (which YAML would silently let the last
one win); the message names the file and line.

``yes``/``no``/``on``/``off`` stay text in mapping files (only ``true``/``false``
are booleans), so ``{Yes: true}`` means what it says.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from csm.compat import STR
from csm.data.contract import TABLES, Problem, Table
from csm.errors import DataError
from csm.strict_yaml import StrictYAMLError, StrictYAMLMixin

__all__ = ["ColumnPlan", "clean_header", "normalise_value", "map_values", "plan_columns",
           "Mapping", "StrictYAMLError", "StrictYAMLMixin", "TableMapping", "apply_mapping", "as_mapping",
           "derive_after_validation", "derive_before_validation", "did_you_mean", "load_mapping", "normalise_header",
           "parse_mapping", "suggest"]

_TABLE_KEYS = ("columns", "values", "datetime_format", "timezone", "sheet", "encoding", "drop_columns", "file",
               "derive", "delimiter", "decimal", "header_row", "pseudonymise")
#: days per month of tenure (the month of the survival analyses, csm.customers.churn.DAYS_PER_MONTH)
DAYS_PER_MONTH = 365.25 / 12
#: columns ``derive:`` can compute, per table: column -> the keys its spec takes
DERIVABLE = {"customers": {"signup_date": ("tenure_months", "as_of"), "churn_date": ("when_churned",)}}
_DEFAULT_KEYS = ("datetime_format", "timezone", "encoding", "delimiter", "decimal")
_TOP_KEYS = ("tables", "table", "name", "description", *_TABLE_KEYS)


@dataclass(frozen=True)
class TableMapping:
    """How one table of an export maps onto the contract (see module docstring)."""

    #: contract column -> candidate source headers (first one present wins)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: column -> {normalised source value: contract value or None}
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    datetime_format: tuple[str, ...] | None = None
    timezone: str | None = None
    sheet: str | int | None = None
    encoding: str | None = None
    drop_columns: tuple[str, ...] = ()
    file: str | None = None
    #: columns computed on loading: {"signup_date": {"tenure_months": header, "as_of": Timestamp},
    #: "churn_date": {"when_churned": Timestamp}} (customers only; see module docstring)
    derive: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: CSV field separator (None: detected)
    delimiter: str | None = None
    #: decimal mark of numbers written as text ("." or ",")
    decimal: str = "."
    #: 1-based row holding the headers (rows above are skipped)
    header_row: int = 1
    #: contract columns (after renaming) whose values are replaced by a stable hash on loading
    pseudonymise: tuple[str, ...] = ()
    #: name of the mapping file, for messages
    source: str = "<mapping>"


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file: per-table mappings plus an any-table mapping (single-table form)."""

    tables: dict[str, TableMapping] = field(default_factory=dict)
    default: TableMapping | None = None
    source: str = "<mapping>"

    def for_table(self, table: str) -> TableMapping | None:
        """The mapping that applies to ``table`` (None when the file says nothing about it)."""
        return self.tables.get(table, self.default)


# ----------------------------------------------------------------------------- YAML reading
class _Loader(StrictYAMLMixin, yaml.SafeLoader):
    """SafeLoader where only true/false are booleans (YAML 1.2), so Yes/No/On/Off stay text."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def normalise_header(name: str) -> str:
    """Header as compared for suggestions: case-folded, without spaces, ``_``, ``-`` or ``.``."""
    return re.sub(r"[\s_\-.()（）]+", "", str(name)).casefold()


def _loose(header: str) -> str:
    """Header compared when the exact one is absent: NFKC (full-width （） -> ()), spaces collapsed, case-folded."""
    return " ".join(unicodedata.normalize("NFKC", str(header)).split()).casefold()


def normalise_value(value: Any) -> str:
    """Source value as matched in ``values:``: trimmed, case-folded text."""
    return str(value).strip().casefold()


def suggest(word: str, options, n: int = 3) -> list[str]:
    options = [str(o) for o in options]
    by_norm: dict[str, str] = {}
    for o in options:
        by_norm.setdefault(normalise_header(o), o)
    hits = difflib.get_close_matches(normalise_header(word), list(by_norm), n=n, cutoff=0.6)
    return [by_norm[h] for h in hits]


def did_you_mean(word: str, options) -> str:
    hits = suggest(word, options)
    return f" (did you mean {', '.join(repr(h) for h in hits)}?)" if hits else ""


def _err(source: str, where: str, message: str) -> DataError:
    text = f"{source}: {where}: {message}" if where else f"{source}: {message}"
    return DataError(text, [Problem(table="mapping", file=source, column=None, message=f"{where}: {message}")])


def _read_yaml_text(path: Path) -> str:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise _err(path.name, "", "cannot be decoded as UTF-8 or GB18030; save the mapping file as UTF-8")


def _check_timezone(tz, source, where):
    if tz is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise _err(source, where, f"unknown time zone {tz!r}; use an IANA name such as Asia/Shanghai, "
                                  "Europe/London or UTC") from None
    return str(tz)


def _parse_table(spec: Any, table: str | None, source: str, defaults: dict) -> TableMapping:
    where = f"tables.{table}" if table else "mapping"
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise _err(source, where, f"expected keys such as columns:, values:, got {type(spec).__name__}")
    unknown = [k for k in spec if k not in _TABLE_KEYS]
    if unknown:
        k = unknown[0]
        raise _err(source, where, f"unknown key {k!r}{did_you_mean(k, _TABLE_KEYS)}; "
                                  f"allowed keys: {', '.join(_TABLE_KEYS)}")
    contract: Table | None = TABLES.get(table) if table else None

    columns: dict[str, tuple[str, ...]] = {}
    raw_cols = spec.get("columns") or {}
    if not isinstance(raw_cols, dict):
        raise _err(source, f"{where}.columns", "expected 'contract_column: source header' pairs")
    for target, headers in raw_cols.items():
        target = str(target)
        if contract is not None:
            _check_target(contract, target, source, f"{where}.columns")
        if isinstance(headers, (list, tuple)):
            cands = tuple(str(h).strip() for h in headers if h is not None)
        elif headers is None:
            raise _err(source, f"{where}.columns.{target}", "no source header given")
        else:
            cands = (str(headers).strip(),)
        columns[target] = cands

    values: dict[str, dict[str, str | None]] = {}
    raw_vals = spec.get("values") or {}
    if not isinstance(raw_vals, dict):
        raise _err(source, f"{where}.values", "expected 'column: {source value: contract value}'")
    for col, table_of_values in raw_vals.items():
        if not isinstance(table_of_values, dict):
            raise _err(source, f"{where}.values.{col}", "expected 'source value: contract value' pairs")
        conv = {}
        for k, v in table_of_values.items():
            if isinstance(v, bool):
                v = "true" if v else "false"
            conv[normalise_value(k)] = None if v is None else str(v)
        values[str(col)] = conv

    fmt = spec.get("datetime_format", defaults.get("datetime_format"))
    if fmt is not None:
        fmt = tuple(str(f) for f in fmt) if isinstance(fmt, (list, tuple)) else (str(fmt),)
    tz = _check_timezone(spec.get("timezone", defaults.get("timezone")), source, where)
    sheet = spec.get("sheet")
    if sheet is not None and not isinstance(sheet, (int, str)):
        raise _err(source, f"{where}.sheet", "expected a sheet name or a 0-based sheet number")
    enc = spec.get("encoding", defaults.get("encoding"))
    if enc is not None:
        import codecs

        try:
            codecs.lookup(str(enc))
        except LookupError:
            raise _err(source, f"{where}.encoding", f"unknown encoding {enc!r}; e.g. utf-8, gb18030, utf-16") from None
        enc = str(enc)
    drop = spec.get("drop_columns") or ()
    if isinstance(drop, str):
        drop = (drop,)
    file = spec.get("file")
    derive = _parse_derive(spec.get("derive"), table, source, f"{where}.derive")
    delimiter = spec.get("delimiter", defaults.get("delimiter"))
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t", "pipe": "|", "semicolon": ";", "comma": ","}.get(str(delimiter),
                                                                                             str(delimiter))
        if len(delimiter) != 1 or delimiter in "\"\r\n":
            raise _err(source, f"{where}.delimiter", f"expected one character such as \",\", \";\", \"|\" or tab; "
                                                     f"got {spec.get('delimiter', defaults.get('delimiter'))!r}")
    decimal = str(spec.get("decimal", defaults.get("decimal", ".")))
    if decimal not in (".", ","):
        raise _err(source, f"{where}.decimal", f"expected \".\" or \",\" (quoted); got {decimal!r}")
    header_row = spec.get("header_row", 1)
    if isinstance(header_row, bool) or not isinstance(header_row, int) or not 1 <= header_row <= 1000:
        raise _err(source, f"{where}.header_row", f"expected the spreadsheet row number of the headers "
                                                  f"(1 = first row); got {header_row!r}")
    if delimiter is not None and delimiter == decimal:
        raise _err(source, where, f"delimiter and decimal are both {decimal!r}; a semicolon file with decimal "
                                  "commas needs `delimiter: \";\"` and `decimal: \",\"`")
    return TableMapping(columns=columns, values=values, datetime_format=fmt, timezone=tz, sheet=sheet,
                        encoding=enc, drop_columns=tuple(str(d).strip() for d in drop),
                        file=None if file is None else str(file), derive=derive, delimiter=delimiter,
                        decimal=decimal, header_row=header_row, source=source,
                        pseudonymise=tuple(str(c).strip() for c in ((spec.get("pseudonymise") or ()) if not
                                                                    isinstance(spec.get("pseudonymise"), str)
                                                                    else (spec["pseudonymise"],))))


def _parse_date(value, source: str, where: str) -> pd.Timestamp:
    text = str(value).strip()
    try:  # ISO dates only ("June" or "30/06/2024" are ambiguous)
        out = pd.Timestamp(text) if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text) else pd.NaT
    except (ValueError, TypeError):
        out = pd.NaT
    if out is pd.NaT or pd.isna(out):
        raise _err(source, where, f"{value!r} is not a date; write it as \"2024-06-30\" (quoted)")
    return out.tz_localize(None) if out.tzinfo else out


def _parse_derive(spec: Any, table: str | None, source: str, where: str) -> dict[str, dict[str, Any]]:
    if not spec:
        return {}
    if table not in DERIVABLE:
        raise _err(source, where, "derive: is available for the customers table only (signup_date from a "
                                  "tenure in months, churn_date from the churn flag); put it under "
                                  "tables: customers: or add `table: customers`")
    if not isinstance(spec, dict):
        raise _err(source, where, "expected 'column: {...}' pairs, e.g. signup_date: {tenure_months: tenure, "
                                  "as_of: \"2024-06-30\"}")
    out: dict[str, dict[str, Any]] = {}
    allowed = DERIVABLE[table]
    for column, how in spec.items():
        column = str(column)
        if column not in allowed:
            raise _err(source, where, f"cannot derive {column!r}{did_you_mean(column, allowed)}; derivable "
                                      f"columns: {', '.join(allowed)}")
        keys = allowed[column]
        if not isinstance(how, dict) or set(how) != set(keys):
            example = ("{tenure_months: <header of the tenure in months>, as_of: \"2024-06-30\"}"
                       if column == "signup_date" else "{when_churned: as_of} or {when_churned: \"2024-06-30\"}")
            raise _err(source, f"{where}.{column}", f"expected {example}")
        out[column] = dict(how)
    if "signup_date" in out:
        sd = out["signup_date"]
        sd["tenure_months"] = str(sd["tenure_months"]).strip()
        sd["as_of"] = _parse_date(sd["as_of"], source, f"{where}.signup_date.as_of")
    if "churn_date" in out:
        when = out["churn_date"]["when_churned"]
        if str(when).strip().casefold() == "as_of":
            if "signup_date" not in out:
                raise _err(source, f"{where}.churn_date", "when_churned: as_of refers to signup_date's as_of; "
                                                          "derive signup_date too or give a date")
            when = out["signup_date"]["as_of"]
        else:
            when = _parse_date(when, source, f"{where}.churn_date.when_churned")
        out["churn_date"] = {"when_churned": when}
    return out


def _check_target(contract: Table, target: str, source: str, where: str) -> None:
    if target in contract.names or any(target.startswith(p) for p in contract.numeric_prefixes):
        return
    raise _err(source, where, f"{target!r} is not a column of the {contract.name} table"
                              f"{did_you_mean(target, contract.names)}; contract columns: "
                              f"{', '.join(contract.names)}")


def parse_mapping(data: dict, source: str = "<mapping>") -> Mapping:
    """Build a :class:`Mapping` from an already-parsed YAML document (a dict)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _err(source, "", "a mapping file must be a YAML dictionary (keys such as tables:, columns:)")
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        k = unknown[0]
        raise _err(source, "", f"unknown key {k!r}{did_you_mean(k, _TOP_KEYS)}; "
                               f"allowed keys: {', '.join(_TOP_KEYS)}")
    defaults = {k: data[k] for k in _DEFAULT_KEYS if k in data}
    tables: dict[str, TableMapping] = {}
    default = None
    if "tables" in data:
        single = [k for k in data if k in _TABLE_KEYS and k not in _DEFAULT_KEYS]
        if single:
            raise _err(source, "", f"{single[0]!r} belongs inside tables.<table>: when the file has tables:")
        if not isinstance(data["tables"], dict):
            raise _err(source, "tables", "expected table names (tickets, responses, …) as keys")
        for name, spec in data["tables"].items():
            if name not in TABLES:
                raise _err(source, "tables", f"unknown table {name!r}{did_you_mean(name, TABLES)}; "
                                             f"tables: {', '.join(TABLES)}")
            tables[name] = _parse_table(spec, name, source, defaults)
    else:
        spec = {k: v for k, v in data.items() if k in _TABLE_KEYS}
        table = data.get("table")
        if table is not None:
            if table not in TABLES:
                raise _err(source, "table", f"unknown table {table!r}{did_you_mean(table, TABLES)}; "
                                            f"tables: {', '.join(TABLES)}")
            tables[table] = _parse_table(spec, table, source, {})
        else:
            default = _parse_table(spec, None, source, {})
    return Mapping(tables=tables, default=default, source=source)


def load_mapping(path) -> Mapping:
    """Read a column-mapping YAML file (UTF-8, or GB18030 as saved by Windows Notepad)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"mapping file not found: {path}",
                        [Problem("mapping", path.name, None, "mapping file not found")])
    try:
        data = yaml.load(_read_yaml_text(path), Loader=_Loader)
    except StrictYAMLError as exc:
        mark = exc.problem_mark
        raise _err(path.name, f"line {mark.line + 1}, column {mark.column + 1}", exc.problem) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise _err(path.name, where, f"is not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except RecursionError:
        raise _err(path.name, "", "is nested too deeply to be a mapping file") from None
    return parse_mapping(data, source=path.name)


def as_mapping(mapping, table: str) -> TableMapping | None:
    """Accept a Mapping, a TableMapping, a dict or a path; return the part that applies to ``table``."""
    if mapping is None:
        return None
    if isinstance(mapping, TableMapping):
        return mapping
    if isinstance(mapping, dict):
        mapping = parse_mapping(mapping)
    elif isinstance(mapping, (str, Path)):
        mapping = load_mapping(mapping)
    if not isinstance(mapping, Mapping):
        raise TypeError(f"mapping must be a path, dict or Mapping, not {type(mapping).__name__}")
    return mapping.for_table(table)


# ----------------------------------------------------------------------------- applying
def map_values(series: pd.Series, conv: dict[str, str | None]) -> pd.Series:
    """Replace source values by contract values (matched trimmed, case-insensitively); others unchanged.

    Vectorised over the distinct values (``pd.factorize``), so cost grows with the number of
    distinct values, not rows.
    """
    if not conv:
        return series
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if len(uniques) == 0:
        return series
    out_uniques = np.array(
        [conv.get(normalise_value(u), u) if normalise_value(u) in conv else u for u in uniques],
        dtype=object,
    )
    out = np.where(codes >= 0, out_uniques[np.maximum(codes, 0)], None)
    return pd.Series(out, index=series.index, name=series.name, dtype=object).astype(STR)


@dataclass
class ColumnPlan:
    """What a mapping does to an export's headers (:func:`plan_columns`), for a pandas frame or an engine relation."""

    #: headers dropped (``drop_columns:``)
    drop: list[str] = field(default_factory=list)
    #: export header -> contract column
    renames: dict[str, str] = field(default_factory=dict)
    #: (existing column after renaming, new column that copies it): one export column feeding two contract columns
    copies: list[tuple[str, str]] = field(default_factory=list)
    fatal: list[Problem] = field(default_factory=list)
    #: contract column -> headers the mapping looked for but did not find
    mapped_missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: column -> its value translations (``values:``), keyed by the column after renaming
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)


def clean_header(name) -> str:
    """A header as the mapping sees it: BOM removed, spaces trimmed."""
    return str(name).replace("\ufeff", "").strip()


def plan_columns(headers, tm: TableMapping | None, table: str, *, file: str = "<frame>") -> ColumnPlan:
    """How ``tm`` maps the (cleaned) ``headers`` of an export of ``table``: drops, renames, copies, problems."""
    contract = TABLES[table]
    plan = ColumnPlan()
    if tm is None:
        return plan
    headers = list(headers)
    if tm.drop_columns:
        plan.drop = [c for c in tm.drop_columns if c in headers]
        headers = [h for h in headers if h not in plan.drop]
    fatal, mapped_missing, renames = plan.fatal, plan.mapped_missing, plan.renames
    claimed: dict[str, str] = {}  # export header -> the first contract column it was mapped to
    copies: list[tuple[str, str]] = []  # (first target of a header, another target of the same header)
    by_norm: dict[str, list[str]] = {}
    for h in headers:
        by_norm.setdefault(_loose(h), []).append(h)
    for target, cands in tm.columns.items():
        known = target in contract.names or any(target.startswith(p) for p in contract.numeric_prefixes)
        if not known:
            fatal.append(Problem(table, file, target,
                                 f"mapping {tm.source} names {target!r}, which is not a column of the {table} table"
                                 f"{did_you_mean(target, contract.names)}"))
            continue
        found = next((c for c in cands if c in headers), None)
        if found is None:  # tolerate case and repeated spaces
            for c in cands:
                hits = by_norm.get(_loose(c), [])
                if len(hits) == 1:
                    found = hits[0]
                    break
        if found is None:
            mapped_missing[target] = cands
            continue
        if found in claimed:
            copies.append((claimed[found], target))  # one export column feeds two contract columns
            continue
        claimed[found] = target
        if found != target:
            renames[found] = target
    clash = [(src, tgt) for src, tgt in renames.items() if tgt in headers and tgt not in renames]
    for src, tgt in clash:
        fatal.append(Problem(table, file, tgt,
                             f"the file has a column {tgt!r} and the mapping {tm.source} also maps header "
                             f"{src!r} to {tgt!r}; remove one of them (e.g. list {tgt!r} under drop_columns:)"))
        del renames[src]  # keep the frame free of duplicate column names (the problem above stops loading)
    targets = list(renames.values())
    for tgt in {t for t in targets if targets.count(t) > 1}:
        srcs = [s for s, t in renames.items() if t == tgt]
        fatal.append(Problem(table, file, tgt, f"the mapping {tm.source} maps several headers to {tgt!r}: "
                                               f"{', '.join(map(repr, srcs))}"))
    columns = [renames.get(h, h) for h in headers]
    for first, other in copies:
        source = next((h for h, t in claimed.items() if t == first), first)
        if other not in columns and first in columns:
            plan.copies.append((first, other))
            columns.append(other)
        elif other in columns:
            fatal.append(Problem(table, file, other,
                                 f"the mapping {tm.source} sends header {source!r} to both {first!r} and {other!r}, "
                                 f"but the file already has a column {other!r}; remove {other!r} from the mapping's "
                                 f"columns: or list the file's {other!r} under drop_columns:"))
    for col, conv in tm.values.items():
        col = renames.get(col, col)  # values: may name the contract column or the export's header
        if col in columns:
            plan.values[col] = conv
    return plan


def apply_mapping(frame: pd.DataFrame, tm: TableMapping | None, table: str, *, file: str = "<frame>"):
    """Rename headers, drop listed columns and translate values as the mapping says.

    Returns ``(frame, fatal_problems, mapped)`` where ``mapped`` is {contract column: headers the
    mapping looked for but did not find} (used to explain a missing required column). The same plan
    (:func:`plan_columns`) maps an engine relation (csm.engine.checks).
    """
    frame = frame.rename(columns=clean_header)
    if tm is None:
        return frame, [], {}
    plan = plan_columns(list(frame.columns), tm, table, file=file)
    if plan.drop:
        frame = frame.drop(columns=plan.drop)
    frame = frame.rename(columns=plan.renames)
    for first, other in plan.copies:
        frame[other] = frame[first]
    for col, conv in plan.values.items():
        s = frame[col]
        if not (pd.api.types.is_string_dtype(s) or s.dtype == object):
            s = s.astype(STR)
        frame[col] = map_values(s, conv)
    return frame, plan.fatal, plan.mapped_missing


# ----------------------------------------------------------------------------- derived columns
def _find_header(frame: pd.DataFrame, header: str) -> str | None:
    if header in frame.columns:
        return header
    hits = [c for c in frame.columns if _loose(c) == _loose(header)]
    return hits[0] if len(hits) == 1 else None


def derive_before_validation(frame: pd.DataFrame, tm: TableMapping | None):
    """``signup_date`` from a tenure in months and the snapshot date (``derive:``), before the contract check.

    Returns ``(frame, issues)``; each issue is ``(column, message, mask or None, values)``: a mask marks
    offending rows, None a problem of the whole file.
    """
    issues: list[tuple] = []
    spec = (tm.derive if tm is not None else {}).get("signup_date")
    if not spec:
        return frame, issues
    where = f"the mapping {tm.source} derives signup_date"
    if "signup_date" in frame.columns:
        issues.append(("signup_date", f"{where}, but the file already has a signup_date column; remove one of "
                                      "the two", None, None))
        return frame, issues
    header = _find_header(frame, spec["tenure_months"])
    if header is None:
        issues.append(("signup_date", f"{where} from the tenure header {spec['tenure_months']!r}, which is not "
                                      f"in the file{did_you_mean(spec['tenure_months'], frame.columns)}", None, None))
        return frame, issues
    raw = frame[header]
    text = raw.astype(STR).str.strip() if not pd.api.types.is_numeric_dtype(raw) else None
    months = pd.to_numeric(raw if text is None else text.mask(text.eq("")), errors="coerce").to_numpy(float)
    blank = raw.isna().to_numpy(bool) | (text.eq("").to_numpy(bool, na_value=True) if text is not None else False)
    bad = ~blank & ~(np.isfinite(months) & (months >= 0))
    if bad.any():
        issues.append((header, "is not a tenure in months (a number ≥ 0), needed to derive signup_date", bad, raw))
    months = np.where(bad, np.nan, months)
    signup = spec["as_of"] - pd.to_timedelta(months * DAYS_PER_MONTH, unit="D")
    return frame.assign(signup_date=pd.Series(signup, index=frame.index).astype("datetime64[ns]")), issues


def derive_after_validation(clean: pd.DataFrame, tm: TableMapping | None):
    """``churn_date`` from the churn flag (``derive: churn_date: {when_churned: ...}``), after the contract
    check converted ``churned`` to booleans. Returns ``(clean, issues)`` as :func:`derive_before_validation`."""
    issues: list[tuple] = []
    spec = (tm.derive if tm is not None else {}).get("churn_date")
    if not spec:
        return clean, issues
    where = f"the mapping {tm.source} derives churn_date from the churn flag"
    if "churn_date" in clean.columns and clean["churn_date"].notna().any():
        issues.append(("churn_date", f"{where}, but the file already has churn dates; remove one of the two",
                       None, None))
        return clean, issues
    if "churned" not in clean.columns:
        issues.append(("churned", f"{where}, but there is no churned column; map the export's churn flag "
                                  "(e.g. `columns: {churned: Churn}`)", None, None))
        return clean, issues
    flag = clean["churned"].astype("boolean").fillna(False).to_numpy(bool)
    when = pd.Timestamp(spec["when_churned"])
    out = clean.assign(churn_date=pd.Series(np.where(flag, when, pd.NaT), index=clean.index,
                                            dtype="datetime64[ns]"))
    if "signup_date" in out.columns:
        early = (out["churn_date"] < out["signup_date"]).to_numpy(bool, na_value=False)
        if early.any():
            issues.append(("churn_date", f"{where} as {when:%Y-%m-%d}, which is before signup_date", early,
                           out["signup_date"]))
            out.loc[early, "churn_date"] = pd.NaT
    order = [c for c in TABLES["customers"].names if c in out.columns]
    return out[order + [c for c in out.columns if c not in order]], issues
