"""Time and peak memory of the complaint briefing (csm.complaints.analyse) on a synthetic Parquet file of N
tickets read by DuckDB (the tickets never enter pandas).

    python benchmarks/bench_complaints_engine.py --tickets 1000000 [--path /tmp/tickets_1m.parquet]

Writes the file in chunks of 1M tickets (if absent), then runs analyse in a fresh process and prints
seconds and peak RSS (MB)."""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

CATEGORIES = np.array(["logistics", "billing", "product_quality", "refund", "service_attitude", "account"])
WORDS = np.array(["parcel late again", "charged twice on card", "broken screen on arrival", "refund still missing",
                  "rude agent on the phone", "login fails after update"])
START = pd.Timestamp("2023-01-02")
DAYS = 3.4 * 365


def chunk(i: int, n: int, total: int, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed + i)
    lo, hi = DAYS * 86400 * i * n / total, DAYS * 86400 * (i * n + n) / total
    created = START + pd.to_timedelta(np.sort(rng.integers(int(lo), int(hi), n)), unit="s")
    cat = rng.integers(0, len(CATEGORIES), n)
    surge = (created >= pd.Timestamp("2025-03-03")) & (created < pd.Timestamp("2025-03-24"))
    cat = np.where(surge & (rng.random(n) < 0.4), 0, cat)
    hours = rng.gamma(2.0, 10.0, n)
    ids = np.arange(i * n, i * n + n)
    return pd.DataFrame({
        "ticket_id": pd.Series(ids).map("T{:09d}".format), "customer_id": pd.Series(
            rng.integers(0, max(total // 3, 1), n)).map("C{:08d}".format),
        "created_at": created, "resolved_at": created + pd.to_timedelta(np.round(hours * 3600), unit="s"),
        "category": CATEGORIES[cat], "channel": rng.choice(["email", "chat", "phone"], n),
        "region": rng.choice(["north", "south", "east", "west"], n), "priority": rng.choice(["low", "normal", "high"], n),
        "product": rng.choice(["phone", "laptop", "watch"], n), "agent_tenure_months": rng.uniform(0, 90, n),
        "first_contact_resolved": rng.random(n) < 0.7, "escalated": rng.random(n) < 0.1,
        "reopened": rng.random(n) < 0.05, "description": WORDS[cat]})


def write(path: Path, total: int, per_chunk: int = 1_000_000) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    for i in range(max(total // per_chunk, 1)):
        table = pa.Table.from_pandas(chunk(i, min(per_chunk, total), total), preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


class _Tables:
    def __init__(self, relation):
        self._relation, self.tickets = relation, None

    def relation(self, name):
        return self._relation if name == "tickets" else None

    def quality_summary(self):
        return pd.DataFrame(columns=["table", "rows", "problems"])


def run(path: Path, threads: int | None) -> None:
    import ibis

    from csm import complaints as C

    con = ibis.duckdb.connect(**({"threads": threads} if threads else {}))
    rel = con.read_parquet(str(path))
    started = time.perf_counter()
    result = C.analyse(_Tables(rel), period="2026-04", comparison="previous")
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"tickets={int(rel.count().execute()):,} seconds={seconds:.1f} peak_rss_mb={rss:.0f} "
          f"spikes={len(result.spike_table)} main_spike={None if result.main_spike is None else result.main_spike.get('category')} "
          f"texts={result.text_samples}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = args.path or Path(f"/tmp/csm_tickets_{args.tickets}.parquet")
    if args.run:
        run(path, args.threads)
        sys.exit(0)
    if not path.exists():
        t0 = time.perf_counter()
        write(path, args.tickets)
        print(f"wrote {path} in {time.perf_counter() - t0:.0f} s")
    subprocess.run([sys.executable, __file__, "--run", "--path", str(path), "--tickets", str(args.tickets)]
                   + (["--threads", str(args.threads)] if args.threads else []), check=True)
