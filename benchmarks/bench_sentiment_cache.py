"""The sentiment score cache: a second month's run with a warm cache against a cold one (time and peak RSS).

Usage:  python benchmarks/bench_sentiment_cache.py [--n 200000] [--new 0.1] [--n-jobs 1] [--folder DIR]

A monthly report scores the texts of its lookback window: ``--n`` distinct texts (half English, half Chinese,
generated as in bench_sentiment.py, all distinct: the worst case for scoring), of which the share ``--new`` arrived
this month; the others were scored by last month's run. Each mode runs in a fresh process (the figures include
loading the scorers) that reads the texts from a Parquet file:

- ``plain``:     ``csm.sentiment.score(texts)`` — no cache (the report without ``sentiment_cache_dir``)
- ``cold``:      ``score_texts(texts, cache_dir=empty folder)`` — first run: everything scored and stored
- ``warm``:      ``score_texts(texts, cache_dir=…)`` after last month's run filled the cache with the old texts
- ``rel-cold`` / ``rel-warm``: the engine path — ``score_relation`` over the Parquet file read by DuckDB (the texts
  never become a pandas frame), then shares by label and language computed in the engine

Time: wall seconds and CPU seconds (user + system, of the process and its worker processes; steadier than wall
time on a shared machine) of the scoring call. Peak RSS is the process's ``ru_maxrss`` (texts read, scorers loaded, scoring done); ``rss_before`` is the same
before scoring. Results of ``warm`` are checked to equal ``plain`` exactly.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process and its finished children (user + system): less disturbed than wall time by
    other jobs on a shared machine."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def make_texts(path: Path, n: int, new: float, seed: int = 7) -> None:
    import numpy as np
    import pandas as pd
    from bench_sentiment import distinct, en_text, zh_text
    rng = np.random.default_rng(seed)
    texts = distinct(en_text, n // 2, rng) + distinct(zh_text, n - n // 2, rng)
    order = rng.permutation(n)
    texts = [texts[k] for k in order]
    n_new = int(round(n * new))
    frame = pd.DataFrame({"comment_id": np.arange(n), "comment": pd.Series(texts, dtype=object),
                          "new": np.arange(n) >= n - n_new})
    frame.to_parquet(path, index=False)


def child(mode: str, texts_file: str, cache_dir: str, n_jobs: int, check: str | None) -> dict:
    import pandas as pd
    from csm import sentiment
    from csm.sentiment.batch import score_relation, score_texts
    frame = pd.read_parquet(texts_file) if not mode.startswith("rel") else None
    if mode == "fill":   # last month's run: the old texts only
        old = frame.loc[~frame["new"], "comment"]
        score_texts(old, cache_dir=cache_dir, n_jobs=n_jobs)
        return {}
    before = rss_mb()
    stats: dict = {}
    t = time.perf_counter()
    cpu = _cpu()
    if mode == "plain":
        out = sentiment.score(frame["comment"], n_jobs=n_jobs)
    elif mode in ("cold", "warm"):
        out = score_texts(frame["comment"], cache_dir=cache_dir, n_jobs=n_jobs, stats=stats)
    else:
        import ibis
        from csm.engine import default_engine
        con = default_engine().con
        rel = con.read_parquet(texts_file)
        scored = score_relation(rel, "comment", cache_dir=cache_dir, n_jobs=n_jobs, stats=stats)
        out = scored.group_by(["language", "label"]).agg(n=ibis._.count(), mean_polarity=ibis._.polarity.mean()) \
            .order_by(["language", "label"]).execute()
    seconds = time.perf_counter() - t
    cpu = _cpu() - cpu
    if check:
        out.to_parquet(check)
    return {"mode": mode, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "rss_before_mb": round(before), "peak_rss_mb": round(rss_mb()),
            "scored": stats.get("scored"), "cached": stats.get("cached")}


def run_child(*args) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *map(str, args)], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--new", type=float, default=0.1)
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--folder", type=Path, default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        mode, texts_file, cache_dir, n_jobs, check = args.child
        print(json.dumps(child(mode, texts_file, cache_dir, int(n_jobs), None if check == "-" else check)))
        return 0
    import pandas as pd
    work = args.folder or Path(tempfile.mkdtemp(prefix="bench_sentiment_cache_"))
    work.mkdir(parents=True, exist_ok=True)
    texts = work / "texts.parquet"
    t = time.perf_counter()
    make_texts(texts, args.n, args.new)
    print(f"{args.n:,} distinct texts ({args.new:.0%} new), generated in {time.perf_counter() - t:.1f} s; "
          f"n_jobs={args.n_jobs}")
    rows = []
    rows.append(run_child("plain", texts, "-", args.n_jobs, work / "plain.parquet"))
    for prefix in ("", "rel-"):
        cache_dir = work / f"cache{prefix}"
        shutil.rmtree(cache_dir, ignore_errors=True)
        rows.append(run_child(f"{prefix}cold", texts, cache_dir, args.n_jobs, "-"))
        shutil.rmtree(cache_dir, ignore_errors=True)
        run_child("fill", texts, cache_dir, args.n_jobs, "-")
        rows.append(run_child(f"{prefix}warm", texts, cache_dir, args.n_jobs,
                              work / "warm.parquet" if not prefix else "-"))
    same = pd.read_parquet(work / "plain.parquet").equals(pd.read_parquet(work / "warm.parquet"))
    table = pd.DataFrame(rows)
    base = table.set_index("mode")["seconds"]
    cpu = table.set_index("mode")["cpu_seconds"]
    table["time_vs_plain"] = (table["seconds"] / base["plain"]).round(3)
    table["cpu_vs_plain"] = (table["cpu_seconds"] / cpu["plain"]).round(3)
    print(table.to_string(index=False))
    print(f"warm / cold, wall: {base['warm'] / base['cold']:.3f} (frame), {base['rel-warm'] / base['rel-cold']:.3f} "
          f"(engine); CPU: {cpu['warm'] / cpu['cold']:.3f} (frame), {cpu['rel-warm'] / cpu['rel-cold']:.3f} (engine); "
          f"warm results equal plain score(): {same}")
    size = sum(p.stat().st_size for p in (work / "cache").rglob("*.parquet"))
    print(f"cache size: {size / 1e6:.1f} MB for {args.n:,} texts ({size / args.n:.0f} bytes per text)")
    if args.folder is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
