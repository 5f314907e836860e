"""Checking a table against the data contract: conversion to the canonical dtypes and every problem found.

:func:`validate` (and :func:`check_frame`, which the loader calls after the mapping) converts each contract
column as a whole — identifiers, names and codes (personal data pseudonymised), categories (bilingual labels
and aliases accepted), yes/no, numbers (thousands separators, decimal comma, full-width digits), dates and
times (many formats, UTC offsets, Excel serials, Unix times) — and collects EVERY problem as a boolean mask
over the rows (:class:`Checker`): no Python loop over rows. Problems carry spreadsheet row numbers (the
header is row 1), the first offending values (personal data masked) and the count; warnings keep the rows.
Messages are written for an analyst and say what to change in the file or the mapping.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from csm.compat import STR
from csm.data.contract import (
    CHANNELS,
    COMPLAINT_CATEGORIES,
    PRIORITIES,
    TABLES,
    VALUE_ALIASES,
    Column,
    Problem,
    Table,
)
from csm.data.mapping import TableMapping, did_you_mean, suggest
from csm.data.read import NUL_MARK, RawFile
from csm.errors import ParameterError
from csm.text import mask_pii, pseudonymise

__all__ = [
    "DATETIME_FORMATS", "DATE_RANGE", "FUTURE_DAYS", "HEADER_HINTS", "MISSING_TOKENS", "NUMERIC_DATE_FORMATS",
    "OFFSET_QUICK", "SHOW", "Checker", "Issue", "add_derive_issues", "check_frame", "cross_table_problems",
    "error_text", "first_distinct", "header_hint", "infer_extra_type", "is_textlike", "missing_optional", "strip_nul",
    "table_spec", "to_text", "validate",
]

#: how many offending rows / values a problem shows
SHOW = 5
#: written in a numeric, date, yes/no or category cell, these mean "missing"
MISSING_TOKENS = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "nat", "-", "--", "—"})
#: dates outside this range are reported (Excel zero dates, typos such as 20255-01-01)
DATE_RANGE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01"))
#: date formats tried, in order, when the mapping gives none (ISO 8601 also covers 2025/03/31 14:05)
DATETIME_FORMATS = (
    "ISO8601",
    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日 %H时%M分", "%Y年%m月%d日",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d",
    "%d %b %Y %H:%M:%S", "%d %b %Y %H:%M", "%d %b %Y %I:%M %p", "%d %b %Y",
    "%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M", "%b %d, %Y",
)
_BOOL = {
    "true": True, "t": True, "yes": True, "y": True, "1": True, "1.0": True, "是": True,
    "false": False, "f": False, "no": False, "n": False, "0": False, "0.0": False, "否": False,
}
#: bilingual labels accepted (and turned into codes) per column name
_LABEL_SETS = {"channel": CHANNELS, "priority": PRIORITIES, "category": COMPLAINT_CATEGORIES}
#: (later column, earlier column) pairs that must not be reversed, per table
_ORDER_CHECKS = {
    "tickets": (("first_response_at", "created_at"), ("resolved_at", "created_at")),
    "customers": (("churn_date", "signup_date"),),
}
#: headers that commonly hold a required column in exports (used only to suggest a mapping)
HEADER_HINTS = {
    "ticket_id": ("工单编号", "工单号", "工单ID", "Ticket Id", "Ticket Number", "Request Id", "Case Number"),
    "customer_id": ("客户编号", "客户ID", "会员编号", "用户ID", "Contact ID", "Customer ID", "Email", "Requester"),
    "created_at": ("创建时间", "提交时间", "受理时间", "Created Time", "Created at", "Date Created", "Opened"),
    "channel": ("渠道", "来源渠道", "受理渠道", "Channel", "Source", "Via"),
    "category": ("投诉类型", "问题类型", "工单类型", "Category", "Type", "Classification"),
    "response_id": ("问卷编号", "答卷编号", "Response ID", "Survey ID"),
    "submitted_at": ("提交时间", "填写时间", "Submitted at", "Response Date", "Date"),
    "signup_date": ("注册日期", "注册时间", "开户日期", "Signup Date", "Created Date", "Customer Since"),
    "transaction_date": ("下单时间", "订单日期", "交易时间", "Order Date", "Transaction Date"),
    "amount": ("实付金额", "订单金额", "金额", "Amount", "Total", "Order Total"),
    "unit_id": ("单元编号", "Unit ID", "User ID"),
    "variant": ("实验组", "分组", "Variant", "Group", "Arm"),
    "assigned_at": ("分组时间", "Assigned at", "Assignment Date"),
}
# Matched against stripped text with `str.contains`, which runs Python `re` (object strings) or RE2
# (pyarrow-backed strings such as csm.compat.STR): only syntax both know. `$` = end of text here (no trailing newline
# after .strip(); RE2 without multi-line mode); `\z` is RE2/Python>=3.14-only, `\Z` Python-only; [0-9], as
# `\d` is Unicode in Python, ASCII in RE2.
OFFSET_QUICK = r"(?:Z|UTC|GMT|[0-9]\s?[+-][0-9][0-9](?::?[0-9][0-9])?)$"
_OFFSET_FULL = re.compile(
    r"^(?P<base>.*\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?P<off>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$"
)
_THOUSANDS = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$"
# decimal comma (``decimal: ","``): 1.234,50 / 1 234,50 / 12,5
#: the no-break space is embedded as a character, not as ``\u00a0`` (RE2, behind pandas' Arrow strings, has no \u)
_THOUSANDS_DECIMAL_COMMA = r"^[+-]?\d{1,3}(?:[. " + "\u00a0" + r"']\d{3})+(?:,\d*)?$"
_GROUP_MARKS = "[. \u00a0']"
_DECIMAL_COMMA = r"^[+-]?\d+,\d+$"
#: ``datetime_format`` values that read numbers: Excel serial days, Unix seconds, Unix milliseconds
NUMERIC_DATE_FORMATS = ("excel", "unix", "unix_ms")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: dates later than this many days after today are reported (kept, as a warning)
FUTURE_DAYS = 1
_EXPONENT = r"[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+"


# ============================================================================ issues
@dataclass
class Issue:
    """A problem found, with the rows it concerns and whether dropping rows could repair it."""

    problem: Problem
    positions: np.ndarray | None = None  # 0-based offending row positions (row-level problems)
    fatal: bool = False  # cannot be repaired by dropping rows (missing column, mixed time zones, …)


def _py(v):
    """A value as shown in a message: plain Python, not numpy scalars, personal data masked."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return str(v)
    return _masked(v)


def first_distinct(values) -> tuple:
    """The first :data:`SHOW` distinct values of ``values`` (as plain Python values), in order: the values a
    :class:`Problem` quotes."""
    seen: list = []
    for v in values:
        v = _py(v)
        if v not in seen:
            seen.append(v)
            if len(seen) == SHOW:
                break
    return tuple(seen)


def _masked(v):
    """A cell value quoted in a problem, with phone numbers, e-mail addresses, ID and card numbers masked
    (:func:`csm.text.mask_pii`): problems reach reports, notebooks and manifests."""
    if isinstance(v, str):
        return mask_pii(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v
    if isinstance(v, float) and not (np.isfinite(v) and v == round(v)):
        return v
    text = str(int(v))
    masked = mask_pii(text)
    return masked if masked != text else v


class Checker:
    """Collects issues for one table; knows the spreadsheet row number of every position."""

    def __init__(self, table: str, file: str, row_numbers: np.ndarray):
        self.table, self.file, self.rows = table, file, row_numbers
        self.issues: list[Issue] = []
        #: problems that do not drop rows or stop loading (future dates, formulas without values, …)
        self.warnings: list[Problem] = []
        #: decimal mark of numbers written as text (the mapping's ``decimal:``)
        self.decimal = "."

    def warn(self, column, message, mask=None, values=None):
        """A warning: the rows are kept; shown in ``Dataset.problems`` with action "warning"."""
        rows, vals, n = (), (), 0
        if mask is not None:
            pos = np.flatnonzero(np.asarray(mask, dtype=bool))
            if len(pos) == 0:
                return
            rows, vals, n = self._sample(pos, values)
        self.warnings.append(Problem(self.table, self.file, column, message, rows, vals, n, warning=True))

    def fatal(self, column, message, *, mask=None, values=None):
        rows, vals, n = (), (), 0
        if mask is not None:
            pos = np.flatnonzero(np.asarray(mask, dtype=bool))
            rows, vals, n = self._sample(pos, values)
        self.issues.append(Issue(Problem(self.table, self.file, column, message, rows, vals, n), None, True))

    def rows_issue(self, column, message, mask, values=None):
        """Row-level problem on the rows where ``mask`` is true; ``values`` shown are distinct offenders."""
        pos = np.flatnonzero(np.asarray(mask, dtype=bool))
        if len(pos) == 0:
            return
        rows, vals, n = self._sample(pos, values)
        self.issues.append(Issue(Problem(self.table, self.file, column, message, rows, vals, n), pos, False))

    def _sample(self, pos, values):
        rows = tuple(int(r) for r in self.rows[pos[:SHOW]])
        vals = first_distinct(pd.Series(values).iloc[pos[:2000]].tolist()) if values is not None else ()
        return rows, vals, len(pos)



# ============================================================================ conversions
def is_textlike(s: pd.Series) -> bool:
    """True for text columns (object, string or categorical dtype)."""
    return s.dtype == object or isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype))


def to_text(s: pd.Series) -> pd.Series:
    """Values as ``str`` dtype (missing = NaN); whole floats print without ``.0`` (ids stored as floats)."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.na_value is not pd.NA:
        return s
    if pd.api.types.is_float_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(v)
        if np.all(v[finite] == np.round(v[finite])) and np.all(np.abs(v[finite]) < 2**53):
            return s.astype("Int64").astype(STR)
    return s.astype(STR)


def _norm_label(u) -> str:
    return unicodedata.normalize("NFKC", str(u)).strip().casefold()


def _blank(text: pd.Series, tokens: bool) -> np.ndarray:
    """Missing cells: NaN, empty or spaces; with ``tokens`` also NA, N/A, null, -, … ."""
    stripped = text.str.strip()
    out = (stripped.isna() | stripped.eq("")).to_numpy(dtype=bool, na_value=False).copy()
    if tokens:  # tokens are short: look only at short cells, by distinct value
        short = (stripped.str.len() <= max(map(len, MISSING_TOKENS))).to_numpy(dtype=bool, na_value=False).copy()
        short &= ~out
        if short.any():
            codes, uniques = pd.factorize(stripped[short])
            tok = np.array([_norm_label(u) in MISSING_TOKENS for u in uniques] + [False], dtype=bool)
            out[np.flatnonzero(short)] |= tok[codes]
    return out


def _convert_id(ck: Checker, col: Column, s: pd.Series):
    text = to_text(s).str.strip()
    blank = (text.isna() | text.eq("")).to_numpy(dtype=bool, na_value=False).copy()
    text = text.mask(blank)
    if blank.any():
        ck.rows_issue(col.name, "is empty; every row needs an identifier", blank)
    if col.unique:
        dup = text.duplicated(keep="first").to_numpy(dtype=bool, na_value=False).copy() & ~blank
        ck.rows_issue(col.name, "repeats an identifier already used in an earlier row (must be unique; "
                                "with on_invalid='drop' the first occurrence is kept)", dup, text)
    # identifiers that are personal data (an e-mail address or phone number as customer id) leave the data
    # layer as a stable pseudonym, so no report, notebook or manifest shows them (csm.text.pseudonymise)
    return pseudonymise(text), np.zeros(len(s), dtype=bool)  # missing already reported


def _convert_string(ck: Checker, col: Column, s: pd.Series, *, strip: bool = True):
    text = to_text(s)
    stripped = text.str.strip()
    blank = (stripped.isna() | stripped.eq("")).to_numpy(dtype=bool, na_value=False).copy()
    if strip:
        text = stripped
    if blank.any():
        text = text.mask(blank)
    if col.kind == "string":  # names and codes (agent, team, region …) that are personal data: pseudonymised
        text = _pseudonymise_distinct(text)
    labels = _LABEL_SETS.get(col.name) if col.kind == "string" else None
    if labels:  # e.g. tickets.category: labels -> codes, other values kept
        lookup = _label_lookup(labels)
        codes, uniques = pd.factorize(text)
        if len(uniques):
            conv = np.array([lookup.get(_norm_label(u), u) for u in uniques], dtype=object)
            if any(a is not b for a, b in zip(conv, uniques)):
                out = np.where(codes >= 0, conv[np.maximum(codes, 0)], None)
                text = pd.Series(out, index=s.index, dtype=object).astype(STR)
    return text, blank


def _pseudonymise_distinct(text: pd.Series) -> pd.Series:
    """:func:`csm.text.pseudonymise` over the distinct values of a column (few, for names and codes)."""
    codes, uniques = pd.factorize(text)
    if not len(uniques):
        return text
    conv = pseudonymise(pd.Series(uniques, dtype=STR))
    changed = (conv != pd.Series(uniques, dtype=STR)).to_numpy(dtype=bool, na_value=False)
    if not changed.any():
        return text
    values = np.asarray(conv, dtype=object)
    out = np.where(codes >= 0, values[np.maximum(codes, 0)], None)
    return pd.Series(out, index=text.index, dtype=object).astype(STR)


def _label_lookup(labels: dict) -> dict[str, str]:
    lookup = {}
    for code, lab in labels.items():
        for name in (code, lab.get("en", code), lab.get("zh", code)):
            lookup[_norm_label(name)] = code
    return lookup


def _convert_category(ck: Checker, col: Column, s: pd.Series):
    text = to_text(s)
    lookup = {_norm_label(a): a for a in col.allowed or ()}
    labels = _LABEL_SETS.get(col.name)
    if labels:
        lookup.update({k: v for k, v in _label_lookup(labels).items() if v in (col.allowed or ())})
    for code, aliases in VALUE_ALIASES.get(col.name, {}).items():
        lookup.update({_norm_label(a): code for a in aliases if code in (col.allowed or ())})
    codes, uniques = pd.factorize(text)
    norm = [_norm_label(u) for u in uniques]
    missing_u = np.array([n in MISSING_TOKENS for n in norm] + [True], dtype=bool)
    conv = np.array([lookup.get(n) for n in norm] + [None], dtype=object)
    unknown_u = np.array([(c is None) and not m for c, m in zip(conv[:-1], missing_u[:-1])] + [False])
    blank = missing_u[codes]
    unknown = unknown_u[codes]
    if unknown.any():
        shown = ", ".join(f"{a} ({labels[a]['en']} / {labels[a]['zh']})" if labels and a in labels else a
                          for a in col.allowed)
        ck.rows_issue(col.name, f"has values that are not allowed; expected one of {shown}. To accept "
                                f"other values, map them under `values: {{{col.name}: {{<your value>: "
                                f"<allowed value>}}}}` in a mapping file", unknown, text)
    if len(uniques) and all(c == u for c, u in zip(conv[:-1], uniques)):  # already canonical codes
        out = text if isinstance(text.dtype, pd.StringDtype) else text.astype(STR)
        return out.mask(blank) if blank.any() else out, blank
    out = pd.Series(conv[codes], index=s.index, dtype=object).astype(STR)
    return out, blank


def _convert_bool(ck: Checker, col: Column, s: pd.Series):
    n = len(s)
    if pd.api.types.is_bool_dtype(s):
        out = s.astype("boolean")
        return out, out.isna().to_numpy(dtype=bool, na_value=False).copy()
    if pd.api.types.is_numeric_dtype(s):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        blank = np.isnan(v)
        bad = ~blank & (v != 0) & (v != 1)
        ck.rows_issue(col.name, f"is not a yes/no value; expected {col.expected}", bad, s)
        arr = pd.array(np.where(blank | bad, None, v == 1), dtype="boolean")
        return pd.Series(arr, index=s.index), blank
    text = to_text(s)
    codes, uniques = pd.factorize(text)
    norm = [_norm_label(u) for u in uniques]
    missing_u = np.array([x in MISSING_TOKENS for x in norm] + [True], dtype=bool)
    val_u = np.array([_BOOL.get(x) for x in norm] + [None], dtype=object)
    bad_u = np.array([v is None and not m for v, m in zip(val_u[:-1], missing_u[:-1])] + [False])
    blank, bad = missing_u[codes], bad_u[codes]
    ck.rows_issue(col.name, f"is not a yes/no value; expected {col.expected}", bad, text)
    arr = pd.array(val_u[codes] if n else [], dtype="boolean")
    return pd.Series(arr, index=s.index), blank


def _convert_number(ck: Checker, col: Column, s: pd.Series):
    if pd.api.types.is_bool_dtype(s) or (pd.api.types.is_numeric_dtype(s) and not is_textlike(s)):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        blank = np.isnan(v)
        shown = s
    else:
        text = to_text(s).str.strip()
        blank = _blank(text, tokens=True)
        if text.str.contains(r"[^\x00-\x7f]", regex=True).any():  # full-width digits １２, Chinese minus …
            text = text.str.normalize("NFKC")
        commas = text.str.contains(",", regex=False).fillna(False)
        if ck.decimal == ",":  # 1.234,50 -> 1234.50; 12,5 -> 12.5
            grouped = text.str.fullmatch(_THOUSANDS_DECIMAL_COMMA).fillna(False)
            text = text.mask(grouped, text.str.replace(_GROUP_MARKS, "", regex=True))
            text = text.str.replace(",", ".", regex=False)
        elif commas.any():  # thousands separators: 1,234.50
            grouped = text.str.fullmatch(_THOUSANDS).fillna(False)
            text = text.mask(grouped, text.str.replace(",", "", regex=False))
        v = pd.to_numeric(text.mask(blank), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        overflow = np.isnan(v) & ~blank & text.str.fullmatch(_EXPONENT).to_numpy(dtype=bool, na_value=False)
        if overflow.any():  # pandas 2.2 reads 1e400 as NaN; pandas 3 and Python as ±inf (reported below)
            v = v.copy()
            v[overflow] = [float(x) for x in text[overflow]]
        shown = s
        notnum = np.isnan(v) & ~blank
        hint = ""
        if notnum.any() and ck.decimal != ",":
            odd = text[notnum]
            if (odd.str.fullmatch(_DECIMAL_COMMA) | odd.str.fullmatch(_THOUSANDS_DECIMAL_COMMA)).fillna(False).mean() > 0.5:
                hint = ("; the values look like numbers with a decimal comma (12,5 or 1.234,50): add "
                        "`decimal: \",\"` to the mapping file")
        ck.rows_issue(col.name, f"is not a number; expected {col.expected}{hint}", notnum, shown)
    v = v.copy()
    bad = ~np.isfinite(v) & ~np.isnan(v)
    ck.rows_issue(col.name, "is infinite; expected a finite number", bad, shown)
    v[bad] = np.nan
    if col.kind == "int":
        frac = ~np.isnan(v) & (v != np.round(v))
        ck.rows_issue(col.name, f"is not a whole number; expected {col.expected}", frac, shown)
        v[frac] = np.nan
    out_of_range = np.zeros(len(v), dtype=bool)
    with np.errstate(invalid="ignore"):
        if col.min is not None:
            out_of_range |= v < col.min
        if col.max is not None:
            out_of_range |= v > col.max
    if out_of_range.any():
        what = "is negative" if (col.min == 0 and col.max is None) else "is out of range"
        ck.rows_issue(col.name, f"{what}; expected {col.expected}", out_of_range, shown)
        v[out_of_range] = np.nan
    return pd.Series(v, index=s.index, dtype="float64"), blank


def _offset_delta(off: str) -> pd.Timedelta:
    off = off.strip().upper()
    if off in ("Z", "UTC", "GMT"):
        return pd.Timedelta(0)
    sign = -1 if off[0] == "-" else 1
    digits = off[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return sign * pd.Timedelta(hours=hours, minutes=minutes)


def _offset_label(delta: pd.Timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _parse_naive(text: pd.Series, todo: np.ndarray, formats) -> pd.Series:
    """Parse the rows in ``todo`` trying each format in turn (vectorised per format)."""
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    todo = todo.copy()
    for fmt in formats:
        if not todo.any():
            break
        sub = text[todo]
        try:
            parsed = pd.to_datetime(sub, format=fmt, errors="coerce")
        except (ValueError, TypeError):
            continue
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # a %z in a user format
            parsed = parsed.dt.tz_localize(None)
        ok = parsed.notna().to_numpy(dtype=bool, na_value=False).copy()
        if ok.any():
            idx = np.flatnonzero(todo)[ok]
            result.iloc[idx] = parsed[ok].astype("datetime64[us]").to_numpy()
            todo[idx] = False
    return result


def _convert_datetime(ck: Checker, col: Column, s: pd.Series, timezone: str | None, formats):
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert(timezone).dt.tz_localize(None) if timezone else s.dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(s):
        out = s
        blank = out.isna().to_numpy(dtype=bool, na_value=False).copy()
        shown = s
    elif pd.api.types.is_numeric_dtype(s) and not is_textlike(s):
        blank = s.isna().to_numpy(dtype=bool, na_value=False).copy()
        numeric = [f for f in (formats or ()) if str(f).lower() in NUMERIC_DATE_FORMATS]
        if not numeric:
            ck.rows_issue(col.name, f"holds numbers, not dates ({_number_date_kind(s[~blank])}); expected "
                                    f"{col.expected}; {_NUMBER_DATE_HINT}", ~blank, s)
            return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]"), blank
        out = _numeric_dates(s.astype(float), ~blank, numeric, timezone)
        bad = out.isna().to_numpy(dtype=bool, na_value=False) & ~blank
        ck.rows_issue(col.name, f"is not a date in the mapping's datetime_format {', '.join(numeric)}", bad, s)
        shown = s
    else:
        text = to_text(s).str.strip()
        blank = _blank(text, tokens=True)
        todo = ~blank
        base = text
        quick = text.str.contains(OFFSET_QUICK, regex=True).to_numpy(dtype=bool, na_value=False) & todo
        has_off = np.zeros(len(text), dtype=bool)
        offsets = None
        if quick.any():
            parts = text[quick].str.extract(_OFFSET_FULL)
            found = parts["off"].notna().to_numpy(dtype=bool, na_value=False).copy()
            has_off[np.flatnonzero(quick)[found]] = True
            base = text.copy()
            base.iloc[np.flatnonzero(has_off)] = parts["base"][found].str.strip().to_numpy()
            offsets = parts["off"][found]
        numeric = [f for f in (formats or ()) if str(f).lower() in NUMERIC_DATE_FORMATS]
        strp = [f for f in (formats or ()) if str(f).lower() not in NUMERIC_DATE_FORMATS]
        wall = _parse_naive(base, todo, strp or (() if numeric else DATETIME_FORMATS))
        if numeric:
            left = wall.isna().to_numpy(dtype=bool, na_value=False) & todo
            num = pd.to_numeric(text.where(left), errors="coerce").astype(float)
            wall = wall.fillna(_numeric_dates(num, left & num.notna().to_numpy(), numeric, timezone))
        bad = wall.isna().to_numpy(dtype=bool, na_value=False).copy() & ~blank
        hint = ("set `datetime_format:` in the mapping file (e.g. '%d/%m/%Y %H:%M')" if not formats
                else f"the mapping's datetime_format is {', '.join(formats)}")
        if bad.any() and not numeric:
            plain = pd.to_numeric(text[bad], errors="coerce")
            if plain.notna().mean() > 0.5:
                hint = f"the values are plain numbers ({_number_date_kind(plain.dropna())}); {_NUMBER_DATE_HINT}"
        ck.rows_issue(col.name, f"is not a date/time that can be read; expected {col.expected}; {hint}",
                      bad, text)
        if has_off.any():
            codes, uniques = pd.factorize(offsets)
            deltas_u = [_offset_delta(u) for u in uniques]
            delta = np.array([d.to_timedelta64() for d in deltas_u], dtype="timedelta64[ns]")[codes]
            pos = np.flatnonzero(has_off)
            if timezone:
                utc = wall.iloc[pos] - delta
                local = utc.dt.tz_localize("UTC").dt.tz_convert(timezone).dt.tz_localize(None)
                wall = wall.copy()
                wall.iloc[pos] = local.astype("datetime64[us]").to_numpy()
            else:
                labels = sorted({_offset_label(d) for d in deltas_u})
                naive = todo & ~has_off & ~bad
                if naive.any():
                    ck.fatal(col.name, f"mixes time zones: {int(has_off.sum())} value(s) carry a UTC offset "
                                       f"({', '.join(labels)}) and {int(naive.sum())} do not; add "
                                       "`timezone: <the company's time zone, e.g. Asia/Shanghai>` to the "
                                       "mapping file so that values with an offset are converted into it",
                             mask=has_off, values=text)
                elif len(labels) > 1:
                    label_of = np.array([_offset_label(d) for d in deltas_u], dtype=object)[codes]
                    common = pd.Series(label_of).mode().iloc[0]
                    other = np.zeros(len(text), dtype=bool)
                    other[pos[label_of != common]] = True
                    ck.fatal(col.name, f"mixes UTC offsets ({', '.join(labels)}); add `timezone: <the "
                                       "company's time zone, e.g. Asia/Shanghai>` to the mapping file so that "
                                       "all values are converted into it", mask=other, values=text)
                # one offset everywhere: keep the wall-clock time as written
        out = wall
        shown = text
    out = out.astype("datetime64[us]") if out.dtype != "datetime64[ns]" else out
    lo, hi = DATE_RANGE
    outside = (out.notna() & ((out < lo) | (out >= hi))).to_numpy(dtype=bool, na_value=False).copy()
    ck.rows_issue(col.name, f"is outside {lo.year}–{hi.year - 1} (an Excel zero date or a typo?); "
                            f"expected {col.expected}", outside, shown)
    out = out.mask(outside).astype("datetime64[ns]")
    limit = pd.Timestamp.now().normalize() + pd.Timedelta(days=FUTURE_DAYS + 1)
    future = (out >= limit).to_numpy(dtype=bool, na_value=False)
    ck.warn(col.name, f"is in the future (after {pd.Timestamp.now():%Y-%m-%d}): a typo in the year, day and "
                      "month swapped, or a wrong time zone? The rows are kept; check them in the export",
            future, shown)
    return out, blank


_NUMBER_DATE_HINT = ("format the column as a date before exporting, or set `datetime_format: excel` (Excel "
                     "serial day numbers such as 45678), `unix` (seconds since 1970) or `unix_ms` "
                     "(milliseconds) in the mapping file")


def _number_date_kind(values: pd.Series) -> str:
    """What numbers in a date column probably are, for the message."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    if not len(v):
        return "Excel serial numbers or Unix times?"
    med = float(v.median())
    if 1 <= med < 100_000:
        return f"Excel serial day numbers? {med:g} would be {(_EXCEL_EPOCH + pd.Timedelta(days=med)):%Y-%m-%d}"
    if 1e8 <= med < 1e11:
        return f"Unix times in seconds? {med:.0f} would be {pd.Timestamp(int(med), unit='s'):%Y-%m-%d}"
    if 1e11 <= med < 1e14:
        return f"Unix times in milliseconds? {med:.0f} would be {pd.Timestamp(int(med), unit='ms'):%Y-%m-%d}"
    return "Excel serial numbers or Unix times?"


def _numeric_dates(num: pd.Series, todo: np.ndarray, formats, timezone) -> pd.Series:
    """Numbers read as dates by ``datetime_format: excel | unix | unix_ms`` (the first that applies)."""
    out = pd.Series(pd.NaT, index=num.index, dtype="datetime64[ns]")
    for fmt in formats:
        fmt = str(fmt).lower()
        rows = todo & out.isna().to_numpy(dtype=bool) & num.notna().to_numpy(dtype=bool)
        if not rows.any():
            break
        v = num[rows]
        if fmt == "excel":
            ok = (v >= 1) & (v < 2_958_466)
            conv = _EXCEL_EPOCH + pd.to_timedelta(v[ok], unit="D")
        else:
            ok = (v.abs() < (1e11 if fmt == "unix" else 1e14))
            conv = pd.to_datetime(v[ok], unit="s" if fmt == "unix" else "ms", utc=True)
            conv = (conv.dt.tz_convert(timezone) if timezone else conv).dt.tz_localize(None)
        out.loc[conv.index] = conv.dt.round("us").astype("datetime64[ns]")
    return out


# ============================================================================ extra columns
_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_LEADING_ZERO = r"^[+-]?0\d"
#: yes/no vocabularies an extra column may use throughout to become a boolean column
_EXTRA_BOOLS = ({"true", "false"}, {"yes", "no"}, {"y", "n"}, {"是", "否"})


def infer_extra_type(s: pd.Series, decimal: str = ".") -> pd.Series:
    """An extra (non-contract) column read as text, with the type its values show.

    Numbers (``float64``) when every non-missing cell is a plain number (``29.85``, ``-3``, ``1e3``, ``1,234.5``)
    and none has a leading zero (``007``, ``02134`` stay text: identifiers, postcodes) or more than 15 digits
    (a float would not hold it exactly: card or account numbers stay text); booleans (nullable
    ``boolean``) when every non-missing cell is one of true/false, yes/no, y/n or 是/否 (one vocabulary, any
    case); otherwise the column stays text unchanged — a column mixing numbers and words is never coerced.
    Missing cells (empty, spaces, NA, null, -) are missing in the result. ``decimal=","`` (the mapping's
    ``decimal:``): numbers are read with a decimal comma (``1.234,5``).
    """
    text = to_text(s).str.strip()
    blank = _blank(text, tokens=True)
    if blank.all():
        return s
    values = text[~blank]
    codes, uniques = pd.factorize(values)
    norm = pd.Series([unicodedata.normalize("NFKC", str(u)) for u in uniques], dtype=object)
    if decimal == ",":
        grouped_comma = norm.str.fullmatch(_THOUSANDS_DECIMAL_COMMA)
        norm = norm.where(~grouped_comma, norm.str.replace(_GROUP_MARKS, "", regex=True))
        norm = norm.where(~(grouped_comma | norm.str.fullmatch(_DECIMAL_COMMA)), norm.str.replace(",", ".", regex=False))
    folded = {x.casefold() for x in norm}
    for vocab in _EXTRA_BOOLS:
        if folded <= vocab:
            truth = {"true", "yes", "y", "是"}
            arr = np.array([x.casefold() in truth for x in norm] + [False])[codes]
            out = pd.Series(pd.array([None] * len(s), dtype="boolean"), index=s.index)
            out[~blank] = arr
            return out
    grouped = norm.str.fullmatch(_THOUSANDS)
    plain = norm.str.fullmatch(_PLAIN_NUMBER) | grouped
    digits = norm.str.count(r"\d")
    if not plain.all() or norm.str.contains(_LEADING_ZERO, regex=True).any() or (digits > 15).any():
        return s  # leading zeros (ids, postcodes) and > 15 digits (a float would change them) stay text
    numbers = pd.to_numeric(norm.where(~grouped, norm.str.replace(",", "", regex=False))).to_numpy(float)
    out = np.full(len(s), np.nan)
    out[~blank] = numbers[codes]
    return pd.Series(out, index=s.index, dtype="float64")


# ============================================================================ validate
def table_spec(table) -> Table:
    """The contract :class:`Table` of a table name (or the Table itself); an unknown name raises ParameterError."""
    if isinstance(table, Table):
        return table
    if table not in TABLES:
        raise ParameterError(f"unknown table {table!r}{did_you_mean(str(table), TABLES)}; "
                             f"tables: {', '.join(TABLES)}")
    return TABLES[table]


def check_frame(frame: pd.DataFrame, spec: Table, ck: Checker, *, timezone=None, datetime_format=None,
                mapped_missing=None, infer_extra: bool = False):
    """Convert ``frame`` to the contract; issues go to ``ck``. Returns the clean frame.

    ``infer_extra`` (files read as text: CSV, Excel): extra columns get a type by :func:`infer_extra_type`.
    """
    if datetime_format is not None and isinstance(datetime_format, str):
        datetime_format = (datetime_format,)
    mapped_missing = mapped_missing or {}
    if len(frame) == 0:
        ck.fatal(None, "has no data rows")
    if not frame.columns.is_unique:
        dups = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        ck.fatal(None, f"has duplicate column names: {', '.join(map(repr, dups))}")
        frame = frame.loc[:, ~frame.columns.duplicated()]

    present = [c for c in spec.columns if c.name in frame.columns]
    spare = [str(c) for c in frame.columns if c not in spec.names]
    for c in spec.columns:
        if c.name in frame.columns or not c.required:
            continue
        if c.name in mapped_missing:
            cands = mapped_missing[c.name]
            hits = [h for cand in cands for h in suggest(cand, spare)]
            mean = f"; did you mean {', '.join(map(repr, dict.fromkeys(hits)))}?" if hits else ""
            msg = (f"is required but missing: the mapping maps it to header "
                   f"{' / '.join(map(repr, cands))}, which is not in the file{mean}")
        else:
            hits = suggest(c.name, spare)
            hinted = {h.casefold() for h in HEADER_HINTS.get(c.name, ())}
            hits += [h for h in spare if h.casefold() in hinted and h not in hits]
            mean = f" (did you mean {', '.join(map(repr, hits))}?)" if hits else ""
            example = hits[0] if hits else "<header in your file>"
            msg = (f"is required but missing{mean}; rename the header to {c.name!r} or map it in a mapping "
                   f"file: `columns: {{{c.name}: {example}}}`")
        if spare:
            listing = ", ".join(map(repr, spare[:15])) + (", …" if len(spare) > 15 else "")
            ck.fatal(c.name, f"{msg}. Columns in the file not used yet: {listing}")
        else:  # every header is already a contract column (named so or mapped): none is left to map
            used = [str(x) for x in frame.columns]
            listing = ", ".join(map(repr, used[:15])) + (", …" if len(used) > 15 else "")
            ck.fatal(c.name, f"{msg}. Every column of the file is already used for another contract column "
                             f"({listing}): the export lacks this one, or the mapping uses its header for "
                             "another column")

    clean: dict[str, pd.Series] = {}
    for c in present:
        s = frame[c.name]
        if c.kind == "id":
            out, blank = _convert_id(ck, c, s)
        elif c.kind == "string":
            out, blank = _convert_string(ck, c, s)
        elif c.kind == "text":
            out, blank = _convert_string(ck, c, s, strip=False)
        elif c.kind == "category":
            out, blank = _convert_category(ck, c, s)
        elif c.kind == "bool":
            out, blank = _convert_bool(ck, c, s)
        elif c.kind in ("int", "float"):
            out, blank = _convert_number(ck, c, s)
        else:
            out, blank = _convert_datetime(ck, c, s, timezone, datetime_format)
        if c.required and blank.any():
            what = "" if c.kind in ("string", "text") else f" ({c.expected})"
            ck.rows_issue(c.name, f"is empty; the column is required{what}", blank)
        clean[c.name] = out.reset_index(drop=True)

    for later, earlier in _ORDER_CHECKS.get(spec.name, ()):
        if later in clean and earlier in clean:
            wrong = (clean[later] < clean[earlier]).to_numpy(dtype=bool, na_value=False).copy()
            if wrong.any():
                pairs = pd.Series([f"{a} < {b}" for a, b in zip(clean[later][wrong], clean[earlier][wrong])])
                shown = pd.Series(np.array([None] * len(wrong), dtype=object))
                shown[wrong] = pairs.to_numpy()
                ck.rows_issue(later, f"is before {earlier}", wrong, shown)
                clean[later] = clean[later].mask(wrong)

    for name in frame.columns:
        if name in clean or name in spec.names:
            continue
        s = frame[name]
        if any(str(name).startswith(p) for p in spec.numeric_prefixes):
            out, _ = _convert_number(ck, Column(str(name), "float", False, ""), s)
            clean[name] = out.reset_index(drop=True)
        elif infer_extra and is_textlike(s):
            clean[name] = infer_extra_type(s, ck.decimal).reset_index(drop=True)
        else:
            clean[name] = s.reset_index(drop=True)
    return pd.DataFrame(clean, index=pd.RangeIndex(len(frame)))


def validate(frame: pd.DataFrame, table, *, file: str = "<frame>", timezone: str | None = None,
             datetime_format=None, row_numbers=None):
    """Check ``frame`` against the contract of ``table`` and convert it to the canonical dtypes.

    Returns ``(clean_frame, problems)``: every problem found (not only the first), each with
    spreadsheet row numbers (header = row 1, so position ``i`` is row ``i + 2`` unless
    ``row_numbers`` says otherwise), the first few offending values and the count. In
    ``clean_frame`` offending values are missing (NaN/NaT/NA); no row is removed. Contract columns
    come first (contract order), extra columns follow untouched (``numeric_prefixes`` ones as float).
    ``timezone``: values with a UTC offset are converted into it and made naive (values without an
    offset are taken to be in that zone already); without it, a column that mixes offsets, or offsets
    and no offsets, is a problem. ``datetime_format``: strptime format(s) for the date and time part,
    tried instead of the built-in list (a trailing UTC offset is handled separately).
    """
    spec = table_spec(table)
    rows = np.arange(len(frame)) + 2 if row_numbers is None else np.asarray(row_numbers)
    ck = Checker(spec.name, file, rows)
    clean = check_frame(frame, spec, ck, timezone=timezone, datetime_format=datetime_format)
    return clean, [i.problem for i in ck.issues]



def strip_nul(ck: Checker, frame: pd.DataFrame) -> pd.DataFrame:
    """NUL characters in cells (a damaged export, binary data) are removed and reported as a warning."""
    for name in frame.columns:
        col = frame[name]
        if not is_textlike(col):
            continue
        hit = (col.str.contains("\x00", regex=False) | col.str.contains(NUL_MARK, regex=False)).to_numpy(
            dtype=bool, na_value=False)
        if hit.any():
            ck.warn(str(name), "contains NUL characters (\\x00: a damaged export or binary data); they were "
                               "removed — check these rows in the export", hit)
            frame = frame.assign(**{name: col.str.replace("\x00", "", regex=False).str.replace(
                NUL_MARK, "", regex=False)})
    return frame


def header_hint(raw: RawFile, spec: Table, tm: TableMapping | None) -> str | None:
    """Where the headers probably are when required columns are missing: a later row (a title or cover row
    above the table; a merged title cell), or another sheet."""
    wanted = {_norm_label(n) for n in spec.names}
    for target, cands in (tm.columns.items() if tm else ()):
        wanted |= {_norm_label(c) for c in cands}
    for col in spec.columns:
        wanted |= {_norm_label(h) for h in HEADER_HINTS.get(col.name, ())}

    def score(row) -> int:
        return sum(1 for v in row if str(v).strip() and _norm_label(v) in wanted)

    scores = [score(r) for r in raw.top]
    current = raw.header_row - 1
    best = int(np.argmax(scores)) if scores else current
    if scores and best != current and scores[best] >= 2 and scores[best] > scores[current]:
        filled = [str(v).strip() for v in raw.top[current] if str(v).strip()]
        looks = (f" (row {raw.header_row} has {len(filled)} filled cell(s): a title or merged title row?)"
                 if len(filled) <= 2 else "")
        return (f"the headers seem to be in row {best + 1}, not row {raw.header_row}{looks}: add "
                f"`header_row: {best + 1}` to the mapping file so that the rows above are skipped")
    if raw.format == "xlsx" and len(raw.sheets) > 1:
        which = repr(tm.sheet) if tm and tm.sheet is not None else f"the first one, {raw.sheets[0]!r}"
        return (f"the sheet read ({which}) does not look like the {spec.name} table; the workbook has the sheets "
                f"{', '.join(map(repr, raw.sheets))}: name the right one with `sheet:` in the mapping file (and "
                "`header_row:` if a title sits above the headers)")
    if raw.textual and raw.format != "xlsx":
        headers = [str(h) for h in raw.frame.columns]
        for sep in ("|", ";", "\t", ","):
            split = [part for h in headers if sep in h for part in h.split(sep)]
            if split and (len(headers) == 1 or sum(_norm_label(x) in wanted for x in split) >= 2):
                shown = [h for h in headers if sep in h][0]
                return (f"the headers were not split at {sep!r} ({shown[:60]!r} is read as one header): the "
                        f"separator seems to be {sep!r}; set `delimiter: {sep!r}` in the mapping file")
    return None


def add_derive_issues(ck: Checker, issues) -> None:
    """Record the (column, message, mask or None, values) issues of the mapping's ``derive:``."""
    for column, message, mask, values in issues:
        if mask is None:
            ck.fatal(column, message)
        else:
            ck.rows_issue(column, message, mask, values)


def error_text(file: str, table: str, issues: list[Issue], policy: str) -> str:
    """The message of the DataError a table's problems raise: every problem, one per line, and what to do."""
    fatal = [i for i in issues if i.fatal]
    head = f"{file}: {len(issues)} problem(s) in the {table} table"
    lines = [head + ":"] + [f"  - {i.problem}" for i in issues]
    if policy == "drop" and fatal:
        lines.append("These cannot be fixed by dropping rows: "
                     + "; ".join(f"column {i.problem.column!r}" if i.problem.column else "the file"
                                 for i in fatal) + ". Fix the file or the mapping.")
    elif fatal:
        lines.append("Fix the file or the mapping file (headers, `values:`, `timezone:`).")
    else:
        lines.append("Fix these rows, map values in a mapping file, or load with on_invalid='drop' to leave "
                     "out the rows concerned (they are counted and listed).")
    return "\n".join(lines)


def missing_optional(spec: Table, clean: pd.DataFrame) -> list[str]:
    """Optional contract columns absent from ``clean`` or present but entirely empty."""
    return [c for c in spec.optional if c not in clean.columns or bool(clean[c].isna().all())]


def _isin(values: pd.Series, known: pd.Series) -> np.ndarray:
    """``values.isin(known)`` by hashing (Series.isin on pyarrow strings loops in Python over ``known``)."""
    index = pd.Index(known.dropna().unique())
    return index.get_indexer(values) >= 0


def cross_table_problems(tables: dict[str, pd.DataFrame | None], files: dict[str, Path],
                         rows: dict[str, np.ndarray]) -> list[Problem]:
    """Links between the loaded tables (responses of unknown tickets or submitted before the ticket, rows of
    unknown customers), as warnings: no row is dropped. ``files`` and ``rows`` (spreadsheet row numbers) per
    loaded table."""
    out: list[Problem] = []

    def warn(table, column, message, mask, values):
        pos = np.flatnonzero(mask)
        if len(pos) == 0:
            return
        vals = list(dict.fromkeys(_py(v) for v in values.iloc[pos[:2000]].tolist()))[:SHOW]
        out.append(Problem(table, files[table].name, column, message,
                           tuple(int(r) for r in rows[table][pos[:SHOW]]), tuple(vals), len(pos), warning=True))

    t, r, c, x = (tables.get(name) for name in ("tickets", "responses", "customers", "transactions"))
    if r is not None and t is not None and "ticket_id" in r.columns:
        known = _isin(r["ticket_id"], t["ticket_id"])
        given = r["ticket_id"].notna().to_numpy(dtype=bool, na_value=False).copy()
        warn("responses", "ticket_id", f"refers to tickets not in {files['tickets'].name}",
             given & ~known, r["ticket_id"])
        created = r["ticket_id"].map(t.drop_duplicates("ticket_id").set_index("ticket_id")["created_at"])
        early = (r["submitted_at"] < created).to_numpy(dtype=bool, na_value=False).copy()
        warn("responses", "submitted_at", "is before the linked ticket was created", early, r["ticket_id"])
    if c is not None:
        for name, frame in (("tickets", t), ("responses", r), ("transactions", x)):
            if frame is not None:
                unknown = ~_isin(frame["customer_id"], c["customer_id"])
                warn(name, "customer_id", f"refers to customers not in {files['customers'].name}",
                     unknown, frame["customer_id"])
    return out


