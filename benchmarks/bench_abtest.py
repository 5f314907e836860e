"""A/B test computations on a large synthetic experiment: 300,000 randomised customers, about 1,000,000 tickets.

Usage:  python benchmarks/bench_abtest.py [--units 300000] [--tickets-per-unit 3.3]

Baseline measured in the same run: a plain pandas groupby-sum of handle time by customer over the
experiment tickets (the least work any per-unit analysis must do). Each case prints its best wall time
of 3 runs, the ratio to the baseline and the peak allocation (tracemalloc, a separate untimed run).
"""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from bench_kpi import measure  # same protocol: best of 3 wall times, then one traced run for the peak

from csm import abtest


def synthetic_experiment(units: int, per_unit: float, seed: int = 0):
    """Assignments and tickets of a customer-randomised experiment with a 0.9× handle-time effect and a +5 pp
    FCR effect, customer-level random effects (so tickets of one customer are correlated)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:07d}" for i in range(units)])
    treat = rng.random(units) < 0.5
    assigned = np.datetime64("2026-03-01", "ns") + rng.integers(0, 60 * 86400, units).astype("timedelta64[s]")
    effect = rng.normal(0, 0.5, units)
    assignments = pd.DataFrame({"unit_id": ids, "variant": np.where(treat, "treatment", "control"),
                                "assigned_at": assigned, "unit_type": "customer",
                                "pre_handle_time_minutes": np.exp(1.8 + effect + rng.normal(0, 0.5, units))})
    n_t = rng.poisson(per_unit - 1, units) + 1
    owner = np.repeat(np.arange(units), n_t)
    created = assigned[owner] + rng.integers(0, 86400 * 10, owner.size).astype("timedelta64[s]")
    hand = np.exp(1.8 + effect[owner] + rng.normal(0, 0.5, owner.size)) * np.where(treat[owner], 0.9, 1.0)
    fcr = rng.random(owner.size) < 0.7 + 0.05 * treat[owner]
    tickets = pd.DataFrame({"ticket_id": np.arange(owner.size).astype(str), "customer_id": ids[owner],
                            "created_at": created, "handle_time_minutes": hand,
                            "first_contact_resolved": pd.array(fcr, dtype="boolean"),
                            "team": np.array(list("abcdef"))[rng.integers(0, 6, owner.size)],
                            "agent_id": rng.integers(0, 60, owner.size).astype(str)})
    return assignments, tickets


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=300_000)
    ap.add_argument("--tickets-per-unit", type=float, default=3.3)
    args = ap.parse_args(argv)
    assignments, tickets = synthetic_experiment(args.units, args.tickets_per_unit)
    split = {"control": 0.5, "treatment": 0.5}
    end = "2026-05-15"
    units = abtest.experiment_units(assignments, planned_split=split)
    rows = {"tickets": abtest.experiment_rows(tickets, units, time_column="created_at", end=end)}
    fcr = {"kind": "ratio", "table": "tickets", "column": "first_contact_resolved", "direction": "higher",
           "role": "primary"}
    aht = {"kind": "mean", "table": "tickets", "column": "handle_time_minutes", "direction": "lower",
           "role": "secondary", "covariate": "pre_handle_time_minutes", "robust": False}
    v = abtest.unit_values(fcr, units, rows, end=end)
    r = rows["tickets"]
    cases = {
        "baseline: groupby-sum handle time by customer": lambda: r.groupby("unit_id")["handle_time_minutes"].sum(),
        "experiment rows (join tickets to assignments)": lambda: abtest.experiment_rows(
            tickets, units, time_column="created_at", end=end),
        "FCR ratio metric, delta method (unit sums + test)": lambda: abtest.analyse_metric(
            "fcr_rate", fcr, units, rows, end=end),
        "AHT per customer with CUPED": lambda: abtest.analyse_metric("aht", aht, units, rows, end=end),
        "median difference, 200 bootstrap resamples": lambda: abtest.compare_medians(
            v["num"][:100_000], v["num"][100_000:200_000], n_boot=200),
        "cluster-robust OLS on all tickets": lambda: abtest.compare_clustered(
            r["handle_time_minutes"], r["variant"] == "treatment", r["unit_id"]),
        "A/A: 100 re-splits, delta method": lambda: abtest.aa_simulation(v["num"], v["den"], n_splits=100),
        "sequential boundaries, 5 looks": lambda: abtest.sequential_boundaries([0.2, 0.4, 0.6, 0.8, 1.0]),
        "difference in differences (clustered by agent)": lambda: abtest.difference_in_differences(
            tickets, outcome="handle_time_minutes", group_column="team", treated="a", change_date="2026-04-01",
            window=("2026-03-01", "2026-05-10"), cluster="agent_id"),
    }
    results = [(name, *measure(fn)) for name, fn in cases.items()]
    base = results[0][1]
    print(f"{len(units):,} units, {len(r):,} experiment tickets ({len(tickets):,} tickets)")
    print(f"{'what':52s} {'seconds':>8s} {'× baseline':>11s} {'peak MB (tracemalloc)':>22s}")
    for name, sec, peak in results:
        print(f"{name:52s} {sec:8.2f} {sec / base:11.1f} {peak:22.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
