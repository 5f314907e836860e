"""Sentiment scoring of 1,000,000 short comments (English and Chinese) with csm.sentiment.score.

Usage:  python benchmarks/bench_sentiment.py [--n 1000000] [--baseline-n 20000]

Corpus (seeded): half the comments are survey comments of the bundled sample data (drawn with
replacement: real template repetition), half are generated short comments from phrase pieces, numbers and
product names in English and Chinese (mostly distinct). The script prints the share of distinct texts.

Baseline measured in the same run: ``TextBlob(text).sentiment`` in a Python loop over a random subset of
``--baseline-n`` comments of the same corpus (the full million would take most of an hour); its throughput is
extrapolated (texts per second). csm scores the whole corpus (with its progress bar on stderr).

Equality: every distinct English text of the corpus is scored by TextBlob and compared with csm's
polarity/subjectivity (max absolute difference; identical texts give identical scores, so this covers the whole
corpus). Memory: tracemalloc peak of score() at n/2 and n comments, against the size of the result columns
(the word, token-sequence and clause caches are bounded, 50,000 entries each; both sizes fill them).
"""
from __future__ import annotations

import argparse
import gc
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
ZH_OPEN = ["客服", "快递", "售后", "退款", "产品", "回复", "物流", "商品", "服务", "这次购物"]
ZH_MID = ["很", "非常", "太", "不太", "特别", "有点", "真的", "一点也不", "比较", "超级"]
ZH_ADJ = ["慢", "快", "好", "差", "耐心", "专业", "满意", "失望", "及时", "敷衍", "热情", "糟糕", "贵", "便宜", "靠谱"]
ZH_TAIL = ["", "。", "！", "，谢谢！", "，等了{n}天。", "，订单{n}。", "，下次还来。", "，再也不买了。", "，还行。"]


def corpus(n: int, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    comments = pd.read_parquet(ROOT / "data" / "sample" / "responses.parquet", columns=["comment"])["comment"]
    comments = comments.dropna().to_numpy(dtype=object)
    out = np.empty(n, dtype=object)
    from_sample = rng.random(n) < 0.5
    out[from_sample] = comments[rng.integers(0, len(comments), from_sample.sum())]
    gen = np.flatnonzero(~from_sample)
    zh = rng.random(len(gen)) < 0.5
    for i, is_zh in zip(gen, zh):
        if is_zh:
            text = (ZH_OPEN[rng.integers(len(ZH_OPEN))] + ZH_MID[rng.integers(len(ZH_MID))]
                    + ZH_ADJ[rng.integers(len(ZH_ADJ))] + ZH_TAIL[rng.integers(len(ZH_TAIL))])
        else:
            text = " ".join([EN_OPEN[rng.integers(len(EN_OPEN))], EN_MID[rng.integers(len(EN_MID))],
                             EN_ADJ[rng.integers(len(EN_ADJ))]]) + EN_TAIL[rng.integers(len(EN_TAIL))]
            if rng.random() < 0.3:
                text += " " + EN_OPEN[rng.integers(len(EN_OPEN))].lower() + " " + EN_ADJ[rng.integers(len(EN_ADJ))]
        out[i] = text.replace("{n}", str(int(rng.integers(1, 100_000))))
    return pd.Series(out, dtype=object, name="comment")


def fresh_scorers():
    sentiment._SCORERS.clear()
    gc.collect()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--baseline-n", type=int, default=20_000)
    args = ap.parse_args(argv)
    from textblob import TextBlob

    texts = corpus(args.n)
    distinct = texts.nunique()
    print(f"corpus: {args.n:,} comments, {distinct:,} distinct ({distinct / args.n:.1%}); "
          f"mean length {texts.str.len().mean():.0f} characters")

    rng = np.random.default_rng(1)
    subset = texts.iloc[rng.choice(args.n, args.baseline_n, replace=False)].tolist()
    t0 = time.perf_counter()
    for t in subset:
        _ = TextBlob(t).sentiment
    base = args.baseline_n / (time.perf_counter() - t0)
    print(f"baseline TextBlob(text).sentiment loop: {base:,.0f} texts/s (timed on {args.baseline_n:,} random "
          f"comments; {args.n / base / 60:.1f} min extrapolated for {args.n:,})")

    sentiment.score(["warm up", "热身"])   # load lexicons and jieba's dictionary outside the timing
    t0 = time.perf_counter()
    result = sentiment.score(pd.Series(texts), progress=True)
    seconds = time.perf_counter() - t0
    csm_rate = args.n / seconds
    print(f"csm.sentiment.score: {seconds:.1f} s for {args.n:,} = {csm_rate:,.0f} texts/s "
          f"(cold caches at the start of the call are warm for nothing but the warm-up text)")
    print(f"throughput ratio csm / TextBlob loop: {csm_rate / base:.1f}x")
    print("languages:", result["language"].value_counts().to_dict())

    # equality with TextBlob on every distinct English text
    en = result["language"] == "en"
    uniq = pd.DataFrame({"text": texts[en], "p": result["polarity"][en], "s": result["subjectivity"][en]})
    uniq = uniq.drop_duplicates("text")
    ref = np.array([tuple(TextBlob(t).sentiment) for t in uniq["text"]])
    dp = np.abs(ref[:, 0] - uniq["p"].to_numpy()).max()
    ds = np.abs(ref[:, 1] - uniq["s"].to_numpy()).max()
    print(f"English equality on all {len(uniq):,} distinct English texts ({int(en.sum()):,} comments): "
          f"max |Δpolarity| = {dp:.3g}, max |Δsubjectivity| = {ds:.3g}")

    # memory: peak allocation during score() at two sizes (fresh caches each time)
    for size in (args.n // 2, args.n):
        part = pd.Series(texts.iloc[:size])
        fresh_scorers()
        sentiment.score(["warm up", "热身"])
        pool = pa.default_memory_pool()
        arrow_before = pool.bytes_allocated()
        tracemalloc.start()
        res = sentiment.score(part, progress=False)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        peak += (pool.max_memory() - arrow_before) / 2**20   # Arrow buffers (str columns) are not traced
        result_mb = res.memory_usage(deep=True).sum() / 2**20
        caches = sentiment._english().word_tokens, sentiment._english().tokens, sentiment._chinese().clauses
        print(f"peak allocation of score() on {size:,} comments: {peak:,.0f} MiB "
              f"(result frame {result_mb:,.0f} MiB; peak minus result {peak - result_mb:,.0f} MiB; "
              f"cache entries now {', '.join(f'{len(c):,}' for c in caches)})")
        del res
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
