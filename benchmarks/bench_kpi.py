"""KPI computations on 1,000,000 synthetic tickets: business-hours clock, scorecard, monthly trend.

Usage:  python benchmarks/bench_kpi.py [--n 1000000]

Baseline measured in the same run: a plain pandas groupby-mean of handle time by
month over the same frame (the least work any KPI computation must do).
"""
from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd

from csm import kpi


def synthetic_tickets(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    created = np.datetime64("2023-01-01", "ns") + rng.integers(0, 3 * 365 * 86400, n).astype("timedelta64[s]")
    return pd.DataFrame({
        "created_at": created,
        "first_response_at": created + rng.integers(60, 7200, n).astype("timedelta64[s]"),
        "resolved_at": pd.Series(created + rng.integers(600, 3 * 86400, n).astype("timedelta64[s]")).where(
            rng.random(n) > 0.1),
        "channel": pd.Categorical.from_codes(rng.integers(0, 3, n), ["phone", "email", "chat"]).astype("str"),
        "handle_time_minutes": rng.gamma(4, 2, n),
        "contacts": rng.integers(1, 4, n).astype(float),
    })


def measure(fn, repeat: int = 3):
    """Best wall time of ``repeat`` plain runs, then one run under tracemalloc for the peak allocation
    (tracing slows Python code several-fold, so it is never timed)."""
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return min(seconds), peak


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    t = synthetic_tickets(args.n)
    cal = kpi.BusinessCalendar(holidays=["2023-10-01", "2024-10-01"])
    cases = {
        "baseline: groupby-mean AHT by month": lambda: t.groupby(t["created_at"].dt.to_period("M"))[
            "handle_time_minutes"].mean(),
        "business_hours_between (first response)": lambda: cal.business_hours_between(
            t["created_at"].to_numpy(), t["first_response_at"].to_numpy()),
        "scorecard, calendar hours, with comparison": lambda: kpi.scorecard(
            t, period=("2024-03-01", "2024-03-31"), comparison=("2024-02-01", "2024-02-29")),
        "scorecard, business hours, with comparison": lambda: kpi.scorecard(
            t, period=("2024-03-01", "2024-03-31"), comparison=("2024-02-01", "2024-02-29"),
            definitions={"time_clock": "business"}),
        "monthly trend (36 months)": lambda: kpi.kpi_trend(t),
    }
    rows = [(name, *measure(fn)) for name, fn in cases.items()]
    base = rows[0][1]
    print(f"{args.n:,} tickets")
    print(f"{'what':46s} {'seconds':>8s} {'× baseline':>11s} {'peak MB (tracemalloc)':>22s}")
    for name, sec, peak in rows:
        print(f"{name:46s} {sec:8.2f} {sec / base:11.1f} {peak:22.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
