"""Wall time and peak memory of `csm run` on the sample data and on ~1,000,000 tickets.

Usage:  python benchmarks/bench_csm_run.py [NOTEBOOK ...] [--customers N] [--skip-big]

Each command runs under `/usr/bin/time -v` (wall clock, peak resident memory of the
largest process — the notebook kernel). The baseline, measured in the same run, is
papermill executing an empty notebook (kernel start-up and papermill overhead), so the
ratios say how much the analysis itself costs on top of the fixed cost of a run.
The 1M-ticket data set is generated once into benchmarks/.data/ (git-ignored).
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIG = ROOT / "benchmarks" / ".data" / "big"
BIG_CUSTOMERS = 330_000  # ≈ 1,000,000 tickets with the sample generator's shape


def timed(cmd: list[str], cwd: Path = ROOT) -> dict:
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, capture_output=True, text=True)
    err = proc.stderr
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", err).group(1)
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
    if proc.returncode != 0:
        print(err[-3000:], file=sys.stderr)
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return {"seconds": seconds, "peak_mb": rss_kb / 1024}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", default=["kpi_scorecard"])
    ap.add_argument("--customers", type=int, default=BIG_CUSTOMERS)
    ap.add_argument("--skip-big", action="store_true")
    args = ap.parse_args(argv)
    csm = [sys.executable, "-m", "csm.cli"]

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        empty = tmp / "empty.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, empty)
        rows = [("baseline: papermill, empty notebook", timed(
            [sys.executable, "-m", "papermill", "--no-progress-bar", "-k", "python3", str(empty), str(tmp / "out.ipynb")]))]

        for name in args.notebooks:
            rows.append((f"csm run {name} (sample data)", timed(
                [*csm, "run", name, "--reports-dir", str(tmp / "reports")])))
        if not args.skip_big:
            if not (BIG / "tickets.parquet").exists():
                t0 = time.perf_counter()
                subprocess.run([*csm, "sample-data", "--out", str(BIG), "--customers", str(args.customers)],
                               cwd=ROOT, check=True)
                print(f"generated {BIG.relative_to(ROOT)} in {time.perf_counter() - t0:.1f} s")
            import pyarrow.parquet as pq
            n_tickets = pq.ParquetFile(BIG / "tickets.parquet").metadata.num_rows
            for name in args.notebooks:
                rows.append((f"csm run {name} ({n_tickets:,} tickets)", timed(
                    [*csm, "run", name, "-p", f"data_dir={BIG}", "--reports-dir", str(tmp / "reports")])))

    base = rows[0][1]["seconds"]
    print(f"\n{'what':58s} {'wall s':>8s} {'× baseline':>11s} {'peak MB':>9s}")
    for what, r in rows:
        print(f"{what:58s} {r['seconds']:8.1f} {r['seconds'] / base:11.1f} {r['peak_mb']:9.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
