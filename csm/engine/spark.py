"""Apache Spark as a csm engine, through Ibis's PySpark backend.

``connect_spark()`` starts (or joins) a Spark session and wraps it as an :class:`csm.engine.Engine`:

==================================  ========================================================================
``master``                          where the work runs
==================================  ========================================================================
``None`` / ``"local[*]"``           local mode: one JVM on this machine, every core (the default)
``"local[N]"``                      local mode with N worker threads
``"spark://host:7077"``, ``"yarn"``  a cluster (standalone master, YARN; anything ``spark-submit`` accepts)
``"sc://host:15002/;token=T"``      a Spark Connect server (its client comes with ``.[spark]``; no local Java;
                                    a token goes over TLS except to ``localhost``)
==================================  ========================================================================

The session is configured so that results equal DuckDB's (csm's default engine); what still differs and the
portable way to write it are in issue 14's SPARK_NOTES (median/quantile exact on both; durations with
``delta(unit="microsecond")``; ``den.nullif(0)``; full tie-breaks in windows):

- ``spark.sql.session.timeZone=UTC``: csm timestamps are naive local times; with UTC Spark's TIMESTAMP keeps
  their wall-clock values (``truncate``, ``hour()``, ``date()`` agree with DuckDB).
- ``spark.sql.ansi.enabled=true`` (``ansi=``): overflow, malformed casts and division by zero raise, as in
  DuckDB, instead of giving a NULL or a wrapped number silently.
- Arrow for pandas <-> Spark, and ``ibis.options.pyspark.treat_nan_as_null``: a float NaN is a missing value
  (csm's contract), exactly as with DuckDB's pandas scan.
- local mode: few shuffle partitions (small data is not split into 200 tasks), the driver bound to the
  loopback address, no web UI, no progress bars, logs at ERROR.

Requirements: ``pip install -e ".[spark]"`` (pyspark) and a Java runtime for local mode and cluster masters
(Debian/Ubuntu: ``apt-get install -y --no-install-recommends openjdk-17-jre-headless``).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from csm.engine import Engine
from csm.errors import ParameterError

__all__ = ["DEFAULT_MASTER", "connect_spark", "java_runtime", "register_frame", "spark_available"]

#: the master used when none is given
DEFAULT_MASTER = "local[*]"

INSTALL_PYSPARK = 'pip install -e ".[spark]"'
INSTALL_JAVA = "apt-get install -y --no-install-recommends openjdk-17-jre-headless"

_LOG4J2 = """\
# csm: Spark's own log lines at ERROR only (set by csm.engine.spark.connect_spark)
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = error
"""

_LOCK = threading.Lock()


def _is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[")


def _is_connect(master: str) -> bool:
    return master.startswith("sc://")


def _where(master: str) -> str:
    """``master`` for the report: a Spark Connect URL without its parameters (``/;token=...``) and any URL
    without user information."""
    where = master.split("/;", 1)[0]
    return re.sub(r"^(\w+://)[^@/]*@", r"\1", where)


def _import_pyspark():
    try:
        import pyspark  # noqa: F401
        from pyspark.sql import SparkSession
    except ImportError:
        raise ParameterError(f"engine 'spark' needs pyspark, which is not installed: {INSTALL_PYSPARK} "
                             "(and a Java runtime, e.g. Debian's openjdk-17-jre-headless)") from None
    return pyspark, SparkSession


def java_runtime() -> str | None:
    """The ``java`` executable Spark will start (``$JAVA_HOME/bin/java``, else ``java`` on the PATH), or None."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if candidate.exists() else None
    return shutil.which("java")


def _java_version(java: str) -> str:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"could not run {java} -version ({exc})"
    first = (out.stderr or out.stdout).strip().splitlines()
    return first[0] if first else "unknown version"


def spark_available() -> tuple[bool, str]:
    """(True, "") when a local Spark session can be started here, else (False, the precise reason)."""
    try:
        _import_pyspark()
        import ibis  # noqa: F401
        import ibis.backends.pyspark  # noqa: F401
    except ParameterError as exc:
        return False, str(exc)
    except ImportError as exc:  # ibis's PySpark backend needs a dependency pyspark did not bring
        return False, f"Ibis's PySpark backend cannot be imported ({exc}); {INSTALL_PYSPARK}"
    if java_runtime() is None:
        return False, _no_java_message()
    return True, ""


def _no_java_message() -> str:
    where = (f"JAVA_HOME is {os.environ['JAVA_HOME']!r} but has no bin/java" if os.environ.get("JAVA_HOME")
             else "no 'java' on the PATH and JAVA_HOME is not set")
    return (f"engine 'spark' in local mode or on a cluster master needs a Java runtime (17 or newer): {where}. "
            f"Debian/Ubuntu: {INSTALL_JAVA}; or set JAVA_HOME")


def _log_config() -> str:
    """A log4j2 configuration file that keeps Spark's log lines at ERROR (written once per process)."""
    path = Path(tempfile.gettempdir()) / f"csm-spark-log4j2-{os.getuid() if hasattr(os, 'getuid') else 0}.properties"
    if not path.exists() or path.read_text(encoding="utf-8") != _LOG4J2:
        path.write_text(_LOG4J2, encoding="utf-8")
    return str(path)


def _settings(master: str, *, ansi: bool, shuffle_partitions: int | None) -> dict[str, str]:
    """Session settings that make Spark's results equal to DuckDB's (see the module docstring)."""
    conf = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "true" if ansi else "false",
    }
    if not _is_connect(master):  # a Spark Connect client always exchanges Arrow (and warns about these)
        conf["spark.sql.execution.arrow.pyspark.enabled"] = "true"
        conf["spark.sql.execution.arrow.pyspark.fallback.enabled"] = "true"
    if shuffle_partitions is None and _is_local(master):
        shuffle_partitions = max(2, os.cpu_count() or 2)
    if shuffle_partitions is not None:
        conf["spark.sql.shuffle.partitions"] = str(int(shuffle_partitions))
    return conf


def _launch_settings(master: str) -> dict[str, str]:
    """Settings that only take effect when this process starts the driver JVM (not over Spark Connect)."""
    conf = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{_log_config()}",
    }
    if _is_local(master):  # the driver talks to itself only: bind it to the loopback address
        conf["spark.driver.host"] = "127.0.0.1"
        conf["spark.driver.bindAddress"] = "127.0.0.1"
    return conf


def connect_spark(master: str | None = None, *, app_name: str = "csm", ansi: bool = True,
                  shuffle_partitions: int | None = None, conf: Mapping[str, str] | None = None) -> Engine:
    """An :class:`~csm.engine.Engine` on Apache Spark.

    ``master``: ``None`` = the environment variable ``CSM_SPARK_MASTER`` if set (how ``csm run -p engine=spark``
    reaches a cluster), else ``"local[*]"`` (local mode); or a cluster master (``"spark://host:7077"``, ``"yarn"``)
    or a Spark Connect URL (``"sc://host:15002"``). ``ansi``: Spark's ANSI SQL mode (True, as in Spark 4:
    errors instead of silent NULLs/overflow, like DuckDB). ``shuffle_partitions``: default = the number of
    cores in local mode, Spark's own default on a cluster. ``conf``: further Spark settings (they win).

    A session already running in this process is reused (Spark allows one per process); the SQL settings
    above are applied to it. Raises :class:`ParameterError` saying what to install when pyspark or Java is
    missing, or when the session cannot be started.
    """
    master = (master or os.environ.get("CSM_SPARK_MASTER") or DEFAULT_MASTER).strip()
    _, SparkSession = _import_pyspark()
    import ibis

    settings = _settings(master, ansi=ansi, shuffle_partitions=shuffle_partitions)
    extra = {str(k): str(v) for k, v in (conf or {}).items()}
    with _LOCK:
        if _is_connect(master):
            builder = SparkSession.builder.remote(master)
            launch = {}
        else:
            if java_runtime() is None:
                raise ParameterError(_no_java_message())
            builder = SparkSession.builder.master(master)
            launch = _launch_settings(master)
            if _is_local(master):  # Python workers (UDFs, mapInPandas) run this interpreter and its packages,
                os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # not the first python3 on the PATH
        builder = builder.appName(app_name)
        for key, value in {**launch, **settings, **extra}.items():
            builder = builder.config(key, value)
        try:
            session = builder.getOrCreate()
        except ImportError as exc:  # Spark Connect's client libraries (grpcio, ...)
            raise ParameterError(f"engine 'spark' with the Spark Connect URL {_where(master)!r} needs pyspark's "
                                 f'Spark Connect client: {INSTALL_PYSPARK} ({exc})') from None
        except Exception as exc:  # the JVM did not start, or the master / server is unreachable
            raise ParameterError(_start_failure(master, exc)) from exc
        if not _is_connect(master):
            running = session.sparkContext.master
            if running != master:
                raise ParameterError(f"a Spark session with master {_where(running)!r} is already running in this "
                                     f"process, so master {_where(master)!r} cannot be used; stop it "
                                     "(Engine.close()) or restart the kernel")
        for key, value in {**settings, **{k: v for k, v in extra.items() if k.startswith("spark.sql.")}}.items():
            session.conf.set(key, value)  # a reused session gets them too
        if not _is_connect(master):
            session.sparkContext.setLogLevel("ERROR")
        # pyspark's own deprecation notices (pandas 3's copy keyword, pandas-UDF type hints) are not the
        # analyst's business and would land in a report's stored output
        warnings.filterwarnings("ignore", module=r"pyspark(\.|$)")
        backend = ibis.pyspark  # loads the backend and its options
        ibis.options.pyspark.treat_nan_as_null = True
        con = backend.connect(session)
    return Engine("spark", con, _where(master))


def _start_failure(master: str, exc: Exception) -> str:
    text = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    if _is_connect(master):
        # a gRPC error's first line says nothing ("<_InactiveRpcError of RPC that terminated with:"): its
        # status and details do
        status = re.search(r"status = StatusCode\.(\w+)", str(exc))
        details = re.search(r'details = "([^"]*)"', str(exc))
        if status:
            text = status.group(1) + (f": {details.group(1)}" if details else "")
        hint = "check the URL and that the server is running (start-connect-server.sh)"
        if "SESSION_ALREADY_EXIST" in str(exc):
            text = "a local Spark session is already running in this process"
            hint = ("Spark allows no Spark Connect session beside it: restart the kernel (or stop the local "
                    "session, Engine.close()) before connecting")
        elif status and status.group(1) == "UNAUTHENTICATED":
            hint = "the server expects a token: sc://host:port/;token=<its token> (or set CSM_SPARK_MASTER so)"
        return f"could not connect to the Spark Connect server {_where(master)!r} ({text}); {hint}"
    java = java_runtime()
    hint = ""
    if "JAVA_GATEWAY_EXITED" in str(exc) or "Java gateway" in str(exc):
        version = _java_version(java) if java else "no java"
        hint = (f"; the Java runtime did not start Spark ({version}). Spark needs Java 17 or newer "
                f"(Debian: {INSTALL_JAVA}); set JAVA_HOME to choose one")
    return f"could not start Spark with master {_where(master)!r} ({text}){hint}"


def register_frame(con, name: str, frame: pd.DataFrame):
    """Register a pandas frame with the Spark session behind Ibis backend ``con`` as the temporary view
    ``name`` and return it as an Ibis table. Arrow does the conversion: a float NaN becomes NULL (as in
    DuckDB's pandas scan), nullable booleans and strings keep their types, naive timestamps their values."""
    import ibis

    session = con._session
    try:
        import pyspark

        arrow_input = int(pyspark.__version__.split(".")[0]) >= 4
    except (ImportError, ValueError):
        arrow_input = False
    if arrow_input:  # pyspark >= 4 reads an Arrow table directly
        import pyarrow as pa

        data = session.createDataFrame(pa.Table.from_pandas(frame, preserve_index=False))
    else:  # pyspark 3.5: from pandas through Arrow (spark.sql.execution.arrow.pyspark.enabled), Ibis's schema
        from ibis.backends.pyspark.datatypes import PySparkSchema

        schema = PySparkSchema.from_ibis(ibis.memtable(frame).schema())
        data = session.createDataFrame(_plain_missing(frame), schema=schema, verifySchema=False)
    data.createOrReplaceTempView(name)
    return con.table(name)


def _plain_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with string and nullable-boolean columns as Python objects and ``None`` for missing values.

    pyspark 3.5 cannot convert pandas' ``string[pyarrow]`` columns through Arrow ("Cannot grow BufferHolder") and
    falls back to pickling rows, where a missing string arrives as the text "NaN" and ``pd.NA`` is no value at
    all; plain objects with ``None`` convert through Arrow, and correctly even in the fallback."""
    out = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_string_dtype(column.dtype) or isinstance(column.dtype, pd.BooleanDtype):
            values = column.astype(object)
            out[name] = values.where(column.notna(), None)
    return frame.assign(**out) if out else frame
