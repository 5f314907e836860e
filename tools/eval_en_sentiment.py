"""Accuracy of csm's English sentiment methods on VADER's human-rated ground-truth sets.

Usage (offline; the data is not part of the project)::

    pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 -d /tmp/vs
    tar xzf /tmp/vs/vaderSentiment-3.3.2.tar.gz -C /tmp/vs
    tar xzf /tmp/vs/vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz -C /tmp/vs
    PYTHONPATH=. python tools/eval_en_sentiment.py /tmp/vs/hutto_ICWSM_2014 [--results /tmp/en_results.json]

The sdist of vaderSentiment 3.3.2 (MIT licence, C.J. Hutto) ships ``additional_resources/hutto_ICWSM_2014.tar.gz``:
tweets (4,200), movie-review snippets (10,605), Amazon product-review snippets (3,708) and NYT editorial snippets
(5,190), each rated by about 20 people on −4…4 (the file gives the mean). Texts whose mean rating is exactly 0
are left out; truth = mean > 0. A method is right when polarity > 0 for a positive and < 0 for a negative text
(polarity 0 counts as wrong, as in ``csm.sentiment.polarity_accuracy``), and, as in the issue, with "polarity
> 0 as positive" (0 read as negative). Wilson 95% intervals.

Caveat: VADER's lexicon was built and its rules tuned on these sets (Hutto & Gilbert 2014), so VADER's figures
here are in-sample for VADER, not an out-of-domain measurement.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csm import sentiment  # noqa: E402
from csm.stats import wilson_interval  # noqa: E402

SETS = {"tweets": "social", "movieReviewSnippets": "review", "amazonReviewSnippets": "review",
        "nytEditorialSnippets": "editorial"}


def read(folder: Path) -> pd.DataFrame:
    rows = []
    for name in SETS:
        with open(folder / f"{name}_GroundTruth.txt", encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 3:
                    rows.append((name, float(parts[1]), "\t".join(parts[2:])))
    d = pd.DataFrame(rows, columns=["set", "rating", "text"])
    return d[d["rating"] != 0].reset_index(drop=True)


def acc(correct) -> dict:
    k, n = int(correct.sum()), len(correct)
    ci = wilson_interval(k, n, confidence=0.95)
    return {"n": n, "accuracy": k / n, "ci_low": float(ci["ci_low"].iloc[0]), "ci_high": float(ci["ci_high"].iloc[0])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--results", type=Path, default=Path("/tmp/en_sentiment_results.json"))
    args = ap.parse_args()
    d = read(args.folder)
    out = []
    for method in sentiment.METHODS:
        pol = sentiment.score(d["text"], method=method, n_jobs=1)["polarity"].to_numpy()
        y = (d["rating"] > 0).to_numpy()
        groups = [(s, (d["set"] == s).to_numpy()) for s in SETS] + [
            ("reviews+tweets", (d["set"] != "nytEditorialSnippets").to_numpy()), ("all", np.ones(len(d), bool))]
        for name, m in groups:
            strict = ((y & (pol > 0)) | (~y & (pol < 0)))[m]
            loose = ((pol > 0) == y)[m]
            row = {"method": method, "set": name, **acc(strict), "accuracy_zero_as_negative": float(loose.mean()),
                   "share_zero": float((pol[m] == 0).mean()),
                   "positive_recall": float(strict[y[m]].mean()), "negative_recall": float(strict[~y[m]].mean())}
            out.append(row)
            print(json.dumps(row))
    args.results.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
