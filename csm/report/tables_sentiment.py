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
