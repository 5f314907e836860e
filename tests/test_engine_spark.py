"""Apache Spark as an engine (csm.engine.spark): the same analyses on local Spark and on DuckDB.

Every check compares Spark's answer with DuckDB's (the default engine) and, for the aggregations, with an
independent pandas reference kept here: counts exactly, statistics to 1e-9 relative. The tests that need a
Spark session are skipped, with the precise reason, when pyspark or Java is absent
(``pip install -e ".[spark]"``; Debian: ``apt-get install -y --no-install-recommends openjdk-17-jre-headless``).
The connection's error messages are tested without Spark.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import time

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, SAMPLE, run_report
from csm.engine import Engine, connect
from csm.engine import spark as engine_spark
from csm.errors import ParameterError

SPARK_OK, SPARK_WHY = engine_spark.spark_available()
if not SPARK_OK and os.environ.get("CSM_REQUIRE_SPARK"):  # CI's Spark stage: a skip would hide a broken setup
    raise RuntimeError(f"CSM_REQUIRE_SPARK is set but Spark is not available: {SPARK_WHY}")
needs_spark = pytest.mark.skipif(not SPARK_OK, reason=f"Spark is not available here: {SPARK_WHY}")

REL = 1e-9  # statistics: relative tolerance between engines (counts are compared exactly)


# ============================================================================ comparison of results
def assert_same(spark, duck, *, rel: float = REL, path: str = "result") -> None:
    """``spark`` equals ``duck``: the same structure (dict keys, list lengths, frame columns and rows in the
    same order); integers, strings, booleans, timestamps exactly; floats to ``rel`` relative (absolute 1e-12
    near zero); missing (None / NaN / NaT / pd.NA) equals missing."""
    if isinstance(duck, pd.DataFrame):
        assert isinstance(spark, pd.DataFrame), f"{path}: a frame on DuckDB, {type(spark).__name__} on Spark"
        assert list(spark.columns) == list(duck.columns), f"{path}: columns {list(spark.columns)} != {list(duck.columns)}"
        assert len(spark) == len(duck), f"{path}: {len(spark)} rows on Spark, {len(duck)} on DuckDB"
        for column in duck.columns:
            for i, (a, b) in enumerate(zip(spark[column].tolist(), duck[column].tolist())):
                assert_same(a, b, rel=rel, path=f"{path}[{column!r}][row {i}]")
        return
    if isinstance(duck, pd.Series):
        assert_same(spark.to_frame(), duck.to_frame(), rel=rel, path=path)
        return
    if isinstance(duck, dict):
        assert isinstance(spark, dict) and list(spark) == list(duck), f"{path}: keys {list(spark)} != {list(duck)}"
        for key in duck:
            assert_same(spark[key], duck[key], rel=rel, path=f"{path}.{key}")
        return
    if isinstance(duck, (list, tuple)):
        assert isinstance(spark, (list, tuple)) and len(spark) == len(duck), f"{path}: {spark!r} != {duck!r}"
        for i, (a, b) in enumerate(zip(spark, duck)):
            assert_same(a, b, rel=rel, path=f"{path}[{i}]")
        return
    if _missing(duck) or _missing(spark):
        assert _missing(duck) and _missing(spark), f"{path}: {spark!r} on Spark, {duck!r} on DuckDB"
        return
    if isinstance(duck, (bool, np.bool_)) or isinstance(spark, (bool, np.bool_)):
        assert bool(spark) == bool(duck) and type(spark) is not float, f"{path}: {spark!r} != {duck!r}"
        return
    if isinstance(duck, (int, np.integer)) and isinstance(spark, (int, np.integer)):
        assert int(spark) == int(duck), f"{path}: count {spark} on Spark, {duck} on DuckDB"
        return
    if isinstance(duck, (float, np.floating, int, np.integer)):
        assert isinstance(spark, (float, np.floating, int, np.integer)), f"{path}: {spark!r} != {duck!r}"
        assert math.isclose(float(spark), float(duck), rel_tol=rel, abs_tol=1e-12), \
            f"{path}: {spark!r} on Spark, {duck!r} on DuckDB (relative tolerance {rel})"
        return
    if isinstance(duck, (pd.Timestamp, np.datetime64)):
        assert pd.Timestamp(spark) == pd.Timestamp(duck), f"{path}: {spark!r} != {duck!r}"
        return
    assert spark == duck, f"{path}: {spark!r} on Spark, {duck!r} on DuckDB"


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def test_assert_same_tolerances():
    """The comparison itself: 1e-9 relative passes, 1e-7 fails; a count off by one fails; NaN equals None."""
    frame = pd.DataFrame({"k": ["a", "b"], "n": [3, 4], "x": [1.0, np.nan]})
    assert_same(frame.assign(x=[1.0 + 1e-12, None]), frame)
    with pytest.raises(AssertionError, match="relative tolerance"):
        assert_same(frame.assign(x=[1.0 + 1e-7, np.nan]), frame)
    with pytest.raises(AssertionError, match="count 4 on Spark, 3 on DuckDB"):
        assert_same(frame.assign(n=[4, 4]), frame)
    with pytest.raises(AssertionError, match="keys"):
        assert_same({"a": 1}, {"b": 1})
    assert_same({"t": pd.Timestamp("2025-01-06"), "s": "x", "l": [1, 2.5]},
                {"t": np.datetime64("2025-01-06T00:00:00.000000"), "s": "x", "l": [1, 2.5]})


# ============================================================================ connection, without Spark
def test_where_hides_credentials():
    assert engine_spark._where("sc://spark.example:15002/;token=SECRET;user_id=me") == "sc://spark.example:15002"
    assert engine_spark._where("spark://user:pw@master:7077") == "spark://master:7077"
    assert engine_spark._where("local[*]") == "local[*]"


def test_no_java_says_what_to_install(monkeypatch, tmp_path):
    """No Java runtime: a ParameterError naming Debian's package, before any JVM is started."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (the message without it is tested below)")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    assert engine_spark.java_runtime() is None
    ok, why = engine_spark.spark_available()
    assert not ok and "openjdk-17-jre-headless" in why and "JAVA_HOME" in why
    with pytest.raises(ParameterError, match="openjdk-17-jre-headless"):
        engine_spark.connect_spark()


def test_no_pyspark_says_what_to_install(monkeypatch):
    """pyspark not installed: a ParameterError with the pip command, from connect("spark") too."""
    import sys

    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark -> ImportError
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    ok, why = engine_spark.spark_available()
    assert not ok and 'pip install -e ".[spark]"' in why
    with pytest.raises(ParameterError, match=r'pip install -e "\.\[spark\]"'):
        connect("spark")


# ============================================================================ Spark session and data
@pytest.fixture(scope="module")
def spark(spark_engine) -> Engine:
    """The run's local Spark session (local[*], the default master; tests/conftest.py)."""
    return spark_engine


@pytest.fixture(scope="module")
def sample():
    """The bundled sample (tickets, responses, customers) loaded as the reports load it."""
    from csm.data.load import load_tables

    return load_tables(SAMPLE, tables=["tickets", "responses", "customers"])


@pytest.fixture(scope="module")
def on_spark(spark):
    """The sample loaded as a report loads it with ``engine="spark"``: its relations are Spark tables."""
    from csm.data.load import load_tables

    data = load_tables(SAMPLE, tables=["tickets", "responses", "customers"], engine=spark)
    assert data.engine is spark
    return data


@pytest.fixture(scope="module")
def on_duckdb(sample):
    return sample


def both(on_spark, on_duckdb, build, *, sort):
    """``build(tickets_relation)`` executed on Spark and on DuckDB, each sorted by ``sort`` (a full key)."""
    out = []
    for data in (on_spark, on_duckdb):
        frame = build(data.relation("tickets")).execute()
        out.append(frame.sort_values(sort, kind="stable").reset_index(drop=True))
    return out


# ============================================================================ the relation itself
@needs_spark
def test_relation_keeps_values_types_and_missing(on_spark, sample):
    """Engine.relation on Spark: the tickets' schema (timestamps, nullable booleans, strings, floats) and, per
    column, the count of missing values equal pandas'; a float NaN arrives as NULL."""
    tickets = sample.tickets
    rel = on_spark.relation("tickets")
    schema = rel.schema()
    assert schema["created_at"].is_timestamp() and schema["escalated"].is_boolean()
    assert schema["handle_time_minutes"].is_floating() and schema["ticket_id"].is_string()
    counts = rel.aggregate(n=rel.count(), **{f"missing_{c}": rel[c].isnull().sum() for c in tickets.columns}).execute()
    assert int(counts["n"].iloc[0]) == len(tickets)
    for column in tickets.columns:
        assert int(counts[f"missing_{column}"].iloc[0]) == int(tickets[column].isna().sum()), column
    first = rel.order_by("ticket_id").limit(3).execute()
    expected = tickets.sort_values("ticket_id").head(3).reset_index(drop=True)
    assert_same(first[["ticket_id", "created_at", "resolved_at", "escalated", "handle_time_minutes"]],
                expected[["ticket_id", "created_at", "resolved_at", "escalated", "handle_time_minutes"]])
    frame = pd.DataFrame({"x": [1.0, np.nan, 3.0]})
    nan = on_spark.engine.relation(frame)
    assert on_spark.relation("tickets").op() is rel.op()  # registered once per table
    assert int(nan.x.count().execute()) == 2 and float(nan.x.mean().execute()) == 2.0


# ============================================================================ aggregations: Spark = DuckDB = pandas
@needs_spark
def test_weekly_counts_by_category(on_spark, on_duckdb, sample):
    """Weeks start on Monday on both engines (ts.truncate("W")); counts exact and equal to pandas'."""
    def build(t):
        return t.group_by(week=t.created_at.truncate("W"), category=t.category).agg(tickets=t.count(),
                                                                                   escalated=t.escalated.sum())
    spark, duck = both(on_spark, on_duckdb, build, sort=["week", "category"])
    assert_same(spark, duck)
    tk = sample.tickets
    week = (tk.created_at - pd.to_timedelta(tk.created_at.dt.day_of_week, unit="D")).dt.normalize()
    reference = (tk.assign(week=week).groupby(["week", "category"], as_index=False)
                 .agg(tickets=("ticket_id", "size"), escalated=("escalated", "sum"))
                 .sort_values(["week", "category"]).reset_index(drop=True))
    assert_same(spark, reference)
    assert (pd.to_datetime(spark["week"]).dt.day_of_week == 0).all()


@needs_spark
def test_exact_median_and_quantile_by_group(on_spark, on_duckdb, sample):
    """median() and quantile() are exact on Spark (PERCENTILE, not PERCENTILE_APPROX): equal to DuckDB's and to
    pandas' linear-interpolation quantiles; booleans' mean is the share of True among non-missing values."""
    def build(t):
        return t.group_by("category", "channel").agg(
            n=t.count(), median_aht=t.handle_time_minutes.median(), p90_aht=t.handle_time_minutes.quantile(0.9),
            mean_aht=t.handle_time_minutes.mean(), sd_aht=t.handle_time_minutes.std(),
            fcr=t.first_contact_resolved.mean(), fcr_known=t.first_contact_resolved.count())
    spark, duck = both(on_spark, on_duckdb, build, sort=["category", "channel"])
    assert_same(spark, duck)
    g = sample.tickets.groupby(["category", "channel"])
    reference = pd.DataFrame({
        "n": g.size(), "median_aht": g.handle_time_minutes.median(), "p90_aht": g.handle_time_minutes.quantile(0.9),
        "mean_aht": g.handle_time_minutes.mean(), "sd_aht": g.handle_time_minutes.std(),
        "fcr": g.first_contact_resolved.mean().astype(float), "fcr_known": g.first_contact_resolved.count(),
    }).reset_index().sort_values(["category", "channel"]).reset_index(drop=True)
    assert_same(spark, reference)


@needs_spark
def test_durations_in_minutes(on_spark, on_duckdb, sample):
    """Resolution time in minutes through delta(unit="microsecond") (exact on both engines; a coarser unit counts
    differently), its median per priority equal to pandas'."""
    def build(t):
        minutes = t.resolved_at.delta(t.created_at, unit="microsecond") / 60e6
        return t.group_by("priority").agg(resolved=minutes.count(), median_minutes=minutes.median(),
                                          mean_minutes=minutes.mean())
    spark, duck = both(on_spark, on_duckdb, build, sort=["priority"])
    assert_same(spark, duck)
    tk = sample.tickets
    minutes = (tk.resolved_at - tk.created_at).dt.total_seconds() / 60
    g = tk.assign(minutes=minutes).groupby("priority").minutes
    reference = pd.DataFrame({"resolved": g.count(), "median_minutes": g.median(), "mean_minutes": g.mean()}) \
        .reset_index().sort_values("priority").reset_index(drop=True)
    assert_same(spark, reference)


@needs_spark
def test_row_number_top_per_team(on_spark, on_duckdb, sample):
    """row_number over partitions with a full tie-break: the three longest handle times of each team are the
    same tickets on both engines and in pandas."""
    import ibis

    def build(t):
        t = t.filter(t.handle_time_minutes.notnull())
        rank = ibis.row_number().over(group_by="team", order_by=[ibis.desc("handle_time_minutes"), "ticket_id"])
        ranked = t.select("team", "ticket_id", "handle_time_minutes", rank=rank)
        return ranked.filter(ranked["rank"] < 3)
    spark, duck = both(on_spark, on_duckdb, build, sort=["team", "rank"])
    assert_same(spark, duck)
    tk = sample.tickets.dropna(subset=["handle_time_minutes"])
    reference = (tk.sort_values(["team", "handle_time_minutes", "ticket_id"], ascending=[True, False, True])
                 .groupby("team").head(3).assign(rank=lambda f: f.groupby("team").cumcount())
                 [["team", "ticket_id", "handle_time_minutes", "rank"]].reset_index(drop=True))
    assert_same(spark, reference)


@needs_spark
def test_portable_spellings_of_the_notes(on_spark, on_duckdb):
    """SPARK_NOTES' portable spellings give the same answer on both engines: division guarded with nullif(0),
    cases with a NULL condition, nunique, string min/max in code-point order."""
    import ibis

    def build(t):
        reopened = t.reopened.cast("int64").sum()
        per_agent = t.group_by("agent_id").agg(reopened=reopened, escalated=t.escalated.cast("int64").sum())
        return per_agent.mutate(ratio=per_agent.reopened / per_agent.escalated.nullif(0),
                                band=ibis.cases((per_agent.reopened > 20, "high"), (per_agent.reopened > 5, "mid"),
                                                else_="low"))
    spark, duck = both(on_spark, on_duckdb, build, sort=["agent_id"])
    assert_same(spark, duck)

    def summary(t):
        return t.aggregate(regions=t.region.nunique(), carriers=t.carrier.nunique(), first=t.sub_reason.min(),
                           last=t.sub_reason.max())
    spark, duck = both(on_spark, on_duckdb, summary, sort=["regions"])
    assert_same(spark, duck)


# ============================================================================ the analyses
@contextlib.contextmanager
def spark_jobs(engine: Engine, group: str):
    """Tag the Spark jobs run inside the block with ``group``; yields a function giving how many ran."""
    context = engine.con._session.sparkContext
    context.setJobGroup(group, group)
    try:
        yield lambda: len(context.statusTracker().getJobIdsForGroup(group))
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)


def _reads_relations(analyse) -> bool:
    """True when the analysis takes its tables as engine relations (data.relation), not as pandas frames."""
    import inspect

    return "relation(" in inspect.getsource(inspect.getmodule(analyse))


@needs_spark
def test_kpi_scorecard_on_spark_equals_duckdb(on_spark, on_duckdb):
    """csm.kpi.analyse on the sample with its tables on Spark: every recorded result equals DuckDB's."""
    from csm import kpi

    with spark_jobs(on_spark.engine, "csm-test-kpi") as jobs:
        spark = kpi.analyse(on_spark).records()
    duck = kpi.analyse(on_duckdb).records()
    assert_same(spark, duck)
    if _reads_relations(kpi.analyse):
        assert jobs(), "kpi.analyse reads relations but ran no Spark job"


@needs_spark
def test_complaints_on_spark_equals_duckdb(on_spark, on_duckdb):
    """csm.complaints.analyse on the sample with its tables on Spark: every recorded result equals DuckDB's."""
    from csm import complaints

    with spark_jobs(on_spark.engine, "csm-test-complaints") as jobs:
        spark = complaints.analyse(on_spark).records()
    duck = complaints.analyse(on_duckdb).records()
    assert_same(spark, duck)
    if _reads_relations(complaints.analyse):
        assert jobs(), "complaints.analyse reads relations but ran no Spark job"


@needs_spark
def test_sentiment_on_spark_equals_duckdb(on_spark, on_duckdb, monkeypatch):
    """csm.sentiment.analyse on the sample with its tables on Spark: every recorded result equals DuckDB's; the
    comments are scored in Spark's executors (this process's scorer is made to fail while Spark runs)."""
    from csm import sentiment
    from csm.sentiment import batch

    duck = sentiment.analyse(on_duckdb).records()
    with monkeypatch.context() as patch:
        def refuse(texts, **options):
            raise AssertionError(f"{len(texts)} texts scored in the driver")
        patch.setattr(batch, "_scorer", refuse)
        patch.setattr(batch._score_module, "score", refuse)
        with spark_jobs(on_spark.engine, "csm-test-sentiment") as jobs:
            spark = sentiment.analyse(on_spark).records()
    assert jobs(), "sentiment.analyse ran no Spark job"
    assert_same(spark, duck)


def _engine_parameter() -> bool:
    """True when the reports take the ``engine`` parameter (csm run -p engine=spark)."""
    nb = json.loads((ROOT / "notebooks" / "kpi_scorecard.ipynb").read_text(encoding="utf-8"))
    source = "".join(nb["cells"][0]["source"]) if nb["cells"] else ""
    return any(line.startswith("engine =") or line.startswith("engine=") for line in source.splitlines())


@needs_spark
@pytest.mark.skipif(not _engine_parameter(),
                    reason="the reports have no `engine` parameter in this build yet (csm run -p engine=spark)")
@pytest.mark.parametrize("report", ["kpi_scorecard", "complaint_root_cause"])
def test_cli_run_on_spark_equals_duckdb(report, tmp_path, sample_results):
    """`csm run REPORT -p engine=spark`: the manifest's recorded results equal the default engine's (the
    suite's default run of every report, shared with tests/test_reports.py)."""
    started = time.perf_counter()
    code, manifest, _ = run_report(report, tmp_path, "engine=spark")
    assert code == 0, manifest.get("notebooks") or manifest
    assert_same(manifest["results"][report], sample_results[report])
    assert time.perf_counter() - started < 900


# ============================================================================ Spark Connect
_CONNECT_SERVER = """
import sys
from pyspark.sql import SparkSession
port = sys.argv[1]
SparkSession.builder.master("local[2]").appName("csm-test-connect-server") \\
    .config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin") \\
    .config("spark.connect.grpc.binding.port", port).config("spark.ui.enabled", "false") \\
    .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate()
print("ready", flush=True)
sys.stdin.read()  # serve until the test closes stdin
"""


def _connect_client_missing() -> str | None:
    try:
        import grpc  # noqa: F401
        import pyspark.sql.connect.session  # noqa: F401
    except ImportError as exc:
        return f"the Spark Connect client is not installed ({exc}): pip install -e \".[spark]\""
    return None


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory):
    """A Spark Connect server on this machine (local[2], a free port, a random token), as a cluster's would
    be: started in its own process from pyspark's bundled Connect plugin; yields its URL with the token."""
    import secrets
    import socket
    import subprocess
    import sys

    missing = _connect_client_missing()
    if missing:
        if os.environ.get("CSM_REQUIRE_SPARK"):
            pytest.fail(missing)
        pytest.skip(missing)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(8)
    log = (tmp_path_factory.mktemp("connect") / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-c", _CONNECT_SERVER, str(port)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True,
                              env={**os.environ, "SPARK_CONNECT_AUTHENTICATE_TOKEN": token})
    try:
        line = server.stdout.readline()  # blocks until the session (and its gRPC server) is up, or it died
        assert line.strip() == "ready", f"the Spark Connect server did not start (see {log.name})"
        # "localhost", not 127.0.0.1: the Connect client sends a token over TLS to any other host name
        yield f"sc://localhost:{port}/;token={token}", token
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        log.close()


@needs_spark
def test_kpi_scorecard_over_spark_connect_equals_duckdb(connect_server, tmp_path, sample_results, monkeypatch):
    """`CSM_SPARK_MASTER=sc://…/;token=… csm run kpi_scorecard -p engine=spark`: the report's kernel works
    through the Spark Connect server (a kernel of its own: Spark allows no Connect session beside this test
    run's local one); its recorded results equal the default engine's, and the token appears nowhere in what
    the run wrote."""
    url, token = connect_server
    monkeypatch.setenv("CSM_SPARK_MASTER", url)
    code, manifest, html = run_report("kpi_scorecard", tmp_path, "engine=spark")
    assert code == 0, manifest.get("notebooks") or manifest
    assert_same(manifest["results"]["kpi_scorecard"], sample_results["kpi_scorecard"])
    for written in tmp_path.rglob("*"):
        if written.is_file():
            assert token not in written.read_text(encoding="utf-8", errors="replace"), written


@needs_spark
def test_spark_connect_without_the_token_says_what_the_server_wants(connect_server):
    import subprocess
    import sys

    url, token = connect_server
    probe = ("from csm.engine.spark import connect_spark\nfrom csm.errors import ParameterError\n"
             "try:\n    connect_spark('%s')\nexcept ParameterError as e:\n    print(e)\n" % url.split("/;", 1)[0])
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, cwd=ROOT)
    message = out.stdout.strip()
    assert "UNAUTHENTICATED" in message and "the server expects a token: sc://host:port/;token=" in message, out
    assert "_InactiveRpcError" not in message and token not in message


def test_a_connect_session_beside_a_local_one_is_explained():
    """Spark allows no Spark Connect session in a process that runs a local one: said, with what to do."""
    exc = RuntimeError("[SESSION_ALREADY_EXIST] Cannot start a remote Spark session because there is a regular "
                       "Spark session already running.")
    message = engine_spark._start_failure("sc://localhost:15002/;token=secret", exc)
    assert "a local Spark session is already running in this process" in message and "restart the kernel" in message
    assert "secret" not in message
