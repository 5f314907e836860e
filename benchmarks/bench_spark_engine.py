"""Local Spark vs DuckDB on the same Ibis aggregations: session start, the bundled sample, a synthetic Parquet file.

Usage:  python benchmarks/bench_spark_engine.py [--rows 1000000] [--repeat 3] [--master local[*]]

Prints one line per (data, aggregation, engine): the best of ``--repeat`` wall-clock times in seconds (after
one warm-up run), and checks that both engines return the same rows. The aggregations are those of
tests/test_engine_spark.py: weekly counts by category, exact medians and p90 by category x channel, the top 3
handle times per team (row_number over partitions). Needs pyspark and Java (``pip install -e ".[spark]"``).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def synthetic_tickets(n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` ticket-like rows over two years: created/resolved times, category, channel, team, handle time."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2025-01-01T00:00:00", "s")
    created = start + rng.integers(0, 730 * 86400, n).astype("timedelta64[s]")
    resolved = created + rng.gamma(1.5, 3 * 3600, n).astype("int64").astype("timedelta64[s]")
    handle = np.round(rng.gamma(2.0, 4.0, n), 2)
    handle[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({
        "ticket_id": [f"T{i:09d}" for i in range(n)],
        "created_at": created.astype("datetime64[us]"),
        "resolved_at": resolved.astype("datetime64[us]"),
        "category": rng.choice(["product_quality", "service_attitude", "logistics", "after_sales", "other"], n),
        "channel": rng.choice(["phone", "email", "chat", "social"], n),
        "team": rng.choice([f"team_{c}" for c in "abcdefgh"], n),
        "escalated": rng.random(n) < 0.1,
        "handle_time_minutes": handle,
    })


def aggregations():
    import ibis

    def weekly(t):
        return t.group_by(week=t.created_at.truncate("W"), category=t.category).agg(
            tickets=t.count(), escalated=t.escalated.cast("int64").sum()).order_by(["week", "category"])

    def medians(t):
        return t.group_by("category", "channel").agg(
            n=t.count(), median=t.handle_time_minutes.median(),
            p90=t.handle_time_minutes.quantile(0.9)).order_by(["category", "channel"])

    def top3(t):
        t = t.filter(t.handle_time_minutes.notnull())
        rank = ibis.row_number().over(group_by="team", order_by=[ibis.desc("handle_time_minutes"), "ticket_id"])
        ranked = t.select("team", "ticket_id", "handle_time_minutes", rank=rank)
        return ranked.filter(ranked["rank"] < 3).order_by(["team", "rank"])

    return {"weekly counts by category": weekly, "exact median + p90 by group": medians,
            "top 3 per team (row_number)": top3}


def best_of(fn, repeat: int) -> tuple[float, object]:
    out = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--master", default=None)
    args = parser.parse_args(argv)

    from csm.engine import connect, execute
    from csm.engine.spark import connect_spark

    t0 = time.perf_counter()
    spark = connect_spark(args.master)
    execute(spark.relation(pd.DataFrame({"x": [1]})).count())
    start_spark = time.perf_counter() - t0
    t0 = time.perf_counter()
    duck = connect("duckdb")
    execute(duck.relation(pd.DataFrame({"x": [1]})).count())
    start_duck = time.perf_counter() - t0
    print(f"session start (incl. first query): spark {start_spark:.1f} s ({spark.where}), duckdb {start_duck:.2f} s")

    tickets = pd.read_parquet(ROOT / "data" / "sample" / "tickets.parquet")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tickets.parquet"
        t0 = time.perf_counter()
        synthetic_tickets(args.rows).to_parquet(path, index=False)
        print(f"synthetic Parquet: {args.rows} rows, {path.stat().st_size / 1e6:.0f} MB, written in "
              f"{time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        rel_spark = spark.relation(tickets, "sample_tickets")
        reg_spark = time.perf_counter() - t0
        t0 = time.perf_counter()
        rel_duck = duck.relation(tickets, "sample_tickets")
        reg_duck = time.perf_counter() - t0
        print(f"register the sample's tickets ({len(tickets)} rows): spark {reg_spark:.2f} s, duckdb {reg_duck:.3f} s")
        sources = {
            f"sample ({len(tickets)} rows, pandas frame)": (rel_spark, rel_duck),
            f"synthetic ({args.rows} rows, Parquet)": (spark.con.read_parquet(str(path), table_name="synthetic"),
                                                       duck.con.read_parquet(str(path), table_name="synthetic")),
        }
        print(f"{'data':<38} {'aggregation':<30} {'spark s':>8} {'duckdb s':>9} {'ratio':>6}  same")
        for label, (ts, td) in sources.items():
            for name, build in aggregations().items():
                s_time, s_out = best_of(lambda: build(ts).execute(), args.repeat)
                d_time, d_out = best_of(lambda: build(td).execute(), args.repeat)
                same = _same(s_out, d_out)
                print(f"{label:<38} {name:<30} {s_time:8.2f} {d_time:9.3f} {s_time / d_time:6.0f}  {same}")
    spark.close()
    return 0


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    for column in a.columns:
        x, y = a[column], b[column]
        if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
            if not np.allclose(x.astype(float), y.astype(float), rtol=1e-9, atol=1e-12, equal_nan=True):
                return False
        elif not (pd.Series(x.tolist()) == pd.Series(y.tolist())).all():
            return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
