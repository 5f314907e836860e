"""Summaries of scored texts for the report, tidy and with intervals: shares per group and period, the
headline of a period against its comparison, agreement with the customers' ratings, calibration, language mix."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as st

from csm.compat import STR
from csm.errors import DataError
from csm.periods import Period
from csm.sentiment.score import LABELS
from csm.stats import mean_interval, mean_interval_from_stats, proportion_difference, wilson_interval

__all__ = ["NO_TICKET", "Headline", "sentiment_by", "sentiment_trend", "rating_labels", "rating_agreement",
           "confusion_table", "confusion_matrix", "polarity_accuracy", "period_headline", "calibration_by_rating",
           "trust_by_language", "language_mix", "mix_extremes", "wilson", "require_columns", "CALIBRATION_BINS",
           "MIX_DIFFERS", "MIX_MIN_TEXTS", "sentiment_from_counts", "headline_from_counts", "language_mix_from_counts",
           "spearman_from_sums", "validity_from_counts"]

#: Group code of comments from surveys without a ticket (relationship surveys) in channel/team/agent/category.
NO_TICKET = "no_ticket"



def _rho_interval(rho: float, p: float, n: int, z: float) -> dict:
    """Spearman's ρ with its Bonett–Wright interval (se = √((1 + ρ²/2)/(n − 3)) on atanh ρ) and p-value;
    all missing below 4 pairs."""
    if n < 4:
        return {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
    se = math.sqrt((1 + rho ** 2 / 2) / (n - 3))
    return {"estimate": rho, "ci_low": math.tanh(math.atanh(rho) - z * se),
            "ci_high": math.tanh(math.atanh(rho) + z * se), "p_value": p}

def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson interval of ``k`` of ``n`` as two floats (NaN, NaN for n = 0): :func:`csm.stats.wilson_interval`."""
    if not n:
        return np.nan, np.nan
    w = wilson_interval(k, n, confidence=confidence)
    return float(w["ci_low"].iloc[0]), float(w["ci_high"].iloc[0])



def require_columns(frame: pd.DataFrame, columns, what: str):
    """Raise :class:`DataError` naming the columns of ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{what}: the table has no column(s) {missing}; it has {list(frame.columns)}. "
                        "Score the comments with csm.sentiment.score and join them to the responses first.")


def sentiment_by(scored: pd.DataFrame, by: str | list[str] | None = None, *, confidence: float = 0.95) -> pd.DataFrame:
    """Per group: ``n`` scored texts, ``share_negative``/``share_neutral``/``share_positive`` with Wilson
    intervals (``ci_low``/``ci_high`` belong to the negative share), ``mean_polarity`` with a t interval
    (``polarity_ci_low``/``polarity_ci_high``). Texts without a label (no words) are left out.
    """
    by_list = [] if by is None else [by] if isinstance(by, str) else list(by)
    require_columns(scored, ["polarity", "label", *by_list], "sentiment_by")
    d = scored[scored["label"].notna()]
    groups = d.groupby(by_list, dropna=False, sort=True) if by_list else [((), d)]
    rows = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        n = len(g)
        row = dict(zip(by_list, key))
        row["n"] = n
        for lab in ("negative", "neutral", "positive"):
            row[f"share_{lab}"] = (g["label"] == lab).mean() if n else np.nan
        k = int((g["label"] == "negative").sum())
        lo, hi = wilson(k, n, confidence)
        row["ci_low"], row["ci_high"] = lo, hi
        mean = mean_interval(g["polarity"].to_numpy(dtype=float), confidence=confidence).iloc[0]
        row["mean_polarity"] = mean["estimate"]
        row["polarity_ci_low"], row["polarity_ci_high"] = mean["ci_low"], mean["ci_high"]
        rows.append(row)
    return pd.DataFrame(rows)


def sentiment_trend(scored: pd.DataFrame, time: str = "submitted_at", *, freq: str = "MS", by: str | None = None,
                    period: Period | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`sentiment_by` per calendar period (``period_start``; ``freq`` "MS" months, "W-MON" weeks) of the
    texts in ``period`` (:meth:`csm.periods.Period.contains`; all texts when None)."""
    require_columns(scored, [time], "sentiment_trend")
    d = scored if period is None else scored[period.contains(scored[time])]
    d = d.assign(period_start=d[time].dt.to_period("M" if freq == "MS" else freq).dt.start_time)
    return sentiment_by(d, ["period_start"] + ([by] if by else []), confidence=confidence)


def rating_labels(csat=None, nps=None) -> pd.Series:
    """Sentiment label implied by a rating: CSAT 1–2 / 3 / 4–5 or NPS 0–6 / 7–8 / 9–10 →
    negative / neutral / positive (CSAT when both are given)."""
    out = pd.Series(None, index=(csat if csat is not None else nps).index, dtype=STR)
    if nps is not None:
        n = pd.Series(nps, dtype=float)
        out = out.mask(n <= 6, "negative").mask(n.between(7, 8), "neutral").mask(n >= 9, "positive")
    if csat is not None:
        c = pd.Series(csat, dtype=float)
        out = out.mask(c <= 2, "negative").mask(c == 3, "neutral").mask(c >= 4, "positive")
    return out.rename("rating_label")


def rating_agreement(scored: pd.DataFrame, *, by: str = "language", confidence: float = 0.95) -> pd.DataFrame:
    """How the text sentiment agrees with the rating given in the same response, per ``by``.

    Rows per group and rating (``csat``, ``nps``): ``n``, Spearman's ρ of polarity with the rating
    (``estimate``, ``p_value``; interval by Fisher's z with the Bonett–Wright variance
    (1 + ρ²/2)/(n − 3)), and ``agreement``: share of texts whose label equals the label implied by
    the rating (:func:`rating_labels`), with a Wilson interval (``agreement_ci_low/high``).
    """
    require_columns(scored, ["polarity", "label", by], "rating_agreement")
    z = st.norm.ppf(0.5 + confidence / 2)
    rows = []
    for key, g in scored[scored["label"].notna()].groupby(by, sort=True):
        for rating in ("csat", "nps"):
            if rating not in g.columns:
                continue
            h = g[g[rating].notna()]
            n = len(h)
            row = {by: key, "rating": rating, "n": n}
            row.update(_rho_interval(*(st.spearmanr(h["polarity"], h[rating]) if n >= 4 else (np.nan, np.nan)),
                                     n, z))
            expected = rating_labels(csat=h["csat"]) if rating == "csat" else rating_labels(nps=h["nps"])
            k = int((expected == h["label"]).sum())
            row["agreement"] = k / n if n else np.nan
            row["agreement_ci_low"], row["agreement_ci_high"] = wilson(k, n, confidence)
            rows.append(row)
    return pd.DataFrame(rows)


def confusion_table(scored: pd.DataFrame, rating: str = "csat") -> pd.DataFrame:
    """Counts of text label (rows) × rating-derived label (columns), long: ``label``, ``rating_label``, ``n``."""
    require_columns(scored, ["label", rating], "confusion_table")
    h = scored[scored["label"].notna() & scored[rating].notna()]
    expected = rating_labels(csat=h[rating]) if rating == "csat" else rating_labels(nps=h[rating])
    full = pd.MultiIndex.from_product([LABELS, LABELS], names=["label", "rating_label"])
    counts = pd.crosstab(h["label"], expected).stack()
    counts.index.names = ["label", "rating_label"]
    return counts.reindex(full, fill_value=0).rename("n").reset_index()



def polarity_accuracy(polarity, truth, *, confidence: float = 0.95) -> dict:
    """Binary accuracy of polarity against human labels ("positive"/"negative"): a text counts as
    correct when its polarity is > 0 for positive and < 0 for negative (0 is wrong). Returns
    ``n``, ``accuracy`` with a Wilson interval, ``coverage`` (share with polarity ≠ 0) and the
    majority-class baseline."""
    p = pd.Series(polarity, dtype=float).to_numpy()
    y = pd.Series(truth, dtype=object).to_numpy()
    bad = set(pd.unique(y)) - {"positive", "negative"}
    if bad:
        raise DataError(f"polarity_accuracy: labels must be 'positive' or 'negative'; found {sorted(map(str, bad))}")
    correct = ((y == "positive") & (p > 0)) | ((y == "negative") & (p < 0))
    n, k = len(y), int(correct.sum())
    lo, hi = wilson(k, n, confidence)
    majority = max((y == "positive").mean(), (y == "negative").mean())
    return {"n": n, "accuracy": k / n, "ci_low": lo, "ci_high": hi, "coverage": float((p != 0).mean()),
            "majority_baseline": float(majority)}




@dataclass(frozen=True)
class Headline:
    """Negative share of the texts in a period (``n`` texts, ``negative`` of them, ``share_negative`` with a Wilson
    interval ``ci_low``/``ci_high``) and against a comparison period (``previous_n``, ``previous_share_negative``,
    ``difference`` with a Newcombe interval ``difference_ci_low``/``difference_ci_high`` and a two-proportion z test
    ``p_value``; NaN without a comparison or with an empty one)."""

    n: int
    negative: int
    share_negative: float
    ci_low: float
    ci_high: float
    previous_n: int = 0
    previous_share_negative: float = np.nan
    difference: float = np.nan
    difference_ci_low: float = np.nan
    difference_ci_high: float = np.nan
    p_value: float = np.nan


def period_headline(scored: pd.DataFrame, current: Period, previous: Period | None = None, *,
                    time: str = "submitted_at", confidence: float = 0.95) -> Headline:
    """:class:`Headline` of the labelled texts whose ``time`` lies in ``current`` (:meth:`Period.contains`:
    a text stamped at the first instant after the period is outside it), against ``previous``."""
    labelled = scored[scored["label"].notna()]

    def part(period: Period) -> tuple[int, int]:
        d = labelled[period.contains(labelled[time])]
        return int((d["label"] == "negative").sum()), len(d)

    return headline_from_counts(*part(current), *(part(previous) if previous is not None else (None, None)),
                                confidence=confidence)


def headline_from_counts(k: int, n: int, k2: int | None = None, n2: int | None = None, *,
                         confidence: float = 0.95) -> Headline:
    """:class:`Headline` from counts: ``k`` negative of ``n`` texts in the period, ``k2`` of ``n2`` in the
    comparison (None: no comparison)."""
    lo, hi = wilson(k, n, confidence)
    head = Headline(n=n, negative=k, share_negative=k / n if n else np.nan, ci_low=lo, ci_high=hi)
    if n2 is None:
        return head
    if not (n and n2):
        return Headline(**{**head.__dict__, "previous_n": n2})
    diff = proportion_difference(k, n, k2, n2, confidence=confidence).iloc[0]
    return Headline(**{**head.__dict__, "previous_n": n2, "previous_share_negative": k2 / n2,
                       "difference": float(diff["estimate"]), "difference_ci_low": float(diff["ci_low"]),
                       "difference_ci_high": float(diff["ci_high"]), "p_value": float(diff["p_value"])})


def confusion_matrix(scored: pd.DataFrame, rating: str = "csat") -> pd.DataFrame:
    """:func:`confusion_table` wide: text label (rows, index ``label``) × rating label (columns), counts, all
    three labels on both sides."""
    return _confusion_wide(confusion_table(scored, rating))


def _confusion_wide(long: pd.DataFrame) -> pd.DataFrame:
    return long.pivot(index="label", columns="rating_label", values="n").reindex(
        index=list(LABELS), columns=list(LABELS)).fillna(0).astype(int)


# --------------------------------------------------------------------------- validity, calibration, language mix
#: |polarity| bins of the calibration table
CALIBRATION_BINS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _rating_sign(scored: pd.DataFrame, rating: str) -> pd.Series:
    lab = rating_labels(csat=scored[rating]) if rating == "csat" else rating_labels(nps=scored[rating])
    return lab.map({"negative": -1, "neutral": 0, "positive": 1})


def calibration_by_rating(scored: pd.DataFrame, rating: str = "csat", *, confidence: float = 0.95) -> pd.DataFrame:
    """Per language and |polarity| bin: the rated texts whose rating is not neutral (CSAT 1–2 or 4–5, NPS 0–6 or
    9–10) and the share whose polarity sign agrees with the rating (polarity 0 counts as disagreeing), with a
    Wilson interval. A calibrated score shows the share rising with |polarity|."""
    d = scored[scored["label"].notna() & scored[rating].notna() & scored["language"].isin(["en", "zh"])]
    sign = _rating_sign(d, rating)
    d = d[sign != 0]
    sign = sign[sign != 0]
    agree = pd.Series(((d["polarity"] > 0) & (sign > 0)) | ((d["polarity"] < 0) & (sign < 0)), index=d.index)
    edges = list(CALIBRATION_BINS)
    bins = pd.cut(d["polarity"].abs(), edges, right=False, include_lowest=True, labels=False)
    bins = bins.fillna(len(edges) - 2).astype(int)          # |polarity| = 1 in the top bin
    rows = []
    for language in ("en", "zh"):
        for k in range(len(edges) - 1):
            m = (d["language"] == language) & (bins == k)
            n, hit = int(m.sum()), int(agree[m].sum())
            lo, hi = wilson(hit, n, confidence)
            rows.append({"language": language, "abs_polarity": f"{edges[k]:.2f}–{edges[k + 1]:.2f}", "n": n,
                         "agreement": hit / n if n else float("nan"), "ci_low": lo, "ci_high": hi})
    out = pd.DataFrame(rows)
    return out[out["language"].isin(d["language"].unique())].reset_index(drop=True)


def trust_by_language(scored: pd.DataFrame, rating: str = "csat", *, confidence: float = 0.95) -> pd.DataFrame:
    """Per language, on texts with the rating: ``n``, the share the text labels negative (``text_negative``), the
    share of negative ratings (``rating_negative``), their difference (a fraction), ``read_negative`` (texts
    labelled negative), ``precision`` (of those, the share with a negative rating) with its Wilson interval
    (``precision_low``, ``precision_high``) and ``recall`` (of texts with a negative rating, the share labelled
    negative)."""
    d = scored[scored["label"].notna() & scored[rating].notna() & scored["language"].isin(["en", "zh"])]
    sign = _rating_sign(d, rating)
    rows = []
    for language, g in d.groupby("language", sort=True):
        s = sign.loc[g.index]
        text_neg = g["label"] == "negative"
        rate_neg = s < 0
        k, hit = int(text_neg.sum()), int((text_neg & rate_neg).sum())
        lo, hi = wilson(hit, k, confidence) if k else (float("nan"), float("nan"))
        rows.append({"language": language, "n": len(g), "text_negative": text_neg.mean(),
                     "rating_negative": rate_neg.mean(), "difference": text_neg.mean() - rate_neg.mean(),
                     "read_negative": k, "precision": hit / k if k else float("nan"),
                     "precision_low": lo, "precision_high": hi,
                     "recall": text_neg[rate_neg].mean() if rate_neg.any() else float("nan")})
    return pd.DataFrame(rows)


def language_mix(window: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per level of ``by``: texts (``n``) and the share of Chinese and of English texts among the scored ones
    (texts without a ticket left out)."""
    d = window[window["label"].notna() & (window[by] != NO_TICKET)]
    g = d.groupby(by, sort=True)["language"]
    return pd.DataFrame({"n": g.size(), "share_zh": g.apply(lambda s: (s == "zh").mean()),
                         "share_en": g.apply(lambda s: (s == "en").mean())}).reset_index()


#: a breakdown whose levels differ by more than this in their share of Chinese texts is also shown per language
MIX_DIFFERS = 0.10
#: levels with fewer texts are left out of the language-mix comparison (their shares are noise)
MIX_MIN_TEXTS = 30


def mix_extremes(mix: pd.DataFrame) -> tuple[pd.Series, pd.Series, bool] | None:
    """The levels of a :func:`language_mix` (with at least :data:`MIX_MIN_TEXTS` texts) with the lowest and the
    highest share of Chinese texts, and whether they differ by more than :data:`MIX_DIFFERS` (then the breakdown
    is also compared within each language); None when the texts have one language only."""
    mix = mix[mix["n"] >= MIX_MIN_TEXTS]
    if mix.empty or mix["share_zh"].max() == 0 or mix["share_en"].max() == 0:
        return None
    lo, hi = mix.loc[mix["share_zh"].idxmin()], mix.loc[mix["share_zh"].idxmax()]
    return lo, hi, bool(hi["share_zh"] - lo["share_zh"] > MIX_DIFFERS)



# --------------------------------------------------------------------------- the same from engine aggregates
def sentiment_from_counts(counts: pd.DataFrame, by=None, *, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`sentiment_by` from per-group aggregates of the labelled texts (``counts``: the ``by`` columns, ``n``,
    ``negative``, ``neutral``, ``positive``, ``polarity_mean``, ``polarity_sd``): the same columns and row order
    (groups sorted, missing values last)."""
    by_list = [] if by is None else [by] if isinstance(by, str) else list(by)
    d = counts[counts["n"] > 0]
    if by_list:
        d = d.sort_values(by_list, na_position="last", kind="stable")
    rows = []
    for r in d.to_dict("records"):
        n = int(r["n"])
        row = {b: r[b] for b in by_list}
        row["n"] = n
        for lab in ("negative", "neutral", "positive"):
            row[f"share_{lab}"] = int(r[lab]) / n
        row["ci_low"], row["ci_high"] = wilson(int(r["negative"]), n, confidence)
        sd = float(r["polarity_sd"]) if n >= 2 and pd.notna(r["polarity_sd"]) else np.nan
        mean = mean_interval_from_stats(float(r["polarity_mean"]), sd, n, confidence=confidence).iloc[0]
        row["mean_polarity"] = mean["estimate"]
        row["polarity_ci_low"], row["polarity_ci_high"] = mean["ci_low"], mean["ci_high"]
        rows.append(row)
    return pd.DataFrame(rows)


def language_mix_from_counts(counts: pd.DataFrame, by: str) -> pd.DataFrame:
    """:func:`language_mix` from labelled texts per level of ``by`` and ``language`` (column ``n``)."""
    d = counts[counts[by].notna() & (counts[by] != NO_TICKET) & (counts["n"] > 0)]
    levels = sorted(d[by].unique())
    total = d.groupby(by)["n"].sum()
    share = {lang: d[d["language"] == lang].groupby(by)["n"].sum() for lang in ("zh", "en")}
    n = np.array([int(total[v]) for v in levels], dtype=np.int64)
    return pd.DataFrame({by: levels, "n": n,
                         "share_zh": [int(share["zh"].get(v, 0)) / int(total[v]) for v in levels],
                         "share_en": [int(share["en"].get(v, 0)) / int(total[v]) for v in levels]})


def spearman_from_sums(n: int, sxx: float, syy: float, sxy: float) -> tuple[float, float]:
    """Spearman's ρ and its two-sided p value (as :func:`scipy.stats.spearmanr`: t with n − 2 degrees of
    freedom) from the centred sums of squares and products of the average ranks; NaN for a constant side."""
    if n < 2 or not (sxx > 0 and syy > 0):
        return np.nan, np.nan
    rho = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    dof = n - 2
    with np.errstate(divide="ignore"):
        t = rho * np.sqrt(max(dof / ((rho + 1.0) * (1.0 - rho)), 0.0)) if abs(rho) < 1 else math.copysign(np.inf, rho)
    return rho, float(2 * st.t.sf(abs(t), dof))


def validity_from_counts(cube: pd.DataFrame, spearman: dict, ratings: list[str], *,
                         confidence: float = 0.95) -> dict:
    """The validity tables from counts: ``cube`` holds the en/zh texts per ``language``, ``label`` (missing for
    texts without one), polarity sign ``psign`` (−1/0/1), |polarity| bin ``pbin`` (index of
    :data:`CALIBRATION_BINS`), the ratings' values and ``count`` (with ``first``/``last`` text time);
    ``spearman``: {(language, rating): (n, ρ, p)}. Returns what :func:`rating_agreement`,
    :func:`trust_by_language`, :func:`calibration_by_rating` and :func:`confusion_matrix` give on the rows
    (agreement for ``ratings`` only), and ``rated`` (``n``, ``first``, ``last`` of the labelled texts with a
    rating)."""
    z = st.norm.ppf(0.5 + confidence / 2)
    labelled = cube[cube["label"].notna()]
    any_rating = np.zeros(len(labelled), dtype=bool)
    for r in ratings:
        any_rating |= labelled[r].notna().to_numpy()
    rated = labelled[any_rating]
    out = {"rated": {"n": int(rated["count"].sum()),
                     "first": rated["first"].min() if len(rated) else pd.NaT,
                     "last": rated["last"].max() if len(rated) else pd.NaT}}
    rows = []
    for language in sorted(labelled["language"].unique()):
        g = labelled[labelled["language"] == language]
        for rating in ratings:
            h = g[g[rating].notna()]
            n = int(h["count"].sum())
            row = {"language": language, "rating": rating, "n": n}
            _, rho, p = spearman.get((language, rating), (n, np.nan, np.nan))
            row.update(_rho_interval(rho, p, n, z))
            expected = rating_labels(csat=h["csat"]) if rating == "csat" else rating_labels(nps=h["nps"])
            k = int(h["count"][(expected == h["label"]).to_numpy()].sum())
            row["agreement"] = k / n if n else np.nan
            row["agreement_ci_low"], row["agreement_ci_high"] = wilson(k, n, confidence)
            rows.append(row)
    out["agreement"] = pd.DataFrame(rows, columns=None if rows else ["language", "rating", "n", "estimate"])
    main = ratings[0]
    confusion = {}
    for language in ("en", "zh"):
        part = cube[(cube["language"] == language) & cube[main].notna()]
        if int(part["count"].sum()):
            h = part[part["label"].notna()]
            expected = rating_labels(csat=h[main]) if main == "csat" else rating_labels(nps=h[main])
            keep = expected.notna().to_numpy()
            long = (pd.DataFrame({"label": h["label"].to_numpy()[keep], "rating_label": expected.to_numpy()[keep],
                                  "n": h["count"].to_numpy()[keep]}).groupby(["label", "rating_label"])["n"].sum())
            full = pd.MultiIndex.from_product([LABELS, LABELS], names=["label", "rating_label"])
            confusion[language] = _confusion_wide(long.reindex(full, fill_value=0).rename("n").reset_index())
    out["confusion"] = confusion
    d = labelled[labelled[main].notna()]
    sign = _rating_sign(d, main).to_numpy(dtype=float)
    wd = d["count"].to_numpy(dtype=np.int64)
    trust = []
    for language in sorted(d["language"].unique()):
        m = (d["language"] == language).to_numpy()
        text_neg = (d["label"] == "negative").to_numpy() & m
        rate_neg = (sign < 0) & m
        n, k, r = int(wd[m].sum()), int(wd[text_neg].sum()), int(wd[rate_neg].sum())
        hit = int(wd[text_neg & rate_neg].sum())
        lo, hi = wilson(hit, k, confidence) if k else (float("nan"), float("nan"))
        trust.append({"language": language, "n": n, "text_negative": k / n, "rating_negative": r / n,
                      "difference": k / n - r / n, "read_negative": k, "precision": hit / k if k else float("nan"),
                      "precision_low": lo, "precision_high": hi, "recall": hit / r if r else float("nan")})
    out["trust"] = pd.DataFrame(trust)
    keep = sign != 0
    c, cs, cw = d[keep], sign[keep], wd[keep]
    psign = c["psign"].to_numpy(dtype=float)
    agree = ((psign > 0) & (cs > 0)) | ((psign < 0) & (cs < 0))
    bins = c["pbin"].to_numpy(dtype=np.int64)
    edges = list(CALIBRATION_BINS)
    calibration = []
    for language in ("en", "zh"):
        for b in range(len(edges) - 1):
            m = (c["language"] == language).to_numpy() & (bins == b)
            n, hit = int(cw[m].sum()), int(cw[m & agree].sum())
            lo, hi = wilson(hit, n, confidence)
            calibration.append({"language": language, "abs_polarity": f"{edges[b]:.2f}–{edges[b + 1]:.2f}", "n": n,
                                "agreement": hit / n if n else float("nan"), "ci_low": lo, "ci_high": hi})
    cal = pd.DataFrame(calibration)
    out["calibration"] = cal[cal["language"].isin(c["language"].unique())].reset_index(drop=True)
    return out
