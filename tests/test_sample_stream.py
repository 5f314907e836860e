"""The sample generator streamed in chunks to a hive-partitioned Parquet dataset (csm.data.sample.stream).

What a user relies on: the dataset reads back (pyarrow, pandas, DuckDB) with the contract columns and the
dtypes of the single-file sample; the same seed gives the same bytes; the planted truth of ``TRUTH`` holds in
a dataset of several chunks (checked with DuckDB aggregates, as an engine would compute them); memory follows
the chunk size, not the number of customers.
"""
from __future__ import annotations

import hashlib
import math
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from csm.cli import main
from csm.compat import read_parquet
from csm.data import sample as S
from csm.data.contract import TABLES
from csm.data.sample.stream import PARTITION_COLUMNS, chunk_sizes

ROOT = Path(__file__).resolve().parents[1]
SPIKE_WEEKS = pd.date_range("2025-11-10", periods=3, freq="7D")
BASE_WEEKS = pd.date_range("2025-10-13", periods=4, freq="7D").append(pd.date_range("2025-12-01", periods=4,
                                                                                      freq="7D"))
CUSTOMERS, CHUNK = 30_000, 7_500  # four chunks


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    out = tmp_path_factory.mktemp("streamed")
    steps = []
    paths = S.write_sample_dataset(out, seed=5, customers=CUSTOMERS, chunk_customers=CHUNK, progress=steps.append)
    return out, paths, steps


def read_table(folder: Path) -> pd.DataFrame:
    """A table of the dataset as pandas reads it (hive partition columns left out)."""
    frame = read_parquet(folder)
    return frame.drop(columns=[c for c in ("year", "month") if c in frame.columns])


def glob(out: Path, name: str) -> str:
    return str(out / name / "**" / "*.parquet")


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------------------
# layout, contract, determinism
# ------------------------------------------------------------------------------------------------
def test_one_chunk_holds_exactly_the_in_memory_sample(tmp_path):
    S.write_sample_dataset(tmp_path, seed=7, customers=1500)
    frames = S.generate_sample(seed=7, customers=1500)
    for name in S.TABLE_NAMES:
        got = read_table(tmp_path / name)
        want = frames[name]
        assert list(got.columns) == list(want.columns)
        assert list(got.dtypes) == list(want.dtypes), name  # the dtypes of the loaded sample (contract kinds)
        key = list(want.columns[:3])
        pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                      want.sort_values(key).reset_index(drop=True))


def test_layout_is_hive_partitioned_with_one_row_group_per_chunk(streamed, tmp_path):
    out, paths, steps = streamed
    assert sorted(p.name for p in out.iterdir()) == sorted(S.TABLE_NAMES)  # no staging folder left behind
    assert all(p.exists() and p.suffix == ".parquet" for p in paths)
    months = sorted(p.relative_to(out / "tickets").parent.as_posix() for p in (out / "tickets").rglob("*.parquet"))
    assert months == [f"year={y}/month={m:02d}" for y, m in
                      [(2025, m) for m in range(1, 13)] + [(2026, m) for m in range(1, 7)]]
    assert (out / "transactions" / "year=2023" / "month=01" / "part-0.parquet").exists()  # purchases since 2023
    n_chunks = len(chunk_sizes(CUSTOMERS, CHUNK))
    assert n_chunks == len(steps) == 4
    for path in (out / "tickets").rglob("*.parquet"):
        assert pq.ParquetFile(path).metadata.num_row_groups == n_chunks  # every chunk has tickets every month
    assert pq.ParquetFile(out / "customers" / "part-0.parquet").metadata.num_row_groups == n_chunks
    # the arrow types are those of the single-file sample
    single = S.write_sample(tmp_path / "single", seed=5, customers=400)
    for path in single:
        want = pq.read_schema(path)
        got = pq.read_schema(next((out / path.stem).rglob("*.parquet")))
        assert got.remove_metadata() == want.remove_metadata(), path.stem


def test_duckdb_reads_the_dataset_and_the_partitions_match_the_times(streamed):
    out, _, steps = streamed
    con = duckdb.connect()
    for name in S.TABLE_NAMES:
        cols = [c.name for c in TABLES[name].columns]
        got = con.execute(f"SELECT * FROM read_parquet(?, hive_partitioning = true) LIMIT 0", [glob(out, name)])
        names = [d[0] for d in got.description]
        assert [c for c in names if c in cols] == [c for c in read_table(out / name).columns if c in cols]
        total = con.execute("SELECT count(*) FROM read_parquet(?)", [glob(out, name)]).fetchone()[0]
        assert total == sum(step["rows"].get(name, 0) for step in steps) or name == "assignments"
    for name, column in PARTITION_COLUMNS.items():
        bad = con.execute(f"SELECT count(*) FROM read_parquet(?, hive_partitioning = true) WHERE "
                          f"year != year({column}) OR month != month({column})", [glob(out, name)]).fetchone()[0]
        assert bad == 0, name


def test_identifiers_are_numbered_across_chunks_and_references_hold(streamed):
    out, _, steps = streamed
    con = duckdb.connect()
    q = lambda sql, *names: con.execute(sql.format(*(f"read_parquet('{glob(out, n)}')" for n in names))  # noqa: E731
                                        ).fetchone()
    n_tickets = sum(s["rows"]["tickets"] for s in steps)
    assert q("SELECT count(DISTINCT ticket_id), min(ticket_id), max(ticket_id) FROM {}", "tickets") == (
        n_tickets, "T00000001", f"T{n_tickets:08d}")
    assert q("SELECT count(DISTINCT customer_id), max(customer_id) FROM {}", "customers") == (CUSTOMERS, "C030000")
    assert q("SELECT count(*) - count(DISTINCT response_id) FROM {}", "responses") == (0,)
    assert q("SELECT count(*) - count(DISTINCT transaction_id) FROM {}", "transactions") == (0,)
    # every reference points at a row of its table (responses → tickets, everything → customers)
    assert q("SELECT count(*) FROM {} r WHERE r.ticket_id IS NOT NULL AND r.ticket_id NOT IN "
             "(SELECT ticket_id FROM {})", "responses", "tickets") == (0,)
    for name, col in (("tickets", "customer_id"), ("transactions", "customer_id"), ("assignments", "unit_id")):
        assert q(f"SELECT count(*) FROM {{}} WHERE {col} NOT IN (SELECT customer_id FROM {{}})",
                 name, "customers") == (0,)
    # a customer's tickets were drawn with the customer (their ticket and customer numbers fall in one chunk)
    spans = con.execute(f"SELECT customer_id, ticket_id FROM read_parquet('{glob(out, 'tickets')}')").df()
    chunk_of_customer = (spans["customer_id"].str[1:].astype(int) - 1) // CHUNK
    bounds = np.cumsum([0] + [s["rows"]["tickets"] for s in steps])
    chunk_of_ticket = np.searchsorted(bounds, spans["ticket_id"].str[1:].astype(int).to_numpy(), side="left") - 1
    assert (chunk_of_customer.to_numpy() == chunk_of_ticket).all()


def test_same_seed_gives_the_same_bytes_and_chunk_zero_is_the_in_memory_draw(tmp_path):
    a = S.write_sample_dataset(tmp_path / "a", seed=11, customers=1200, chunk_customers=400)
    b = S.write_sample_dataset(tmp_path / "b", seed=11, customers=1200, chunk_customers=400)
    assert [p.relative_to(tmp_path / "a") for p in a] == [p.relative_to(tmp_path / "b") for p in b]
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    c = S.write_sample_dataset(tmp_path / "c", seed=12, customers=1200, chunk_customers=400)
    assert digests(tmp_path / "a") != digests(tmp_path / "c") and len(c) > 0
    # chunk 0 draws from default_rng(seed): its customers' rows are generate_sample(seed, 400)
    first = S.generate_sample(seed=11, customers=400)
    tickets = read_table(tmp_path / "a" / "tickets")
    mine = tickets[tickets["customer_id"] <= "C000400"].sort_values("ticket_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, first["tickets"])
    # ... and the whole differs from the in-memory draw of the same seed and size (documented)
    assert len(tickets) != len(S.generate_sample(seed=11, customers=1200)["tickets"])


def test_rewriting_replaces_the_tables_and_files_roll_over(tmp_path):
    (tmp_path / "tickets.parquet").write_bytes(b"old single-file sample")
    (tmp_path / "notes.txt").write_text("kept")
    S.write_sample_dataset(tmp_path, seed=2, customers=900, chunk_customers=300, rows_per_file=100)
    assert not (tmp_path / "tickets.parquet").exists() and (tmp_path / "notes.txt").read_text() == "kept"
    jan = sorted((tmp_path / "tickets" / "year=2025" / "month=01").glob("*.parquet"))
    assert [p.name for p in jan] == [f"part-{k}.parquet" for k in range(len(jan))] and len(jan) > 1
    rows = [pq.ParquetFile(p).metadata.num_rows for p in jan]
    n_before = len(read_table(tmp_path / "tickets"))
    S.write_sample_dataset(tmp_path, seed=2, customers=900, chunk_customers=300)
    assert [p.name for p in (tmp_path / "tickets" / "year=2025" / "month=01").glob("*.parquet")] == ["part-0.parquet"]
    assert len(read_table(tmp_path / "tickets")) == n_before
    assert sum(rows) == pq.ParquetFile(tmp_path / "tickets" / "year=2025" / "month=01" / "part-0.parquet"
                                       ).metadata.num_rows


# ------------------------------------------------------------------------------------------------
# the planted truth holds in a dataset of several chunks
# ------------------------------------------------------------------------------------------------
def test_planted_spike_shows_in_the_weekly_counts(streamed):
    out, _, _ = streamed
    weekly = duckdb.execute(
        "SELECT date_trunc('week', created_at) AS week, category, region, count(*) AS n FROM read_parquet(?) "
        "GROUP BY ALL", [glob(out, "tickets")]).df()
    weekly["week"] = pd.to_datetime(weekly["week"])
    counts = weekly.set_index(["category", "region", "week"])["n"].sort_index()
    east = counts.loc[("logistics", "east")]
    base, spike = east.reindex(BASE_WEEKS, fill_value=0).mean(), east.reindex(SPIKE_WEEKS, fill_value=0).mean()
    se = spike / base * math.sqrt(1 / (3 * spike) + 1 / (8 * base))  # Poisson counts
    assert abs(spike / base - S.TRUTH["spike"]["multiplier"]) < 3 * se
    for (cat, region), g in counts.groupby(level=[0, 1]):  # no other series has a spike
        g = g.droplevel([0, 1])
        b, s = g.reindex(BASE_WEEKS, fill_value=0).mean(), g.reindex(SPIKE_WEEKS, fill_value=0).mean()
        if (cat, region) != ("logistics", "east") and b >= 10:
            assert s / b < 1 + 3 * math.sqrt(1 / (3 * b) + 1 / (8 * b)), (cat, region, s, b)
    carried = duckdb.execute(
        "SELECT avg((carrier = 'swift_express' AND sub_reason = 'late_delivery')::int) FROM read_parquet(?) "
        "WHERE region = 'east' AND category = 'logistics' AND created_at >= '2025-11-10' "
        "AND created_at < '2025-12-01'", [glob(out, "tickets")]).fetchone()[0]
    assert carried > 0.6  # two thirds of the spike weeks' volume is the planted excess (swift_express, late)


def test_planted_experiment_fcr_lift_and_pre_period_fill_hold(streamed):
    out, _, _ = streamed
    con = duckdb.connect()
    per_customer = con.execute(f"""
        SELECT a.variant, t.customer_id, count(*) AS n,
               sum(t.first_contact_resolved::int) AS fcr, sum(t.handle_time_minutes) AS handle
        FROM read_parquet('{glob(out, "tickets")}') t
        JOIN read_parquet('{glob(out, "assignments")}') a ON t.customer_id = a.unit_id
        WHERE t.created_at >= a.assigned_at AND t.created_at < '2026-05-01'
          AND t.first_contact_resolved IS NOT NULL
        GROUP BY ALL""").df()

    def clustered(g: pd.DataFrame, y: str) -> tuple[float, float]:
        r = g[y].sum() / g["n"].sum()
        return r, math.sqrt(((g[y] - r * g["n"]) ** 2).sum()) / g["n"].sum()

    fc = {v: clustered(g, "fcr") for v, g in per_customer.groupby("variant")}
    diff, se = fc["treatment"][0] - fc["control"][0], math.hypot(fc["treatment"][1], fc["control"][1])
    assert se < 0.02 and abs(diff - S.TRUTH["experiment"]["fcr_lift"]) < 3 * se
    ht = {v: clustered(g, "handle") for v, g in per_customer.groupby("variant")}
    ratio = ht["treatment"][0] / ht["control"][0]
    se_ratio = ratio * math.hypot(ht["treatment"][1] / ht["treatment"][0], ht["control"][1] / ht["control"][0])
    assert abs(ratio - S.TRUTH["experiment"]["handle_time_multiplier"]) < 3 * se_ratio
    # no sample-ratio mismatch, and units without pre-period tickets carry the mean over all chunks' others
    a = read_table(out / "assignments")
    assert abs((a["variant"] == "treatment").sum() - len(a) / 2) / math.sqrt(len(a) / 4) < 3.3
    assert a["assigned_at"].is_monotonic_increasing
    fill = a.loc[a["pre_tickets_90d"] == 0, "pre_handle_time_minutes"]
    assert fill.nunique() == 1
    assert math.isclose(fill.iloc[0], a.loc[a["pre_tickets_90d"] > 0, "pre_handle_time_minutes"].mean(),
                        abs_tol=1e-3)


def test_team_c_rollout_and_volume_scale_hold(streamed):
    out, _, steps = streamed
    did = duckdb.execute("""
        SELECT avg(handle_time_minutes) FILTER (team = 'team_c' AND created_at >= '2025-09-01')
             - avg(handle_time_minutes) FILTER (team = 'team_c' AND created_at < '2025-09-01')
             - avg(handle_time_minutes) FILTER (team != 'team_c' AND created_at >= '2025-09-01')
             + avg(handle_time_minutes) FILTER (team != 'team_c' AND created_at < '2025-09-01')
        FROM read_parquet(?) WHERE created_at >= '2025-03-01' AND created_at < '2026-03-01'""",
                         [glob(out, "tickets")]).fetchone()[0]
    assert abs(did - S.TRUTH["rollout"]["effect_minutes"]) < 0.35  # se ≈ 0.1 min at 30,000 customers
    n = sum(s["rows"]["tickets"] for s in steps)
    default = S.TRUTH["default_dataset"]["rows"]["tickets"] / S.DEFAULT_CUSTOMERS
    assert abs(n / CUSTOMERS - default) < 0.05 * default  # the same tickets per customer as the default sample


# ------------------------------------------------------------------------------------------------
# bounded memory
# ------------------------------------------------------------------------------------------------
def test_rows_held_at_once_follow_the_chunk_not_the_customers(tmp_path):
    def max_rows(customers, chunk):
        steps = []
        S.write_sample_dataset(tmp_path / f"{customers}-{chunk}", seed=4, customers=customers,
                               chunk_customers=chunk, progress=steps.append)
        assert [s["customers_done"] for s in steps] == list(np.cumsum(chunk_sizes(customers, chunk)))
        return max(sum(s["rows"].values()) for s in steps)

    small, more_customers, bigger_chunk = max_rows(1200, 300), max_rows(4800, 300), max_rows(4800, 1200)
    assert abs(more_customers - small) < 0.15 * small
    assert 3.3 < bigger_chunk / small < 4.7


#: peak RSS of this process (VmHWM: getrusage's ru_maxrss would include the forking parent's size before exec)
_RSS = r"""
import re, sys, tempfile
from csm.data.sample import write_sample_dataset
with tempfile.TemporaryDirectory() as out:
    write_sample_dataset(out, seed=3, customers=int(sys.argv[1]), chunk_customers=int(sys.argv[2]))
print(int(re.search(r"VmHWM:\s+(\d+) kB", open("/proc/self/status").read()).group(1)) / 1024)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak RSS from /proc (Linux)")
def test_peak_memory_grows_with_the_chunk_size_not_with_the_customers():
    def peak_mb(customers, chunk):
        out = subprocess.run([sys.executable, "-c", _RSS, str(customers), str(chunk)], capture_output=True,
                             text=True, check=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        return float(out.stdout.split()[-1])

    base = peak_mb(4000, 1000)
    more_customers = peak_mb(16000, 1000)  # 4x the customers, same chunk
    bigger_chunk = peak_mb(16000, 8000)  # same customers, 8x the chunk
    assert bigger_chunk - more_customers > 20, (base, more_customers, bigger_chunk)
    assert more_customers - base < 0.5 * (bigger_chunk - more_customers), (base, more_customers, bigger_chunk)


# ------------------------------------------------------------------------------------------------
# the command line
# ------------------------------------------------------------------------------------------------
def test_cli_streams_with_progress_and_rejects_inconsistent_options(tmp_path, capsys):
    out = tmp_path / "big"
    assert main(["sample-data", "--stream", "--customers", "600", "--chunk-customers", "300", "--seed", "9",
                 "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "chunk 2/2: 600 of 600 customers" in captured.err and "hive-partitioned Parquet" in captured.out
    assert (out / "tickets" / "year=2026" / "month=06" / "part-0.parquet").exists()
    again = tmp_path / "again"
    S.write_sample_dataset(again, seed=9, customers=600, chunk_customers=300)
    assert digests(out) == digests(again)
    assert main(["sample-data", "--chunk-customers", "300", "--out", str(tmp_path / "x")]) == 2
    assert "--stream" in capsys.readouterr().err
    assert main(["sample-data", "--stream", "--format", "csv", "--out", str(tmp_path / "y")]) == 2
    assert main(["sample-data", "--stream", "--chunk-customers", "10", "--out", str(tmp_path / "z")]) == 2
    assert "chunk_customers" in capsys.readouterr().err
