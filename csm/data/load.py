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

Other sources (csm.engine.sources): a Parquet dataset folder ``<table>/``, a DuckDB file or a PostgreSQL URL
is mapped and checked *in the engine* (csm.engine.checks) and never loaded whole; :class:`Dataset` hands
analyses relations (``Dataset.relation(name)``) and materialises a table into pandas only when its frame
attribute (``ds.tickets``) is read.
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

__all__ = ["SUFFIXES", "Dataset", "LoadResult", "load_table", "load_tables", "validate_file", "validate_folder", "materialise", "validate_source"]

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
    """The five contract tables of one data source (absent optional tables are None).

    ``relation(name)`` is the Ibis table of a validated, mapped, canonical table (what analyses use, see
    csm.engine) and ``engine`` the :class:`csm.engine.Engine` it is bound to. ``tickets``, ``responses``, … are
    pandas frames: for a folder of files they are the loaded frames (the relation is a zero-copy view of them);
    for a Parquet dataset, a DuckDB file or a database they are *materialised on first access* (the whole table
    executed into pandas, in file / key order) — meant for analyses not yet written for the engine and for small
    tables; analyses of large data use ``relation()``. ``has()`` and ``quality_summary()`` never materialise.
    """

    tickets: pd.DataFrame | None = None
    responses: pd.DataFrame | None = None
    customers: pd.DataFrame | None = None
    transactions: pd.DataFrame | None = None
    assignments: pd.DataFrame | None = None
    files: dict[str, Path | str] = field(default_factory=dict)
    encodings: dict[str, str | None] = field(default_factory=dict)
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_PROBLEM_COLUMNS))
    missing_optional: dict[str, list[str]] = field(default_factory=dict)
    dropped_rows: dict[str, int] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    #: tables that were looked for (the rows of quality_summary)
    requested: tuple[str, ...] = tuple(TABLES)
    #: per table, columns computed on loading by the mapping's ``derive:`` ({table: {column: spec}})
    derived: dict[str, dict] = field(default_factory=dict)
    #: the engine the relations are bound to (None: the default in-process DuckDB, csm.engine.default_engine)
    engine: object = None
    #: tables checked in the engine and not loaded ({table: csm.engine.checks.EngineTable})
    lazy: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.lazy = dict(self.lazy)
        if self.engine is None:
            from csm.engine import default_engine

            self.engine = default_engine()

    def __repr__(self) -> str:  # short and free of absolute paths (notebook outputs are compared)
        parts = []
        for name in self.requested:
            n = self._n_rows(name)
            parts.append(f"{name}=" + ("None" if n is None else f"<{n} rows from {self._label(name)}>"))
        return f"Dataset({', '.join(parts)}, problems={len(self.problems)})"

    def _label(self, name: str) -> str:
        where = self.files.get(name, "")
        if isinstance(where, Path):
            return where.name + ("/" if name in self.lazy else "")
        return str(where)

    def _n_rows(self, name: str) -> int | None:
        if self._is_lazy(name):
            return self.lazy[name].n_rows
        frame = self.__dict__["_frames"].get(name)
        return None if frame is None else len(frame)

    def _is_lazy(self, name: str) -> bool:
        """Checked in the engine and not (yet) materialised or replaced by a frame."""
        return name in self.lazy and self.__dict__.get("_frames", {}).get(name) is None

    def table(self, name: str) -> pd.DataFrame | None:
        table_spec(name)
        return getattr(self, name)

    def relation(self, name: str):
        """The Ibis table of ``name`` (validated, mapped, canonical types), or None when the table is absent."""
        table_spec(name)
        frames = self.__dict__["_frames"]
        if self._is_lazy(name):
            return self.lazy[name].relation
        frame = frames.get(name)
        if frame is None:
            return None
        cache = self.__dict__.setdefault("_relations", {})
        hit = cache.get(name)
        if hit is None or hit[0] is not frame:
            hit = (frame, self.engine.relation(frame))
            cache[name] = hit
        return hit[1]

    def has(self, table: str, *columns: str) -> bool:
        """True if ``table`` was loaded and every column is present with at least one value."""
        table_spec(table)
        if self._is_lazy(table):
            et = self.lazy[table]
            rel = et.relation
            missing = [c for c in columns if c not in rel.columns]
            if missing:
                return False
            unknown = [c for c in columns if c not in et.filled]
            if unknown:  # extra columns: one query, remembered
                from csm.engine import execute

                got = execute(rel.aggregate(**{f"c{i}": rel[c].count() for i, c in enumerate(unknown)})).iloc[0]
                et.filled.update({c: bool(got[f"c{i}"]) for i, c in enumerate(unknown)})
            return all(et.filled[c] for c in columns)
        frame = self.table(table)
        if frame is None:
            return False
        return all(c in frame.columns and not bool(frame[c].isna().all()) for c in columns)

    def quality_summary(self) -> pd.DataFrame:
        """One row per table: file name, format, rows loaded/dropped, warnings, missing optional columns."""
        out = []
        for name in self.requested:
            n = self._n_rows(name)
            warn = 0
            if len(self.problems):
                warn = int(((self.problems["table"] == name) & (self.problems["action"] == "warning")).sum())
            if n is None:
                out.append({"table": name, "file": "(not provided)", "format": "", "rows_loaded": 0, "rows_dropped": 0,
                                "warnings": warn, "missing_optional_columns": ""})
                continue
            fmt = self.formats.get(name, "")
            enc = self.encodings.get(name)
            out.append({"table": name, "file": self._label(name), "format": f"{fmt} ({enc})" if enc else fmt,
                            "rows_loaded": n, "rows_dropped": self.dropped_rows.get(name, 0),
                            "warnings": warn,
                            "missing_optional_columns": ", ".join(self.missing_optional.get(name, []))})
        return pd.DataFrame(out, columns=["table", "file", "format", "rows_loaded", "rows_dropped", "warnings",
                                          "missing_optional_columns"])


def _table_property(name: str) -> property:
    def get(self):
        frames = self.__dict__.setdefault("_frames", {})
        if frames.get(name) is not None:
            return frames[name]
        if name in self.lazy:  # materialised once, on first access (see the class docstring)
            frames[name] = materialise(self.lazy[name])
            return frames[name]
        return None

    def set(self, value):
        self.__dict__.setdefault("_frames", {})[name] = value
        if "lazy" in self.__dict__ and value is not None:
            self.lazy.pop(name, None)

    return property(get, set, doc=f"The {name} table as a pandas frame (None when absent).")


for _name in TABLES:
    setattr(Dataset, _name, _table_property(_name))


def materialise(et) -> pd.DataFrame:
    """An engine-checked table executed into pandas with the dtypes of the pandas path (csm.data.contract)."""
    from csm.compat import STR
    from csm.engine import execute

    keyed = et.keyed
    rel = keyed.order_by([keyed[k] for k in et.order_by]) if et.order_by else keyed
    frame = execute(rel).drop(columns=list(et.order_by)).reset_index(drop=True)
    spec = TABLES[et.table]
    for c in spec.columns:
        if c.name not in frame.columns:
            continue
        if c.kind in ("id", "string", "category", "text"):
            frame[c.name] = frame[c.name].astype(STR)
        elif c.kind in ("int", "float"):
            frame[c.name] = frame[c.name].astype("float64")
        elif c.kind == "bool":
            frame[c.name] = frame[c.name].astype("boolean")
        else:
            frame[c.name] = pd.to_datetime(frame[c.name]).astype("datetime64[ns]")
    for name in frame.columns:
        if any(str(name).startswith(p) for p in spec.numeric_prefixes):
            frame[name] = frame[name].astype("float64")
    return frame


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



def _connect_engine(engine, master):
    """The engine the relations are bound to: "duckdb" → the process-wide in-memory DuckDB (so relations join
    with frames registered by csm.engine.as_relation), "spark" → a Spark session, or an Engine as it is."""
    from csm.engine import ENGINES, Engine, connect, default_engine

    if isinstance(engine, Engine):
        return engine
    if engine == "duckdb" or engine is None:
        return default_engine()
    if engine not in ENGINES:
        raise ParameterError(f"engine is {engine!r}; expected one of {', '.join(ENGINES)}")
    return connect(engine, master=master)


def _missing_table(source, data_dir: Path | None, name: str) -> DataError:
    if source.kind != "folder":
        return DataError(f"{source.label}: no {name} table; name it {name!r} in the database, or name the table to "
                         f"use with `file:` in the mapping", [Problem(name, "", None, "required table not found")])
    present = sorted(p.name for p in data_dir.iterdir() if p.is_file())
    folders = sorted(p.name + "/" for p in data_dir.iterdir() if p.is_dir())
    close = suggest(name, [p.split(".")[0] for p in present])
    hint = f" Files whose names look close: {', '.join(p for p in present if p.split('.')[0] in close)}." \
        if close else ""
    listing = f"{', '.join(present[:20]) or '(none)'}"
    if folders:
        listing += f"; folders: {', '.join(folders[:20])}"
    return DataError(
        f"{data_dir.name}: no {name} file; expected one of "
        f"{', '.join(name + s for s in SUFFIXES)} or a Parquet dataset folder {name}/.{hint} Files in the folder: "
        f"{listing}", [Problem(name, "", None, "required table file not found")])


def load_tables(source, *, mapping=None, on_invalid: str = "raise", tables=None,
                required=("tickets",), engine="duckdb", master: str | None = None) -> Dataset:
    """Load every contract table found in ``source`` (the reports' ``data_dir``): a folder of files, a Parquet
    dataset, a DuckDB file or a database URL (csm.engine.sources).

    A folder: ``<table>.parquet|.csv|.csv.gz|.xlsx`` files are read and validated in pandas (as
    :func:`load_table`) and registered with the engine without copying; a sub-folder ``<table>/`` of Parquet
    files (hive-partitioned or not) is a Parquet dataset, checked in the engine (csm.engine.checks) and never
    loaded whole. A ``.duckdb`` file or a ``postgresql://`` URL: tables named as the contract tables, checked
    in the engine. ``engine``: "duckdb" (default; the in-process DuckDB) or "spark" (``master``: a Spark master
    or Spark Connect URL; local[*] by default). A PostgreSQL source is queried in PostgreSQL.

    ``tables``: which tables to look for (default all five); ``required``: tables whose absence is an
    error (default tickets). A mapping with a ``tables:`` section applies per table (its ``file:`` names
    the file, dataset folder or database table to use); a mapping without one applies to tickets only.
    Cross-table links (responses of unknown tickets, unknown customers, …) between tables loaded into
    pandas are reported as warnings in ``Dataset.problems``.
    """
    from csm.engine import Engine
    from csm.engine.checks import check_relation
    from csm.engine.sources import dataset_folder, detect_source, open_table, parquet_files

    if on_invalid not in ("raise", "drop"):
        raise ParameterError(f"on_invalid must be 'raise' or 'drop', not {on_invalid!r}")
    source = detect_source(source)
    folder = source.path if source.kind == "folder" else None
    names = list(TABLES) if tables is None else [table_spec(t).name for t in tables]
    required = [t for t in (required or ()) if t in names]
    mapping = _parsed_mapping(mapping)
    eng = _connect_engine(engine, master)
    if source.kind == "postgres":  # the tables stay in PostgreSQL: analyses run there
        eng = Engine("postgres", source.connection(), source.label)

    ds = Dataset(requested=tuple(names), engine=eng)
    rows: dict[str, np.ndarray] = {}
    problem_rows = []
    for name in names:
        tm = _table_mapping(mapping, name)
        if folder is not None:
            dataset = dataset_folder(folder, name, tm.file if tm else None)
            path = None if (dataset is not None and tm is not None and tm.file) else _find_file_or_none(
                folder, name, tm, dataset)
            if dataset is not None and path is not None:
                raise DataError(f"{folder.name}: two sources for the {name} table: {path.name} and the Parquet "
                                f"dataset {dataset.name}/; keep one of them (or name the one to use with `file:` in "
                                "the mapping)", [Problem(name, path.name, None, f"two sources for the {name} table")])
        else:
            dataset, path = None, None
        if path is not None:
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
            continue
        raw = open_table(source, name, eng, file=tm.file if tm else None)
        if raw is None:
            if name in required:
                raise _missing_table(source, folder, name)
            continue
        if dataset is not None:
            label = dataset.name + "/"
            fmt = f"parquet dataset ({len(parquet_files(dataset))} files)"
            where: Path | str = dataset
        else:
            label = f"{source.label} table {tm.file if tm and tm.file else name}"
            fmt = "duckdb" if source.kind == "duckdb" else "postgresql"
            where = label
        et, issues = check_relation(raw, name, tm, file=label, backend=eng.name, on_invalid=on_invalid)
        if issues and (on_invalid == "raise" or any(i.fatal for i in issues)):
            raise DataError(error_text(label, name, issues, on_invalid), [i.problem for i in issues])
        ds.lazy[name] = et
        ds.files[name] = where
        ds.encodings[name] = None
        ds.formats[name] = fmt
        ds.dropped_rows[name] = et.dropped_rows
        ds.missing_optional[name] = et.missing_optional
        problem_rows += [(i.problem, "dropped") for i in issues]
        problem_rows += [(p, "warning") for p in et.warnings]
    loaded = {name: ds.__dict__["_frames"].get(name) for name in ds.requested}
    problem_rows += [(p, "warning") for p in cross_table_problems(loaded, ds.files, rows)]
    if len(ds.lazy) > 1:  # links between tables checked in the engine (pandas-loaded ones are linked above)
        from csm.engine.checks import cross_table_problems as engine_links

        labels = {name: ds._label(name) for name in ds.lazy}
        problem_rows += [(p, "warning") for p in engine_links(ds.lazy, labels)]
    ds.problems = pd.DataFrame(
        [{"table": p.table, "file": p.file, "column": p.column, "message": p.message, "n_rows": p.n_rows,
          "rows": p.rows, "values": p.values, "action": a} for p, a in problem_rows],
        columns=_PROBLEM_COLUMNS,
    )
    return ds


def _find_file_or_none(data_dir: Path, name: str, tm, dataset) -> Path | None:
    """The table's file; a mapping's ``file:`` naming a dataset folder is not a missing file."""
    if dataset is not None and tm is not None and tm.file:
        return None
    return _find_file(data_dir, name, tm)


def validate_source(data_dir, *, mapping=None, engine="duckdb") -> dict[str, tuple[Path | str | None, list[Problem]]]:
    """Every problem of every contract table of ``data_dir`` — a folder (files and/or Parquet datasets), a
    DuckDB file or a database URL: {table: (file, dataset or table label, or None; problems)}. Tables checked
    in the engine are never loaded. A folder of files only gives :func:`validate_folder`'s answer."""
    from csm.engine import Engine
    from csm.engine.checks import check_relation
    from csm.engine.sources import dataset_folder, detect_source, open_table

    source = detect_source(data_dir)
    mapping = _parsed_mapping(mapping)
    if source.kind == "folder" and not any(dataset_folder(source.path, t, (_table_mapping(mapping, t) or
                                                                          TableMapping()).file) for t in TABLES):
        return validate_folder(source.path, mapping=mapping)
    eng = _connect_engine(engine, None)
    if source.kind == "postgres":
        eng = Engine("postgres", source.connection(), source.label)
    out: dict = {}
    for name in TABLES:
        tm = _table_mapping(mapping, name)
        if source.kind == "folder":
            dataset = dataset_folder(source.path, name, tm.file if tm else None)
            if dataset is None:
                sub = validate_folder(source.path, mapping=mapping)[name] if name == "tickets" or \
                    _find_file_or_none(source.path, name, tm, None) else (None, [])
                out[name] = sub
                continue
        try:
            raw = open_table(source, name, eng, file=tm.file if tm else None)
        except DataError as exc:
            out[name] = (None, exc.problems)
            continue
        if raw is None:
            out[name] = (None, [] if name != "tickets" else [Problem(
                name, source.label, None, "no tickets table in the database; it is required")])
            continue
        label = (dataset.name + "/") if source.kind == "folder" else \
            f"{source.label} table {tm.file if tm and tm.file else name}"
        try:
            et, issues = check_relation(raw, name, tm, file=label, backend=eng.name)
        except DataError as exc:
            out[name] = (label, exc.problems)
            continue
        out[name] = (label, [i.problem for i in issues] + list(et.warnings))
    return out
