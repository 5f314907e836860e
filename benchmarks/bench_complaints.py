"""Wall time and peak memory of `csm run complaint_root_cause` on the sample data and on ~1,000,000 tickets,
plus the analysis steps of csm.complaints timed in-process on the big data.

Usage:  python benchmarks/bench_complaints.py [--customers N] [--skip-big] [--skip-steps]

The `csm run` figures come from benchmarks/bench_csm_run.py (same baseline: papermill executing an
empty notebook, measured in the same run, so the ratios show the cost of the analysis on top of the
fixed cost of a run). The big data set is generated once into benchmarks/.data/big (git-ignored;
shared with bench_csm_run.py). The step timings load the big tickets table once and time each
public function the notebook calls (peak memory of the process via resource.getrusage).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_csm_run


def steps() -> None:
    import pandas as pd

    from csm import complaints as C

    tickets = pd.read_parquet(bench_csm_run.BIG / "tickets.parquet")
    end = tickets["created_at"].max().normalize() + pd.Timedelta(days=1)
    period = (end - pd.DateOffset(months=1), end)
    model = tickets[tickets["created_at"] >= end - pd.DateOffset(months=12)]
    rows = []

    def timed(name, f):
        t0 = time.perf_counter()
        out = f()
        rows.append((name, time.perf_counter() - t0))
        return out

    in_period = tickets[(tickets["created_at"] >= period[0]) & (tickets["created_at"] < period[1])]
    timed("pareto (period)", lambda: C.pareto(in_period))
    spikes = timed("find_spikes (all history, 3 levels)", lambda: C.find_spikes(tickets, end=end))
    timed("describe_spikes (drivers)", lambda: C.describe_spikes(tickets, spikes, period=period))
    timed("concentration (12 months, 4 dims)", lambda: C.concentration(model))
    frame = timed("outcome_frame (12 months)", lambda: C.outcome_frame(model, data_end=tickets["created_at"].max()))
    timed("outcome_drivers (3 logistic models)", lambda: C.outcome_drivers(frame))
    timed("resolution_performance (period)", lambda: C.resolution_performance(in_period))
    timed("distinctive_terms (12 months, 4,000/group)", lambda: C.distinctive_terms(model["description"],
                                                                                    model["category"]))
    print(f"\nsteps on {len(tickets):,} tickets ({len(model):,} in the 12-month model window)")
    print(f"{'step':48s} {'s':>7s}")
    for name, sec in rows:
        print(f"{name:48s} {sec:7.2f}")
    print(f"{'total':48s} {sum(s for _, s in rows):7.2f}")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=bench_csm_run.BIG_CUSTOMERS)
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--skip-steps", action="store_true")
    args = ap.parse_args(argv)
    run_args = ["complaint_root_cause", "--customers", str(args.customers)] + (["--skip-big"] if args.skip_big else [])
    bench_csm_run.main(run_args)
    if not args.skip_big and not args.skip_steps:
        steps()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
