"""Reading user exports and checking them against the data contract.

Pipeline for one file (``load_table``)::

    read_raw        CSV (UTF-8 / UTF-8-BOM / GB18030, also .csv.gz), Excel .xlsx, Parquet;
                    CSV and Excel are read as text so validation sees what the user wrote
    apply_mapping   rename headers, drop listed columns, translate values (csm.data.mapping)
    validate        convert to the canonical dtypes of csm.data.contract and collect EVERY problem
    on_invalid      "raise": any problem raises DataError listing all of them;
                    "drop": rows with row-level problems are dropped and counted

All checks are vectorised (no Python loop over rows): a column is converted as a whole and
problems are boolean masks over the rows. Parquet columns that already have the canonical dtype
pass through with only the range / uniqueness checks.

Row numbers in problems are spreadsheet rows: the header is row 1, the first data row is row 2.
The raw file is only ever opened for reading.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csm.compat import STR, read_parquet
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
from csm.data.mapping import (
    Mapping,
    TableMapping,
    _did_you_mean,
    _suggest,
    apply_mapping,
    as_mapping,
    derive_after_validation,
    derive_before_validation,
    load_mapping,
)
from csm.errors import DataError, ParameterError
from csm.text import mask_pii, pseudonymise

__all__ = [
    "SUFFIXES",
    "Dataset",
    "LoadResult",
    "Mapping",
    "TableMapping",
    "load_mapping",
    "load_table",
    "load_tables",
    "read_raw",
    "validate",
    "validate_file",
]

#: file suffixes ``load_tables`` looks for, in this order
SUFFIXES = (".parquet", ".csv", ".csv.gz", ".xlsx")
#: encodings tried, in order, when a CSV file does not say (UTF-8 with or without BOM, then GB18030)
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
#: non-ASCII characters decoded as UTF-8 before a bad byte that mark a damaged UTF-8 file (not GB18030)
UTF8_EVIDENCE = 8
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
_OFFSET_QUICK = r"(?:Z|UTC|GMT|[0-9]\s?[+-][0-9][0-9](?::?[0-9][0-9])?)$"
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
class _Issue:
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


class _Checker:
    """Collects issues for one table; knows the spreadsheet row number of every position."""

    def __init__(self, table: str, file: str, row_numbers: np.ndarray):
        self.table, self.file, self.rows = table, file, row_numbers
        self.issues: list[_Issue] = []
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
        self.warnings.append(Problem(self.table, self.file, column, message, rows, vals, n))

    def fatal(self, column, message, *, mask=None, values=None):
        rows, vals, n = (), (), 0
        if mask is not None:
            pos = np.flatnonzero(np.asarray(mask, dtype=bool))
            rows, vals, n = self._sample(pos, values)
        self.issues.append(_Issue(Problem(self.table, self.file, column, message, rows, vals, n), None, True))

    def rows_issue(self, column, message, mask, values=None):
        """Row-level problem on the rows where ``mask`` is true; ``values`` shown are distinct offenders."""
        pos = np.flatnonzero(np.asarray(mask, dtype=bool))
        if len(pos) == 0:
            return
        rows, vals, n = self._sample(pos, values)
        self.issues.append(_Issue(Problem(self.table, self.file, column, message, rows, vals, n), pos, False))

    def _sample(self, pos, values):
        rows = tuple(int(r) for r in self.rows[pos[:SHOW]])
        vals: tuple = ()
        if values is not None:
            seen: list = []
            for v in pd.Series(values).iloc[pos[:2000]].tolist():
                v = _py(v)
                if v not in seen:
                    seen.append(v)
                    if len(seen) == SHOW:
                        break
            vals = tuple(seen)
        return rows, vals, len(pos)


# ============================================================================ reading
@dataclass
class _Raw:
    frame: pd.DataFrame
    file: str
    format: str  # "csv", "csv.gz", "xlsx", "parquet"
    encoding: str | None = None
    duplicate_headers: dict = field(default_factory=dict)  # header -> [spreadsheet column letters]
    textual: bool = True  # read as text (CSV, Excel)
    top: list = field(default_factory=list)  # the first rows as read (header row included), for hints
    sheets: list = field(default_factory=list)  # Excel: sheet names
    empty_formulas: list = field(default_factory=list)  # Excel: cells with a formula but no saved value
    header_row: int = 1


def _file_error(path: Path, message: str, table: str = "") -> DataError:
    p = Problem(table or "", path.name, None, message)
    return DataError(f"{path.name}: {message}", [p])


def _format_of(path: Path) -> str:
    name = path.name.lower()
    for fmt in ("csv.gz", "csv", "xlsx", "xlsm", "parquet", "pq", "tsv", "txt"):
        if name.endswith("." + fmt):
            return {"xlsm": "xlsx", "pq": "parquet", "tsv": "csv", "txt": "csv"}.get(fmt, fmt)
    if name.endswith(".xls"):
        raise _file_error(path, "old Excel .xls files are not supported; open it in Excel and save as .xlsx "
                                "(or as 'CSV UTF-8')")
    raise _file_error(path, "unknown file type; expected .csv, .csv.gz, .xlsx or .parquet")


def _column_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _open_bytes(path: Path, fmt: str):
    return gzip.open(path, "rb") if fmt == "csv.gz" else open(path, "rb")


def _first_bad_byte(path: Path, fmt: str, encoding: str):
    """None if the whole file decodes with ``encoding``, else (byte offset, the bad bytes)."""
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    consumed = 0
    with _open_bytes(path, fmt) as fh:
        while True:
            chunk = fh.read(1 << 20)
            final = not chunk
            pending = len(dec.getstate()[0])
            try:
                dec.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                offset = consumed - pending + exc.start
                return offset, exc.object[exc.start:exc.end]
            consumed += len(chunk)
            if final:
                return None


def _detect_encoding(path: Path, fmt: str, forced: str | None) -> str:
    with _open_bytes(path, fmt) as fh:
        try:
            head = fh.read(1 << 16)
        except (OSError, EOFError, zlib.error) as exc:
            raise _damaged(path, fmt, exc) from None
    if not head.strip():
        raise _file_error(path, "is empty (no header row, no data)")
    if head.startswith(b"PK\x03\x04"):
        raise _file_error(path, "is an Excel workbook or another zip file, not CSV text; "
                                "give it the .xlsx extension or save it from Excel as 'CSV UTF-8'")
    if forced:
        bad = _first_bad_byte(path, fmt, forced)
        if bad:
            raise _file_error(path, f"cannot be decoded as {forced} (the encoding set in the mapping): "
                                    f"first bad byte 0x{bad[1][:1].hex()} at byte offset {bad[0]}")
        return forced
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_error(path, "is UTF-16 text (it starts with a UTF-16 byte-order mark, as Excel's "
                                "'Unicode Text' produces); save it as 'CSV UTF-8', or set "
                                "`encoding: utf-16` in the mapping file")
    nul = head.find(b"\x00")
    if nul >= 0 and head.count(b"\x00") >= max(2, len(head) // 10):  # UTF-16: every other byte; else a few stray NULs
        raise _file_error(path, f"contains NUL bytes (first at byte offset {nul}): it looks like UTF-16 text "
                                "without a byte-order mark or a binary file, not a CSV in UTF-8 or GB18030; "
                                "save it as 'CSV UTF-8' (or set `encoding:` in the mapping file)")
    failures = []
    for enc in CSV_ENCODINGS:
        bad = _first_bad_byte(path, fmt, enc)
        if bad is None:
            if enc == "utf-8-sig" and not head.startswith(codecs.BOM_UTF8):
                return "utf-8"
            return enc
        line = _line_at(path, fmt, bad[0])
        if enc == "utf-8-sig":
            wide = _non_ascii_before(path, fmt, bad[0])
            if wide >= UTF8_EVIDENCE:
                # Chinese UTF-8 bytes usually also "decode" as GB18030 (into nonsense), so a file that is
                # plainly UTF-8 up to one bad byte must not silently fall through to GB18030.
                raise _file_error(path, f"is UTF-8 ({wide} non-ASCII characters decode correctly) but has an "
                                        f"invalid byte 0x{bad[1][:1].hex()} at byte offset {bad[0]} (line {line}); "
                                        "the file is damaged there — re-export it, or fix that line; if the file "
                                        "really is GB18030/GBK, set `encoding: gb18030` in the mapping file")
        failures.append(f"{'UTF-8' if enc == 'utf-8-sig' else enc.upper()}: first bad byte "
                        f"0x{bad[1][:1].hex()} at byte offset {bad[0]}, line {line}")
    where = " (offsets count the uncompressed bytes)" if fmt == "csv.gz" else ""
    raise _file_error(path, "cannot be decoded as UTF-8 or GB18030 (" + "; ".join(failures) + ")" + where
                      + "; save it as 'CSV UTF-8', or set `encoding:` (e.g. utf-16, big5, latin-1) "
                        "in the mapping file")


def _damaged(path: Path, fmt: str, exc: BaseException) -> DataError:
    if fmt == "csv.gz":
        return _file_error(path, f"is a damaged or truncated gzip file ({exc}): the download or copy stopped "
                                 "early or the file was changed; download or compress it again (`gzip -t "
                                 f"{path.name}` checks a file)")
    return _file_error(path, f"cannot be read ({exc}); check that the file is complete and readable")


def _prefix(path: Path, fmt: str, offset: int, cap: int = 1 << 23) -> bytes:
    with _open_bytes(path, fmt) as fh:
        return fh.read(min(offset, cap))


def _line_at(path: Path, fmt: str, offset: int) -> int:
    """1-based line number of the byte at ``offset`` (counting ``\\n``)."""
    n, left = 1, offset
    with _open_bytes(path, fmt) as fh:
        while left > 0:
            chunk = fh.read(min(left, 1 << 20))
            if not chunk:
                break
            n += chunk.count(b"\n")
            left -= len(chunk)
    return n


def _non_ascii_before(path: Path, fmt: str, offset: int) -> int:
    text = _prefix(path, fmt, offset).decode("utf-8", errors="ignore")
    return sum(1 for ch in text if ord(ch) > 0x7F)


def _sniff_delimiter(path: Path, fmt: str, encoding: str) -> str:
    with _open_bytes(path, fmt) as fh:
        head = fh.read(1 << 16).decode(encoding, errors="ignore")
    first = head.splitlines()[0] if head.splitlines() else ""
    best, best_n = ",", 1
    for sep in (",", "\t", ";", "|"):
        n = len(next(csv.reader([first], delimiter=sep), []))
        if n > best_n:
            best, best_n = sep, n
    return best


def _split_header(frame: pd.DataFrame, path: Path, header_row: int = 1) -> tuple[pd.DataFrame, dict]:
    """Row ``header_row`` (1-based) -> column names (read with header=None so that a row longer than the
    header is an error, not a silent shift into the index); rows above it are skipped. Duplicate headers
    get pandas-style ``.1`` suffixes and are returned as {header: [spreadsheet column letters]}."""
    if len(frame) == 0:
        raise _file_error(path, "is empty (no header row, no data)")
    if header_row > len(frame):
        raise _file_error(path, f"has {len(frame)} row(s), fewer than the mapping's header_row: {header_row}")
    frame = frame.iloc[header_row - 1:]
    names = ["" if pd.isna(v) else str(v).replace("\ufeff", "").strip() for v in frame.iloc[0].tolist()]
    names = [n or f"Unnamed: {i}" for i, n in enumerate(names)]
    dups: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    unique = []
    for i, n in enumerate(names):
        if n in seen:
            dups.setdefault(n, [_column_letter(names.index(n))]).append(_column_letter(i))
            seen[n] += 1
            unique.append(f"{n}.{seen[n]}")
        else:
            seen[n] = 0
            unique.append(n)
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = unique
    return body, dups


#: stands in for a NUL byte of a CSV while it is parsed (a noncharacter: never in real text)
NUL_MARK = "\uffff"


def _has_nul(path: Path, fmt: str) -> bool:
    with (gzip.open(path, "rb") if fmt == "csv.gz" else open(path, "rb")) as f:
        while chunk := f.read(1 << 24):
            if b"\x00" in chunk:
                return True
    return False


def _read_csv(path: Path, fmt: str, forced: str | None, delimiter: str | None = None, header_row: int = 1) -> _Raw:
    try:
        return _read_csv_unchecked(path, fmt, forced, delimiter, header_row)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise _damaged(path, fmt, exc) from None


def _read_csv_unchecked(path: Path, fmt: str, forced: str | None, delimiter: str | None, header_row: int) -> _Raw:
    enc = _detect_encoding(path, fmt, forced)
    sep = delimiter or _sniff_delimiter(path, fmt, enc)
    source, compression = path, ("gzip" if fmt == "csv.gz" else None)
    if _has_nul(path, fmt):  # pandas 2's C parser ends a cell at a NUL: mark them so _strip_nul sees every one
        with (gzip.open(path, "rb") if fmt == "csv.gz" else open(path, "rb")) as f:
            source, compression = io.StringIO(f.read().decode(enc).replace("\x00", NUL_MARK)), None
    try:
        frame = pd.read_csv(source, sep=sep, encoding=enc, header=None, dtype=STR, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, index_col=False,
                            compression=compression)
    except pd.errors.EmptyDataError:
        raise _file_error(path, "is empty (no header row, no data)") from None
    except (pd.errors.ParserError, ValueError) as exc:
        msg = str(exc).strip().replace("\n", " ").replace("Error tokenizing data. C error: ", "")
        shown = {"\t": "tab"}.get(sep, repr(sep))
        raise _file_error(path, f"cannot be read as CSV ({msg}); that line has more fields than the header "
                                "— look for an unquoted separator (e.g. 1,234.50 not in quotes) or an unquoted "
                                f"line break; the separator used was {shown} — if the file uses another one, set "
                                "`delimiter:` (e.g. \"|\" or \";\") in the mapping file") from None
    top = frame.head(30).astype(object).where(frame.head(30).notna(), "").values.tolist()
    frame, dups = _split_header(frame, path, header_row)
    return _Raw(frame, path.name, fmt, enc, dups, top=top, header_row=header_row)


def _formulas_without_values(path: Path, sheet) -> list[str]:
    """Cells of the sheet read that hold a formula but no saved result (e.g. a workbook written by a script
    and never opened in Excel): pandas reads them as empty."""
    try:
        with zipfile.ZipFile(path) as z:
            book = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            entries = [(re.search(r'\bname="([^"]*)"', e), re.search(r'\br:id="([^"]*)"', e))
                       for e in re.findall(r"<sheet\b[^>]*>", book)]
            entries = [(n.group(1), r.group(1)) for n, r in entries if n and r]
            if not entries:
                return []
            if sheet is None:
                rid = entries[0][1]
            elif isinstance(sheet, int):
                rid = entries[sheet][1] if 0 <= sheet < len(entries) else None
            else:
                rid = next((r for n, r in entries if n == str(sheet)), None)
            target = None
            for rel in re.findall(r"<Relationship\b[^>]*>", rels):
                if re.search(rf'\bId="{re.escape(rid or "")}"', rel):
                    m = re.search(r'\bTarget="([^"]*)"', rel)
                    target = m.group(1) if m else None
            if target is None:
                return []
            name = target.lstrip("/") if target.startswith("/") else "xl/" + target
            xml = z.read(name)
    except (KeyError, zipfile.BadZipFile, OSError, IndexError):
        return []
    if b"<f" not in xml:
        return []
    text = xml.decode("utf-8", "replace")
    out = []
    for ref, inner in re.findall(r'<c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*?(?<!/)>(.*?)</c>', text, flags=re.S):
        if "<f" in inner and not re.search(r"<v>[^<]+</v>|<is>", inner):
            out.append(ref)
    return out


def _read_xlsx(path: Path, sheet, header_row: int = 1) -> _Raw:
    try:
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, header=None, dtype=STR,
                              keep_default_na=False, na_filter=False, engine="openpyxl")
    except (ValueError, IndexError, KeyError) as exc:
        if sheet is None:
            raise _file_error(path, f"cannot be read as an Excel workbook ({exc})") from None
        try:
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True)
            names = book.sheetnames
            book.close()
        except Exception:  # noqa: BLE001 - only used to improve the message
            names = []
        raise _file_error(path, f"has no sheet {sheet!r} (the `sheet:` of the mapping); sheets: "
                                f"{', '.join(map(repr, names))}") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _file_error(path, f"is not a valid .xlsx workbook ({exc}); open it in Excel and save it again "
                                "as .xlsx") from None
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        sheets = list(book.sheetnames)
        book.close()
    except Exception:  # noqa: BLE001 - only used for hints
        sheets = []
    top = frame.head(30).astype(object).where(frame.head(30).notna(), "").values.tolist()
    frame, dups = _split_header(frame, path, header_row)
    return _Raw(frame, path.name, "xlsx", None, dups, top=top, sheets=sheets,
                empty_formulas=_formulas_without_values(path, sheet), header_row=header_row)


def _read_parquet(path: Path) -> _Raw:
    try:
        frame = read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a broken file
        raise _file_error(path, f"cannot be read as Parquet ({type(exc).__name__}: {exc})") from None
    return _Raw(frame.reset_index(drop=True), path.name, "parquet", None, {}, textual=False)


def _broken_link(path: Path) -> str | None:
    """A message if ``path`` is a symbolic link that cannot be followed (a loop, a missing target)."""
    try:
        if not path.is_symlink():
            return None
        os.stat(path)
    except RuntimeError:
        return "is a symbolic link loop"
    except OSError as exc:
        if getattr(exc, "errno", None) == 40:  # ELOOP
            return "is a symbolic link loop (it points back to itself)"
        return "is a symbolic link whose target does not exist"
    return None


def _read(path, *, encoding: str | None = None, sheet=None, delimiter: str | None = None,
          header_row: int = 1) -> _Raw:
    path = Path(path)
    if not path.is_file():
        link = _broken_link(path)
        if link:
            raise _file_error(path, f"{link}; replace the link by the file itself (or point it at the file)")
        raise DataError(f"{path}: file not found", [Problem("", path.name, None, "file not found")])
    fmt = _format_of(path)
    if fmt in ("csv", "csv.gz"):
        raw = _read_csv(path, fmt, encoding, delimiter, header_row)
    elif fmt == "xlsx":
        raw = _read_xlsx(path, sheet, header_row)
    else:
        raw = _read_parquet(path)
    other = ""
    if raw.format == "xlsx" and len(raw.sheets) > 1:
        read = repr(sheet) if sheet is not None else f"the first one, {raw.sheets[0]!r}"
        other = (f"; the sheet read is {read} and the workbook has the sheets {', '.join(map(repr, raw.sheets))}: "
                 "if the table is on another sheet (the first one is a cover page?), name it with `sheet:` in "
                 "the mapping file")
    if raw.frame.shape[1] == 0:
        raise _file_error(path, "is empty (no header row, no data)" + other)
    if len(raw.frame) == 0:
        raise _file_error(path, "has a header row but no data rows" + other)
    return raw


def read_raw(path, *, encoding: str | None = None, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV (.csv, .csv.gz), Excel (.xlsx) or Parquet file without changing any value.

    CSV and Excel cells are read as text (empty cells are ``""``) so that validation sees what the
    user wrote; Parquet keeps its stored types. A CSV's encoding is detected (UTF-8 with or without
    BOM, then GB18030) unless ``encoding`` is given; the encoding used is in
    ``frame.attrs["encoding"]`` (``None`` for Excel/Parquet), the format in ``frame.attrs["format"]``.
    Raises :class:`DataError` for a missing, empty, header-only or undecodable file.
    """
    raw = _read(path, encoding=encoding, sheet=sheet)
    frame = raw.frame
    frame.attrs.update(file=raw.file, format=raw.format, encoding=raw.encoding)
    return frame


# ============================================================================ conversions
def _is_textlike(s: pd.Series) -> bool:
    return s.dtype == object or isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype))


def _to_text(s: pd.Series) -> pd.Series:
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


def _convert_id(ck: _Checker, col: Column, s: pd.Series):
    text = _to_text(s).str.strip()
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


def _convert_string(ck: _Checker, col: Column, s: pd.Series, *, strip: bool = True):
    text = _to_text(s)
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


def _convert_category(ck: _Checker, col: Column, s: pd.Series):
    text = _to_text(s)
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


def _convert_bool(ck: _Checker, col: Column, s: pd.Series):
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
    text = _to_text(s)
    codes, uniques = pd.factorize(text)
    norm = [_norm_label(u) for u in uniques]
    missing_u = np.array([x in MISSING_TOKENS for x in norm] + [True], dtype=bool)
    val_u = np.array([_BOOL.get(x) for x in norm] + [None], dtype=object)
    bad_u = np.array([v is None and not m for v, m in zip(val_u[:-1], missing_u[:-1])] + [False])
    blank, bad = missing_u[codes], bad_u[codes]
    ck.rows_issue(col.name, f"is not a yes/no value; expected {col.expected}", bad, text)
    arr = pd.array(val_u[codes] if n else [], dtype="boolean")
    return pd.Series(arr, index=s.index), blank


def _convert_number(ck: _Checker, col: Column, s: pd.Series):
    if pd.api.types.is_bool_dtype(s) or (pd.api.types.is_numeric_dtype(s) and not _is_textlike(s)):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        blank = np.isnan(v)
        shown = s
    else:
        text = _to_text(s).str.strip()
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


def _convert_datetime(ck: _Checker, col: Column, s: pd.Series, timezone: str | None, formats):
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert(timezone).dt.tz_localize(None) if timezone else s.dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(s):
        out = s
        blank = out.isna().to_numpy(dtype=bool, na_value=False).copy()
        shown = s
    elif pd.api.types.is_numeric_dtype(s) and not _is_textlike(s):
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
        text = _to_text(s).str.strip()
        blank = _blank(text, tokens=True)
        todo = ~blank
        base = text
        quick = text.str.contains(_OFFSET_QUICK, regex=True).to_numpy(dtype=bool, na_value=False) & todo
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
    text = _to_text(s).str.strip()
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
def _table(table) -> Table:
    if isinstance(table, Table):
        return table
    if table not in TABLES:
        raise ParameterError(f"unknown table {table!r}{_did_you_mean(str(table), TABLES)}; "
                             f"tables: {', '.join(TABLES)}")
    return TABLES[table]


def _check(frame: pd.DataFrame, spec: Table, ck: _Checker, *, timezone=None, datetime_format=None,
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
            hits = [h for cand in cands for h in _suggest(cand, spare)]
            mean = f"; did you mean {', '.join(map(repr, dict.fromkeys(hits)))}?" if hits else ""
            msg = (f"is required but missing: the mapping maps it to header "
                   f"{' / '.join(map(repr, cands))}, which is not in the file{mean}")
        else:
            hits = _suggest(c.name, spare)
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
        elif infer_extra and _is_textlike(s):
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
    spec = _table(table)
    rows = np.arange(len(frame)) + 2 if row_numbers is None else np.asarray(row_numbers)
    ck = _Checker(spec.name, file, rows)
    clean = _check(frame, spec, ck, timezone=timezone, datetime_format=datetime_format)
    return clean, [i.problem for i in ck.issues]


# ============================================================================ load one table
@dataclass
class LoadResult:
    """One loaded table: the clean frame and what happened on the way."""

    frame: pd.DataFrame
    problems: list[Problem]
    dropped_rows: int
    encoding: str | None
    file: Path
    table: str = ""
    format: str = ""
    #: optional contract columns absent from the file (or present but entirely empty)
    missing_optional: list[str] = field(default_factory=list)
    #: spreadsheet row number (header = 1) of each row of ``frame``
    row_numbers: np.ndarray | None = None
    #: completely empty lines/rows skipped (not data)
    blank_rows: int = 0
    #: columns computed on loading by the mapping's ``derive:`` ({column: spec})
    derived: dict = field(default_factory=dict)
    #: problems that kept the rows (future dates, formulas without saved values, NUL characters removed)
    warnings: list[Problem] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"LoadResult(table={self.table!r}, file={self.file.name!r}, rows={len(self.frame)}, "
                f"dropped_rows={self.dropped_rows}, problems={len(self.problems)}, encoding={self.encoding!r})")


def _run(path, table: str, tm: TableMapping | None):
    """Read + map + validate; returns (raw, clean, checker)."""
    try:
        raw = _read(path, encoding=tm.encoding if tm else None, sheet=tm.sheet if tm else None,
                    delimiter=tm.delimiter if tm else None, header_row=tm.header_row if tm else 1)
    except DataError as exc:  # say which table the file was meant for
        raise DataError(str(exc), [Problem(table, p.file, p.column, p.message, p.rows, p.values, p.n_rows)
                                   for p in exc.problems]) from None
    frame = raw.frame
    rows = np.arange(len(frame)) + 1 + raw.header_row
    blank_rows = 0
    if raw.textual and len(frame):
        empty = np.ones(len(frame), dtype=bool)
        for name in frame.columns:
            col = frame[name]
            empty &= (col.isna() | col.eq("")).to_numpy(dtype=bool, na_value=True)
        if empty.any():
            blank_rows = int(empty.sum())
            frame, rows = frame[~empty].reset_index(drop=True), rows[~empty]
            if len(frame) == 0:
                raise _file_error(Path(path), "has a header row but no data rows", table)
    frame, map_fatal, mapped_missing = apply_mapping(frame, tm, table, file=raw.file)
    ck = _Checker(table, raw.file, rows)
    ck.decimal = tm.decimal if tm else "."
    if raw.textual:
        frame = _strip_nul(ck, frame)
    for name in (tm.pseudonymise if tm else ()):
        if name in frame.columns:  # keys no pattern recognises (contact names): every value hashed
            col = frame[name]
            frame = frame.assign(**{name: pseudonymise(_to_text(col).str.strip().mask(lambda x: x.eq("")),
                                                       always=True)})
    if raw.empty_formulas:
        cells = raw.empty_formulas
        ck.warn(None, f"{len(cells)} cell(s) hold a formula without a saved result (e.g. {', '.join(cells[:SHOW])}), "
                      "so they load as empty: the workbook was written by a program that does not calculate "
                      "formulas and was never opened and saved in Excel; open it in Excel or LibreOffice, let it "
                      "recalculate, save it, and load it again")
    frame, derive_issues = derive_before_validation(frame, tm)
    _derive_issues(ck, derive_issues)
    wanted = set(TABLES[table].names) | {h for hs in (tm.columns.values() if tm else ()) for h in hs}
    for header, letters in raw.duplicate_headers.items():
        if header in wanted:
            ck.fatal(header, f"the header {header!r} appears more than once (columns {', '.join(letters)}); "
                             "rename or delete the extra column so that it is clear which one to use")
    for p in map_fatal:
        ck.issues.append(_Issue(p, None, True))
    clean = _check(frame, TABLES[table], ck, timezone=tm.timezone if tm else None,
                   datetime_format=tm.datetime_format if tm else None, mapped_missing=mapped_missing,
                   infer_extra=raw.textual)
    clean, derive_issues = derive_after_validation(clean, tm)
    _derive_issues(ck, derive_issues)
    if any(i.fatal and "is required but missing" in i.problem.message for i in ck.issues):
        hint = _header_hint(raw, TABLES[table], tm)
        if hint:  # first: it explains the missing columns listed after it
            ck.issues.insert(0, _Issue(Problem(table, raw.file, None, hint), None, True))
    return raw, clean, ck, rows, blank_rows


def _strip_nul(ck: _Checker, frame: pd.DataFrame) -> pd.DataFrame:
    """NUL characters in cells (a damaged export, binary data) are removed and reported as a warning."""
    for name in frame.columns:
        col = frame[name]
        if not _is_textlike(col):
            continue
        hit = (col.str.contains("\x00", regex=False) | col.str.contains(NUL_MARK, regex=False)).to_numpy(
            dtype=bool, na_value=False)
        if hit.any():
            ck.warn(str(name), "contains NUL characters (\\x00: a damaged export or binary data); they were "
                               "removed — check these rows in the export", hit)
            frame = frame.assign(**{name: col.str.replace("\x00", "", regex=False).str.replace(
                NUL_MARK, "", regex=False)})
    return frame


def _header_hint(raw: _Raw, spec: Table, tm: TableMapping | None) -> str | None:
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


def _derive_issues(ck: _Checker, issues) -> None:
    for column, message, mask, values in issues:
        if mask is None:
            ck.fatal(column, message)
        else:
            ck.rows_issue(column, message, mask, values)


def _error_text(file: str, table: str, issues: list[_Issue], policy: str) -> str:
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


def _missing_optional(spec: Table, clean: pd.DataFrame) -> list[str]:
    return [c for c in spec.optional if c not in clean.columns or bool(clean[c].isna().all())]


def load_table(path, table: str, *, mapping=None, on_invalid: str = "raise") -> LoadResult:
    """Read one file, apply the mapping, validate against the contract of ``table``.

    ``mapping``: a :class:`Mapping`, a path to a mapping YAML, a dict, or None.
    ``on_invalid="raise"``: any problem raises :class:`DataError` listing every problem, one per line
    (``.problems`` holds them). ``"drop"``: rows with row-level problems are dropped and the
    problems recorded in ``LoadResult.problems``; file-level problems (missing required column,
    empty or undecodable file, mixed time zones) still raise.
    """
    if on_invalid not in ("raise", "drop"):
        raise ParameterError(f"on_invalid must be 'raise' or 'drop', not {on_invalid!r}")
    spec = _table(table)
    tm = as_mapping(mapping, spec.name)
    raw, clean, ck, rows, blank_rows = _run(path, spec.name, tm)
    issues = ck.issues
    if issues and (on_invalid == "raise" or any(i.fatal for i in issues)):
        raise DataError(_error_text(raw.file, spec.name, issues, on_invalid), [i.problem for i in issues])
    dropped = 0
    if issues:
        drop = np.zeros(len(clean), dtype=bool)
        for i in issues:
            drop[i.positions] = True
        dropped = int(drop.sum())
        clean = clean[~drop].reset_index(drop=True)
        rows = rows[~drop]
    return LoadResult(frame=clean, problems=[i.problem for i in issues], dropped_rows=dropped,
                      encoding=raw.encoding, file=Path(path), table=spec.name, format=raw.format,
                      missing_optional=_missing_optional(spec, clean), row_numbers=rows,
                      blank_rows=blank_rows, derived=dict(tm.derive) if tm is not None else {},
                      warnings=list(ck.warnings))


def validate_file(path, table: str, *, mapping=None) -> list[Problem]:
    """Every problem of one file (file-level and row-level); never raises for data problems.

    Mapping-file errors (bad YAML, unknown keys) still raise :class:`DataError`.
    """
    spec = _table(table)
    tm = as_mapping(mapping, spec.name)
    try:
        _, _, ck, _, _ = _run(path, spec.name, tm)
    except DataError as exc:
        probs = exc.problems or [Problem(spec.name, Path(path).name, None, str(exc))]
        return [Problem(spec.name, p.file, p.column, p.message, p.rows, p.values, p.n_rows) for p in probs]
    return [i.problem for i in ck.issues] + list(ck.warnings)


def _parsed_mapping(mapping):
    if isinstance(mapping, (str, Path)):
        return load_mapping(mapping)
    if isinstance(mapping, dict):
        from csm.data.mapping import parse_mapping

        return parse_mapping(mapping)
    return mapping


def _table_mapping(mapping, table: str) -> TableMapping | None:
    """The part of a (parsed) mapping that applies to ``table``; a mapping without tables: is for tickets."""
    if isinstance(mapping, Mapping):
        return mapping.tables.get(table) or (mapping.default if table == "tickets" else None)
    return mapping if (isinstance(mapping, TableMapping) and table == "tickets") else None


def validate_folder(data_dir, *, mapping=None) -> dict[str, tuple[Path | None, list[Problem]]]:
    """Every problem of every contract table found in ``data_dir``: {table: (file or None, problems)}.

    Like :func:`validate_file` per table, found as :func:`load_tables` finds it; a folder without a
    tickets file is itself a problem. Mapping-file errors still raise :class:`DataError`.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(f"{data_dir}: folder not found")
    mapping = _parsed_mapping(mapping)
    out = {}
    for name in TABLES:
        tm = _table_mapping(mapping, name)
        try:
            path = _find_file(data_dir, name, tm)
        except DataError as exc:
            out[name] = (None, exc.problems)
            continue
        if path is None:  # optional tables may be absent; tickets may not
            out[name] = (None, [] if name != "tickets" else [Problem(
                name, data_dir.name, None, "no tickets file (tickets.csv, .csv.gz, .xlsx or .parquet) in the "
                                           "folder; it is required")])
            continue
        out[name] = (path, validate_file(path, name, mapping=tm))
    return out


# ============================================================================ load a folder
_PROBLEM_COLUMNS = ["table", "file", "column", "message", "n_rows", "rows", "values", "action"]


@dataclass
class Dataset:
    """The five contract tables of one data folder (absent optional tables are None)."""

    tickets: pd.DataFrame | None = None
    responses: pd.DataFrame | None = None
    customers: pd.DataFrame | None = None
    transactions: pd.DataFrame | None = None
    assignments: pd.DataFrame | None = None
    files: dict[str, Path] = field(default_factory=dict)
    encodings: dict[str, str | None] = field(default_factory=dict)
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_PROBLEM_COLUMNS))
    missing_optional: dict[str, list[str]] = field(default_factory=dict)
    dropped_rows: dict[str, int] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    #: tables that were looked for (the rows of quality_summary)
    requested: tuple[str, ...] = tuple(TABLES)
    #: per table, columns computed on loading by the mapping's ``derive:`` ({table: {column: spec}})
    derived: dict[str, dict] = field(default_factory=dict)

    def __repr__(self) -> str:  # short and free of absolute paths (notebook outputs are compared)
        parts = []
        for name in self.requested:
            frame = getattr(self, name)
            parts.append(f"{name}=" + ("None" if frame is None else f"<{len(frame)} rows from "
                                                                    f"{self.files[name].name}>"))
        return f"Dataset({', '.join(parts)}, problems={len(self.problems)})"

    def table(self, name: str) -> pd.DataFrame | None:
        _table(name)
        return getattr(self, name)

    def has(self, table: str, *columns: str) -> bool:
        """True if ``table`` was loaded and every column is present with at least one value."""
        frame = self.table(table)
        if frame is None:
            return False
        return all(c in frame.columns and not bool(frame[c].isna().all()) for c in columns)

    def quality_summary(self) -> pd.DataFrame:
        """One row per table: file name, format, rows loaded/dropped, warnings, missing optional columns."""
        out = []
        for name in self.requested:
            frame = getattr(self, name)
            warn = 0
            if len(self.problems):
                warn = int(((self.problems["table"] == name) & (self.problems["action"] == "warning")).sum())
            if frame is None:
                out.append({"table": name, "file": "(not provided)", "format": "", "rows_loaded": 0, "rows_dropped": 0,
                                "warnings": warn, "missing_optional_columns": ""})
                continue
            fmt = self.formats.get(name, "")
            enc = self.encodings.get(name)
            out.append({"table": name, "file": self.files[name].name, "format": f"{fmt} ({enc})" if enc else fmt,
                            "rows_loaded": len(frame), "rows_dropped": self.dropped_rows.get(name, 0),
                            "warnings": warn,
                            "missing_optional_columns": ", ".join(self.missing_optional.get(name, []))})
        return pd.DataFrame(out, columns=["table", "file", "format", "rows_loaded", "rows_dropped", "warnings",
                                          "missing_optional_columns"])


def _find_file(data_dir: Path, table: str, tm: TableMapping | None) -> Path | None:
    if tm is not None and tm.file:
        p = data_dir / tm.file
        if not p.is_file():
            raise DataError(f"{data_dir.name}: the mapping names {tm.file!r} as the {table} file, but it is not "
                            f"in the folder", [Problem(table, tm.file, None, "file named in the mapping not found")])
        return p
    for suf in SUFFIXES:
        link = _broken_link(data_dir / f"{table}{suf}")
        if link:
            raise DataError(f"{data_dir.name}/{table}{suf}: {link}; replace the link by the file itself",
                            [Problem(table, f"{table}{suf}", None, link)])
    found = [data_dir / f"{table}{suf}" for suf in SUFFIXES if (data_dir / f"{table}{suf}").is_file()]
    if len(found) > 1:
        names = " and ".join(p.name for p in found)
        raise DataError(f"{data_dir.name}: two files for the {table} table: {names}; keep one of them (or name "
                        "the one to use with `file:` in the mapping)",
                        [Problem(table, found[0].name, None, f"two files for the {table} table: {names}")])
    return found[0] if found else None


def _isin(values: pd.Series, known: pd.Series) -> np.ndarray:
    """``values.isin(known)`` by hashing (Series.isin on pyarrow strings loops in Python over ``known``)."""
    index = pd.Index(known.dropna().unique())
    return index.get_indexer(values) >= 0


def _cross_checks(ds: Dataset, rows: dict[str, np.ndarray]) -> list[Problem]:
    """Links between tables, reported as warnings (no row is dropped)."""
    out: list[Problem] = []

    def warn(table, column, message, mask, values):
        pos = np.flatnonzero(mask)
        if len(pos) == 0:
            return
        vals = list(dict.fromkeys(_py(v) for v in values.iloc[pos[:2000]].tolist()))[:SHOW]
        out.append(Problem(table, ds.files[table].name, column, message,
                           tuple(int(r) for r in rows[table][pos[:SHOW]]), tuple(vals), len(pos)))

    t, r, c, x = ds.tickets, ds.responses, ds.customers, ds.transactions
    if r is not None and t is not None and "ticket_id" in r.columns:
        known = _isin(r["ticket_id"], t["ticket_id"])
        given = r["ticket_id"].notna().to_numpy(dtype=bool, na_value=False).copy()
        warn("responses", "ticket_id", f"refers to tickets not in {ds.files['tickets'].name}",
             given & ~known, r["ticket_id"])
        created = r["ticket_id"].map(t.drop_duplicates("ticket_id").set_index("ticket_id")["created_at"])
        early = (r["submitted_at"] < created).to_numpy(dtype=bool, na_value=False).copy()
        warn("responses", "submitted_at", "is before the linked ticket was created", early, r["ticket_id"])
    if c is not None:
        for name, frame in (("tickets", t), ("responses", r), ("transactions", x)):
            if frame is not None:
                unknown = ~_isin(frame["customer_id"], c["customer_id"])
                warn(name, "customer_id", f"refers to customers not in {ds.files['customers'].name}",
                     unknown, frame["customer_id"])
    return out


def load_tables(data_dir, *, mapping=None, on_invalid: str = "raise", tables=None,
                required=("tickets",)) -> Dataset:
    """Load every contract table found in ``data_dir`` as ``<table>.parquet|.csv|.csv.gz|.xlsx``.

    ``tables``: which tables to look for (default all five); ``required``: tables whose absence is an
    error (default tickets). A mapping with a ``tables:`` section applies per table (its ``file:`` names
    the file to use); a mapping without one applies to tickets only. Cross-table links (responses of
    unknown tickets, unknown customers, …) are reported as warnings in ``Dataset.problems``.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(f"{data_dir}: data folder not found", [Problem("", data_dir.name, None, "folder not found")])
    names = list(TABLES) if tables is None else [_table(t).name for t in tables]
    required = [t for t in (required or ()) if t in names]
    mapping = _parsed_mapping(mapping)

    ds = Dataset(requested=tuple(names))
    rows: dict[str, np.ndarray] = {}
    problem_rows = []
    for name in names:
        tm = _table_mapping(mapping, name)
        path = _find_file(data_dir, name, tm)
        if path is None:
            if name in required:
                present = sorted(p.name for p in data_dir.iterdir() if p.is_file())
                close = _suggest(name, [p.split(".")[0] for p in present])
                hint = f" Files whose names look close: {', '.join(p for p in present if p.split('.')[0] in close)}." \
                    if close else ""
                raise DataError(
                    f"{data_dir.name}: no {name} file; expected one of "
                    f"{', '.join(name + s for s in SUFFIXES)}.{hint} Files in the folder: "
                    f"{', '.join(present[:20]) or '(none)'}",
                    [Problem(name, "", None, "required table file not found")])
            continue
        res = load_table(path, name, mapping=tm, on_invalid=on_invalid)
        setattr(ds, name, res.frame)
        ds.files[name] = path
        ds.encodings[name] = res.encoding
        ds.formats[name] = res.format
        ds.dropped_rows[name] = res.dropped_rows
        ds.missing_optional[name] = res.missing_optional
        if res.derived:
            ds.derived[name] = res.derived
        rows[name] = res.row_numbers
        problem_rows += [(p, "dropped") for p in res.problems]
        problem_rows += [(p, "warning") for p in res.warnings]
    problem_rows += [(p, "warning") for p in _cross_checks(ds, rows)]
    ds.problems = pd.DataFrame(
        [{"table": p.table, "file": p.file, "column": p.column, "message": p.message, "n_rows": p.n_rows,
          "rows": p.rows, "values": p.values, "action": a} for p, a in problem_rows],
        columns=_PROBLEM_COLUMNS,
    )
    return ds
