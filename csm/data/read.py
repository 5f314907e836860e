"""Reading user exports: files, encodings and formats, without changing any value.

``read_file`` opens one CSV (UTF-8 / UTF-8-BOM / GB18030 detected, also .csv.gz; delimiter sniffed among
``, ; tab |``; NUL bytes marked so that validation can report them), Excel .xlsx (sheets listed, formulas
without a saved value found) or Parquet file, and splits the header row (``header_row`` of the mapping;
duplicate headers kept apart and reported). CSV and Excel cells are read as text, so that validation
(:mod:`csm.data.validate`) sees what the user wrote; Parquet keeps its stored types. A missing, empty,
header-only, damaged or undecodable file raises :class:`~csm.errors.DataError` with what to do.
The raw file is only ever opened for reading.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from csm.compat import STR, read_parquet
from csm.data.contract import Problem
from csm.errors import DataError

__all__ = ["CSV_ENCODINGS", "NUL_MARK", "UTF8_EVIDENCE", "RawFile", "broken_link", "file_error", "read_file",
           "read_raw"]

#: encodings tried, in order, when a CSV file does not say (UTF-8 with or without BOM, then GB18030)
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
#: non-ASCII characters decoded as UTF-8 before a bad byte that mark a damaged UTF-8 file (not GB18030)
UTF8_EVIDENCE = 8


@dataclass
class RawFile:
    """One file as read: the cells (text for CSV and Excel) under the header row, and what reading found."""

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


def file_error(path: Path, message: str, table: str = "") -> DataError:
    """A file-level :class:`DataError` (one problem without a column): ``<file name>: <message>``."""
    p = Problem(table or "", path.name, None, message)
    return DataError(f"{path.name}: {message}", [p])


def _format_of(path: Path) -> str:
    name = path.name.lower()
    for fmt in ("csv.gz", "csv", "xlsx", "xlsm", "parquet", "pq", "tsv", "txt"):
        if name.endswith("." + fmt):
            return {"xlsm": "xlsx", "pq": "parquet", "tsv": "csv", "txt": "csv"}.get(fmt, fmt)
    if name.endswith(".xls"):
        raise file_error(path, "old Excel .xls files are not supported; open it in Excel and save as .xlsx "
                                "(or as 'CSV UTF-8')")
    raise file_error(path, "unknown file type; expected .csv, .csv.gz, .xlsx or .parquet")


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
        raise file_error(path, "is empty (no header row, no data)")
    if head.startswith(b"PK\x03\x04"):
        raise file_error(path, "is an Excel workbook or another zip file, not CSV text; "
                                "give it the .xlsx extension or save it from Excel as 'CSV UTF-8'")
    if forced:
        bad = _first_bad_byte(path, fmt, forced)
        if bad:
            raise file_error(path, f"cannot be decoded as {forced} (the encoding set in the mapping): "
                                    f"first bad byte 0x{bad[1][:1].hex()} at byte offset {bad[0]}")
        return forced
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise file_error(path, "is UTF-16 text (it starts with a UTF-16 byte-order mark, as Excel's "
                                "'Unicode Text' produces); save it as 'CSV UTF-8', or set "
                                "`encoding: utf-16` in the mapping file")
    nul = head.find(b"\x00")
    if nul >= 0 and head.count(b"\x00") >= max(2, len(head) // 10):  # UTF-16: every other byte; else a few stray NULs
        raise file_error(path, f"contains NUL bytes (first at byte offset {nul}): it looks like UTF-16 text "
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
                raise file_error(path, f"is UTF-8 ({wide} non-ASCII characters decode correctly) but has an "
                                        f"invalid byte 0x{bad[1][:1].hex()} at byte offset {bad[0]} (line {line}); "
                                        "the file is damaged there — re-export it, or fix that line; if the file "
                                        "really is GB18030/GBK, set `encoding: gb18030` in the mapping file")
        failures.append(f"{'UTF-8' if enc == 'utf-8-sig' else enc.upper()}: first bad byte "
                        f"0x{bad[1][:1].hex()} at byte offset {bad[0]}, line {line}")
    where = " (offsets count the uncompressed bytes)" if fmt == "csv.gz" else ""
    raise file_error(path, "cannot be decoded as UTF-8 or GB18030 (" + "; ".join(failures) + ")" + where
                      + "; save it as 'CSV UTF-8', or set `encoding:` (e.g. utf-16, big5, latin-1) "
                        "in the mapping file")


def _damaged(path: Path, fmt: str, exc: BaseException) -> DataError:
    if fmt == "csv.gz":
        return file_error(path, f"is a damaged or truncated gzip file ({exc}): the download or copy stopped "
                                 "early or the file was changed; download or compress it again (`gzip -t "
                                 f"{path.name}` checks a file)")
    return file_error(path, f"cannot be read ({exc}); check that the file is complete and readable")


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
        raise file_error(path, "is empty (no header row, no data)")
    if header_row > len(frame):
        raise file_error(path, f"has {len(frame)} row(s), fewer than the mapping's header_row: {header_row}")
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


def _read_csv(path: Path, fmt: str, forced: str | None, delimiter: str | None = None, header_row: int = 1) -> RawFile:
    try:
        return _read_csv_unchecked(path, fmt, forced, delimiter, header_row)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise _damaged(path, fmt, exc) from None


def _read_csv_unchecked(path: Path, fmt: str, forced: str | None, delimiter: str | None, header_row: int) -> RawFile:
    enc = _detect_encoding(path, fmt, forced)
    sep = delimiter or _sniff_delimiter(path, fmt, enc)
    source, compression = path, ("gzip" if fmt == "csv.gz" else None)
    if _has_nul(path, fmt):  # pandas 2's C parser ends a cell at a NUL: mark them so strip_nul sees every one
        with (gzip.open(path, "rb") if fmt == "csv.gz" else open(path, "rb")) as f:
            source, compression = io.StringIO(f.read().decode(enc).replace("\x00", NUL_MARK)), None
    try:
        frame = pd.read_csv(source, sep=sep, encoding=enc, header=None, dtype=STR, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, index_col=False,
                            compression=compression)
    except pd.errors.EmptyDataError:
        raise file_error(path, "is empty (no header row, no data)") from None
    except (pd.errors.ParserError, ValueError) as exc:
        msg = str(exc).strip().replace("\n", " ").replace("Error tokenizing data. C error: ", "")
        shown = {"\t": "tab"}.get(sep, repr(sep))
        raise file_error(path, f"cannot be read as CSV ({msg}); that line has more fields than the header "
                                "— look for an unquoted separator (e.g. 1,234.50 not in quotes) or an unquoted "
                                f"line break; the separator used was {shown} — if the file uses another one, set "
                                "`delimiter:` (e.g. \"|\" or \";\") in the mapping file") from None
    top = frame.head(30).astype(object).where(frame.head(30).notna(), "").values.tolist()
    frame, dups = _split_header(frame, path, header_row)
    return RawFile(frame, path.name, fmt, enc, dups, top=top, header_row=header_row)


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


def _read_xlsx(path: Path, sheet, header_row: int = 1) -> RawFile:
    try:
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, header=None, dtype=STR,
                              keep_default_na=False, na_filter=False, engine="openpyxl")
    except (ValueError, IndexError, KeyError) as exc:
        if sheet is None:
            raise file_error(path, f"cannot be read as an Excel workbook ({exc})") from None
        try:
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True)
            names = book.sheetnames
            book.close()
        except Exception:  # noqa: BLE001 - only used to improve the message
            names = []
        raise file_error(path, f"has no sheet {sheet!r} (the `sheet:` of the mapping); sheets: "
                                f"{', '.join(map(repr, names))}") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise file_error(path, f"is not a valid .xlsx workbook ({exc}); open it in Excel and save it again "
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
    return RawFile(frame, path.name, "xlsx", None, dups, top=top, sheets=sheets,
                empty_formulas=_formulas_without_values(path, sheet), header_row=header_row)


def _read_parquet(path: Path) -> RawFile:
    try:
        frame = read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a broken file
        raise file_error(path, f"cannot be read as Parquet ({type(exc).__name__}: {exc})") from None
    return RawFile(frame.reset_index(drop=True), path.name, "parquet", None, {}, textual=False)


def broken_link(path: Path) -> str | None:
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


def read_file(path, *, encoding: str | None = None, sheet=None, delimiter: str | None = None,
              header_row: int = 1) -> RawFile:
    """One file as read (:class:`RawFile`): the format from its name, a CSV's encoding detected and its
    delimiter sniffed unless given, rows above ``header_row`` skipped. Raises :class:`DataError` for a
    missing, empty, header-only, damaged or undecodable file."""
    path = Path(path)
    if not path.is_file():
        link = broken_link(path)
        if link:
            raise file_error(path, f"{link}; replace the link by the file itself (or point it at the file)")
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
        raise file_error(path, "is empty (no header row, no data)" + other)
    if len(raw.frame) == 0:
        raise file_error(path, "has a header row but no data rows" + other)
    return raw


def read_raw(path, *, encoding: str | None = None, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV (.csv, .csv.gz), Excel (.xlsx) or Parquet file without changing any value.

    CSV and Excel cells are read as text (empty cells are ``""``) so that validation sees what the
    user wrote; Parquet keeps its stored types. A CSV's encoding is detected (UTF-8 with or without
    BOM, then GB18030) unless ``encoding`` is given; the encoding used is in
    ``frame.attrs["encoding"]`` (``None`` for Excel/Parquet), the format in ``frame.attrs["format"]``.
    Raises :class:`DataError` for a missing, empty, header-only or undecodable file.
    """
    raw = read_file(path, encoding=encoding, sheet=sheet)
    frame = raw.frame
    frame.attrs.update(file=raw.file, format=raw.format, encoding=raw.encoding)
    return frame

