"""Sentiment scoring throughput (csm.sentiment.score) against its baselines, measured in the same run.

Usage:  python benchmarks/bench_sentiment.py [--n 200000] [--baseline-n 20000] [--zh-csv FILE --zh-column review]
        [--en-csv FILE --en-column text] [--n-jobs N] [--repeat 3]

Corpora (seeded):
- **all-distinct**: every text occurs once. English: generated comments from phrase pieces with a random
  word order and a distinct number; Chinese: by default generated the same way from Chinese pieces; with
  ``--zh-csv`` / ``--en-csv`` real texts of a CSV column are used instead (e.g. the labelled review sets in
  ``shared/real``, outside the project: ``--zh-csv ../shared/real/zh_online_shopping_10_cats.csv``), de-duplicated.
- **duplicate-heavy**: ``--n`` texts drawn with replacement from the bundled sample's survey comments and a
  small set of generated comments (about 2% distinct).

Baselines in the same run, on the same texts: ``TextBlob(text).sentiment`` in a Python loop (English; on a random
subset of ``--baseline-n``), ``jieba.lcut`` of every Chinese text (the floor of the Chinese design: segmentation).
csm is timed with ``n_jobs=1`` and with ``--n-jobs`` (default: all cores). Memory: tracemalloc peak of score()
plus Arrow's allocations. English ``method="textblob"`` equality with TextBlob is checked on the distinct texts.

``--repeat R``: the TextBlob loop and the English one-process timings (csm cold each time: ``reset_scorers``) are
taken R times, alternating, and the fastest of each is kept, so that another job's load on a shared machine
lowers neither side alone; the ratios are of these best times.
"""
from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from csm import sentiment

ROOT = Path(__file__).resolve().parents[1]

EN_OPEN = ["The agent", "Support", "Your team", "The reply", "Delivery", "The refund", "The product", "Customer service",
           "The chat", "The courier", "The phone line", "My order", "The answer", "The return", "This shop"]
EN_MID = ["was", "is", "seemed", "felt", "has been", "was really", "was not", "is always", "was very", "was quite",
          "was extremely", "is never"]
EN_ADJ = ["slow", "fast", "helpful", "rude", "friendly", "useless", "great", "terrible", "ok", "late", "polite",
          "expensive", "cheap", "professional", "confusing", "excellent", "bad", "good", "awful", "quick", "patient",
          "disappointing", "amazing", "poor", "fine", "broken", "clear", "careless", "efficient", "annoying"]
EN_TAIL = ["", ".", "!", "!!", " today.", " again.", ", thanks.", ", I waited {n} hours.", " after {n} days.",
           " for order {n}.", ", not happy.", " as always.", ", would recommend.", ", never again."]
ZH_OPEN = ["客服", "快递", "售后", "退款", "产品", "回复", "物流", "商品", "服务", "这次购物", "骑手", "外卖", "包装", "味道",
           "价格", "质量", "房间", "前台", "手机", "衣服"]
ZH_MID = ["很", "非常", "太", "不太", "特别", "有点", "真的", "一点也不", "比较", "超级", "还算", "相当", "挺", "实在"]
ZH_ADJ = ["慢", "快", "好", "差", "耐心", "专业", "满意", "失望", "及时", "敷衍", "热情", "糟糕", "贵", "便宜", "靠谱",
          "干净", "新鲜", "难吃", "好吃", "舒服"]
ZH_JOIN = ["，", "，但是", "，不过", "，而且", "，就是", "。", "，可惜"]


def en_text(rng) -> str:
    text = " ".join([EN_OPEN[rng.integers(len(EN_OPEN))], EN_MID[rng.integers(len(EN_MID))],
                     EN_ADJ[rng.integers(len(EN_ADJ))]]) + EN_TAIL[rng.integers(len(EN_TAIL))]
    for _ in range(rng.integers(0, 3)):
        text += " " + EN_OPEN[rng.integers(len(EN_OPEN))].lower() + " " + EN_MID[rng.integers(len(EN_MID))] + \
            " " + EN_ADJ[rng.integers(len(EN_ADJ))] + "."
    return text.replace("{n}", str(int(rng.integers(1, 100_000))))


def zh_text(rng) -> str:
    parts = []
    for k in range(rng.integers(2, 5)):
        if k:
            parts.append(ZH_JOIN[rng.integers(len(ZH_JOIN))])
        parts.append(ZH_OPEN[rng.integers(len(ZH_OPEN))] + ZH_MID[rng.integers(len(ZH_MID))]
                     + ZH_ADJ[rng.integers(len(ZH_ADJ))])
    return "".join(parts) + "！"


def distinct(gen, n, rng) -> list[str]:
    seen, out = set(), []
    while len(out) < n:
        t = gen(rng)
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def from_csv(path, column, n, rng) -> list[str]:
    s = pd.read_csv(path)[column].dropna().astype(str).str.replace("\ufeff", "").drop_duplicates()
    s = s[s.str.len() > 0]
    return s.sample(min(n, len(s)), random_state=int(rng.integers(1 << 31))).tolist()


def duplicate_heavy(n, rng) -> list[str]:
    comments = pd.read_parquet(ROOT / "data" / "sample" / "responses.parquet", columns=["comment"])["comment"]
    pool = list(comments.dropna().unique()) + [en_text(rng) for _ in range(500)] + [zh_text(rng) for _ in range(500)]
    return [pool[i] for i in rng.integers(0, len(pool), n)]


def timed(fn):
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def peak_memory(texts, **kw) -> float:
    pool = pa.default_memory_pool()
    before = pool.bytes_allocated()
    tracemalloc.start()
    sentiment.score(texts, **kw)
    peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    return peak + (pool.max_memory() - before) / 2 ** 20


def bench(name, texts, args, textblob_rate, jieba_seconds=None):
    s = pd.Series(texts, dtype=object)
    sentiment.reset_scorers()
    sentiment.score(["warm up", "热身"], n_jobs=1)   # lexicons, jieba's dictionary, model: outside the timing
    _, one = timed(lambda: sentiment.score(s, n_jobs=1))
    sentiment.reset_scorers()
    sentiment.score(["warm up", "热身"], n_jobs=1)
    _, many = timed(lambda: sentiment.score(s, n_jobs=args.n_jobs))
    line = (f"  {name}: {len(s):,} texts ({s.nunique() / len(s):.1%} distinct): n_jobs=1 {len(s) / one:,.0f} texts/s, "
            f"n_jobs={args.n_jobs or os.cpu_count()} {len(s) / many:,.0f} texts/s")
    if textblob_rate:
        line += f"; vs TextBlob loop {len(s) / one / textblob_rate:.1f}x (1 job), {len(s) / many / textblob_rate:.1f}x"
    if jieba_seconds:
        line += f"; time / jieba segmentation {one / jieba_seconds:.2f} (1 job), {many / jieba_seconds:.2f}"
    print(line, flush=True)
    sentiment.reset_scorers()
    sentiment.score(["warm up", "热身"], n_jobs=1)
    print(f"    peak allocation of score(n_jobs=1): {peak_memory(s, n_jobs=1):,.0f} MiB", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--baseline-n", type=int, default=20_000)
    ap.add_argument("--zh-csv", type=Path)
    ap.add_argument("--zh-column", default="review")
    ap.add_argument("--en-csv", type=Path)
    ap.add_argument("--en-column", default="text")
    ap.add_argument("--n-jobs", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3, help="best of R alternating timings (TextBlob loop, English)")
    args = ap.parse_args(argv)
    from textblob import TextBlob
    import jieba
    rng = np.random.default_rng(0)
    en = from_csv(args.en_csv, args.en_column, args.n, rng) if args.en_csv else distinct(en_text, args.n, rng)
    zh = from_csv(args.zh_csv, args.zh_column, args.n, rng) if args.zh_csv else distinct(zh_text, args.n, rng)
    dup = duplicate_heavy(args.n, rng)
    print(f"cores: {os.cpu_count()}; English distinct: {len(en):,} ({'file' if args.en_csv else 'generated'}), "
          f"Chinese distinct: {len(zh):,} ({'file' if args.zh_csv else 'generated'}), duplicate-heavy: {len(dup):,}")

    sub = [en[i] for i in rng.choice(len(en), min(args.baseline_n, len(en)), replace=False)]
    TextBlob("warm up, loads the lexicon").sentiment      # pattern loads its lexicon on first use: outside the timing
    s_en = pd.Series(en, dtype=object)
    tb_times, en_times = [], []
    for _ in range(max(1, args.repeat)):                # alternating: a burst of load hits both sides alike
        tb_times.append(timed(lambda: [TextBlob(x).sentiment for x in sub])[1])
        sentiment.reset_scorers()
        sentiment.score(["warm up", "热身"], n_jobs=1)
        en_times.append(timed(lambda: sentiment.score(s_en, n_jobs=1))[1])
    textblob_rate = len(sub) / min(tb_times)
    print(f"baseline TextBlob(text).sentiment loop: {textblob_rate:,.0f} texts/s ({len(sub):,} distinct English texts; "
          f"best of {len(tb_times)}: {', '.join(f'{len(sub) / t:,.0f}' for t in tb_times)})")
    print(f"English all distinct (method='vader'), n_jobs=1, best of {len(en_times)}: "
          f"{len(en) / min(en_times):,.0f} texts/s = {len(en) / min(en_times) / textblob_rate:.1f}x the TextBlob loop "
          f"(each run: {', '.join(f'{len(en) / t / (len(sub) / b):.1f}x' for t, b in zip(en_times, tb_times))})")
    tok = jieba.Tokenizer()
    tok.initialize()
    _, jieba_s = timed(lambda: [tok.lcut(x) for x in zh])
    print(f"baseline jieba.lcut of the {len(zh):,} Chinese texts: {jieba_s:.2f} s = {len(zh) / jieba_s:,.0f} texts/s")

    print("csm.sentiment.score:")
    bench("English, all distinct (method='vader')", en, args, textblob_rate)
    s = pd.Series(en, dtype=object)
    sentiment.reset_scorers()
    sentiment.score(["warm up"], method="textblob", n_jobs=1)
    _, t1 = timed(lambda: sentiment.score(s, method="textblob", n_jobs=1))
    print(f"  English, all distinct (method='textblob'), n_jobs=1: {len(s) / t1:,.0f} texts/s, "
          f"{len(s) / t1 / textblob_rate:.1f}x the TextBlob loop")
    bench("Chinese, all distinct", zh, args, None, jieba_s)
    bench("duplicate-heavy (sample comments, en+zh)", dup, args, textblob_rate)

    # equality of method="textblob" with TextBlob on the baseline subset
    got = sentiment.score(sub, method="textblob", n_jobs=1)
    ref = np.array([tuple(TextBlob(x).sentiment) for x in sub])
    m = (got["language"] == "en").to_numpy()
    dp = np.abs(ref[m, 0] - got["polarity"].to_numpy()[m]).max()
    ds = np.abs(ref[m, 1] - got["subjectivity"].to_numpy()[m]).max()
    print(f"method='textblob' vs TextBlob on {int(m.sum()):,} texts: max |Δpolarity| {dp:.3g}, "
          f"max |Δsubjectivity| {ds:.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
