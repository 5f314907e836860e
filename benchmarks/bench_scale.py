"""Time and peak memory of each report at 1M, 10M and 100M tickets, against the scale goals of the engine.

Usage:  python benchmarks/bench_scale.py [--sizes 1e6,1e7,1e8] [--reports kpi_scorecard,complaint_root_cause]
                                         [--cache DIR] [--layout auto|dataset|files] [--timeout S] [--json FILE]

For each size the sample generator is streamed once (``csm sample-data --stream``, bounded memory) into
``<cache>/<size>/`` (a hive-partitioned Parquet dataset, ``tickets/year=YYYY/month=MM/part-K.parquet``, …)
and reused by later runs (``<cache>/<size>/.bench-scale.json`` records the seed, customers, ticket count and
the generation's time and peak memory). ``--layout files`` runs the reports on a folder of single files
(``tickets.parquet``, …) converted from the dataset once, batch by batch (``<cache>/<size>-files/``): that is
what a data folder was before the engine read Parquet datasets; ``auto`` (the default) uses the dataset when
this checkout's data layer reads one (``csm.engine.sources`` exists), else the single files.

Every measurement is a fresh child process (``csm run <report> -p data_dir=<dataset> --jobs 1``) started by
a small wrapper process that reads ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` after it ends: the
peak resident memory of the largest process of that run (the notebook kernel, reaped by ``csm run``). The
baseline, measured in the same run at every size, is DuckDB scanning the tickets once (the fastest of three
runs of ``SELECT count(*), sum(handle_time_minutes), … FROM read_parquet(tickets/**)`` in a fresh process,
Python and DuckDB start-up included), so times are also given as
multiples of what the machine needs to read the data. The summary gives, per report, time(10M)/time(1M)
(goal ≤ 4), the same ratio of the baseline-relative times, and the peak memory at 10M (goal ≤ 2.5 GB); and
whether the KPI scorecard and the complaint briefing completed at 100M.

The machine is shared: run it when nothing else is running, and compare figures measured in the same run.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = ROOT / "benchmarks" / ".data" / "scale"
REPORTS = ("kpi_scorecard", "complaint_root_cause", "feedback_sentiment", "nps_churn_clv", "ab_test")
#: reports whose work grows with the tickets (the goal time(10M)/time(1M) ≤ 4 is stated for these)
TICKET_REPORTS = ("kpi_scorecard", "complaint_root_cause")
#: tickets per customer of the sample generator (measured: 3.404 at 250,000 customers, 3.411 at 100,000)
TICKETS_PER_CUSTOMER = 3.405
SEED = 20250101
GOAL_RATIO, GOAL_PEAK_GB_10M = 4.0, 2.5
TABLES = ("tickets", "responses", "customers", "transactions", "assignments")

#: runs a command and prints its wall time and the peak RSS of its largest (reaped) descendant as JSON
_WRAPPER = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - t0
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "returncode": proc.returncode,
                  "stderr": proc.stderr.decode("utf-8", "replace")[-4000:]}))
"""

#: the baseline: DuckDB scans every ticket once
_SCAN = r"""
import sys, duckdb
con = duckdb.connect()
con.execute("SET threads TO 2")
print(con.execute(
    "SELECT count(*), sum(handle_time_minutes), avg(contacts), count(first_response_at), "
    "max(created_at) FROM read_parquet(?, hive_partitioning = true)", [sys.argv[1]]).fetchall())
"""


def label(tickets: int) -> str:
    for unit, div in (("M", 1_000_000), ("k", 1_000)):
        if tickets >= div and tickets % div == 0:
            return f"{tickets // div}{unit}"
    return str(tickets)


def measure(cmd: list[str], *, env=None, cwd=ROOT, timeout=None) -> dict:
    """Wall time, peak RSS (MB) and exit code of ``cmd`` run in a fresh wrapper process."""
    try:
        out = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, env=env,
                             cwd=cwd, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": float(timeout), "peak_mb": float("nan"), "returncode": "timeout", "stderr": ""}
    if out.returncode != 0 or not out.stdout.strip():
        return {"seconds": float("nan"), "peak_mb": float("nan"), "returncode": out.returncode,
                "stderr": out.stderr[-4000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


def count_rows(folder: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in folder.rglob("*.parquet"))


def ensure_dataset(cache: Path, tickets: int, chunk_customers: int | None) -> tuple[Path, dict]:
    """The streamed dataset of about ``tickets`` tickets (generated once, then reused)."""
    folder = cache / label(tickets)
    marker = folder / ".bench-scale.json"
    customers = round(tickets / TICKETS_PER_CUSTOMER)
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("customers") == customers and info.get("seed") == SEED:
            return folder, info
    cmd = [sys.executable, "-m", "csm.cli", "sample-data", "--stream", "--seed", str(SEED),
           "--customers", str(customers), "--out", str(folder)]
    if chunk_customers:
        cmd += ["--chunk-customers", str(chunk_customers)]
    print(f"generating {folder} ({customers:,} customers) …", file=sys.stderr, flush=True)
    r = measure(cmd, env=child_env())
    if r["returncode"] != 0:
        raise SystemExit(f"generation failed ({r['returncode']}):\n{r['stderr']}")
    info = {"seed": SEED, "customers": customers, "tickets": count_rows(folder / "tickets"),
            "chunk_customers": chunk_customers, "generation_seconds": round(r["seconds"], 1),
            "generation_peak_mb": round(r["peak_mb"])}
    marker.write_text(json.dumps(info, indent=1) + "\n")
    return folder, info


def ensure_files(dataset: Path) -> Path:
    """The dataset as a folder of single files ``<table>.parquet`` (converted batch by batch, once)."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    folder = dataset.parent / f"{dataset.name}-files"
    done = folder / ".bench-scale.json"
    if done.exists() and done.read_text() == (dataset / ".bench-scale.json").read_text():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    print(f"converting {dataset} to single files in {folder} …", file=sys.stderr, flush=True)
    for name in TABLES:
        files = sorted((dataset / name).rglob("*.parquet"))
        schema = pq.read_schema(files[0])  # the file schema (no partition columns), with its pandas metadata
        source = ds.dataset([str(p) for p in files], schema=schema, format="parquet")
        tmp = folder / f".{name}.parquet.tmp"
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for batch in source.to_batches(batch_size=1_000_000):
                writer.write_batch(batch)
        os.replace(tmp, folder / f"{name}.parquet")
    done.write_text((dataset / ".bench-scale.json").read_text())
    return folder


def reads_datasets() -> bool:
    sys.path.insert(0, str(ROOT))
    try:
        return importlib.util.find_spec("csm.engine.sources") is not None
    except ModuleNotFoundError:
        return False
    finally:
        sys.path.pop(0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6,1e7", help="ticket counts, comma-separated (default: 1e6,1e7)")
    ap.add_argument("--reports", default=",".join(REPORTS),
                    help="reports, comma-separated (default: all five; none: generation and baseline only)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"dataset folder (default: {DEFAULT_CACHE})")
    ap.add_argument("--layout", choices=("auto", "dataset", "files"), default="auto",
                    help="data_dir given to the reports: the partitioned dataset or single files (default: auto)")
    ap.add_argument("--chunk-customers", type=int, help="generator chunk size (default: the generator's)")
    ap.add_argument("--timeout", type=float, default=3 * 3600, help="seconds per report (default: 10800)")
    ap.add_argument("--json", type=Path, help="also write the measurements to this JSON file")
    args = ap.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]
    reports = [r.strip() for r in args.reports.split(",") if r.strip() and r.strip() != "none"]
    unknown = sorted(set(reports) - set(REPORTS))
    if unknown:
        ap.error(f"unknown report(s) {', '.join(unknown)}; choose from {', '.join(REPORTS)}")
    layout = args.layout if args.layout != "auto" else ("dataset" if reads_datasets() else "files")
    print(f"layout: {layout} (data_dir = {'the partitioned dataset' if layout == 'dataset' else 'single files'})",
          file=sys.stderr)
    env = child_env()
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for size in sizes:
            dataset, info = ensure_dataset(args.cache, size, args.chunk_customers)
            data_dir = dataset if layout == "dataset" or not reports else ensure_files(dataset)
            row = {"size": label(size), "tickets": info["tickets"], "customers": info["customers"]}
            results.append({**row, "what": "generation (csm sample-data --stream)",
                            "seconds": info["generation_seconds"], "peak_mb": info["generation_peak_mb"],
                            "returncode": 0})
            scans = [measure([sys.executable, "-c", _SCAN, str(dataset / "tickets" / "**" / "*.parquet")], env=env)
                     for _ in range(3)]
            scan = min(scans, key=lambda r: r["seconds"])  # the fastest of three (file cache warm)
            results.append({**row, "what": "baseline: DuckDB scans the tickets", **scan})
            for report in reports:
                print(f"{label(size)}: {report} …", file=sys.stderr, flush=True)
                r = measure([sys.executable, "-m", "csm.cli", "run", report, "-p", f"data_dir={data_dir}",
                             "--reports-dir", str(Path(tmp) / "reports"), "--run-id", f"{label(size)}-{report}",
                             "--jobs", "1", "--timeout", "0"], env=env, timeout=args.timeout)
                if r["returncode"] != 0:
                    print(f"  failed ({r['returncode']}): {r['stderr'][-1500:]}", file=sys.stderr)
                results.append({**row, "what": report, **r})
    print_table(results, reports, sizes)
    if args.json:
        args.json.write_text(json.dumps([{k: v for k, v in r.items() if k != "stderr"} for r in results],
                                        indent=1) + "\n")
    return 0


def print_table(results: list[dict], reports: list[str], sizes: list[int]) -> None:
    base = {r["size"]: r["seconds"] for r in results if r["what"].startswith("baseline")}
    print(f"\n{'tickets':>12s}  {'what':42s} {'wall s':>9s} {'× scan':>8s} {'peak MB':>9s}  status")
    for r in results:
        status = "ok" if r["returncode"] == 0 else f"FAILED ({r['returncode']})"
        rel = r["seconds"] / base[r["size"]] if base.get(r["size"]) else float("nan")
        print(f"{r['tickets']:>12,}  {r['what']:42s} {r['seconds']:9.1f} {rel:8.1f} {r['peak_mb']:9.0f}  {status}")
    by = {(r["size"], r["what"]): r for r in results}
    labels = [label(s) for s in sizes]
    pairs = list(zip(labels, labels[1:]))
    if not pairs and not labels:
        return
    print(f"\n{'report':24s} " + " ".join(f"{b + '/' + a:>11s} {'(÷scan)':>8s}" for a, b in pairs)
          + "   peak at 10M (goal ≤ 2.5 GB)")
    for report in reports:
        cells = []
        for a, b in pairs:
            ra, rb = by.get((a, report)), by.get((b, report))
            ok = ra and rb and ra["returncode"] == 0 and rb["returncode"] == 0
            ratio = rb["seconds"] / ra["seconds"] if ok else float("nan")
            scaled = ratio / (base[b] / base[a]) if ok and base.get(a) and base.get(b) else float("nan")
            mark = "" if not ok or (a, b) != ("1M", "10M") else (" ok" if ratio <= GOAL_RATIO else " >4")
            cells.append(f"{ratio:8.2f}{mark:3s} {scaled:8.2f}")
        peak = by.get(("10M", report))
        peak_txt = ("—" if peak is None else f"{peak['peak_mb'] / 1024:.2f} GB "
                    + ("ok" if peak["returncode"] == 0 and peak["peak_mb"] / 1024 <= GOAL_PEAK_GB_10M else "over"))
        print(f"{report:24s} " + " ".join(cells) + f"   {peak_txt}")
    if "100M" in labels:
        done = [r for r in TICKET_REPORTS if r in reports and by.get(("100M", r), {}).get("returncode") == 0]
        print(f"\ncompleted at 100M: {', '.join(done) or 'none'} (goal: {', '.join(TICKET_REPORTS)})")
    print(f"goals: time(10M)/time(1M) ≤ {GOAL_RATIO:g} for {', '.join(TICKET_REPORTS)}; peak RSS of any "
          f"process ≤ {GOAL_PEAK_GB_10M} GB at 10M")


if __name__ == "__main__":
    raise SystemExit(main())
