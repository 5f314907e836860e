"""Sentences and tables of feedback sentiment (notebooks/feedback_sentiment) for a reader, in English or Chinese.

Every sentence names the window its numbers come from: the report's period (headline, languages) or the
lookback window (breakdowns, aspects). A period with fewer than :data:`FEW_TEXTS` texts gets its interval
and a "few texts" caveat instead of a bare share. Shares show as percentages, counts with separators.
"""
from __future__ import annotations

import pandas as pd

from csm.report.labels import check_lang, label, phrase
from csm.report.tables import _is_missing, format_number, format_p_value, format_share

#: below this many texts in the report's period, the headline share is flagged as resting on few texts
FEW_TEXTS = 30

#: columns shown as percentages in the breakdown tables (shares with their Wilson interval)
SHARE_COLUMNS = ("share_negative", "ci_low", "ci_high", "share_neutral", "share_positive")


def window_text(start, last_day, lang: str) -> str:
    """``"the 12 months 2025-07 to 2026-06"`` (whole months) or ``"2026-06-01 to 2026-06-15"`` (other ranges)."""
    check_lang(lang)
    start, last = pd.Timestamp(start).normalize(), pd.Timestamp(last_day).normalize()
    if start.day == 1 and last.is_month_end:
        months = (last.year - start.year) * 12 + last.month - start.month + 1
        return phrase("sentiment_window", lang, months=months, start=f"{start:%Y-%m}", end=f"{last:%Y-%m}")
    return phrase("sentiment_window_dates", lang, start=f"{start:%Y-%m-%d}", end=f"{last:%Y-%m-%d}")


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    if lang == "zh":
        return "、".join(items[:-1]) + "和" + items[-1]
    return ", ".join(items[:-1]) + " and " + items[-1]


def headline_sentences(head: dict, window_head: dict, by_language: pd.DataFrame, aspects: pd.DataFrame, *,
                       lang: str, noun: str, period: str, previous: str | None, window: str,
                       few: int = FEW_TEXTS) -> list[str]:
    """The headline bullets.

    ``head``: :func:`csm.sentiment.period_headline` of the report's ``period`` against ``previous`` (its label,
    or None); ``window_head``: the same of the lookback ``window`` (its :func:`window_text`);
    ``by_language``: :func:`csm.sentiment.sentiment_by` language of the period's texts; ``aspects``:
    :func:`csm.sentiment.aspect_summary` of the window's texts.
    """
    check_lang(lang)
    if previous and head["previous_n"]:
        diff = format_number(100 * head["difference"], "percentage points", lang, signed=True)
        prev_text = phrase("sentiment_prev", lang, prev=head["previous_share_negative"], previous=previous,
                           n_prev=head["previous_n"], noun=noun, diff=diff,
                           p=format_p_value(head["p_value"], prefix=True))
    elif previous:
        prev_text = phrase("sentiment_prev_empty", lang, noun=noun, previous=previous)
    else:
        prev_text = phrase("sentiment_no_prev", lang)
    key = "sentiment_headline_few" if head["n"] < few else "sentiment_headline"
    lines = [phrase(key, lang, n=head["n"], k=head["negative"], noun=noun, period=period, neg=head["share_negative"],
                    lo=head["ci_low"], hi=head["ci_high"], prev_text=prev_text, min_n=few)]
    lines += [phrase("sentiment_language_line", lang, language=label(r.language, lang), period=period, n=r.n,
                     noun=noun, mean=r.mean_polarity, lo=r.polarity_ci_low, hi=r.polarity_ci_high)
              for r in by_language.itertuples()]
    if window_head["n"]:
        lines.append(phrase("sentiment_window_line", lang, window=window, n=window_head["n"], noun=noun,
                            neg=window_head["share_negative"], lo=window_head["ci_low"], hi=window_head["ci_high"]))
    negatives = window_head["negative"]
    top = aspects[aspects["negative"] > 0].head(2).sort_values("negative", ascending=False)
    if negatives and len(top) == 2:
        lines.append(phrase("sentiment_top_aspects", lang, noun=noun, window=window, k=negatives,
                            a1=label(top["aspect"].iloc[0], lang), s1=top["negative"].iloc[0] / negatives,
                            a2=label(top["aspect"].iloc[1], lang), s2=top["negative"].iloc[1] / negatives))
    elif negatives and len(top) == 1:
        lines.append(phrase("sentiment_top_aspect", lang, noun=noun, window=window, k=negatives,
                            a1=label(top["aspect"].iloc[0], lang), s1=top["negative"].iloc[0] / negatives))
    return lines


def window_note(window: str, n: int, noun: str, dims, lang: str) -> str:
    """Which window the breakdowns cover; "so that teams and agents have enough …" only for the small groups
    (teams, agents) actually broken down in ``dims``."""
    groups = [phrase(f"sentiment_groups_{d}", lang) for d in ("team", "agent_id") if d in dims]
    why = phrase("sentiment_window_why", lang, groups=_join(groups, lang), noun=noun) if groups else ""
    return phrase("sentiment_window_note", lang, window=window, n=n, noun=noun, why=why)


def _text(value, kind: str, lang: str) -> str:
    if _is_missing(value):
        return "–"
    if kind == "share":
        return format_share(value, lang)
    if kind == "count":
        return f"{int(value):,}"
    if kind == "polarity":  # a score that rounds to zero is "0.00", not "±0.00"
        return format_number(value, "", lang, signed=round(float(value), 2) != 0, decimals=2)
    return format_number(value, "", lang, decimals=int(kind))


def formatted(frame: pd.DataFrame, lang: str, *, shares=SHARE_COLUMNS, counts=("n",), polarity=("mean_polarity",),
              decimals: dict | None = None) -> pd.DataFrame:
    """Copy of ``frame`` with numbers as display text: ``shares`` as percentages (one decimal), ``counts`` with
    thousands separators, ``polarity`` signed with two decimals, ``decimals`` {column: n} as plain numbers."""
    check_lang(lang)
    kinds = {**{c: "share" for c in shares}, **{c: "count" for c in counts}, **{c: "polarity" for c in polarity},
             **{c: str(n) for c, n in (decimals or {}).items()}}
    out = frame.copy()
    for column, kind in kinds.items():
        if column in out.columns:
            out[column] = [_text(v, kind, lang) for v in out[column]]
    return out


def aspect_table(summary: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """The aspects mentioned (formatted for display: shares as percentages) and the codes of those not
    mentioned at all, which the report names in one sentence (:func:`not_mentioned_sentence`) instead of
    showing rows of zeros and blanks."""
    check_lang(lang)
    mentioned = summary[summary["mentions"] > 0].copy()
    mentioned.loc[mentioned["negative"] == 0, "negativity"] = float("nan")  # no negative mention: undefined, "–"
    shown = mentioned[["aspect", "mentions", "negative", "share_negative", "ci_low", "ci_high", "negativity",
                       "impact"]].rename(columns={"negative": "negative_mentions"})
    shown = formatted(shown, lang, shares=("share_negative", "ci_low", "ci_high"),
                      counts=("mentions", "negative_mentions"), polarity=(), decimals={"negativity": 2, "impact": 1})
    return shown.reset_index(drop=True), list(summary.loc[summary["mentions"] == 0, "aspect"])


def not_mentioned_sentence(aspects: list[str], window: str, noun: str, lang: str) -> str:
    """``"Not mentioned in any comment of the 12 months …: Price."``; empty when every aspect is mentioned."""
    if not aspects:
        return ""
    return phrase("sentiment_aspects_none", lang, window=window, noun=noun,
                  aspects=_join([str(label(a, lang)) for a in aspects], lang))


def _needs_text(needs: str, lang: str) -> str:
    """What would enable a left-out section, in words."""
    if needs == "responses.ticket_id":
        return phrase("sentiment_needs_link", lang)
    if needs == "responses.csat":
        return phrase("sentiment_needs_ratings", lang)
    return needs if "." in needs else phrase("sentiment_needs_table", lang, table=needs)


def skipped_sentences(skipped: list[dict], sections, lang: str) -> list[str]:
    """One sentence per left-out section (``[{"section", "needs"}]`` of :func:`csm.sentiment.breakdown_plan`
    and :func:`csm.sentiment.validity_ratings`) whose code is in ``sections``."""
    return [phrase("sentiment_skipped", lang, section=label(f"sentiment_section_{s['section']}", lang),
                   needs=_needs_text(s["needs"], lang)) for s in skipped if s["section"] in sections]


# --------------------------------------------------------------------------- validity verdict, calibration, mix
#: |polarity| bins of the calibration table
CALIBRATION_BINS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _rating_sign(scored: pd.DataFrame, rating: str) -> pd.Series:
    from csm.sentiment import rating_labels
    lab = rating_labels(csat=scored[rating]) if rating == "csat" else rating_labels(nps=scored[rating])
    return lab.map({"negative": -1, "neutral": 0, "positive": 1})


def calibration_by_rating(scored: pd.DataFrame, rating: str = "csat") -> pd.DataFrame:
    """Per language and |polarity| bin: the rated texts whose rating is not neutral (CSAT 1–2 or 4–5, NPS 0–6 or
    9–10) and the share whose polarity sign agrees with the rating (polarity 0 counts as disagreeing), with a
    Wilson interval. A calibrated score shows the share rising with |polarity|."""
    from csm.sentiment import _wilson
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
            lo, hi = _wilson(hit, n, 0.95)
            rows.append({"language": language, "abs_polarity": f"{edges[k]:.2f}–{edges[k + 1]:.2f}", "n": n,
                         "agreement": hit / n if n else float("nan"), "ci_low": lo, "ci_high": hi})
    out = pd.DataFrame(rows)
    return out[out["language"].isin(d["language"].unique())].reset_index(drop=True)


def trust_by_language(scored: pd.DataFrame, rating: str = "csat") -> pd.DataFrame:
    """Per language, on texts with the rating: ``n``, the share the text labels negative (``text_negative``), the
    share of negative ratings (``rating_negative``), their difference in points, ``precision`` (of texts labelled
    negative, the share with a negative rating) and ``recall`` (of texts with a negative rating, the share
    labelled negative)."""
    d = scored[scored["label"].notna() & scored[rating].notna() & scored["language"].isin(["en", "zh"])]
    sign = _rating_sign(d, rating)
    rows = []
    for language, g in d.groupby("language", sort=True):
        s = sign.loc[g.index]
        text_neg = g["label"] == "negative"
        rate_neg = s < 0
        rows.append({"language": language, "n": len(g), "text_negative": text_neg.mean(),
                     "rating_negative": rate_neg.mean(), "difference": text_neg.mean() - rate_neg.mean(),
                     "precision": rate_neg[text_neg].mean() if text_neg.any() else float("nan"),
                     "recall": text_neg[rate_neg].mean() if rate_neg.any() else float("nan")})
    return pd.DataFrame(rows)


#: beyond this many points between the text's and the ratings' negative shares, the report does not offer the text's
#: share as a dissatisfaction rate but as the share of comments that complain
TRUST_MARGIN = 10


def trust_sentences(trust: pd.DataFrame, rating: str, lang: str) -> list[str]:
    """The validity section's closing sentences, one per language: how far a manager can trust the negative share
    (within how many points of the share of negative ratings it lands, and how many of its texts are really from
    dissatisfied customers)."""
    import math
    from csm.report import format as fmt
    lines = []
    for r in trust.itertuples():
        margin = max(1, math.ceil(abs(100 * r.difference)))
        key = "sentiment_trust_line" if margin <= TRUST_MARGIN else "sentiment_trust_line_apart"
        ratio = r.text_negative / r.rating_negative if r.rating_negative else float("nan")
        lines.append(phrase(key, lang, language=label(r.language, lang),
                            rating=phrase(f"sentiment_rating_{rating}", lang), n=fmt.count(r.n, lang),
                            text=fmt.percent(r.text_negative, lang), rated=fmt.percent(r.rating_negative, lang),
                            precision=fmt.percent(r.precision, lang, 0), recall=fmt.percent(r.recall, lang, 0),
                            margin=margin, ratio=fmt.ratio(ratio, lang)))
    return lines


def language_mix(window: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per level of ``by``: texts (``n``) and the share of Chinese and of English texts among the scored ones."""
    from csm.sentiment import NO_TICKET
    d = window[window["label"].notna() & (window[by] != NO_TICKET)]
    g = d.groupby(by, sort=True)["language"]
    return pd.DataFrame({"n": g.size(), "share_zh": g.apply(lambda s: (s == "zh").mean()),
                         "share_en": g.apply(lambda s: (s == "en").mean())}).reset_index()


#: a breakdown whose levels differ by more than this in their share of Chinese texts is also shown per language
MIX_DIFFERS = 0.10
#: levels with fewer texts are left out of the language-mix comparison (their shares are noise)
MIX_MIN_TEXTS = 30


def mix_sentence(mix: pd.DataFrame, by: str, lang: str) -> tuple[str, bool]:
    """One sentence stating the language mix of a breakdown, and whether it differs enough across levels
    (:data:`MIX_DIFFERS`) that the comparison is shown within each language too."""
    from csm.report import format as fmt
    mix = mix[mix["n"] >= MIX_MIN_TEXTS]
    if mix.empty:
        return "", False
    lo, hi = mix.loc[mix["share_zh"].idxmin()], mix.loc[mix["share_zh"].idxmax()]
    differs = hi["share_zh"] - lo["share_zh"] > MIX_DIFFERS
    group = label(by, lang)
    if not differs:
        return phrase("sentiment_mix_same", lang, group=group, lo=fmt.percent(lo["share_zh"], lang, 0),
                      hi=fmt.percent(hi["share_zh"], lang, 0)), False
    return phrase("sentiment_mix_differs", lang, group=group, lo=fmt.percent(lo["share_zh"], lang, 0),
                  lo_level=label(str(lo[by]), lang), hi=fmt.percent(hi["share_zh"], lang, 0),
                  hi_level=label(str(hi[by]), lang)), True


def summary_findings(head: dict, previous: str | None, by_language: pd.DataFrame, aspects: pd.DataFrame,
                     window_head: dict, trust: pd.DataFrame | None, *, lang: str, noun: str, period: str,
                     window: str) -> list:
    """3–5 :class:`csm.report.summary.Finding` for the report's summary box; the first is the headline."""
    from csm.report import format as fmt
    from csm.report.summary import Finding
    status = "info"
    if previous and head["previous_n"] and head["n"] and not pd.isna(head["p_value"]):
        status = ("no_change" if head["p_value"] >= 0.05 else "worse" if head["difference"] > 0 else "improved")
    if previous and head["previous_n"]:
        change = phrase("sentiment_sum_change", lang, diff=fmt.points(head["difference"], lang),
                        previous=previous, p=fmt.p_value(head["p_value"], lang))
    else:
        change = ""
    findings = [Finding(phrase("sentiment_sum_head", lang, n=fmt.count(head["n"], lang), noun=noun, period=period,
                               neg=fmt.percent(head["share_negative"], lang), lo=fmt.percent(head["ci_low"], lang),
                               hi=fmt.percent(head["ci_high"], lang), change=change), status)]
    neg = aspects[aspects["negative"] > 0]
    if window_head["negative"] and len(neg):
        top = neg.sort_values("negative", ascending=False).iloc[0]
        findings.append(Finding(phrase("sentiment_sum_aspect", lang, window=window, noun=noun,
                                       aspect=label(top["aspect"], lang), k=fmt.count(top["negative"], lang),
                                       share=fmt.percent(top["negative"] / window_head["negative"], lang, 0),
                                       total=fmt.count(window_head["negative"], lang)), "info"))
    if len(by_language) > 1:
        parts = [phrase("sentiment_sum_lang_part", lang, language=label(r.language, lang),
                        neg=fmt.percent(r.share_negative, lang), n=fmt.count(r.n, lang))
                 for r in by_language.itertuples()]
        findings.append(Finding(phrase("sentiment_sum_languages", lang, period=period,
                                       parts=("；" if lang == "zh" else "; ").join(parts)), "info"))
    if trust is not None and len(trust):
        import math
        parts = [phrase("sentiment_sum_trust_part", lang, language=label(r.language, lang),
                        margin=max(1, math.ceil(abs(100 * r.difference))))
                 if abs(100 * r.difference) <= TRUST_MARGIN else
                 phrase("sentiment_sum_trust_apart", lang, language=label(r.language, lang),
                        ratio=fmt.ratio(r.text_negative / r.rating_negative if r.rating_negative else float("nan"),
                                        lang))
                 for r in trust.itertuples()]
        findings.append(Finding(phrase("sentiment_sum_trust", lang, parts=("，" if lang == "zh" else ", ").join(parts)),
                                "info"))
    return findings


def method_figures(lang: str) -> dict:
    """The measured accuracy figures quoted by the method note (:data:`csm.sentiment.MEASURED_ACCURACY`)."""
    from csm.report import format as fmt
    from csm.sentiment import MEASURED_ACCURACY as m
    return {"zh_train": fmt.count(m["zh_training_texts"], lang), "zh_acc": fmt.percent(m["zh_lodo"], lang, 0),
            "zh_lo": fmt.percent(m["zh_lodo_min"], lang, 0), "zh_hi": fmt.percent(m["zh_lodo_max"], lang, 0),
            "en_social": fmt.percent(m["en_tweets"], lang, 0), "en_review": fmt.percent(m["en_reviews"], lang, 0)}
