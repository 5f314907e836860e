"""KPI scorecard on synthetic Parquet read by DuckDB: time and peak RSS of ``csm.kpi.analyse`` at N tickets.

    python benchmarks/bench_kpi_engine.py --tickets 1000000 --dir /tmp/kpi_bench      # generates once, then runs

Generation writes row groups of 1M tickets (bounded memory); the run reads the files with
``ibis.duckdb.connect().read_parquet`` and hands ``analyse`` relations, so only aggregates reach pandas. Each size
runs in a fresh process (``--child``) so its peak RSS is its own. Prints one line per run.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

CHUNK = 1_000_000


def generate(folder: Path, n: int, seed: int = 14) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "done").exists():
        return
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-07-01T00:00:00", "s").astype(np.int64)
    span = 730 * 86400  # two years
    writers = {}
    n_cust = max(n // 5, 1000)
    for lo in range(0, n, CHUNK):
        m = min(CHUNK, n - lo)
        created = start + np.sort(rng.integers(0, span, m))
        first = created + rng.exponential(40 * 60, m).astype(np.int64)
        resolved = created + rng.exponential(30 * 3600, m).astype(np.int64)
        ts = lambda x: pa.array(x.astype("datetime64[s]").astype("datetime64[us]"))  # noqa: E731
        fr_mask = rng.random(m) < 0.08
        rs_mask = rng.random(m) < 0.15
        flag = rng.random(m) < 0.72
        tickets = pa.table({
            "ticket_id": pa.array(np.char.add("T", (np.arange(lo, lo + m)).astype(str))),
            "customer_id": pa.array(np.char.add("C", rng.integers(0, n_cust, m).astype(str))),
            "created_at": ts(created),
            "first_response_at": pa.array(first.astype("datetime64[s]").astype("datetime64[us]"), mask=fr_mask),
            "resolved_at": pa.array(resolved.astype("datetime64[s]").astype("datetime64[us]"), mask=rs_mask),
            "channel": pa.array(rng.choice(["phone", "email", "chat", "social"], m)),
            "category": pa.array(rng.choice(["logistics", "product_quality", "after_sales", "other"], m)),
            "agent_id": pa.array(np.char.add("A", rng.integers(0, 400, m).astype(str))),
            "team": pa.array(np.char.add("team", rng.integers(0, 12, m).astype(str))),
            "contacts": pa.array(rng.integers(1, 4, m).astype(float)),
            "first_contact_resolved": pa.array(flag, mask=rs_mask),
            "handle_time_minutes": pa.array(np.round(rng.gamma(4, 1.6, m), 1)),
        })
        k = m // 3
        idx = rng.integers(0, m, k)
        responses = pa.table({
            "response_id": pa.array(np.char.add("R", (lo + idx).astype(str))),
            "ticket_id": tickets["ticket_id"].take(pa.array(idx)),
            "submitted_at": ts(created[idx] + 86400),
            "csat": pa.array(rng.integers(1, 6, k).astype(float)),
            "nps": pa.array(rng.integers(0, 11, k).astype(float)),
        })
        for name, table in (("tickets", tickets), ("responses", responses)):
            if name not in writers:
                writers[name] = pq.ParquetWriter(folder / f"{name}.parquet", table.schema)
            writers[name].write_table(table)
    for w in writers.values():
        w.close()
    signup = start - rng.integers(0, 400 * 86400, n_cust)
    churn = signup + rng.integers(30 * 86400, 900 * 86400, n_cust)
    lost = rng.random(n_cust) < 0.3
    pq.write_table(pa.table({
        "customer_id": pa.array(np.char.add("C", np.arange(n_cust).astype(str))),
        "signup_date": pa.array(signup.astype("datetime64[s]").astype("datetime64[us]")),
        "churn_date": pa.array(churn.astype("datetime64[s]").astype("datetime64[us]"), mask=~lost),
        "churned": pa.array(lost),
    }), folder / "customers.parquet")
    (folder / "done").write_text(str(n))


class ParquetData:
    """The part of :class:`csm.data.load.Dataset` that ``analyse`` uses, over Parquet files read by DuckDB."""

    def __init__(self, folder: Path):
        import ibis

        self.con = ibis.duckdb.connect()
        self.tables = {name: self.con.read_parquet(folder / f"{name}.parquet")
                       for name in ("tickets", "responses", "customers")}
        self.problems = None

    def relation(self, name):
        return self.tables.get(name)

    def has(self, table, *columns):
        rel = self.tables.get(table)
        return rel is not None and all(c in rel.columns for c in columns)

    def quality_summary(self):
        return pd.DataFrame()


def child(folder: Path, params: dict) -> dict:
    import warnings

    warnings.simplefilter("ignore")
    from csm import kpi

    data = ParquetData(folder)
    t0 = time.perf_counter()
    result = kpi.analyse(data, **params)
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB (Linux: KiB)
    card = result.scorecard.set_index("kpi")
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(rss), "complaints": card.loc["complaints", "estimate"],
            "fcr_rate": card.loc["fcr_rate", "estimate"], "first_response_minutes":
            card.loc["first_response_minutes", "estimate"], "trend_periods": int(result.trend["period_start"].nunique())}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--dir", default="/tmp/kpi_bench")
    ap.add_argument("--clock", default="calendar")
    ap.add_argument("--child", action="store_true")
    args = ap.parse_args(argv)
    params = {"time_clock": args.clock, "targets": {"complaints": {"target_change": -0.1,
                                                                   "baseline": "previous_12_months"}}}
    for n in args.tickets:
        folder = Path(args.dir) / f"t{n}"
        if args.child:
            print(json.dumps(child(folder, params)))
            return
        t0 = time.perf_counter()
        generate(folder, n)
        gen = time.perf_counter() - t0
        out = subprocess.run([sys.executable, __file__, "--child", "--tickets", str(n), "--dir", args.dir,
                              "--clock", args.clock], capture_output=True, text=True, check=True)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"tickets={n:>11,d} clock={args.clock:8s} analyse {res['seconds']:7.2f} s  peak RSS "
              f"{res['peak_rss_mib']:5d} MiB  (generation {gen:.0f} s)  {res}")


if __name__ == "__main__":
    main()
