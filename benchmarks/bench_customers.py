"""NPS / churn / CLV models: BG/NBD and Gamma-Gamma on 100,000 simulated customers, the Cox model and the
whole nps_churn_clv notebook on the sample data.

Usage:  python benchmarks/bench_customers.py [--n 100000] [--no-notebook]

Baseline measured in the same run: one evaluation of the BG/NBD log-likelihood on the same customers
(a fit needs about 100–150 of them plus the Hessian), so "fit / baseline" says how many evaluations'
worth of time a fit costs. Wall time is the best of 3 runs; peak memory is traced in a separate run.
The notebook is executed once with papermill in a fresh kernel (kernel start-up included).
"""
from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from csm.customers import churn, clv

ROOT = Path(__file__).resolve().parents[1]
BG = {"r": 0.75, "alpha": 12.0, "a": 0.8, "b": 2.6}
GG = {"p": 6.0, "q": 4.0, "v": 120.0}


def measure(fn, repeat: int = 3):
    """Best wall time and CPU time of ``repeat`` runs, then one traced run for the peak allocation."""
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return min(wall), min(cpu), peak, result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--no-notebook", action="store_true", help="skip the notebook run")
    args = ap.parse_args(argv)

    sim = clv.simulate_bgnbd(args.n, **BG, T=np.random.default_rng(1).uniform(10, 180, args.n), seed=2, **GG)
    x, tx, T, m = (sim[c].to_numpy() for c in ("frequency", "recency", "T", "monetary_value"))
    groups = np.unique(x, return_inverse=True)
    rows = []
    base_wall, base_cpu, base_peak, _ = measure(
        lambda: clv._bgnbd_loglik(tuple(BG.values()), x, tx, T, False, groups).sum(), repeat=5)
    rows.append(("baseline: one BG/NBD log-likelihood evaluation", base_wall, base_cpu, base_peak, ""))
    for name, fn in [
        (f"fit_bgnbd, {args.n:,} customers", lambda: clv.fit_bgnbd(x, tx, T)),
        (f"fit_mbgnbd, {args.n:,} customers", lambda: clv.fit_mbgnbd(x, tx, T)),
        (f"fit_gamma_gamma, {args.n:,} customers", lambda: clv.fit_gamma_gamma(x, m)),
    ]:
        wall, cpu, peak, fit = measure(fn)
        rows.append((name, wall, cpu, peak, ", ".join(f"{k} {v:.4g}" for k, v in fit.params.items())))

    from csm.data.load import load_tables

    data = load_tables(ROOT / "data" / "sample", tables=["tickets", "responses", "customers"])
    as_of = pd.Timestamp("2026-06-30 23:59:59")
    start = data.tickets["created_at"].min().normalize()
    wall, cpu, peak, panel = measure(lambda: churn.churn_panel(data.customers, data.tickets, data.responses,
                                                               start=start, as_of=as_of), repeat=1)
    rows.append((f"churn_panel, sample ({len(panel):,} episodes)", wall, cpu, peak, ""))
    terms = [t for t in churn.SERVICE_COVARIATES if t in panel.columns]
    wall, cpu, peak, cox = measure(lambda: churn.fit_cox(panel, terms), repeat=1)
    hr = cox.summary.set_index("term")["hazard_ratio"]
    rows.append(("fit_cox (PHReg, Efron), sample", wall, cpu, peak,
                 f"HR vip {hr['vip']:.3f}, fcr_failed {hr['fcr_failed_tickets']:.3f}"))

    print(f"{'case':55s} {'wall s':>8s} {'cpu s':>8s} {'x baseline':>11s} {'peak MiB':>9s}  result")
    for name, wall, cpu, peak, note in rows:
        print(f"{name:55s} {wall:8.3f} {cpu:8.3f} {wall / base_wall:11.0f} {peak:9.1f}  {note}")

    if not args.no_notebook:
        import tempfile

        import papermill

        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            papermill.execute_notebook(str(ROOT / "notebooks" / "nps_churn_clv.ipynb"), str(Path(tmp) / "out.ipynb"),
                                       cwd=str(ROOT / "notebooks"), progress_bar=False, log_output=False)
            print(f"{'nps_churn_clv notebook on the sample (papermill, fresh kernel)':55s} "
                  f"{time.perf_counter() - t0:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
