"""The contract checks inside the engine, for tables that are not loaded into pandas.

A Parquet dataset, a DuckDB file or a PostgreSQL table is mapped (:func:`csm.data.mapping.plan_columns`:
renames, dropped columns, copies; ``values:`` as a CASE over the listed values), converted to the canonical
types of :mod:`csm.data.contract` and checked with Ibis expressions, so a 100M-row table is checked without
loading it:

- one aggregate query counts every problem (empty identifiers, repeated identifiers, values outside
  ``allowed`` after the bilingual labels and :data:`csm.data.contract.VALUE_ALIASES`, text that does not cast
  to a number, a date or yes/no, numbers outside [min, max], infinite or fractional counts, dates outside
  1900–2199, dates in the future as a warning, reversed dates), and the rows of optional columns that hold a
  value;
- only for a problem found, one bounded query fetches its first offending rows (at most 2,000, ordered) to
  name the first rows and values;
- categories, yes/no text and short codes are translated over their *distinct* values (one small query per
  such column, at most :data:`MAX_DISTINCT` values) with the very functions the pandas path uses, so a
  label, an alias or a missing token is read the same way on every source.

Problems are :class:`csm.data.contract.Problem` with the same wording as :mod:`csm.data.validate`. Rows:

- Parquet dataset: ``file`` is the Parquet file (relative to the dataset folder) holding the first offending
  row, "and N other file(s)" when the problem spans several files; ``rows`` count the rows *of that file* as a
  spreadsheet would show them (the first row of the file is row 2: header = row 1), i.e. the 0-based file
  row number + 2. A Parquet file written from a CSV export therefore names the CSV's rows.
- database table (DuckDB file, PostgreSQL): ``rows`` are the table's key (``ticket_id``, ``response_id``,
  ``customer_id``, ``transaction_id``, ``unit_id``; personal data masked): a database has no row numbers.
  Without a key value (an empty identifier), a problem gives its count and values only.

``on_invalid="drop"`` is a filter in the engine (rows with a row-level problem are left out; of repeated
identifiers the first occurrence — in file order for Parquet, in key order otherwise — is kept).

Not done in the engine (said here, refused with a message where it matters): ``derive:`` (files only); text
dates are read by the engine's cast (ISO 8601: ``2025-03-31``, ``2025-03-31 14:05[:00]``) or by the mapping's
``datetime_format`` (DuckDB ``strptime``), not by the pandas path's list of 17 formats; UTC offsets written
inside date text are not converted (use a ``timestamptz`` column, converted into the mapping's ``timezone:``);
full-width digits in numbers are not read. Identifiers that are personal data (e-mail addresses, phone
numbers) are refused unless the mapping lists the column under ``pseudonymise:`` (hashed in the engine as the
pandas path does: ``#`` + 12 hex digits of SHA-256).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import ibis.expr.datatypes as dt  # module level: Ibis reads the UDF's annotation in this module's namespace
import numpy as np
import pandas as pd

from csm.engine import execute
from csm.data.contract import TABLES, VALUE_ALIASES, Column, Problem, Table
from csm.data.mapping import TableMapping, clean_header, normalise_value, plan_columns
from csm.data.validate import (
    _BOOL,
    _LABEL_SETS,
    _ORDER_CHECKS,
    DATE_RANGE,
    FUTURE_DAYS,
    MISSING_TOKENS,
    NUMERIC_DATE_FORMATS,
    SHOW,
    Checker,
    Issue,
    _label_lookup,
    _norm_label,
    _py,
    _THOUSANDS,
    check_frame,
    first_distinct,
)
from csm.text import _HAS_AT, pseudonymise

__all__ = ["KEYS", "MAX_DISTINCT", "EngineTable", "check_relation", "cross_table_problems"]

#: the key that names a row of a database table, per contract table (first present)
KEYS = {"tickets": ("ticket_id",), "responses": ("response_id",), "customers": ("customer_id",),
        "transactions": ("transaction_id",), "assignments": ("unit_id",)}
#: distinct values of a category / yes-no / code column translated in Python (beyond: see module docstring)
MAX_DISTINCT = 20_000
#: offending rows fetched per problem to name rows and values
FETCH = 2000
_ROW = ("filename", "file_row_number")


@dataclass
class EngineTable:
    """One table checked in the engine: the clean relation and what was found."""

    table: str
    #: the clean relation (canonical types, contract columns first), without the row-key columns
    relation: object
    #: the clean relation with the row-key columns (for ordered materialisation)
    keyed: object
    order_by: list[str]
    issues: list[Issue]
    warnings: list[Problem]
    n_rows: int
    dropped_rows: int = 0
    missing_optional: list[str] = field(default_factory=list)
    #: columns with at least one value (for Dataset.has)
    filled: dict[str, bool] = field(default_factory=dict)


def _lit_null(kind: str):
    import ibis

    return ibis.null().cast(kind)


def _blank_text(x, tokens: bool):
    """``x`` (string) is missing: null, empty or spaces; with ``tokens`` also NA, N/A, null, -, …"""
    s = x.strip()
    out = s.isnull() | (s == "")
    if tokens:
        out = out | s.lower().isin(sorted(MISSING_TOKENS))
    return out


def _distinct(rel, col: str, limit: int = MAX_DISTINCT):
    """The distinct non-null text values of ``rel[col]`` (at most ``limit`` + 1)."""
    values = rel.select(v=rel[col].cast("string")).filter(lambda t: t.v.notnull()).distinct().limit(limit + 1)
    return execute(values)["v"].tolist()


_ASCII_SPACE = " \t\n\r\x0b\x0c"  # what the engines' TRIM removes
#: identifiers that may be phone, ID or card numbers (digits with separators; no letters): checked in Python
_PHONE_LIKE = "^[+＋(（]?[0-9０-９][0-9０-９ ()（）+.\\-]{5,}[0-9０-９Xx]$"


def _prefetch(r, columns) -> None:
    """Distinct values of the columns translated in Python, in two queries for the whole table: their numbers
    (and the number of identifier values that look like e-mail addresses), then the values of the columns with
    at most :data:`MAX_DISTINCT` of them."""
    import ibis

    want = []
    for c in columns:
        x = r.base[c.name]
        if c.kind in ("string", "category") or (c.kind == "bool" and x.type().is_string()):
            want.append(c.name)
    ids = [c.name for c in columns if c.kind == "id" and c.name not in (r.tm.pseudonymise if r.tm else ())]
    # approximate numbers (HyperLogLog) only decide which columns are fetched; the fetch itself is bounded
    aggs = {f"n_{k}": r.base[k].cast("string").approx_nunique() for k in want}
    for k in ids:
        text = r.base[k].cast("string")
        aggs[f"pii_{k}"] = ibis.ifelse((text.re_search(_HAS_AT) | text.re_search(_PHONE_LIKE)).fill_null(False),
                                       1, 0).sum()
    r.distinct, r.pii = {}, {}
    if not aggs:
        return
    counts = execute(r.base.aggregate(**aggs)).iloc[0]
    small = [k for k in want if int(counts[f"n_{k}"]) <= MAX_DISTINCT * 0.9]
    emails = [k for k in ids if int(counts[f"pii_{k}"] or 0)]
    parts = [r.base.select(c=ibis.literal(k), v=r.base[k].cast("string")).distinct().limit(MAX_DISTINCT + 1)
             for k in small]
    for k in emails:  # at most MAX_DISTINCT + 1 candidates; more: a sample of them is checked (see _pseudonymised)
        text = r.base[k].cast("string").strip()
        parts.append(r.base.filter(text.re_search(_HAS_AT) | text.re_search(_PHONE_LIKE))
                     .select(c=ibis.literal("pii:" + k), v=text).distinct().limit(MAX_DISTINCT + 1))
    for k in want:
        r.distinct[k] = None
    if parts:
        got = execute(ibis.union(*parts) if len(parts) > 1 else parts[0])
        got = got[got["v"].notna()]
        for k, frame in got.groupby("c", sort=False):
            values = sorted(frame["v"].tolist())
            if k.startswith("pii:"):
                r.pii[k[4:]] = values
            elif len(values) <= MAX_DISTINCT:
                r.distinct[k] = values
        for k in small:
            r.distinct.setdefault(k, [])
        for k in emails:
            r.pii.setdefault(k, [])


def _translate(x, conv: dict):
    """``x`` with the values of ``conv`` ({source: target or None}) replaced; other values unchanged."""
    import ibis

    changed = {k: v for k, v in conv.items() if v != k}
    if not changed:
        return x
    branches = [(x == k, ibis.literal(v, type="string") if v is not None else _lit_null("string"))
                for k, v in changed.items()]
    return ibis.cases(*branches, else_=x) if hasattr(ibis, "cases") else _case_old(branches, x)


def _case_old(branches, default):
    import ibis

    case = ibis.case()
    for cond, value in branches:
        case = case.when(cond, value)
    return case.else_(default).end()


def _map_values(x, conv: dict[str, str | None], distinct: list[str] | None):
    """The mapping's ``values:`` (matched trimmed, case-insensitively) as a CASE over the listed values."""
    import ibis

    if distinct is not None and len(distinct) <= MAX_DISTINCT:  # exact: the pandas rule per distinct value
        return _translate(x, {u: conv[normalise_value(u)] for u in distinct if normalise_value(u) in conv})
    key = x.strip().lower()
    branches = [(key == k, ibis.literal(v, type="string") if v is not None else _lit_null("string"))
                for k, v in conv.items()]
    return ibis.cases(*branches, else_=x) if hasattr(ibis, "cases") else _case_old(branches, x)


class _Rules:
    """Collects, per contract column, the canonical expression and the problem expressions."""

    def __init__(self, base, table: Table, tm: TableMapping | None, backend: str):
        self.base, self.table, self.tm, self.backend = base, table, tm, backend
        #: (column, message, bad expression, shown expression, fatal-free row problem?, warning?)
        self.checks: list[tuple] = []
        self.values: dict[str, object] = {}
        self.fatal: list[Problem] = []

    def add(self, column, message, bad, shown, *, warning=False):
        self.checks.append((column, message, bad, shown, warning))


def _is(dtype, kind: str) -> bool:
    return getattr(dtype, f"is_{kind}")()


def _convert(r: _Rules, c: Column):
    import ibis

    x = r.base[c.name]
    dt = x.type()
    name = c.name
    if c.kind == "id":
        if dt.is_floating():
            text = ibis.ifelse((x % 1) == 0, x.cast("int64").cast("string"), x.cast("string"))
        else:
            text = x.cast("string")
        text = text.strip()
        blank = text.isnull() | (text == "")
        text = ibis.ifelse(blank, _lit_null("string"), text)
        r.add(name, "is empty; every row needs an identifier", blank, None)
        r.values[name] = _pseudonymised(r, c, text)
        return None  # missing already reported
    if c.kind in ("string", "text"):
        text = x.cast("string")
        stripped = text.strip()
        blank = stripped.isnull() | (stripped == "")
        out = stripped if c.kind == "string" else text
        out = ibis.ifelse(blank, _lit_null("string"), out)
        if c.kind == "string":
            labels = _LABEL_SETS.get(name)
            pseudo = name in (r.tm.pseudonymise if r.tm else ())
            raw_values = r.distinct.get(name)
            distinct = None if raw_values is None else sorted(
                {u.strip(_ASCII_SPACE) for u in raw_values} - {""})
            if distinct is not None:  # the pandas rule on every distinct value (codes, names)
                conv = pd.Series(distinct, dtype=object)
                new = pseudonymise(conv) if not pseudo else conv
                if labels:
                    lookup = _label_lookup(labels)
                    new = pd.Series([lookup.get(_norm_label(u), u) for u in new], dtype=object)
                out = _translate(out, dict(zip(distinct, new)))
            else:
                _refuse_pii(r, c, out)
        r.values[name] = out
        return blank
    if c.kind == "category":
        text = x.cast("string")
        distinct = r.distinct.get(name)
        if distinct is None:
            distinct = _distinct(r.base, name)  # more than MAX_DISTINCT: each is an offender anyway
        lookup = {_norm_label(a): a for a in c.allowed or ()}
        labels = _LABEL_SETS.get(name)
        if labels:
            lookup.update({k: v for k, v in _label_lookup(labels).items() if v in (c.allowed or ())})
        for code, aliases in VALUE_ALIASES.get(name, {}).items():
            lookup.update({_norm_label(a): code for a in aliases if code in (c.allowed or ())})
        missing = [u for u in distinct if _norm_label(u) in MISSING_TOKENS]
        unknown = [u for u in distinct if _norm_label(u) not in MISSING_TOKENS and lookup.get(_norm_label(u)) is None]
        conv = {u: lookup.get(_norm_label(u)) for u in distinct}
        blank = text.isnull() | (text.isin(missing) if missing else ibis.literal(False))
        if unknown:
            shown = ", ".join(f"{a} ({labels[a]['en']} / {labels[a]['zh']})" if labels and a in labels else a
                              for a in c.allowed)
            r.add(name, f"has values that are not allowed; expected one of {shown}. To accept other values, map "
                        f"them under `values: {{{name}: {{<your value>: <allowed value>}}}}` in a mapping file",
                  text.isin(unknown), text)
        r.values[name] = _translate(text, conv)
        return blank
    if c.kind == "bool":
        if dt.is_boolean():
            r.values[name] = x
            return x.isnull()
        if dt.is_numeric():
            v = x.cast("float64")
            blank = v.isnull() | v.isnan() if dt.is_floating() else v.isnull()
            bad = ~blank & (v != 0) & (v != 1)
            r.add(name, f"is not a yes/no value; expected {c.expected}", bad, x)
            r.values[name] = ibis.ifelse(blank | bad, _lit_null("boolean"), v == 1)
            return blank
        text = x.cast("string")
        distinct = r.distinct.get(name)
        if distinct is None:
            distinct = _distinct(r.base, name)
        missing = [u for u in distinct if _norm_label(u) in MISSING_TOKENS]
        bad_u = [u for u in distinct if _norm_label(u) not in MISSING_TOKENS and _BOOL.get(_norm_label(u)) is None]
        true_u = [u for u in distinct if _BOOL.get(_norm_label(u)) is True]
        false_u = [u for u in distinct if _BOOL.get(_norm_label(u)) is False]
        blank = text.isnull() | (text.isin(missing) if missing else ibis.literal(False))
        if bad_u:
            r.add(name, f"is not a yes/no value; expected {c.expected}", text.isin(bad_u), text)
        t = text.isin(true_u) if true_u else ibis.literal(False)
        f = text.isin(false_u) if false_u else ibis.literal(False)
        r.values[name] = ibis.ifelse(t, True, ibis.ifelse(f, ibis.literal(False), _lit_null("boolean")))
        return blank
    if c.kind in ("int", "float"):
        return _convert_number(r, c, x)
    return _convert_datetime(r, c, x)


def _refuse_pii(r: _Rules, c: Column, text) -> None:
    """Too many distinct values to pseudonymise in Python: refuse e-mail addresses (checked in the engine)."""
    n = execute(r.base.filter(text.re_search(_HAS_AT)).count())
    if n:
        r.fatal.append(Problem(r.table.name, "", c.name, f"holds e-mail addresses ({n} row(s)): personal data as "
                                                         "identifiers; list the column under `pseudonymise:` in the "
                                                         "mapping file so that the engine replaces them by a hash"))


def _pseudonymised(r: _Rules, c: Column, text):
    """An identifier column as the pandas path leaves it: personal data replaced by a stable pseudonym."""
    import ibis

    if c.name in (r.tm.pseudonymise if r.tm else ()):  # every value hashed (csm.text.pseudonymise(always=True))
        return ibis.ifelse(text.isnull(), text, "#" + text.hexdigest("sha256").substr(0, 12))
    candidates = r.pii.get(c.name, [])
    if not candidates:
        return text
    new = pseudonymise(pd.Series(candidates, dtype=object))
    if len(candidates) > MAX_DISTINCT:  # too many to translate in Python: refused if a sample holds personal data
        changed = int((new != pd.Series(candidates, dtype=object)).sum())
        if changed:
            r.fatal.append(Problem(r.table.name, "", c.name, f"holds personal data (e-mail addresses or phone, ID or "
                                   f"card numbers: {changed} of {len(candidates)} values checked) as identifiers; list "
                                   "the column under `pseudonymise:` in the mapping file so that the engine replaces "
                                   "them by a hash"))
        return text
    return _translate(text, dict(zip(candidates, new)))


def _convert_number(r: _Rules, c: Column, x):
    import ibis

    dt = x.type()
    name = c.name
    if dt.is_numeric() or dt.is_boolean():
        v = x.cast("float64")
        if dt.is_floating():  # NaN is missing (a database may store it as a value)
            blank = v.isnull() | v.isnan()
            v = ibis.ifelse(blank, _lit_null("float64"), v)
        else:
            blank = v.isnull()
        shown = x
    else:
        text = x.cast("string").strip()
        blank = _blank_text(text, tokens=True)
        if r.tm is not None and r.tm.decimal == ",":
            norm = text.re_replace(r"[. \u00a0']", "").re_replace(",", ".")
        else:
            norm = ibis.ifelse(text.re_search(_THOUSANDS), text.re_replace(",", ""), text)
        v = ibis.ifelse(blank, _lit_null("float64"), norm.try_cast("float64"))
        shown = x
        r.add(name, f"is not a number; expected {c.expected}", ~blank & v.isnull(), shown)
    inf = v.notnull() & v.isinf()
    r.add(name, "is infinite; expected a finite number", inf, shown)
    v = ibis.ifelse(inf, _lit_null("float64"), v)
    if c.kind == "int":
        frac = v.notnull() & ((v % 1) != 0)
        r.add(name, f"is not a whole number; expected {c.expected}", frac, shown)
        v = ibis.ifelse(frac, _lit_null("float64"), v)
    out = ibis.literal(False)
    if c.min is not None:
        out = out | (v < c.min)
    if c.max is not None:
        out = out | (v > c.max)
    out = v.notnull() & out
    if c.min is not None or c.max is not None:
        what = "is negative" if (c.min == 0 and c.max is None) else "is out of range"
        r.add(name, f"{what}; expected {c.expected}", out, shown)
        v = ibis.ifelse(out, _lit_null("float64"), v)
    r.values[name] = v
    return blank


def _try_strptime():
    import ibis

    @ibis.udf.scalar.builtin(name="try_strptime")
    def try_strptime(s: str, fmt: str) -> dt.timestamp:  # DuckDB's strptime that gives NULL on failure
        ...

    return try_strptime


def _convert_datetime(r: _Rules, c: Column, x):
    import ibis

    dt = x.type()
    name = c.name
    tz = r.tm.timezone if r.tm else None
    formats = list(r.tm.datetime_format or ()) if r.tm else []
    if dt.is_timestamp() or dt.is_date():
        if dt.is_timestamp() and dt.timezone is not None:  # an instant: into the company's zone, then naive
            v = x.cast(ibis.expr.datatypes.Timestamp(timezone=tz or "UTC")).cast("timestamp") if tz else \
                x.cast("timestamp")
        else:
            v = x.cast("timestamp")
        blank = v.isnull()
        shown = x.cast("string")
    elif dt.is_numeric():
        blank = x.isnull()
        numeric = [f.lower() for f in formats if f.lower() in NUMERIC_DATE_FORMATS]
        if not numeric:
            r.add(name, f"holds numbers, not dates; expected {c.expected}; format the column as a date, or set "
                        "`datetime_format: excel` (Excel serial day numbers such as 45678), `unix` (seconds since "
                        "1970) or `unix_ms` (milliseconds) in the mapping file", ~blank, x)
            r.values[name] = _lit_null("timestamp")
            return blank
        f = numeric[0]
        num = x.cast("float64")
        if f == "excel":
            v = ibis.timestamp("1899-12-30 00:00:00") + (num * 86_400_000_000).cast("int64").as_interval("us")
        else:
            v = (num * (1 if f == "unix_ms" else 1000)).cast("int64").to_timestamp(unit="ms")
            if tz:
                v = v.cast(ibis.expr.datatypes.Timestamp(timezone="UTC")).cast(
                    ibis.expr.datatypes.Timestamp(timezone=tz)).cast("timestamp")
        v = v.cast("timestamp")
        shown = x
    else:
        text = x.cast("string").strip()
        blank = _blank_text(text, tokens=True)
        strp = [f for f in formats if f.lower() not in NUMERIC_DATE_FORMATS]
        if strp and r.backend == "duckdb":
            fn = _try_strptime()
            v = None
            for f in strp:
                step = fn(text, f)
                v = step if v is None else v.coalesce(step)
        else:
            v = text.try_cast("timestamp")
        v = ibis.ifelse(blank, _lit_null("timestamp"), v.cast("timestamp"))
        hint = ("set `datetime_format:` in the mapping file (e.g. '%d/%m/%Y %H:%M')" if not formats
                else f"the mapping's datetime_format is {', '.join(formats)}")
        r.add(name, f"is not a date/time that can be read; expected {c.expected}; {hint}", ~blank & v.isnull(),
              text)
        shown = text
    lo, hi = DATE_RANGE
    outside = v.notnull() & ((v < lo.to_pydatetime()) | (v >= hi.to_pydatetime()))
    r.add(name, f"is outside {lo.year}–{hi.year - 1} (an Excel zero date or a typo?); expected {c.expected}",
          outside, shown)
    v = ibis.ifelse(outside, _lit_null("timestamp"), v)
    limit = (pd.Timestamp.now().normalize() + pd.Timedelta(days=FUTURE_DAYS + 1)).to_pydatetime()
    r.add(name, f"is in the future (after {pd.Timestamp.now():%Y-%m-%d}): a typo in the year, day and month swapped, "
                "or a wrong time zone? The rows are kept; check them in the export", v.notnull() & (v >= limit),
          shown, warning=True)
    r.values[name] = v
    return blank


def _mapped(raw, tm: TableMapping | None, table: str, file: str):
    """The raw relation with the mapping's drops, renames, copies and ``values:`` applied."""
    import ibis

    headers = {clean_header(h): h for h in raw.columns if h not in _ROW}
    rel = raw.rename({new: old for new, old in headers.items() if new != old}) if any(
        new != old for new, old in headers.items()) else raw
    plan = plan_columns(list(headers), tm, table, file=file)
    cols = {}
    for h in headers:
        if h in plan.drop:
            continue
        cols[plan.renames.get(h, h)] = rel[h]
    for first, other in plan.copies:
        cols[other] = cols[first]
    for col, conv in plan.values.items():
        x = cols[col] if cols[col].type().is_string() else cols[col].cast("string")
        distinct = _distinct(rel.mutate(**{"_csm_v": x}), "_csm_v")
        cols[col] = _map_values(x, conv, distinct)
    keys = {k: rel[k] for k in _ROW if k in raw.columns}
    return rel.select(**cols, **keys), plan, ibis


def check_relation(raw, table: str, tm: TableMapping | None, *, file: str, backend: str = "duckdb",
                   on_invalid: str = "raise", key_file: bool = False) -> tuple[EngineTable, list[Issue]]:
    """Map, convert and check ``raw`` (an Ibis table) against the contract of ``table`` in the engine.

    ``file``: the label problems name (the dataset folder or the database table). Returns the checked table
    and every issue (``Issue.positions`` is None: rows are dropped by a filter, see the module docstring).
    """
    import ibis

    spec = TABLES[table]
    if tm is not None and tm.derive:
        raise _data_error(table, file, "`derive:` in the mapping is only supported for files (CSV, Excel, a single "
                                       "Parquet file); compute the column in the database or the dataset")
    base, plan, _ = _mapped(raw, tm, table, file)
    parquet = all(k in base.columns for k in _ROW)
    data_cols = [cname for cname in base.columns if cname not in _ROW]

    # file-level problems: the pandas rules on an empty frame with the same headers (missing required columns …)
    ck = Checker(table, file, np.zeros(0, dtype=int))
    empty = pd.DataFrame({cname: pd.Series([], dtype=object) for cname in data_cols})
    check_frame(empty, spec, ck, mapped_missing=plan.mapped_missing)
    fatal = [i for i in ck.issues if i.fatal and i.problem.message != "has no data rows"]
    fatal = [Issue(p, None, True) for p in plan.fatal] + fatal

    r = _Rules(base, spec, tm, backend)
    present = [c for c in spec.columns if c.name in data_cols]
    _prefetch(r, present)
    blanks = {}
    for c in present:
        blank = _convert(r, c)
        if c.required and blank is not None:
            what = "" if c.kind in ("string", "text") else f" ({c.expected})"
            blanks[c.name] = (f"is empty; the column is required{what}", blank)
            r.add(c.name, f"is empty; the column is required{what}", blank, None)
    for later, earlier in _ORDER_CHECKS.get(table, ()):
        if later in r.values and earlier in r.values:
            a, b = r.values[later], r.values[earlier]
            wrong = (a < b).fill_null(False)
            r.add(later, f"is before {earlier}", wrong, a.cast("string") + " < " + b.cast("string"))
            r.values[later] = ibis.ifelse(wrong, _lit_null("timestamp"), a)
    extras = {}
    for cname in data_cols:
        if cname in r.values or cname in spec.names:
            continue
        x = base[cname]
        if any(cname.startswith(p) for p in spec.numeric_prefixes):
            _convert_number(r, Column(cname, "float", False, ""), x)
            extras[cname] = r.values.pop(cname)
        else:
            extras[cname] = x
    fatal += [Issue(Problem(p.table, file, p.column, p.message), None, True) for p in r.fatal]

    unique = [c for c in present if c.kind == "id" and c.unique]
    aggs = {"n": base.count()}
    for i, (_, _, bad, _, _) in enumerate(r.checks):
        aggs[f"p{i}"] = ibis.ifelse(bad.fill_null(False), 1, 0).sum()
    for c in present:
        aggs[f"f_{c.name}"] = r.values[c.name].count()
    stats = execute(base.aggregate(**aggs)).iloc[0]
    for c in unique:  # a query of its own: DuckDB counts distinct values much faster alone than among other sums
        v = r.values[c.name]
        stats[f"u_{c.name}"] = execute(base.aggregate(u=v.count() - v.nunique())).iloc[0]["u"]
    n_rows = int(stats["n"])
    if n_rows == 0:
        fatal.append(Issue(Problem(table, file, None, "has no data rows"), None, True))

    key_cols = list(_ROW) if parquet else [k for k in KEYS[table] if k in r.values][:1]
    keyed = base.mutate(**{f"_csm_{k}": (base[k] if parquet else r.values[k]) for k in key_cols},
                        **{f"_csm_u_{c.name}": r.values[c.name] for c in unique})
    order = [f"_csm_{k}" for k in key_cols]

    issues: list[Issue] = []
    warnings: list[Problem] = []
    row_filters = []
    for i, (column, message, bad, shown, warning) in enumerate(r.checks):
        n = int(stats[f"p{i}"] or 0)
        if not n:
            continue
        problem = _problem(keyed, table, file, column, message, bad, shown, n, order, parquet, warning)
        if warning:
            warnings.append(problem)
        else:
            issues.append(Issue(problem, None, False))
            row_filters.append(bad.fill_null(False))
    for c in unique:
        n = int(stats[f"u_{c.name}"] or 0)
        if not n:
            continue
        v = keyed[f"_csm_u_{c.name}"]
        w = ibis.window(group_by=v, order_by=[keyed[k] for k in order] or None)
        ranked = keyed.mutate(_csm_rank=ibis.row_number().over(w), _csm_id=v)
        dup = ranked._csm_rank > 0
        message = ("repeats an identifier already used in an earlier row (must be unique; with on_invalid='drop' "
                   "the first occurrence is kept)")
        problem = _problem(ranked, table, file, c.name, message, dup & ranked._csm_id.notnull(), ranked._csm_id,
                           n, order, parquet, False)
        issues.insert(_position(issues, c.name, spec), Issue(problem, None, False))
        row_filters.append(("dup", c.name, w))

    clean_cols = {c.name: r.values[c.name] for c in present}
    clean_cols.update(extras)
    keyed_clean = base.select(**clean_cols, **{k: keyed[k] for k in order}) if not order else \
        keyed.select(**clean_cols, **{k: keyed[k] for k in order})
    dropped = 0
    if on_invalid == "drop" and row_filters and not fatal:
        ranked = keyed
        cond = ibis.literal(False)
        for f in row_filters:
            if isinstance(f, tuple):  # repeated identifiers: every occurrence after the first
                _, cname, w = f
                ranked = ranked.mutate(**{f"_csm_rank_{cname}": ibis.row_number().over(w)})
                cond = cond | (ranked[f"_csm_rank_{cname}"] > 0)
            else:
                cond = cond | f
        ranked = ranked.mutate(_csm_bad=cond)
        dropped = int(execute(ibis.ifelse(ranked._csm_bad, 1, 0).sum()) or 0)
        keep = ranked.filter(~ranked._csm_bad)
        keyed_clean = keep.select(**clean_cols, **{k: keep[k] for k in order})
    relation = keyed_clean.select([cname for cname in keyed_clean.columns if cname not in order])
    filled = {c.name: bool(stats[f"f_{c.name}"]) for c in present}
    missing = [c.name for c in spec.columns if not c.required and not filled.get(c.name, False)]
    et = EngineTable(table, relation, keyed_clean, order, issues, warnings, n_rows - dropped, dropped, missing,
                     filled)
    return et, fatal + issues


def _position(issues, column, spec) -> int:
    """Where a uniqueness problem goes: right after the column's own problems (the pandas order)."""
    order = spec.names
    at = len(issues)
    for j, i in enumerate(issues):
        col = i.problem.column
        if col in order and order.index(col) > order.index(column):
            return j
    return at


def _problem(keyed, table, file, column, message, bad, shown, n, order, parquet, warning) -> Problem:
    cols = {k: keyed[k] for k in order}
    if shown is not None:
        cols["_csm_shown"] = shown
    sample = keyed.filter(bad.fill_null(False))
    if order:
        sample = sample.order_by([sample[k] for k in order])
    sample = sample.select(**{k: v for k, v in cols.items()}).limit(FETCH) if cols else None
    rows: tuple = ()
    values: tuple = ()
    where = file
    if sample is not None:
        got = execute(sample)
        if parquet and len(got):
            first = got["_csm_filename"].iloc[0]
            others = int(execute(keyed.filter(bad.fill_null(False) & (keyed._csm_filename != first))
                                 .select("_csm_filename").distinct().count()))
            where = first + (f" and {others} other file(s)" if others else "")
            mine = got[got["_csm_filename"] == first]
            rows = tuple(int(x) + 2 for x in mine["_csm_file_row_number"].iloc[:SHOW])
        elif order and len(got):
            rows = tuple(_py(x) for x in got[order[0]].iloc[:SHOW] if x is not None and x == x)
        if shown is not None:
            values = first_distinct(got["_csm_shown"].tolist())
    return Problem(table, where, column, message, rows, values, n, warning=warning)


def _data_error(table, file, message):
    from csm.errors import DataError

    return DataError(f"{file}: {message}", [Problem(table, file, None, message)])


def cross_table_problems(tables: dict[str, EngineTable], labels: dict[str, str]) -> list[Problem]:
    """The links csm.data.validate.cross_table_problems checks, between tables checked in the same engine, as
    warnings (no row is dropped): responses of tickets not in the tickets table or submitted before the ticket
    was created, rows of customers not in the customers table. Rows are named as in the table's problems."""
    out: list[Problem] = []

    def warn(name, column, message, bad, shown):
        et = tables[name]
        keyed = et.keyed
        n = int(execute(keyed.aggregate(n=_ifelse_sum(bad))).iloc[0]["n"] or 0)
        if n:
            parquet = et.order_by == [f"_csm_{k}" for k in _ROW]
            out.append(_problem(keyed, name, labels[name], column, message, bad, shown, n, et.order_by, parquet,
                                True))

    t, r, c = tables.get("tickets"), tables.get("responses"), tables.get("customers")
    if r is not None and t is not None and "ticket_id" in r.keyed.columns:
        rk = r.keyed
        # ticket ids are unique once checked (repeats raise or are dropped): one creation time per id
        known = t.relation.group_by("ticket_id").aggregate(created_at=t.relation.created_at.min())
        given = rk.ticket_id.notnull()
        warn("responses", "ticket_id", f"refers to tickets not in {labels['tickets']}",
             given & ~rk.ticket_id.isin(t.relation.ticket_id), rk.ticket_id)
        created = rk.left_join(known.rename(_csm_tid="ticket_id", _csm_created="created_at"),
                               rk.ticket_id == known.ticket_id)
        early = created._csm_created.notnull() & (created.submitted_at < created._csm_created)
        et = tables["responses"]
        n = int(execute(created.aggregate(n=_ifelse_sum(early))).iloc[0]["n"] or 0)
        if n:
            parquet = et.order_by == [f"_csm_{k}" for k in _ROW]
            out.append(_problem(created, "responses", labels["responses"], "submitted_at",
                                "is before the linked ticket was created", early, created.ticket_id, n, et.order_by,
                                parquet, True))
    if c is not None:
        for name in ("tickets", "responses", "transactions"):
            if name in tables and "customer_id" in tables[name].keyed.columns:
                k = tables[name].keyed
                warn(name, "customer_id", f"refers to customers not in {labels['customers']}",
                     ~k.customer_id.isin(c.relation.customer_id), k.customer_id)
    return out


def _ifelse_sum(bad):
    import ibis

    return ibis.ifelse(bad.fill_null(False), 1, 0).sum()
