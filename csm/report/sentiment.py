"""The feedback_sentiment report in either language: one ``show_<section>(result, lang)`` per report section
(headings, sentences, tables through :func:`csm.report.display_frame`, charts) and :func:`findings` for the
summary box, all from a :class:`csm.sentiment.SentimentResult`; plus the sentence and chart builders they use.

Every sentence names the window its numbers come from: the report's period (headline, languages) or the
lookback window (breakdowns, aspects). A period with fewer than :data:`FEW_TEXTS` texts gets its interval
and a "few texts" caveat instead of a bare share. Shares show as percentages, counts with separators.
"""
from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from csm.report import format as fmt
from csm.report.display import bullets, display_frame, heading, paragraph
from csm.report.format import axis_formatter
from csm.report.labels import check_lang, label, phrase, relabel
from csm.report.charts import format_date_axis, get_axes, require_columns, set_title
from csm.report.theme import COLORS
from csm.report.summary import Finding, summary_block
from csm.sentiment import MEASURED_ACCURACY
from csm.sentiment.summaries import wilson

__all__ = ["FEW_TEXTS", "SHARE_COLUMNS", "TRUST_MARGIN", "TRUST_PRECISION", "CALIBRATION_MIN", "INTERVALS",
           "show_summary", "show_distribution", "show_trend", "show_aspects", "show_validity", "show_appendix",
           "show_data_notes", "findings", "noun", "count_code", "period_text", "window_label", "window_text",
           "headline_sentences", "window_note", "interval_text", "formatted", "aspect_table", "not_mentioned_sentence",
           "skipped_sentences", "note_sentences", "trust_verdict", "trust_sentences", "calibration_sentence",
           "mix_sentence", "summary_findings", "method_figures", "negative_share_bars", "negative_share_trend",
           "aspect_impact_bars"]

#: below this many texts in the report's period, the headline share is flagged as resting on few texts
FEW_TEXTS = 30

#: columns shown as percentages in the breakdown tables (shares with their Wilson interval)
SHARE_COLUMNS = ("share_negative", "ci_low", "ci_high", "share_neutral", "share_positive")
#: the columns of a breakdown table (mean polarity: appendix)
_SHOWN = ["n", "share_negative", "ci_low", "ci_high", "share_neutral", "share_positive"]


# --------------------------------------------------------------------------- words for a result
def noun(result, lang: str) -> str:
    """What the texts are called in sentences: "comments" / "ticket descriptions"."""
    return phrase(f"sentiment_noun_{result.source}", lang)


def count_code(result) -> str:
    """The header code of the text counts (``n``): comments or descriptions."""
    return "comments" if result.source == "responses" else "descriptions"


def period_text(period, lang: str) -> str | None:
    """A :class:`csm.periods.Period` for the reader: "June 2026" / "2026年6月" (None for None)."""
    return fmt.period_label(period.start, period.last_day, lang) if period is not None else None


def window_label(result, lang: str) -> str:
    """The lookback window named in every sentence about it (from the month of the first text on)."""
    return window_text(result.window_shown.start, result.window_shown.last_day, lang)


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    if lang == "zh":
        return "、".join(items[:-1]) + "和" + items[-1]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA or x is pd.NaT


def _show(frame: pd.DataFrame, lang: str, codes=(), *, counts: str = "n") -> None:
    """A formatted frame with the codes in ``codes`` relabelled, through the one table renderer."""
    display(display_frame(relabel(frame, list(codes), lang) if codes else frame, lang,
                                 headers={"n": counts}))


def note_sentences(result, lang: str) -> list[str]:
    """The analysis notes (:attr:`SentimentResult.notes`) in words."""
    out = []
    for note in result.notes:
        if note.code == "sentiment_source_tickets":
            why = phrase(f"sentiment_source_why_{'auto' if note.params['chosen'] else 'asked'}", lang)
            out.append(phrase("sentiment_source_tickets", lang, n=note.params["n"], why=why))
        elif note.code == "sentiment_latest_moved":
            out.append(phrase("sentiment_latest_moved", lang, noun=noun(result, lang),
                              period=period_text(result.current, lang), empty=period_text(result.empty_latest, lang)))
        elif note.code == "texts_sampled":
            out.append(phrase("sentiment_texts_sampled", lang, noun=noun(result, lang), n=note.params["n"],
                              sampled=note.params["sampled"]))
    return out


def findings(result, lang: str) -> list:
    """3–5 :class:`csm.report.summary.Finding` for the summary box; the first is the headline."""
    return summary_findings(result.headline, period_text(result.previous, lang), result.by_language,
                            result.aspect_table, result.aspect_base, result.trust, lang=lang,
                            noun=noun(result, lang), period=period_text(result.current, lang),
                            window=window_label(result, lang), window_n=result.window_headline.n)


# --------------------------------------------------------------------------- sections
def show_summary(result, lang: str) -> None:
    """Title, the summary box, then only what it does not say: the few-texts caveat, the share over the whole
    window, the aspects' share of negative texts and the analysis notes."""
    display(heading("sentiment_title", lang, level=1, period=period_text(result.current, lang)))
    display(summary_block(findings(result, lang), lang))
    lines = headline_sentences(result.headline, result.window_headline, result.by_language.iloc[:0],
                               result.aspect_table.iloc[:0], lang=lang, noun=noun(result, lang),
                               period=period_text(result.current, lang), previous=period_text(result.previous, lang),
                               window=window_label(result, lang))
    notes = ([lines[0]] if result.headline.n < FEW_TEXTS else []) + lines[1:] + note_sentences(result, lang)
    if notes:
        display(paragraph(notes))


def show_distribution(result, lang: str) -> None:
    """Sentiment by channel, team and category (charts and tables, with the language mix of each and the
    comparison within each language where the mixes differ), by language, and the most negative agents."""
    display(heading("sentiment_distribution_heading", lang))
    what = noun(result, lang)
    sentences = skipped_sentences(result.skipped, {"breakdowns", "by_channel", "by_team", "by_category",
                                                   "by_agent"}, lang)
    charted = [by for by in result.breakdowns if by != "language"]
    if charted:
        sentences.insert(0, window_note(window_label(result, lang), result.window_headline.n, what, result.dims,
                                        lang))
        if result.levels_lumped:
            sentences.append(phrase("sentiment_levels_note", lang, n=result.max_levels))
    display(paragraph(sentences))
    drawn = [by for by in charted if len(result.breakdowns[by]) > 1]  # a single group is a table row, not a chart
    if drawn:
        tall = max(len(result.breakdowns[by]) for by in drawn)
        fig, axes = plt.subplots(1, len(drawn), figsize=(4.7 * len(drawn), max(3.8, 0.45 * tall + 1)),
                                 constrained_layout=True, squeeze=False)
        for ax, by in zip(axes[0], drawn):
            group = str(label(by, lang)).lower() if lang == "en" else label(by, lang)
            negative_share_bars(result.breakdowns[by], by, lang=lang, ax=ax,
                                title=phrase("sentiment_share_title", lang, group=group))
        plt.show()
    counts = count_code(result)
    for by, frame in result.breakdowns.items():
        _show(formatted(frame[[by, *_SHOWN]], lang), lang, [by], counts=counts)
        if by == "language":
            continue
        # teams and channels with different language mixes: Chinese and English are scored differently
        display(paragraph([mix_sentence(result.mix[by], by, lang)]))
        if by in result.within_language:
            display(paragraph([phrase("sentiment_within_language_title", lang, group=label(by, lang))]))
            _show(formatted(result.within_language[by][["language", by, *_SHOWN]], lang), lang, ["language", by],
                  counts=counts)
    if result.agents is not None:
        if len(result.agents):
            display(paragraph([phrase("sentiment_agents_note", lang, min_n=result.agent_min_comments)]))
            _show(formatted(result.agents[["agent_id", *_SHOWN]], lang), lang, counts=counts)
        else:
            display(paragraph([phrase("sentiment_agents_none", lang, min_n=result.agent_min_comments,
                                             noun=what)]))


def show_trend(result, lang: str) -> None:
    """The negative share per month and language over the window."""
    display(heading("sentiment_trend_heading", lang))
    negative_share_trend(result.trend, lang=lang, by="language",
                         title=phrase("sentiment_trend_title", lang, noun=noun(result, lang)))
    plt.show()


def show_aspects(result, lang: str) -> None:
    """What negative feedback is about: the aspects ranked by impact (chart and table), the aspects never
    mentioned, and masked example quotes of the top aspects (in the report's language where there are any)."""
    display(heading("sentiment_aspects_heading", lang))
    what, window = noun(result, lang), window_label(result, lang)
    shown, not_mentioned = aspect_table(result.aspect_table, lang)  # no rows of zeros: named in one sentence
    sampled = result.aspect_base.n < result.window_headline.n
    display(paragraph([phrase("sentiment_aspects_note_sampled" if sampled else "sentiment_aspects_note", lang,
                              noun=what, n=result.aspect_base.n, total=result.window_headline.n, window=window),
                              not_mentioned_sentence(not_mentioned, window, what, lang, sampled=sampled)]))
    if len(shown):
        aspect_impact_bars(result.aspect_table[result.aspect_table["mentions"] > 0], lang=lang,
                           title=phrase("sentiment_aspect_chart_title", lang, noun=what))
        plt.show()
        _show(shown, lang, ["aspect"])
    display(heading("sentiment_examples_heading", lang, level=3, noun=what))
    examples = result.examples.get(lang)
    if examples is None or not len(examples):
        examples = result.examples["any"]
        others = sorted(set(result.negative_languages) - {lang})
        if len(examples) and others:
            display(paragraph([phrase("sentiment_examples_other_language", lang, noun=what,
                                             language=_join([str(label(x, lang)) for x in others], lang))]))
    if len(examples):
        with pd.option_context("display.max_colwidth", 200):  # quotes are shown whole
            _show(examples, lang, ["aspect"])


def show_validity(result, lang: str) -> None:
    """How far to trust the scores: the check against the customers' own ratings and the verdict per language
    (or which input would enable the check)."""
    display(heading("sentiment_validity_heading", lang))
    if not result.ratings:
        display(paragraph(skipped_sentences(result.skipped, {"validity"}, lang)))
        return
    rated = result.rated
    display(paragraph([phrase("sentiment_validity_text", lang),
                              phrase("sentiment_validity_window", lang, n=rated["n"],
                                     period=period_text(result.current, lang), start=fmt.day(rated["first"], lang),
                                     end=fmt.day(rated["last"], lang))]))
    display(heading("sentiment_trust_heading", lang, level=3))
    display(paragraph(trust_sentences(result.trust, result.main_rating, lang)))


def show_appendix(result, lang: str) -> None:
    """The rating agreement in detail (correlations, calibration, agreement and confusion tables) and the
    technical measures behind the main flow (mean polarity per language, the aspects' ranking)."""
    if result.ratings:
        rating = result.main_rating
        rating_name = phrase(f"sentiment_rating_{rating}", lang)
        agreement = result.agreement
        display(heading("sentiment_appendix_heading", lang))
        display(bullets([
            phrase("sentiment_rho_line", lang, language=label(r.language, lang), rating=rating_name, rho=r.estimate,
                   lo=r.ci_low, hi=r.ci_high, n=r.n) if pd.notna(r.estimate)
            else phrase("sentiment_rho_untested", lang, language=label(r.language, lang), rating=rating_name, n=r.n)
            for r in agreement[agreement["rating"] == rating].itertuples()]))
        display(paragraph([phrase("sentiment_calibration_title", lang, rating=rating_name),
                                  calibration_sentence(result.calibration, lang)]))
        _show(formatted(result.calibration, lang, shares=("agreement", "ci_low", "ci_high"), polarity=()), lang,
              ["language"], counts=count_code(result))
        shown = agreement.assign(rating="rating_" + agreement["rating"],
                                 p_value=[fmt.p_value(v, lang, prefix=False) for v in agreement["p_value"]]
                                 ).rename(columns={"estimate": "spearman_rho"})
        _show(formatted(shown, lang, shares=("agreement", "agreement_ci_low", "agreement_ci_high"), polarity=(),
                        decimals={"spearman_rho": 2, "ci_low": 2, "ci_high": 2}), lang, ["language", "rating"],
              counts=count_code(result))
        for language, wide in result.confusion.items():
            display(paragraph([phrase("sentiment_confusion_title", lang, rating=rating_name,
                                             language=label(language, lang))]))
            counts = wide.apply(lambda col: [fmt.count(v, lang) for v in col]).rename(
                columns=lambda c: label(c, lang)).rename_axis(columns=None)
            frame = counts.reset_index().rename(columns={"label": "sentiment_label"})
            _show(frame.assign(sentiment_label=[label(v, lang) for v in frame["sentiment_label"]]), lang)
    display(paragraph([phrase("sentiment_polarity_title", lang, period=period_text(result.current, lang))]))
    _show(formatted(result.by_language[["language", "n", "mean_polarity", "polarity_ci_low", "polarity_ci_high"]],
                    lang), lang, ["language"], counts=count_code(result))
    if (result.aspect_table["mentions"] > 0).any():
        display(paragraph([phrase("sentiment_aspects_detail_note", lang, noun=noun(result, lang))]))
        _show(aspect_table(result.aspect_table, lang, detail=True)[0], lang, ["aspect"])


def show_data_notes(result, lang: str) -> None:
    """Data and method: the span of the texts, how they are scored, the interval level."""
    display(heading("data_heading", lang))
    first, last = result.text_span
    display(paragraph([
        phrase("data_period", lang, start=fmt.day(first, lang), end=fmt.day(last, lang)),
        phrase("sentiment_method_text", lang, lo=fmt.number(result.thresholds["negative_below"], lang, 2),
               hi=fmt.number(result.thresholds["positive_above"], lang, 2), **method_figures(lang)),
        phrase("ci_note", lang, level=0.95)]))


# --------------------------------------------------------------------------- sentences and tables

def window_text(start, last_day, lang: str) -> str:
    """``"the 12 months July 2025 to June 2026"`` (whole months) or ``"1–15 June 2026"`` (other ranges)."""
    check_lang(lang)
    start, last = pd.Timestamp(start).normalize(), pd.Timestamp(last_day).normalize()
    if start.day == 1 and last.is_month_end:
        months = (last.year - start.year) * 12 + last.month - start.month + 1
        return phrase("sentiment_window", lang, months=months, start=fmt.month(start, lang),
                      end=fmt.month(last, lang))
    return fmt.span(start, last, lang)


def headline_sentences(head, window_head, by_language: pd.DataFrame, aspects: pd.DataFrame, *,
                       lang: str, noun: str, period: str, previous: str | None, window: str,
                       few: int = FEW_TEXTS) -> list[str]:
    """The headline bullets.

    ``head``: :func:`csm.sentiment.period_headline` of the report's ``period`` against ``previous`` (its label,
    or None); ``window_head``: the same of the lookback ``window`` (its :func:`window_text`);
    ``by_language``: :func:`csm.sentiment.sentiment_by` language of the period's texts; ``aspects``:
    :func:`csm.sentiment.aspect_summary` of the window's texts.
    """
    check_lang(lang)
    if previous and head.previous_n:
        prev_text = phrase("sentiment_prev", lang, prev=head.previous_share_negative, previous=previous,
                           n_prev=head.previous_n, noun=noun, diff=fmt.points(head.difference, lang),
                           p=fmt.p_value(head.p_value, lang))
    elif previous:
        prev_text = phrase("sentiment_prev_empty", lang, noun=noun, previous=previous)
    else:
        prev_text = phrase("sentiment_no_prev", lang)
    key = "sentiment_headline_few" if head.n < few else "sentiment_headline"
    lines = [phrase(key, lang, n=head.n, k=head.negative, noun=noun, period=period, neg=head.share_negative,
                    lo=head.ci_low, hi=head.ci_high, prev_text=prev_text, min_n=few)]
    lines += [phrase("sentiment_language_line", lang, language=label(r.language, lang), period=period, n=r.n,
                     noun=noun, mean=fmt.number(r.mean_polarity, lang, 2, signed=True),
                     lo=fmt.number(r.polarity_ci_low, lang, 2, signed=True),
                     hi=fmt.number(r.polarity_ci_high, lang, 2, signed=True))
              for r in by_language.itertuples()]
    if window_head.n:
        lines.append(phrase("sentiment_window_line", lang, window=window, n=window_head.n, noun=noun,
                            neg=window_head.share_negative, lo=window_head.ci_low, hi=window_head.ci_high))
    negatives = window_head.negative
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
    if _missing(value):
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
    if _missing(lo) or _missing(hi):
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


def not_mentioned_sentence(aspects: list[str], window: str, noun: str, lang: str, *, sampled: bool = False) -> str:
    """``"Not mentioned in any comment of the 12 months …: Price."`` (``sampled``: "… of the sample …"); empty
    when every aspect is mentioned."""
    if not aspects:
        return ""
    return phrase("sentiment_aspects_none_sampled" if sampled else "sentiment_aspects_none", lang, window=window,
                  noun=noun, aspects=_join([str(label(a, lang)) for a in aspects], lang))


def _needs_text(needs: str, lang: str) -> str:
    """What would enable a left-out section, in words."""
    if needs == "responses.ticket_id":
        return phrase("sentiment_needs_link", lang)
    if needs == "responses.csat":
        return phrase("sentiment_needs_ratings", lang)
    return needs if "." in needs else phrase("sentiment_needs_table", lang, table=needs)


def skipped_sentences(skipped, sections, lang: str) -> list[str]:
    """One sentence per left-out section (:class:`csm.notes.Skipped` of :func:`csm.sentiment.breakdown_plan`
    and :func:`csm.sentiment.validity_ratings`) whose code is in ``sections``."""
    return [phrase("sentiment_skipped", lang, section=label(f"sentiment_section_{s.section}", lang),
                   needs=_needs_text(s.needs, lang)) for s in skipped if s.section in sections]


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


def mix_sentence(extremes, by: str, lang: str) -> str:
    """One sentence stating the language mix of a breakdown from :func:`csm.sentiment.summaries.mix_extremes`
    (the levels with the lowest and highest share of Chinese texts, and whether they differ); empty when the
    texts have one language only."""
    if extremes is None:
        return ""
    lo, hi, differs = extremes
    group = str(label(by, lang))
    group = group.lower() if lang == "en" else group  # mid-sentence: "by channel"
    if not differs:
        return phrase("sentiment_mix_same", lang, group=group, lo=fmt.percent(lo["share_zh"], lang, 0),
                      hi=fmt.percent(hi["share_zh"], lang, 0))
    return phrase("sentiment_mix_differs", lang, group=group, lo=fmt.percent(lo["share_zh"], lang, 0),
                  lo_level=label(str(lo[by]), lang), hi=fmt.percent(hi["share_zh"], lang, 0),
                  hi_level=label(str(hi[by]), lang))


def summary_findings(head, previous: str | None, by_language: pd.DataFrame, aspects: pd.DataFrame,
                     window_head, trust: pd.DataFrame | None, *, lang: str, noun: str, period: str,
                     window: str, window_n: int | None = None) -> list:
    """3–5 :class:`csm.report.summary.Finding` for the report's summary box; the first is the headline.

    ``window_head`` counts the texts the aspects were counted in; when that is a sample of the window's
    ``window_n`` texts, the aspect sentence says so and gives the share's Wilson interval."""
    status = "info"
    if previous and head.previous_n and head.n and not pd.isna(head.p_value):
        status = ("no_change" if head.p_value >= 0.05 else "worse" if head.difference > 0 else "improved")
    if previous and head.previous_n:
        change = phrase("sentiment_sum_change", lang, diff=fmt.points(head.difference, lang),
                        previous=previous, p=fmt.p_value(head.p_value, lang))
    else:
        change = ""
    findings = [Finding(phrase("sentiment_sum_head", lang, n=fmt.count(head.n, lang), noun=noun, period=period,
                               neg=fmt.percent(head.share_negative, lang), lo=fmt.percent(head.ci_low, lang),
                               hi=fmt.percent(head.ci_high, lang), change=change), status)]
    neg = aspects[aspects["negative"] > 0]
    if window_head.negative and len(neg):
        top = neg.sort_values("negative", ascending=False).iloc[0]
        words = dict(window=window, noun=noun, aspect=label(top["aspect"], lang), k=fmt.count(top["negative"], lang),
                     share=fmt.percent(top["negative"] / window_head.negative, lang, 0),
                     total=fmt.count(window_head.negative, lang))
        if window_n is not None and window_head.n < window_n:
            lo, hi = wilson(int(top["negative"]), int(window_head.negative))
            words.update(sampled=fmt.count(window_head.n, lang), n=fmt.count(window_n, lang),
                         lo=fmt.percent(lo, lang, 0), hi=fmt.percent(hi, lang, 0))
            findings.append(Finding(phrase("sentiment_sum_aspect_sampled", lang, **words), "info"))
        else:
            findings.append(Finding(phrase("sentiment_sum_aspect", lang, **words), "info"))
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
    m = MEASURED_ACCURACY
    return {"zh_train": fmt.count(m["zh_training_texts"], lang), "zh_acc": fmt.percent(m["zh_lodo"], lang, 0),
            "zh_lo": fmt.percent(m["zh_lodo_min"], lang, 0), "zh_hi": fmt.percent(m["zh_lodo_max"], lang, 0),
            "en_social": fmt.percent(m["en_tweets"], lang, 0), "en_review": fmt.percent(m["en_reviews"], lang, 0)}


# --------------------------------------------------------------------------- charts
def _wrap(text: str, width: int) -> str:
    """``text`` on lines of at most ``width`` characters: at spaces, else (Chinese) after ``width`` characters."""
    if len(text) <= width:
        return text
    if " " in text:
        return textwrap.fill(text, width)
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


def negative_share_bars(frame: pd.DataFrame, x: str, *, lang: str, title: str | None = None,
                        ax: Axes | None = None) -> Axes:
    """Horizontal bars of ``share_negative`` per ``x`` with its Wilson interval (``ci_low``/``ci_high``)."""
    lang = check_lang(lang)
    require_columns(frame, [x, "share_negative", "ci_low", "ci_high"], "negative_share_bars")
    data = frame.reset_index(drop=True)
    ax = get_axes(ax, (6, 0.6 + 0.35 * len(data)))
    pos = np.arange(len(data), dtype=float)[::-1]
    est = data["share_negative"].to_numpy(dtype=float)
    ax.barh(pos, est, color=COLORS["estimate"], height=0.65)
    err = np.vstack([np.clip(est - data["ci_low"].to_numpy(dtype=float), 0, None),
                     np.clip(data["ci_high"].to_numpy(dtype=float) - est, 0, None)])
    ax.errorbar(est, pos, xerr=err, fmt="none", ecolor="#333333", elinewidth=1.1, capsize=3)
    # long level names (a real export's product names) wrap instead of squeezing the bars; no y-axis title:
    # the chart's title names the grouping, and a title beside long tick labels collides with them
    ax.set_yticks(pos, [_wrap(str(label(v, lang)), 18 if lang == "en" else 9) for v in data[x]])
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel(str(label("share_negative", lang)))
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    if title:
        set_title(ax, title)
    return ax


def negative_share_trend(trend: pd.DataFrame, *, lang: str, title: str | None = None, by: str | None = None,
                         ax: Axes | None = None) -> Axes:
    """Line of the negative share per month (``period_start``) with its interval band (one line per ``by`` value)."""
    lang = check_lang(lang)
    require_columns(trend, ["period_start", "share_negative", "ci_low", "ci_high"], "negative_share_trend")
    ax = get_axes(ax, (9, 3.8))
    groups = trend.groupby(by, sort=True) if by else [(None, trend)]
    for key, g in groups:
        g = g.sort_values("period_start")
        name = str(label(key, lang)) if key is not None else str(label("share_negative", lang))
        line, = ax.plot(g["period_start"], g["share_negative"], marker="o", linewidth=1.6, label=name)
        ax.fill_between(g["period_start"], g["ci_low"], g["ci_high"], alpha=0.18, color=line.get_color(), linewidth=0)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylim(bottom=0)
    ax.set_ylabel(str(label("share_negative", lang)))
    ax.set_xlabel("")  # the ticks are months; a title under them would crowd the legend below
    format_date_axis(ax, lang)
    if title:
        set_title(ax, title)
    if by:  # below the axes, never over the lines or their points
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=max(1, len(labels)),
                  frameon=False)
        ax.figure.set_layout_engine("constrained")
    return ax


def aspect_impact_bars(summary: pd.DataFrame, *, lang: str, title: str | None = None, ax: Axes | None = None) -> Axes:
    """Horizontal bars of negative comments per aspect (``negative``), ordered as given (by impact)."""
    lang = check_lang(lang)
    require_columns(summary, ["aspect", "negative", "mentions"], "aspect_impact_bars")
    data = summary.reset_index(drop=True)
    ax = get_axes(ax, (7, 0.6 + 0.4 * len(data)))
    pos = np.arange(len(data), dtype=float)[::-1]
    ax.barh(pos, data["mentions"].to_numpy(dtype=float), color="#d9d9d9", height=0.65,
            label=str(label("mentions", lang)))
    ax.barh(pos, data["negative"].to_numpy(dtype=float), color=COLORS["estimate"], height=0.65,
            label=str(label("negative_mentions", lang)))
    ax.set_yticks(pos, [str(label(v, lang)) for v in data["aspect"]])
    ax.set_xlabel(str(label("comments", lang)))
    ax.xaxis.set_major_formatter(axis_formatter("count", lang))
    ax.grid(axis="y", visible=False)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="lower right", frameon=False)
    if title:
        set_title(ax, title)
    return ax
