"""Would a supervised English model beat the default (VADER + service words)? Honest held-out evaluation.

Usage (offline; scikit-learn is a build-time tool only, never a runtime dependency of csm)::

    pip install --target /tmp/sk scikit-learn
    # VADER's human-rated sets into /tmp/vs/hutto_ICWSM_2014: see tools/eval_en_sentiment.py
    PYTHONPATH=.:/tmp/sk python tools/eval_en_supervised.py /tmp/vs/hutto_ICWSM_2014 --results /tmp/en_supervised.json

Model: L2 logistic regression (class-balanced) on binary word unigrams + bigrams (lower-cased tokens
``[a-z0-9]+('[a-z]+)?``, ``!`` and ``?``; features seen in ≥ 2 training texts) plus two dense features, csm's VADER
compound and TextBlob polarity (× ``--dense-scale``; ``--features words`` / ``dense`` for n-grams only / the two
scores only). Hyperparameters fixed before any test fold was seen
(C = 1, scikit-learn's default; dense scale 3); ``--C`` / ``--dense-scale`` give sensitivity runs, which must
not be read as tuned results.

Protocols (texts whose mean rating is 0 left out; truth = mean rating > 0; right when the sign matches, 0 wrong):
- **leave-one-set-out**: train on the other three sets, test on the held-out one (tweets held out = social text
  the model never saw; movie / Amazon held out = a review source it never saw);
- **within-set K-fold** (stratified, K = 5, seed 0): train on K − 1 folds of one set only, test on the last.
Baselines on the same texts: csm's ``vader`` (the default) and ``textblob`` methods (no training; VADER's lexicon
was tuned on these sets, so VADER's figures are in-sample for VADER). Wilson 95% intervals.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from csm import sentiment  # noqa: E402
from csm.stats import wilson_interval  # noqa: E402
from eval_en_sentiment import SETS, read  # noqa: E402

TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]")


def features(text: str) -> list[str]:
    words = TOKEN.findall(text.lower())
    return words + [a + " " + b for a, b in zip(words, words[1:])]


def fit_predict(d, train, test, C, dense_scale, use="both"):
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    dense = d[["vader", "textblob"]].to_numpy() * dense_scale
    parts_train, parts_test = [], []
    if use in ("both", "words"):
        cv = CountVectorizer(analyzer=features, binary=True, min_df=2)
        parts_train.append(cv.fit_transform(d["text"][train]))
        parts_test.append(cv.transform(d["text"][test]))
    if use in ("both", "dense"):
        parts_train.append(sparse.csr_matrix(dense[train]))
        parts_test.append(sparse.csr_matrix(dense[test]))
    x_train, x_test = sparse.hstack(parts_train).tocsr(), sparse.hstack(parts_test).tocsr()
    y = (d["rating"] > 0).to_numpy()
    model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(x_train, y[train])
    return model.decision_function(x_test)


def row(protocol, method, name, y, z):
    right = (y & (z > 0)) | (~y & (z < 0))
    k, n = int(right.sum()), len(right)
    ci = wilson_interval(k, n, confidence=0.95)
    return {"protocol": protocol, "method": method, "set": name, "n": n, "accuracy": k / n,
            "ci_low": float(ci["ci_low"].iloc[0]), "ci_high": float(ci["ci_high"].iloc[0]),
            "share_zero": float((z == 0).mean()), "positive_recall": float(right[y].mean()),
            "negative_recall": float(right[~y].mean())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--results", type=Path, default=Path("/tmp/en_supervised.json"))
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--dense-scale", type=float, default=3.0)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--features", choices=["both", "words", "dense"], default="both",
                    help="word n-grams and the two lexicon scores (default), n-grams only, or the two scores only")
    args = ap.parse_args()
    from sklearn.model_selection import StratifiedKFold
    d = read(args.folder)
    for method in sentiment.METHODS:
        d[method] = sentiment.score(d["text"], method=method, n_jobs=1)["polarity"].fillna(0).to_numpy()
    y = (d["rating"] > 0).to_numpy()
    out = []

    def emit(r):
        out.append(r)
        print(json.dumps(r), flush=True)

    for name in SETS:
        m = (d["set"] == name).to_numpy()
        for method in sentiment.METHODS:
            emit(row("no training", method, name, y[m], d[method].to_numpy()[m]))
        z_out = fit_predict(d, ~m, m, args.C, args.dense_scale, args.features)
        emit(row("leave-one-set-out", f"supervised ({args.features})", name, y[m], z_out))
        idx = np.flatnonzero(m)
        z = np.zeros(len(idx))
        for tr, te in StratifiedKFold(args.folds, shuffle=True, random_state=0).split(idx, y[idx]):
            train = np.zeros(len(d), bool)
            train[idx[tr]] = True
            test = np.zeros(len(d), bool)
            test[idx[te]] = True
            z[te] = fit_predict(d, train, test, args.C, args.dense_scale, args.features)
        emit(row(f"within-set {args.folds}-fold", f"supervised ({args.features})", name, y[m], z))
    meta = {"C": args.C, "dense_scale": args.dense_scale, "features": args.features}
    args.results.write_text(json.dumps({**meta, "rows": out}, indent=1))


if __name__ == "__main__":
    main()
