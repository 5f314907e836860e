"""A real PostgreSQL server as a data source: the sample tables loaded into it give the same canonical tables
and the same KPI analysis as the sample folder (the reference: csm.data.load on data/sample).

The server is a throw-away one: ``initdb`` into a temporary folder, ``pg_ctl start`` listening only on a unix
socket in that folder (no TCP port is opened), stopped and removed after the module. Debian's binaries
(``apt-get install postgresql``) live in /usr/lib/postgresql/<version>/bin; as root the server runs as the
``postgres`` user (``runuser -u postgres --``), since PostgreSQL refuses to run as root.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
BINDIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                 if Path(p).parent.name.isdigit() else 0)
KEY = {"tickets": "ticket_id", "responses": "response_id", "customers": "customer_id",
       "transactions": "transaction_id", "assignments": "unit_id"}


def _skip_reason() -> str | None:
    if not BINDIRS or not Path(BINDIRS[-1], "initdb").exists():
        return "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]>=3.2', the ibis postgres driver)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: PostgreSQL cannot be started as root"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


def _as_server_user(args: list[str], owner_dirs=()) -> list[str]:
    """As root: run as the postgres user (created by Debian's package), which must own ``owner_dirs``."""
    if os.geteuid() != 0:
        return args
    for d in owner_dirs:
        shutil.chown(d, user="postgres")
    return ["runuser", "-u", "postgres", "--", *args]


@pytest.fixture(scope="module")
def postgres_url():
    bindir = BINDIRS[-1]
    root = Path(tempfile.mkdtemp(prefix="csm-pg-"))
    os.chmod(root, 0o755)
    data, sock = root / "data", root / "sock"
    data.mkdir()
    sock.mkdir()
    port = "54329"
    run = lambda args, **kw: subprocess.run(_as_server_user(args, (data, sock, root)), check=True,  # noqa: E731
                                            capture_output=True, text=True, timeout=120, **kw)
    try:
        run([f"{bindir}/initdb", "-D", str(data), "-U", "csm", "--auth=trust", "-E", "UTF8", "--locale=C"])
        run([f"{bindir}/pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-w", "-o",
             f"-p {port} -k {sock} -c listen_addresses='' -c fsync=off", "start"])
        run([f"{bindir}/createdb", "-h", str(sock), "-p", port, "-U", "csm", "service"])
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL server: {exc.stderr.strip()[:300]}")
    yield f"postgresql://csm@/service?host={sock}&port={port}", dict(host=str(sock), port=int(port), user="csm",
                                                                     database="service")
    subprocess.run(_as_server_user([f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"]),
                   capture_output=True, timeout=60)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def folder_data():
    from csm.data.load import load_tables

    return load_tables(SAMPLE)


@pytest.fixture(scope="module")
def loaded(postgres_url, folder_data):
    import ibis

    url, args = postgres_url
    con = ibis.postgres.connect(**args)
    for name in KEY:
        frame = folder_data.table(name)
        con.create_table(name, frame.astype({c: object for c in frame.columns if frame[c].dtype == "str"}))
    con.disconnect()
    return url


def _sorted(frame, key):
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


def test_postgres_gives_the_canonical_tables(loaded, folder_data):
    from csm.data.load import load_tables

    ds = load_tables(loaded)
    assert ds.engine.name == "postgres"
    for name, key in KEY.items():
        assert name in ds.lazy
        ref = folder_data.table(name)
        assert list(ds.relation(name).columns) == list(ref.columns)
        pd.testing.assert_frame_equal(_sorted(ds.table(name), key), _sorted(ref, key))
    summary = ds.quality_summary().set_index("table")
    assert summary.loc["tickets", "rows_loaded"] == len(folder_data.tickets)
    assert summary.loc["tickets", "format"] == "postgresql"


def test_postgres_problems_name_the_key(loaded, postgres_url):
    import ibis

    from csm.data.load import validate_source

    _, args = postgres_url
    con = ibis.postgres.connect(**args)
    con.raw_sql("CREATE SCHEMA bad")
    con.raw_sql("CREATE TABLE bad.tickets AS SELECT * FROM public.tickets ORDER BY ticket_id LIMIT 50")
    con.raw_sql("UPDATE bad.tickets SET contacts = 0 WHERE ticket_id IN (SELECT ticket_id FROM bad.tickets "
                "ORDER BY ticket_id LIMIT 2)")
    first = [r[0] for r in con.raw_sql("SELECT ticket_id FROM bad.tickets ORDER BY ticket_id LIMIT 2").fetchall()]
    con.disconnect()
    problems = validate_source(loaded + "&schema=bad")["tickets"][1]
    contacts = [p for p in problems if p.column == "contacts"]
    assert len(contacts) == 1 and contacts[0].n_rows == 2 and contacts[0].rows == tuple(first)
    assert contacts[0].message == "is out of range; expected a whole number ≥ 1"


def test_kpi_analysis_on_postgres_equals_the_folder_run(loaded, folder_data):
    from csm import kpi
    from csm.data.load import load_tables

    ds = load_tables(loaded, tables=["tickets", "responses", "customers"])
    a = kpi.analyse(folder_data)
    b = kpi.analyse(ds)
    pd.testing.assert_frame_equal(b.scorecard, a.scorecard)
    pd.testing.assert_frame_equal(b.headline, a.headline)
    pd.testing.assert_frame_equal(b.trend, a.trend)


def test_csm_validate_a_database_url(loaded, capsys):
    from csm.cli import main

    assert main(["validate", loaded]) == 0
    out = capsys.readouterr().out
    assert "table tickets: OK — meets the contract for table 'tickets'" in out
