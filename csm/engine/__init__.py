"""The engine layer: where the heavy work of an analysis runs.

Analyses hand the engine *relations* (Ibis tables) and get back aggregates and bounded, stated samples as
pandas frames. One expression API (Ibis) runs on every backend:

========  ==========================================================================================
engine    what it is
========  ==========================================================================================
duckdb    the default, for every size: in-process, multi-threaded, out-of-core over Parquet and CSV
spark     Apache Spark (``pip install -e ".[spark]"`` and a Java runtime), local mode by default or a
          cluster master / Spark Connect URL
========  ==========================================================================================

A pandas frame given to an analysis takes the same path: :func:`as_relation` registers it with the
engine (DuckDB scans it without copying), so small and large data run the same code.
"""
from __future__ import annotations

import contextlib
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from csm.errors import ParameterError

__all__ = ["ENGINES", "Engine", "as_relation", "connect", "default_engine", "execute", "is_relation", "quiet", "relation_in"]

#: the engines a report can run on (``-p engine=...``)
ENGINES = ("duckdb", "spark")


@dataclass(eq=False)
class Engine:
    """One connection to an engine: ``name`` ("duckdb", "spark", "postgres") and its Ibis backend ``con``."""

    name: str
    con: Any
    #: where it runs, for the report (``"in-process"``, ``"local[*]"``, a master URL); never a password
    where: str = "in-process"
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _n: int = field(default=0, repr=False)

    def relation(self, obj, name: str | None = None):
        """An Ibis table for ``obj``: an Ibis table is returned as it is; a pandas frame is registered with
        this engine (under ``name``, or a fresh name)."""
        import ibis.expr.types as ir

        if isinstance(obj, ir.Table):
            return obj
        if not isinstance(obj, pd.DataFrame):
            raise TypeError(f"expected a pandas DataFrame or an Ibis table, got {type(obj).__name__}")
        with self._lock:
            self._n += 1
            name = name or f"csm_frame_{self._n}"
        if self.name == "duckdb":
            return _duckdb_view(self.con, name, obj)
        if self.name == "spark":  # Ibis's PySpark backend has no temporary tables: a temporary view
            from csm.engine.spark import register_frame

            return register_frame(self.con, name, obj)
        return self.con.create_table(name, obj, temp=True, overwrite=True)

    def close(self) -> None:
        try:
            self.con.disconnect()
        except Exception:  # already closed
            pass


def _duckdb_view(con, name: str, frame: pd.DataFrame):
    """Register a frame with DuckDB as a view over the frame itself (no copy)."""
    raw = con.con  # the duckdb connection
    with quiet():
        raw.register(name, frame)
        return con.table(name)


_DEFAULT: Engine | None = None
_DEFAULT_LOCK = threading.Lock()


def connect(engine: str = "duckdb", *, master: str | None = None, database: str | None = None,
            threads: int | None = None) -> Engine:
    """Connect to an engine. ``duckdb``: an in-memory database (or the file ``database``); ``spark``: a local
    Spark session (``master`` "local[*]" by default, or a cluster master / ``sc://`` Spark Connect URL)."""
    if engine == "duckdb":
        import ibis

        con = ibis.duckdb.connect(database or ":memory:", **({"threads": threads} if threads else {}))
        return Engine("duckdb", con, "in-process")
    if engine == "spark":
        from csm.engine.spark import connect_spark  # optional dependency

        return connect_spark(master=master)
    raise ParameterError(f"engine is {engine!r}; expected one of {', '.join(ENGINES)}")


def default_engine() -> Engine:
    """The process-wide in-memory DuckDB engine (what a pandas frame is registered with)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = connect("duckdb")
        return _DEFAULT


def is_relation(obj) -> bool:
    import ibis.expr.types as ir

    return isinstance(obj, ir.Table)


def as_relation(obj, engine: Engine | None = None):
    """``obj`` as an Ibis table: an Ibis table as it is, a pandas frame registered with ``engine`` (default:
    :func:`default_engine`)."""
    return (engine or default_engine()).relation(obj)


def relation_in(data, name: str):
    """Table ``name`` of ``data`` as a relation, or None when absent: :meth:`csm.data.load.Dataset.relation`
    when ``data`` has it, else its pandas table (``data.table(name)`` or attribute ``name``) registered with
    the default engine. The one way an analysis's ``analyse(data, …)`` reaches its tables."""
    if hasattr(data, "relation"):
        rel = data.relation(name)
        if rel is not None:
            return rel
    table = data.table(name) if hasattr(data, "table") else getattr(data, name, None)
    return None if table is None else as_relation(table)


@contextlib.contextmanager
def quiet():
    """Silence the notices the engine's libraries raise about each other, not about csm: Ibis under pandas 3 /
    DuckDB 2 (``fetch_arrow_table``, ``future.infer_string``) and DuckDB 1.1 reading pandas 2.2's string arrays
    (``ArrowStringArrayNumpySemantics._data``). A notebook would store them as output."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"ibis\.")
        warnings.filterwarnings("ignore", message=r".*future\.infer_string.*")
        warnings.filterwarnings("ignore", message=r".*ArrowStringArrayNumpySemantics\._data is a deprecated.*")
        yield


def execute(expr) -> pd.DataFrame:
    """Run an Ibis expression (an aggregate or a bounded fetch) on the backend its tables are bound to, with the
    libraries' notices about each other silenced (:func:`quiet`)."""
    with quiet():
        return expr.execute()
