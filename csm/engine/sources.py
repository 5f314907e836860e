"""Where the data lives: a folder of files, a hive-partitioned Parquet dataset, a DuckDB file, a database URL.

:func:`detect_source` tells what ``data_dir`` is; :func:`open_table` gives the *raw* Ibis table of one contract
table (the export as it is, before the mapping and the contract checks of :mod:`csm.engine.checks`):

==================  ===========================================================================================
source              how a table is found and read
==================  ===========================================================================================
folder of files     ``<table>.parquet|.csv|.csv.gz|.xlsx`` (or the mapping's ``file:``): read by pandas and
                    validated by :mod:`csm.data.validate` as before (csm.data.load), then registered with the
                    engine without copying
Parquet dataset     a sub-folder ``<table>/`` holding ``*.parquet`` files at any depth, hive-partitioned or
                    not (``tickets/year=2024/month=01/part-0.parquet``); the mapping's ``file:`` may name
                    another sub-folder. Read lazily by DuckDB (``read_parquet(glob, hive_partitioning=true,
                    filename=true, file_row_number=true)``): never loaded whole. A folder may mix both
                    (``tickets/`` as a dataset, ``customers.csv`` as a file), not for the same table
DuckDB file         ``*.duckdb`` / ``*.ddb``: tables named as the contract tables (or the mapping's ``file:``),
                    attached read-only to the engine's DuckDB
database URL        ``postgresql://user@host:port/db`` (``?schema=…`` for another schema than ``public``):
                    tables named as the contract tables (or ``file:``), queried in PostgreSQL through Ibis.
                    Give the password in ``PGPASSWORD`` or ``~/.pgpass``, not in the URL; a password in a URL
                    is shown as ``***`` in every message, repr and manifest
==================  ===========================================================================================

``source.label`` is what messages, ``Dataset.files`` and reports show: a folder name, a file name or the URL
with its password masked.
"""
from __future__ import annotations

import glob as _glob
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from csm.data.contract import Problem
from csm.errors import DataError

__all__ = ["DATABASE_SCHEMES", "DUCKDB_SUFFIXES", "Source", "detect_source", "dataset_folder", "mask_url",
           "open_table", "table_location", "is_url", "parquet_files"]

#: URL schemes read as PostgreSQL
DATABASE_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2")
#: file suffixes read as a DuckDB database
DUCKDB_SUFFIXES = (".duckdb", ".ddb")
#: the columns DuckDB adds to a Parquet dataset (the file and the row inside it), removed after the checks
PARQUET_ROW_COLUMNS = ("filename", "file_row_number")

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_PASSWORD_IN_URL = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^/@:]*):(?P<pw>[^@/]*)@")


def is_url(text) -> bool:
    return isinstance(text, str) and bool(_URL.match(text.strip()))


def mask_url(text: str) -> str:
    """``postgresql://ana:secret@db:5432/cs`` → ``postgresql://ana:***@db:5432/cs``; ``password=`` query values too."""
    text = _PASSWORD_IN_URL.sub(lambda m: f"{m['head']}:***@", str(text))
    return re.sub(r"(?i)((?:^|[?&;\s])password=)[^&;\s]*", r"\1***", text)


@dataclass(eq=False)
class Source:
    """What ``data_dir`` is: ``kind`` "folder" (files and/or Parquet datasets), "duckdb" or "postgres"."""

    kind: str
    #: shown in messages: the folder or file name, or the URL with the password masked
    label: str
    path: Path | None = None
    #: PostgreSQL connection arguments (never shown: may hold the password)
    _connect: dict = field(default_factory=dict, repr=False)
    schema: str | None = None
    _con: object = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __repr__(self) -> str:
        return f"Source(kind={self.kind!r}, label={self.label!r})"

    def connection(self):
        """The Ibis backend of a database source (connected on first use)."""
        with self._lock:
            if self._con is None and self.kind == "postgres":
                import ibis

                try:
                    self._con = ibis.postgres.connect(**self._connect)
                except Exception as exc:  # noqa: BLE001 - the driver's message may quote the URL
                    raise DataError(f"{self.label}: cannot connect to PostgreSQL: {mask_url(_one_line(exc))}. "
                                    "Check host, port, database and user; give the password in PGPASSWORD or "
                                    "~/.pgpass", [Problem("", self.label, None, "cannot connect")]) from None
            return self._con


def _one_line(exc) -> str:
    return " ".join(str(exc).split())[:400]


def _postgres_arguments(url: str) -> tuple[dict, str | None]:
    parts = urlsplit(url.strip())
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    args: dict = {}
    host = query.pop("host", None) or (unquote(parts.hostname) if parts.hostname else None)
    if host:
        args["host"] = host
    port = query.pop("port", None) or parts.port
    if port:
        args["port"] = int(port)
    if parts.username:
        args["user"] = unquote(parts.username)
    password = query.pop("password", None) or (unquote(parts.password) if parts.password is not None else None)
    if password:
        args["password"] = password
    database = parts.path.lstrip("/")
    if database:
        args["database"] = unquote(database)
    schema = query.pop("schema", None)
    return args, schema


def detect_source(data_dir) -> Source:
    """What ``data_dir`` is (see the module docstring); a path that does not exist raises DataError."""
    if is_url(data_dir):
        text = str(data_dir).strip()
        scheme = text.split("://", 1)[0].lower()
        label = mask_url(text)
        if scheme in DATABASE_SCHEMES:
            args, schema = _postgres_arguments(text)
            return Source("postgres", label, None, args, schema)
        if scheme == "duckdb":
            return detect_source(text.split("://", 1)[1])
        raise DataError(f"{label}: databases of kind {scheme!r} are not supported; give a PostgreSQL URL "
                        "(postgresql://user@host:5432/database), a DuckDB file, or a folder",
                        [Problem("", label, None, f"unsupported database {scheme!r}")])
    path = Path(data_dir)
    if path.is_file() and path.suffix.lower() in DUCKDB_SUFFIXES:
        return Source("duckdb", path.name, path)
    if path.is_file():
        raise DataError(f"{path.name}: data_dir is a file; give the folder holding the data files, a DuckDB "
                        f"database file ({', '.join(DUCKDB_SUFFIXES)}) or a database URL",
                        [Problem("", path.name, None, "data_dir is a file")])
    if not path.is_dir():
        raise DataError(f"{path}: data folder not found", [Problem("", path.name, None, "folder not found")])
    return Source("folder", path.name, path)


def dataset_folder(data_dir: Path, table: str, file: str | None = None) -> Path | None:
    """The sub-folder of ``data_dir`` holding ``table`` as a Parquet dataset (``*.parquet`` at any depth), or None."""
    folder = Path(data_dir) / (file or table)
    if not folder.is_dir():
        return None
    return folder if parquet_files(folder) else None


def parquet_files(folder: Path) -> list[Path]:
    return sorted(Path(p) for p in _glob.glob(str(Path(folder) / "**" / "*.parquet"), recursive=True))


def table_location(source: Source, table: str, file: str | None = None) -> str:
    """Where a database table is, for messages: ``<label> table <name>``."""
    return f"{source.label} table {file or table}"


def _sql_string(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _duckdb_name(text: str) -> str:
    return '"' + str(text).replace('"', '""') + '"'


_ATTACHED: dict[int, int] = {}
_ATTACH_LOCK = threading.Lock()


def open_table(source: Source, table: str, engine, *, file: str | None = None):
    """The raw Ibis table of ``table`` in ``source`` (None when the source has no such table).

    Parquet dataset (``source.kind == "folder"``): a lazy DuckDB scan with the columns ``filename`` (relative to
    ``data_dir``) and ``file_row_number`` (0-based row inside the file) added. DuckDB file: the table of the
    attached file. PostgreSQL: the table in the database's backend.
    """
    name = file or table
    if source.kind == "folder":
        folder = dataset_folder(source.path, table, file)
        if folder is None:
            return None
        return _parquet_dataset(folder, source.path, engine)
    if source.kind == "duckdb":
        if engine.name != "duckdb":
            raise DataError(f"{source.label}: a DuckDB file is read by the duckdb engine; run with engine=duckdb "
                            "(or export the tables to a Parquet dataset for Spark)",
                            [Problem(table, source.label, None, "DuckDB file needs engine=duckdb")])
        con = engine.con
        path = str(Path(source.path).resolve())
        with _ATTACH_LOCK:  # attached once per connection, read-only
            found = con.raw_sql(f"SELECT database_name FROM duckdb_databases() WHERE path = {_sql_string(path)}"
                                ).fetchall()
            if found:
                alias = found[0][0]
            else:
                _ATTACHED[0] = _ATTACHED.get(0, 0) + 1
                alias = f"csm_db_{_ATTACHED[0]}"
                con.raw_sql(f"ATTACH {_sql_string(path)} AS {alias} (READ_ONLY)")
        names = {r[0] for r in con.raw_sql(
            f"SELECT table_name FROM information_schema.tables WHERE table_catalog = {_sql_string(alias)}"
        ).fetchall()}
        if name not in names:
            return None
        return _view(engine, f"SELECT * FROM {alias}.{_duckdb_name(name)}")
    if source.kind == "postgres":
        con = source.connection()
        try:
            names = set(con.list_tables(database=source.schema) if source.schema else con.list_tables())
        except Exception as exc:  # noqa: BLE001
            raise DataError(f"{source.label}: cannot list tables: {mask_url(_one_line(exc))}",
                            [Problem(table, source.label, None, "cannot list tables")]) from None
        if name not in names:
            return None
        return con.table(name, database=source.schema) if source.schema else con.table(name)
    raise ValueError(f"unknown source kind {source.kind!r}")


_VIEWS = [0]


def _view(engine, sql: str):
    """A temporary DuckDB view over ``sql`` as an Ibis table (``con.sql`` of some Ibis/DuckDB pairs fails)."""
    with _ATTACH_LOCK:
        _VIEWS[0] += 1
        name = f"csm_source_{_VIEWS[0]}"
    engine.con.raw_sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
    return engine.con.table(name)


def _parquet_dataset(folder: Path, root: Path, engine):
    pattern = str(folder.resolve() / "**" / "*.parquet")
    if engine.name == "duckdb":
        prefix = str(Path(root).resolve()) + os.sep
        sql = (f"SELECT * REPLACE (replace(filename, {_sql_string(prefix)}, '') AS filename) "
               f"FROM read_parquet({_sql_string(pattern)}, hive_partitioning = true, filename = true, "
               "file_row_number = true)")
        return _view(engine, sql)
    # other engines (Spark): the dataset without file row numbers (problems then give counts and values only)
    return engine.con.read_parquet(str(folder.resolve()))
