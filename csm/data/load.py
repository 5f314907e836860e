"""Loading user exports: one table (:func:`load_table`) or a data folder (:func:`load_tables` → :class:`Dataset`).

Pipeline for one file::

    read_file       csm.data.read: CSV (UTF-8 / UTF-8-BOM / GB18030, also .csv.gz), Excel .xlsx, Parquet;
                    CSV and Excel are read as text so validation sees what the user wrote
    apply_mapping   csm.data.mapping: rename headers, drop listed columns, translate values
    check_frame     csm.data.validate: convert to the canonical dtypes of csm.data.contract and collect
                    EVERY problem
    on_invalid      "raise": any problem raises DataError listing all of them;
                    "drop": rows with row-level problems are dropped and counted

All checks are vectorised (no Python loop over rows): a column is converted as a whole and
problems are boolean masks over the rows. Parquet columns that already have the canonical dtype
pass through with only the range / uniqueness checks. A folder's tables are then checked against
each other (responses of unknown tickets, unknown customers), as warnings.

Row numbers in problems are spreadsheet rows: the header is row 1, the first data row is row 2.
The raw file is only ever opened for reading.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csm.data.contract import TABLES, Problem
from csm.data.mapping import (
    Mapping,
    TableMapping,
    apply_mapping,
    as_mapping,
    derive_after_validation,
    derive_before_validation,
    load_mapping,
    parse_mapping,
    suggest,
)
from csm.data.read import broken_link, file_error, read_file
from csm.data.validate import (
    SHOW,
    Checker,
    Issue,
    add_derive_issues,
    check_frame,
    cross_table_problems,
    error_text,
    header_hint,
    missing_optional,
    strip_nul,
    table_spec,
    to_text,
)
from csm.errors import DataError, ParameterError
from csm.text import pseudonymise

__all__ = ["SUFFIXES", "Dataset", "LoadResult", "load_table", "load_tables", "validate_file", "validate_folder"]

#: file suffixes ``load_tables`` looks for, in this order
SUFFIXES = (".parquet", ".csv", ".csv.gz", ".xlsx")


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
        raw = read_file(path, encoding=tm.encoding if tm else None, sheet=tm.sheet if tm else None,
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
                raise file_error(Path(path), "has a header row but no data rows", table)
    frame, map_fatal, mapped_missing = apply_mapping(frame, tm, table, file=raw.file)
    ck = Checker(table, raw.file, rows)
    ck.decimal = tm.decimal if tm else "."
    if raw.textual:
        frame = strip_nul(ck, frame)
    for name in (tm.pseudonymise if tm else ()):
        if name in frame.columns:  # keys no pattern recognises (contact names): every value hashed
            col = frame[name]
            frame = frame.assign(**{name: pseudonymise(to_text(col).str.strip().mask(lambda x: x.eq("")),
                                                       always=True)})
    if raw.empty_formulas:
        cells = raw.empty_formulas
        ck.warn(None, f"{len(cells)} cell(s) hold a formula without a saved result (e.g. {', '.join(cells[:SHOW])}), "
                      "so they load as empty: the workbook was written by a program that does not calculate "
                      "formulas and was never opened and saved in Excel; open it in Excel or LibreOffice, let it "
                      "recalculate, save it, and load it again")
    frame, derive_issues = derive_before_validation(frame, tm)
    add_derive_issues(ck, derive_issues)
    wanted = set(TABLES[table].names) | {h for hs in (tm.columns.values() if tm else ()) for h in hs}
    for header, letters in raw.duplicate_headers.items():
        if header in wanted:
            ck.fatal(header, f"the header {header!r} appears more than once (columns {', '.join(letters)}); "
                             "rename or delete the extra column so that it is clear which one to use")
    for p in map_fatal:
        ck.issues.append(Issue(p, None, True))
    clean = check_frame(frame, TABLES[table], ck, timezone=tm.timezone if tm else None,
                        datetime_format=tm.datetime_format if tm else None, mapped_missing=mapped_missing,
                        infer_extra=raw.textual)
    clean, derive_issues = derive_after_validation(clean, tm)
    add_derive_issues(ck, derive_issues)
    if any(i.fatal and "is required but missing" in i.problem.message for i in ck.issues):
        hint = header_hint(raw, TABLES[table], tm)
        if hint:  # first: it explains the missing columns listed after it
            ck.issues.insert(0, Issue(Problem(table, raw.file, None, hint), None, True))
    return raw, clean, ck, rows, blank_rows


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
    spec = table_spec(table)
    tm = as_mapping(mapping, spec.name)
    raw, clean, ck, rows, blank_rows = _run(path, spec.name, tm)
    issues = ck.issues
    if issues and (on_invalid == "raise" or any(i.fatal for i in issues)):
        raise DataError(error_text(raw.file, spec.name, issues, on_invalid), [i.problem for i in issues])
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
                      missing_optional=missing_optional(spec, clean), row_numbers=rows,
                      blank_rows=blank_rows, derived=dict(tm.derive) if tm is not None else {},
                      warnings=list(ck.warnings))


def validate_file(path, table: str, *, mapping=None) -> list[Problem]:
    """Every problem of one file (file-level and row-level); never raises for data problems.

    Mapping-file errors (bad YAML, unknown keys) still raise :class:`DataError`.
    """
    spec = table_spec(table)
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
        table_spec(name)
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
        link = broken_link(data_dir / f"{table}{suf}")
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
    names = list(TABLES) if tables is None else [table_spec(t).name for t in tables]
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
                close = suggest(name, [p.split(".")[0] for p in present])
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
    loaded = {name: getattr(ds, name) for name in ds.requested}
    problem_rows += [(p, "warning") for p in cross_table_problems(loaded, ds.files, rows)]
    ds.problems = pd.DataFrame(
        [{"table": p.table, "file": p.file, "column": p.column, "message": p.message, "n_rows": p.n_rows,
          "rows": p.rows, "values": p.values, "action": a} for p, a in problem_rows],
        columns=_PROBLEM_COLUMNS,
    )
    return ds
