"""Sentences and tables of feedback sentiment (notebooks/feedback_sentiment) for a reader, in English or Chinese.

Every sentence names the window its numbers come from: the report's period (headline, languages) or the
lookback window (breakdowns, aspects). A period with fewer than :data:`FEW_TEXTS` texts gets its interval
and a "few texts" caveat instead of a bare share. Shares show as percentages, counts with separators.
"""
from __future__ import annotations

import math

import pandas as pd

from csm.report import format as fmt
from csm.report.labels import check_lang, label, phrase
from csm.report.tables import _is_missing

#: below this many texts in the report's period, the headline share is flagged as resting on few texts
FEW_TEXTS = 30

#: columns shown as percentages in the breakdown tables (shares with their Wilson interval)
SHARE_COLUMNS = ("share_negative", "ci_low", "ci_high", "share_neutral", "share_positive")


def window_text(start, last_day, lang: str) -> str:
    """``"the 12 months July 2025 to June 2026"`` (whole months) or ``"1–15 June 2026"`` (other ranges)."""
    check_lang(lang)
    start, last = pd.Timestamp(start).normalize(), pd.Timestamp(last_day).normalize()
    if start.day == 1 and last.is_month_end:
        months = (last.year - start.year) * 12 + last.month - start.month + 1
        return phrase("sentiment_window", lang, months=months, start=fmt.month(start, lang),
                      end=fmt.month(last, lang))
    return fmt.span(start, last, lang)


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
        prev_text = phrase("sentiment_prev", lang, prev=head["previous_share_negative"], previous=previous,
                           n_prev=head["previous_n"], noun=noun, diff=fmt.points(head["difference"], lang),
                           p=fmt.p_value(head["p_value"], lang))
    elif previous:
        prev_text = phrase("sentiment_prev_empty", lang, noun=noun, previous=previous)
    else:
        prev_text = phrase("sentiment_no_prev", lang)
    key = "sentiment_headline_few" if head["n"] < few else "sentiment_headline"
    lines = [phrase(key, lang, n=head["n"], k=head["negative"], noun=noun, period=period, neg=head["share_negative"],
                    lo=head["ci_low"], hi=head["ci_high"], prev_text=prev_text, min_n=few)]
    lines += [phrase("sentiment_language_line", lang, language=label(r.language, lang), period=period, n=r.n,
                     noun=noun, mean=fmt.number(r.mean_polarity, lang, 2, signed=True),
                     lo=fmt.number(r.polarity_ci_low, lang, 2, signed=True),
                     hi=fmt.number(r.polarity_ci_high, lang, 2, signed=True))
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
        return fmt.MISSING
    if kind == "share":
        return fmt.percent(value, lang)
    if kind == "count":
        return fmt.count(value, lang)
    if kind == "polarity":  # signed, true minus; a score that rounds to zero is "0.00"
        return fmt.number(value, lang, 2, signed=True)
    return fmt.number(value, lang, int(kind))


def interval_text(lo, hi, kind: str, lang: str) -> str:
    """One interval as ``"[42.5%, 50.7%]"`` (kind "share") or ``"[0.72, 0.75]"`` (kind "2": decimals)."""
    if _is_missing(lo) or _is_missing(hi):
        return fmt.MISSING
    return f"[{_text(lo, kind, lang)}, {_text(hi, kind, lang)}]"


#: interval columns merged into one "[a, b]" column: (low, high) -> the merged column's code
INTERVALS = {("ci_low", "ci_high"): "interval", ("agreement_ci_low", "agreement_ci_high"): "agreement_interval",
             ("polarity_ci_low", "polarity_ci_high"): "polarity_interval"}


def formatted(frame: pd.DataFrame, lang: str, *, shares=SHARE_COLUMNS, counts=("n",), polarity=("mean_polarity",),
              decimals: dict | None = None) -> pd.DataFrame:
    """Copy of ``frame`` with numbers as display text (:mod:`csm.report.format`): ``shares`` as percentages (one
    decimal), ``counts`` with thousands separators, ``polarity`` signed with two decimals, ``decimals``
    {column: n} as plain numbers; each pair of interval bounds (:data:`INTERVALS`) becomes one ``"[a, b]"``
    column in place of its low bound, formatted as the bounds are."""
    check_lang(lang)
    kinds = {**{c: "share" for c in shares}, **{c: "count" for c in counts}, **{c: "polarity" for c in polarity},
             **{c: str(n) for c, n in (decimals or {}).items()}}
    out = frame.copy()
    for (lo, hi), merged in INTERVALS.items():
        if lo in out.columns and hi in out.columns:
            kind = kinds.get(lo, "polarity" if lo.startswith("polarity") else "share")
            texts = [interval_text(a, b, kind, lang) for a, b in zip(out[lo], out[hi])]
            out.insert(list(out.columns).index(lo), merged, texts)
            out = out.drop(columns=[lo, hi])
    for column, kind in kinds.items():
        if column in out.columns:
            out[column] = [_text(v, kind, lang) for v in out[column]]
    return out


def aspect_table(summary: pd.DataFrame, lang: str, *, detail: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """The aspects mentioned (formatted for display: counts, shares as percentages, the interval as one column)
    and the codes of those not mentioned at all, which the report names in one sentence
    (:func:`not_mentioned_sentence`) instead of showing rows of zeros and blanks. ``detail`` adds the technical
    ranking measures (negativity, impact) for the appendix."""
    check_lang(lang)
    mentioned = summary[summary["mentions"] > 0].copy()
    mentioned.loc[mentioned["negative"] == 0, "negativity"] = float("nan")  # no negative mention: undefined, "—"
    columns = ["aspect", "mentions", "negative", "share_negative", "ci_low", "ci_high"]
    shown = mentioned[columns + (["negativity", "impact"] if detail else [])].rename(
        columns={"negative": "negative_mentions"})
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
    from csm.sentiment.score import _wilson
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
    share of negative ratings (``rating_negative``), their difference in points, ``read_negative`` (texts labelled
    negative), ``precision`` (of those, the share with a negative rating) with its Wilson interval
    (``precision_low``, ``precision_high``) and ``recall`` (of texts with a negative rating, the share labelled
    negative)."""
    from csm.sentiment.score import _wilson
    d = scored[scored["label"].notna() & scored[rating].notna() & scored["language"].isin(["en", "zh"])]
    sign = _rating_sign(d, rating)
    rows = []
    for language, g in d.groupby("language", sort=True):
        s = sign.loc[g.index]
        text_neg = g["label"] == "negative"
        rate_neg = s < 0
        k, hit = int(text_neg.sum()), int((text_neg & rate_neg).sum())
        lo, hi = _wilson(hit, k, 0.95) if k else (float("nan"), float("nan"))
        rows.append({"language": language, "n": len(g), "text_negative": text_neg.mean(),
                     "rating_negative": rate_neg.mean(), "difference": text_neg.mean() - rate_neg.mean(),
                     "read_negative": k, "precision": hit / k if k else float("nan"),
                     "precision_low": lo, "precision_high": hi,
                     "recall": text_neg[rate_neg].mean() if rate_neg.any() else float("nan")})
    return pd.DataFrame(rows)


#: beyond this many points between the text's and the ratings' negative shares, or with fewer than
#: :data:`TRUST_PRECISION` of the texts read as negative coming with a low rating, the report does not offer the
#: text's share as a dissatisfaction rate but as the share of comments that complain
TRUST_MARGIN = 10
TRUST_PRECISION = 0.7


def _trusted(r) -> bool:
    return abs(100 * r.difference) <= TRUST_MARGIN and not pd.isna(r.precision) and r.precision >= TRUST_PRECISION


def _precision_part(r, lang: str) -> str:
    return phrase("sentiment_precision_part", lang, language=label(r.language, lang),
                  share=fmt.percent(r.precision, lang, 0),
                  interval=f"[{fmt.percent(r.precision_low, lang, 0)}, {fmt.percent(r.precision_high, lang, 0)}]")


def trust_verdict(trust: pd.DataFrame, lang: str) -> str:
    """The one sentence a manager can use on how far to trust the negative share, from the precision of
    'negative' against low ratings per language (with its Wilson interval)."""
    rows = [r for r in trust.itertuples() if r.read_negative]
    if not rows:
        return ""
    parts = ("；" if lang == "zh" else "; ").join(_precision_part(r, lang) for r in rows)
    if all(_trusted(r) for r in rows):
        margin = max(max(1, math.ceil(abs(100 * r.difference))) for r in rows)
        return phrase("sentiment_verdict_trusted", lang, parts=parts, margin=margin)
    k = sum(r.read_negative for r in rows)
    hit = sum(r.precision * r.read_negative for r in rows)
    pooled = hit / k
    n_in = max(1, round(1 / pooled)) if pooled else 0
    return phrase("sentiment_verdict_apart", lang, one_in=n_in, parts=parts)


def trust_sentences(trust: pd.DataFrame, rating: str, lang: str) -> list[str]:
    """The validity section's closing sentences: the verdict (:func:`trust_verdict`), then one line per language
    (the share the text reads as negative against the share of low ratings, and how many low-rated comments the
    text catches)."""
    lines = [trust_verdict(trust, lang)]
    for r in trust.itertuples():
        lines.append(phrase("sentiment_trust_detail", lang, language=label(r.language, lang),
                            rating=phrase(f"sentiment_rating_{rating}", lang), n=fmt.count(r.n, lang),
                            text=fmt.percent(r.text_negative, lang), rated=fmt.percent(r.rating_negative, lang),
                            recall=fmt.percent(r.recall, lang, 0)))
    return [line for line in lines if line]


#: calibration bins with fewer rated texts are left out of the verdict (their share is noise)
CALIBRATION_MIN = 30


def calibration_sentence(calibration: pd.DataFrame, lang: str) -> str:
    """What the calibration table shows, per language, computed: whether agreement rises with the strength of the
    score in every step (bins with at least :data:`CALIBRATION_MIN` texts), and if not, where it falls."""
    parts = []
    for language, g in calibration.groupby("language", sort=False):
        g = g[g["n"] >= CALIBRATION_MIN]
        if len(g) < 2:
            continue
        shares = g["agreement"].to_numpy(dtype=float)
        seq = (", " if lang == "en" else "，").join(
            f"{b} {fmt.percent(a, lang)}" if lang == "en" else f"{b}：{fmt.percent(a, lang)}"
            for b, a in zip(g["abs_polarity"], shares))
        key = "sentiment_calibration_rises" if all(shares[1:] > shares[:-1]) else "sentiment_calibration_not"
        parts.append(phrase(key, lang, language=label(language, lang), seq=seq))
    return " ".join(parts) if lang == "en" else "".join(parts)


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
    mix = mix[mix["n"] >= MIX_MIN_TEXTS]
    if mix.empty or mix["share_zh"].max() == 0 or mix["share_en"].max() == 0:  # one language only: nothing to say
        return "", False
    lo, hi = mix.loc[mix["share_zh"].idxmin()], mix.loc[mix["share_zh"].idxmax()]
    differs = hi["share_zh"] - lo["share_zh"] > MIX_DIFFERS
    group = str(label(by, lang))
    group = group.lower() if lang == "en" else group  # mid-sentence: "by channel"
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
        verdict = trust_verdict(trust, lang)
        if verdict:
            findings.append(Finding(verdict, "info"))
    return findings


def method_figures(lang: str) -> dict:
    """The measured accuracy figures quoted by the method note (:data:`csm.sentiment.MEASURED_ACCURACY`)."""
    from csm.sentiment import MEASURED_ACCURACY as m
    return {"zh_train": fmt.count(m["zh_training_texts"], lang), "zh_acc": fmt.percent(m["zh_lodo"], lang, 0),
            "zh_lo": fmt.percent(m["zh_lodo_min"], lang, 0), "zh_hi": fmt.percent(m["zh_lodo_max"], lang, 0),
            "en_social": fmt.percent(m["en_tweets"], lang, 0), "en_review": fmt.percent(m["en_reviews"], lang, 0)}
