"""The complaint root-cause briefing (:func:`csm.complaints.analyse` results) for a reader, in English or Chinese.

- ``show_<section>(result, lang)`` — one report section: headings, sentences, tables and charts, displayed
  (charts end in ``plt.show()``); :func:`findings` — the summary box and the headline;
- ``*_table`` — results as display frames (numbers rounded once, codes labelled in ``lang``, first column as
  index, rendered by :func:`csm.report.display.display_frame`); ``*_sentence(s)`` — plain sentences via
  :func:`csm.report.labels.phrase`; :func:`note_sentence` — an analysis :class:`~csm.notes.Note` in words;
- ``*_chart`` — charts on ``ax`` (a new figure when ``None``) that return the Axes and never show them.
"""
from __future__ import annotations

import textwrap

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import display
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.ticker import FuncFormatter, NullFormatter
from scipy.stats import norm

from csm.complaints import (
    EXPLAIN_LIFT,
    EXPLAIN_SHARE,
    MIN_CONCENTRATION_RATIO,
    OTHER_LEVELS,
    OUTCOMES,
    SECTION_NEEDS,
    level_columns,
)
from csm.notes import Note
from csm.report import format as fmt
from csm.report.format import axis_formatter
from csm.report.labels import check_lang, label, note_text, phrase
from csm.levels import DEFAULT_MAX_LEVELS, OTHER, lump_levels, top_levels
from csm.report.charts import add_legend, format_date_axis, get_axes, require_columns, set_title, tick_labels
from csm.report.theme import COLORS, PALETTE
from csm.report.summary import Finding, summary_block
from csm.report.display import bullets, code_label, data_notes, data_quality_table, display_frame, heading, paragraph
from csm.report.format import format_p_value, format_share

def _num(x, decimals: int = 0) -> str:
    """A count (``decimals=0``: a whole number of tickets) or a number with thousands separators
    (:mod:`csm.report.format`), ``"—"`` when missing."""
    return fmt.count(x) if decimals == 0 else fmt.number(x, "en", decimals)


def _times(x, lang: str = "en") -> str:
    """A ratio as a multiple with two decimals: ``"1.47×"``."""
    return fmt.ratio(x, lang, 2)


def _times_word(x, lang: str, digits: int = 1) -> str:
    """A multiple inside a sentence: ``"3.1×"`` / ``"3.1 倍"``."""
    return fmt.ratio(x, lang, digits) if lang == "en" else f"{fmt.number(x, lang, digits)} 倍"


#: Result column -> label code of its header.
HEADERS = {
    "type": "complaint_type", "label_en": "complaint_label_en", "label_zh": "complaint_label_zh",
    "cumulative_share": "complaint_cumulative_share", "vital_few": "complaint_vital_few",
    "start": "complaint_start", "end": "complaint_end", "weeks": "complaint_weeks",
    "observed": "complaint_observed", "expected": "complaint_expected", "excess": "complaint_excess",
    "ratio": "complaint_ratio", "max_score": "complaint_score", "level": "complaint_level",
    "dimension": "complaint_dimension", "drivers": "complaint_drivers", "in_period": "complaint_in_period",
    "adjusted_residual": "complaint_adjusted_residual", "p_adjusted": "complaint_p_adjusted",
    "cramers_v": "complaint_cramers_v", "chi2": "complaint_chi2", "dof": "complaint_dof",
    "odds_ratio": "complaint_odds_ratio", "outcome": "complaint_outcome", "covariate": "complaint_covariate",
    "reference": "complaint_reference", "rate": "complaint_rate", "median_hours": "complaint_median_hours",
    "p90_hours": "complaint_p90_hours", "sla_rate": "complaint_sla_rate", "fcr_rate": "complaint_fcr_rate",
    "reopen_rate": "complaint_reopen_rate", "term": "complaint_term", "terms": "complaint_terms",
    "example": "complaint_example", "kind": "complaint_kind", "evidence": "complaint_evidence",
    "impact": "complaint_impact", "finding": "complaint_finding", "count_previous": "complaint_count_previous",
    "rate_ratio": "complaint_rate_ratio", "share_change": "complaint_share_change", "group": "complaint_group",
    "role": "complaint_role", "breakdown": "complaint_breakdown",
}


# --------------------------------------------------------------------------- formatting
def _date(t, lang: str = "en") -> str:
    """A day with its year: "10 November 2025" / "2025年11月10日"."""
    return fmt.day(t, lang)


def _span(a, b, lang: str) -> str:
    """Days ``a`` to ``b``: "10–30 November 2025" / "2025年11月10日–30日"."""
    return fmt.span(a, b, lang)


def _yes(flag: bool, lang: str) -> str:
    return phrase("yes", lang) if flag else ""


def _where(row, by, lang: str) -> str:
    return " · ".join(code_label(row[c], lang) for c in by if c in row and pd.notna(row[c]))


def spike_level_text(row, by, lang: str) -> str:
    """A spike's series with its dimension: "Region FL", "Category Debt collection · Region TX", "All complaints".
    Level names are shown whole (a table cell wraps; nothing a manager reads is cut off)."""
    parts = [phrase("spike_level_in", lang, dimension=code_label(c, lang), level=str(code_label(row[c], lang)))
             for c in by if c in row and pd.notna(row[c])]
    return " · ".join(parts) or code_label("all_complaints", lang)


def pooled_label(code, members, lang: str, *, show: int = 3) -> str:
    """A level's label; a pooled level (:data:`csm.complaints.OTHER_LEVELS`) is named by what it holds:
    "Phone + Email", or "5 rare levels: AK + WY + VT …" beyond ``show`` members."""
    names = [m for m in str(members).split("|") if m] if isinstance(members, str) else []
    if code != OTHER_LEVELS or not names:
        return code_label(code, lang)
    shown = " + ".join(str(code_label(m, lang)) for m in names)  # every member: nothing is cut
    if len(names) <= show:
        return phrase("pooled_levels", lang, names=shown)
    return phrase("pooled_levels_many", lang, k=len(names), names=shown)


def _drivers_text(drivers: str, lang: str) -> str:
    if not isinstance(drivers, str) or not drivers:
        return ""
    parts = []
    for item in drivers.split("; "):
        dim, _, level = item.partition("=")
        parts.append(f"{code_label(dim, lang)} {code_label(level, lang)}" if lang == "en" else f"{code_label(dim, lang)}“{code_label(level, lang)}”")
    return (", " if lang == "en" else "、").join(parts)


def breakdown_text(breakdown: str, lang: str, *, top: int = 3) -> str:
    """``"category=a:+724; region=b:+133"`` (:func:`csm.complaints.spike_hierarchy`) -> "A +724, B +133"."""
    if not isinstance(breakdown, str) or not breakdown:
        return ""
    parts = []
    for item in breakdown.split("; ")[:top]:
        where, _, excess = item.rpartition(":")
        level = where.partition("=")[2]
        name = code_label(level, lang)  # whole: a finding's sentence is never cut off
        parts.append(f"{name} {fmt.number(float(excess), lang, 0, signed=True)}" if excess else name)
    return (", " if lang == "en" else "、").join(parts)


def _spike_where(text: str, lang: str) -> str:
    """``"logistics×east"`` or ``"all"`` -> "Logistics · East" / "All complaints"."""
    parts = text.split("×")
    return " · ".join(code_label("all_complaints" if p == "all" else p, lang) for p in parts)


def _spike_role(row, lang: str) -> str:
    if row.get("part_of"):
        text = str(row["part_of"])
        name, _, start = text.rpartition(" ")
        return phrase("spike_role_part", lang, where=_spike_where(name, lang), start=_date(start, lang))
    if row.get("explained_by"):
        return phrase("spike_role_explained", lang,
                      where=" / ".join(_spike_where(w, lang) for w in str(row["explained_by"]).split(" / ")))
    return phrase("spike_role_finding", lang)


def cramers_v_strength(v: float) -> str:
    """Cohen's (1988) conventions for V with df* = 1: < 0.1 negligible, < 0.3 weak, < 0.5 moderate, else strong."""
    return "strength_negligible" if v < 0.1 else "strength_weak" if v < 0.3 else \
        "strength_moderate" if v < 0.5 else "strength_strong"


# --------------------------------------------------------------------------- many levels
def lump_pareto(pareto: pd.DataFrame, by: str = "category", max_levels: int = DEFAULT_MAX_LEVELS) -> pd.DataFrame:
    """A Pareto table (largest first) cut to its ``max_levels`` largest rows plus one :data:`OTHER` row
    ("all others") holding the remaining count and share, last (cumulative share 100%); unchanged when
    at most ``max_levels + 1`` rows. Totals are kept: the counts still add up to all complaints."""
    if len(pareto) <= max_levels + 1:
        return pareto
    head, rest = pareto.iloc[:max_levels], pareto.iloc[max_levels:]
    other = {c: rest[c].iloc[0] for c in pareto.columns}
    other.update({by: OTHER, "count": int(rest["count"].sum())})
    for col in ("share", "share_of_all"):
        if col in rest:
            other[col] = float(rest[col].sum())
    if "cumulative_share" in rest:
        other["cumulative_share"] = float(rest["cumulative_share"].iloc[-1])
    if "vital_few" in rest:
        other["vital_few"] = False
    out = pd.concat([head, pd.DataFrame([other])], ignore_index=True)
    out.attrs = dict(pareto.attrs, lumped=len(rest))
    return out


def lump_within(within: pd.DataFrame, parent: str = "category", child: str = "sub_reason",
                max_levels: int = DEFAULT_MAX_LEVELS) -> pd.DataFrame:
    """:func:`lump_pareto` of ``child`` inside each ``parent`` level of a :func:`csm.complaints.pareto_within` table."""
    return pd.concat([lump_pareto(g, child, max_levels) for _, g in within.groupby(parent, sort=False)],
                     ignore_index=True)


# --------------------------------------------------------------------------- tables and sentences
def pareto_table(pareto: pd.DataFrame, lang: str, by: str = "category") -> pd.DataFrame:
    """Complaints per level (largest first) in ``lang``: count, share, cumulative share and the 80% mark. Only
    the report's language is shown (no code or other-language column)."""
    check_lang(lang)
    out = pd.DataFrame({by: [code_label(c, lang) for c in pareto[by]],
                        "count": pareto["count"].map(_num), "share": pareto["share"].map(format_share),
                        "cumulative_share": pareto["cumulative_share"].map(format_share),
                        "vital_few": [_yes(v, lang) for v in pareto["vital_few"]]})
    return display_frame(out, lang, headers=HEADERS)


def pareto_within_table(within: pd.DataFrame, lang: str, parent: str = "category", child: str = "sub_reason"):
    out = pd.DataFrame({parent: within[parent].map(lambda c: code_label(c, lang)),
                        child: within[child].map(lambda c: code_label(c, lang)), "count": within["count"].map(_num),
                        "share": within["share"].map(format_share), "cumulative_share": within["cumulative_share"].map(format_share),
                        "vital_few": [_yes(v, lang) for v in within["vital_few"]]})
    return display_frame(out, lang, headers=HEADERS)


def pareto_sentence(pareto: pd.DataFrame, lang: str, by: str = "category", *,
                    max_levels: int = DEFAULT_MAX_LEVELS) -> str:
    """"k of n categories make up x% of complaints: …" (the names of at most ``max_levels``, then "and N more
    (see the table)": every name is in the table below the sentence)."""
    vital = pareto[pareto["vital_few"]]
    sep = ", " if lang == "en" else "、"
    names = sep.join(str(code_label(c, lang)) for c in vital[by].head(max_levels))
    if len(vital) > max_levels:
        names += phrase("pareto_more", lang, n=fmt.count(len(vital) - max_levels, lang))
    return phrase("pareto_sentence", lang, k=len(vital), total=len(pareto), share=format_share(vital["share"].sum()),
                  names=names)


def _outcome_row(row: pd.Series, drivers: pd.DataFrame | None):
    """The row of the outcome models' summary behind a root-cause row (for its rate and reference level)."""
    if drivers is None or not len(drivers):
        return None
    hit = drivers[(drivers["outcome"] == row["kind"]) & (drivers["covariate"] == row["dimension"])
                  & (drivers["level"].astype(str) == str(row["level"]))]
    return hit.iloc[0] if len(hit) else None


def outcome_reading(d: pd.Series, lang: str) -> dict:
    """Plain numbers behind an odds ratio (``estimate`` of a row of the outcome models' summary): the share with the bad outcome at the level (``rate``), the share it
    would have at the reference level's odds, all else equal (``base``), and their ratio ("1.4× as likely")."""
    rate, odds_ratio = float(d["rate"]), float(d["estimate"])
    odds = rate / max(1 - rate, 1e-12)
    base_odds = odds / odds_ratio if odds_ratio > 0 else float("nan")
    base = base_odds / (1 + base_odds) if np.isfinite(base_odds) else float("nan")
    return {"rate": fmt.percent(rate, lang), "base": fmt.percent(base, lang),
            "times_n": fmt.number(rate / base if base > 0 else float("nan"), lang),
            "odds": _num(odds_ratio, 2), "reference": code_label(d["reference"], lang),
            "outcome": code_label(f"outcome_verb_{d['outcome']}", lang), "level": code_label(d["level"], lang),
            "dimension": code_label(d["covariate"], lang)}


def _root_where(row: pd.Series, lang: str) -> str:
    """Where a spike of the root-cause table is: "Logistics · East", "All complaints"."""
    return " · ".join(str(code_label(x, lang)) for x in (row["category"], row["level"] if row["dimension"] != "category"
                                                        else None) if x is not None and not pd.isna(x))


def root_cause_sentence(row: pd.Series, lang: str, *, drivers: pd.DataFrame | None = None) -> str:
    """One plain sentence for a row of :func:`csm.complaints.root_cause_table`; with the outcome models'
    ``drivers`` summary an odds ratio is read as shares ("41.7% … against about 30.3% …: 1.4× as likely")."""
    kind = row["kind"]
    if kind == "spike":
        where = _root_where(row, lang)
        drivers_text = _drivers_text(row["drivers"], lang)
        parts = breakdown_text(row.get("breakdown", ""), lang)
        return phrase("root_spike", lang, where=where, excess=_num(row["impact"]), when=_span(row["start"], row["end"], lang),
                      ratio=_times_word(row["effect"], lang),
                      drivers=(phrase("root_spike_drivers", lang, drivers=drivers_text) if drivers_text else "")
                      + (phrase("root_spike_breakdown", lang, parts=parts) if parts else ""))
    if kind == "concentration":
        return phrase("root_concentration", lang,
                      category=pooled_label(row["category"], row.get("category_members", ""), lang),
                      dimension=code_label(row["dimension"], lang),
                      level=pooled_label(row["level"], row.get("level_members", ""), lang),
                      excess=_num(row["impact"]), ratio=_times_word(row["effect"], lang, 2))
    if kind == "resolution":
        return phrase("root_resolution", lang, category=code_label(row["category"], lang), rate=format_share(row["effect"]),
                      target=format_share(row["target"]))
    d = _outcome_row(row, drivers)
    if d is not None:
        return phrase("root_outcome_plain", lang, excess=_num(row["impact"]), **outcome_reading(d, lang))
    return phrase("root_outcome", lang, level=code_label(row["level"], lang), dimension=code_label(row["dimension"], lang),
                  outcome=code_label(kind, lang), odds=_num(row["effect"], 2), low=_num(row["ci_low"], 2),
                  high=_num(row["ci_high"], 2), excess=_num(row["impact"]))


def _evidence(row: pd.Series, lang: str) -> str:
    """The statistics behind a finding, each with a plain reading ("3.1× the usual level; not chance")."""
    kind = row["kind"]
    if kind == "spike":
        return phrase("evidence_spike", lang, ratio=_times_word(row["effect"], lang), z=_num(row["score"], 1),
                      p=fmt.p_value(row["p_value"], lang))
    if kind == "concentration":
        return phrase("evidence_concentration", lang, ratio=_times_word(row["effect"], lang, 2),
                      z=_num(row["score"], 1), p=fmt.p_value(row["p_value"], lang))
    if kind == "resolution":
        return phrase("evidence_resolution", lang, rate=format_share(row["effect"]), low=format_share(row["ci_low"]),
                      high=format_share(row["ci_high"]))
    return phrase("evidence_outcome", lang, odds=_num(row["effect"], 2), low=_num(row["ci_low"], 2),
                  high=_num(row["ci_high"], 2), p=fmt.p_value(row["p_value"], lang))


def _bounds(period) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end)`` of a :class:`csm.periods.Period` or a (start, end) pair."""
    if hasattr(period, "start"):
        return period.start, period.end
    return pd.Timestamp(period[0]), pd.Timestamp(period[1])


def _when(row: pd.Series, lang: str, period, model_window: str) -> tuple[str, str]:
    """(when, verdict) of a finding: a spike's dates and whether it lies in the period or how long before it
    ended; the standing findings' window; what a manager should do with it."""
    kind = row["kind"]
    if kind == "spike":
        when = _span(row["start"], row["end"], lang)
        if period is None:
            return when, phrase("verdict_spike_check", lang)
        start, end = _bounds(period)
        last = pd.Timestamp(row["end"])  # the last day of the spike's last week
        if last >= start and pd.Timestamp(row["start"]) < end:
            return phrase("when_in_period", lang, when=when), phrase("verdict_spike_now", lang)
        months = fmt.months_between(last, start)
        ago = phrase("when_one_month_before", lang) if months == 1 else \
            phrase("when_months_before", lang, n=months) if months > 1 else _weeks(max(1, (start - last).days // 7), lang)
        return phrase("when_before", lang, when=when, ago=ago), phrase("verdict_spike_past", lang)
    if kind == "resolution":
        return model_window if period is None else fmt.period_label(_bounds(period)[0], _bounds(period)[1] -
                                                                     pd.Timedelta(days=1), lang), \
            phrase("verdict_resolution", lang, category=code_label(row["category"], lang))
    if kind == "concentration":
        return model_window, phrase("verdict_concentration", lang,
                                    category=pooled_label(row["category"], row.get("category_members", ""), lang),
                                    level=pooled_label(row["level"], row.get("level_members", ""), lang))
    return model_window, phrase("verdict_outcome", lang, level=code_label(row["level"], lang),
                                outcome=code_label(f"outcome_verb_{kind}", lang))


def root_cause_display(root: pd.DataFrame, lang: str, *, period=None, model_window: str = "",
                       drivers: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ranked root-cause table as a manager reads it: rank, finding (sentence), when (a spike's dates, and
    whether it lies in the reporting ``period`` = (start, end) or how long before it ended; the models'
    ``model_window`` for standing findings), what to do, evidence in plain words, tickets affected."""
    check_lang(lang)
    when = [_when(r, lang, period, model_window) for _, r in root.iterrows()]
    out = pd.DataFrame({"rank": root["rank"].astype(int).astype(str),
                        "kind": root["kind"].map(lambda k: code_label(k, lang)),
                        "finding": [root_cause_sentence(r, lang, drivers=drivers) for _, r in root.iterrows()],
                        "complaint_when": [w for w, _ in when],
                        "complaint_verdict": [v for _, v in when],
                        "evidence": [_evidence(r, lang) for _, r in root.iterrows()],
                        "impact": [impact_text(r, lang) for _, r in root.iterrows()]})
    return display_frame(out, lang, headers=HEADERS)


def impact_text(row: pd.Series, lang: str) -> str:
    """Tickets affected with the window they are counted over, so rows stay comparable: a spike's excess over
    its weeks ("512 in 3 weeks"); a standing finding's tickets over the model window with the monthly figure
    ("874 in 12 months, about 73 a month")."""
    impact, months = row["impact"], row.get("months", np.nan)
    if pd.isna(months) or not months:
        return _num(impact)
    if row["kind"] == "spike":
        weeks = max(1, int(round(months * (365.25 / 12) / 7)))
        return phrase("impact_in_weeks", lang, n=_num(impact), weeks=_weeks(weeks, lang))
    whole = int(round(months))
    if whole <= 1:
        return phrase("impact_in_period", lang, n=_num(impact))
    return phrase("impact_in_months", lang, n=_num(impact), months=whole, per_month=_num(impact / months))


def root_order_sentence(lang: str) -> str:
    """The rule the ranked table follows, stated above it."""
    return phrase("root_order_rule", lang)


def _weeks(n, lang: str) -> str:
    return phrase("complaint_one_week", lang) if n == 1 else phrase("complaint_n_weeks", lang, n=_num(n))


def spikes_table(spikes: pd.DataFrame, by, lang: str, *, top: int | None = None) -> pd.DataFrame:
    """Spikes with their dates, size, evidence, drivers and role (a finding; part of a larger finding; explained
    by finer spikes). With ``top``, the findings first and then the largest others, ``top`` rows at most."""
    if "finding" in spikes:
        spikes = spikes.assign(_f=~spikes["finding"].astype(bool)).sort_values(["_f", "excess"], ascending=[True, False],
                                                                              kind="stable")
    if top is not None:
        spikes = spikes.head(top)
    out = pd.DataFrame({
        "level": [spike_level_text(r, by, lang) for _, r in spikes.iterrows()],
        # one column for the dates (fewer, wider columns: the level names need the room)
        "complaint_weeks_from_to": [f"{_span(a, b, lang)} ({_weeks(w, lang)})" for a, b, w in
                                    zip(spikes["start"], spikes["end"], spikes["weeks"])],
        "observed": spikes["observed"].map(_num), "expected": spikes["expected"].map(_num),
        "excess": spikes["excess"].map(_num), "ratio": spikes["ratio"].map(lambda x: fmt.ratio(x, lang)),
        "p_adjusted": spikes["p_value"].map(format_p_value),
        "drivers": spikes["drivers"].map(lambda d: _drivers_text(d, lang) or fmt.MISSING),
        "in_period": [phrase("yes" if v else "no", lang) for v in spikes["in_period"]]})
    if (out["drivers"] == fmt.MISSING).all():  # a column with nothing to say only takes room
        out = out.drop(columns="drivers")
    if "finding" in spikes:
        out["role"] = [_spike_role(r, lang) for _, r in spikes.iterrows()]
        out["breakdown"] = spikes["breakdown"].map(lambda b: breakdown_text(b, lang) or fmt.MISSING).to_numpy()
    return display_frame(out, lang, headers=HEADERS)


def skipped_sentences(skipped, lang: str) -> list[str]:
    """One sentence per skipped section (:class:`~csm.notes.Skipped` of :func:`csm.complaints.skipped_sections`),
    naming the column that would enable it."""
    out = []
    for item in skipped:
        section, needs = item.section, item.needs
        if section.startswith("concentration_"):
            out.append(phrase("complaints_skipped_concentration", lang,
                              dimension=code_label(section.removeprefix("concentration_"), lang), needs=needs))
        elif section.startswith("factor_"):
            out.append(phrase("complaints_skipped_factor", lang, factor=code_label(section.removeprefix("factor_"), lang),
                              needs=needs))
        elif section == "outcome_repeat_complaint":
            out.append(phrase("complaints_skipped_customer_key", lang,
                              section=code_label(f"complaint_section_{section}", lang), needs=needs))
        else:
            out.append(phrase("complaints_skipped", lang, section=code_label(f"complaint_section_{section}", lang),
                              needs=needs))
    return out


def outcomes_not_tested(skipped: dict, lang: str, *, has_key: bool = True) -> str:
    """"Not tested, because …" for the outcome models when none could be fitted: the reason per outcome
    (``skipped``: :attr:`csm.complaints.OutcomeDrivers.skipped`, outcome -> :class:`~csm.notes.Note`)."""
    reasons = []
    for outcome in OUTCOMES:
        why = skipped.get(outcome)
        if why is None:
            continue
        if outcome == "repeat_complaint" and not has_key:
            reasons.append(phrase("outcome_reason_no_key", lang))
        elif why.code == "outcome_unavailable":
            reasons.append(phrase("outcome_reason_needs", lang, outcome=code_label(outcome, lang),
                                  needs=SECTION_NEEDS[f"outcome_{outcome}"]))
        else:
            reasons.append(phrase("outcome_reason_failed", lang, outcome=code_label(outcome, lang),
                                  reason=why.params.get("reason", "")))
    sep = "; " if lang == "en" else "；"
    return phrase("outcomes_not_tested", lang, reasons=sep.join(reasons) or fmt.MISSING)


def drivers_table(drivers: pd.DataFrame, lang: str, *, top: int = 2) -> pd.DataFrame:
    """Top levels per dimension of :func:`csm.complaints.spike_drivers` (share of the excess vs the usual share);
    expected and excess tickets as whole numbers."""
    d = drivers.groupby("dimension", sort=False).head(top)
    out = pd.DataFrame({"dimension": d["dimension"].map(lambda c: code_label(c, lang)),
                        "level": d["level"].map(lambda c: code_label(c, lang)), "observed": d["observed"].map(_num),
                        "expected": d["expected"].map(_num), "excess": d["excess"].map(_num),
                        "share_of_excess": d["share_of_excess"].map(format_share), "baseline_share": d["baseline_share"].map(format_share),
                        "is_driver": [_yes(v, lang) for v in d["driver"]]})
    out = out.rename(columns={"share_of_excess": "complaint_excess_share", "baseline_share": "complaint_usual_share",
                              "is_driver": "complaint_is_driver"})
    return display_frame(out, lang, headers=HEADERS)


def concentration_sentences(summary: pd.DataFrame, lang: str) -> list[str]:
    """Per dimension, the test of independence (chi-square, df, adjusted p, Cramér's V) — method detail."""
    return [phrase("concentration_sentence", lang, dimension=code_label(r["dimension"], lang), chi2=_num(r["chi2"], 1),
                   dof=int(r["dof"]), p=format_p_value(r["p_adjusted"], prefix=True), v=_num(r["cramers_v"], 3),
                   strength=phrase(cramers_v_strength(r["cramers_v"]), lang)) for _, r in summary.iterrows()]


def concentration_readings(summary: pd.DataFrame, lang: str, *, alpha: float = 0.05) -> list[str]:
    """Per dimension in plain words: whether the mix of categories differs by it beyond chance, and how much
    (Cramér's V read by Cohen's conventions)."""
    out = []
    for _, r in summary.iterrows():
        key = "concentration_reading_sig" if r["p_adjusted"] < alpha else "concentration_reading_none"
        dim = str(code_label(r["dimension"], lang))
        out.append(phrase(key, lang, dimension=dim, dimension_lower=dim.lower(),
                          p=fmt.p_value(r["p_adjusted"], lang), v=_num(r["cramers_v"], 3),
                          strength=phrase(cramers_v_strength(r["cramers_v"]), lang)))
    return out


def pooling_sentences(tests: dict, lang: str, *, show: int | None = None) -> list[str]:
    """Per tested dimension (``{dimension: ContingencyResult}``), for its levels and for the categories of its
    test: which rare levels were pooled, and which (with their tickets) were left out of the test as too few.
    Every level is named (``show`` limits the list only when given)."""
    sep = ", " if lang == "en" else "、"
    out = []
    for res in tests.values():
        for dim, suffix in ((res.col, ""), (res.row, "_rows")):
            members = res.pooled.get(dim, [])
            if members:
                names = sep.join(str(code_label(m, lang)) for m in members[:show])
                if show is not None and len(members) > show:
                    names += phrase("pareto_more", lang, n=fmt.count(len(members) - show, lang))
                out.append(phrase(f"concentration_pooled{suffix}", lang, dimension=code_label(res.col, lang),
                                  k=len(members), names=names))
            dropped = res.dropped.get(dim, {})
            if dropped:
                levels = sep.join(f"{code_label(k, lang)} ({fmt.count(v, lang)})" for k, v in list(dropped.items())[:show])
                if show is not None and len(dropped) > show:
                    levels += phrase("pareto_more", lang, n=fmt.count(len(dropped) - show, lang))
                out.append(phrase(f"concentration_dropped{suffix}", lang, dimension=code_label(res.col, lang),
                                  n=fmt.count(sum(dropped.values()), lang), levels=levels))
    return out


def cells_table(cells: pd.DataFrame, lang: str, *, top: int = 10) -> pd.DataFrame:
    """The most over-represented cells (largest adjusted residual first)."""
    c = cells.sort_values("adjusted_residual", ascending=False, kind="stable").head(top)
    members = c["level_members"] if "level_members" in c else pd.Series("", index=c.index)
    cat_members = c["category_members"] if "category_members" in c else pd.Series("", index=c.index)
    out = pd.DataFrame({"category": [pooled_label(v, m, lang) for v, m in zip(c["category"], cat_members)],
                        "dimension": c["dimension"].map(lambda v: code_label(v, lang)),
                        "level": [pooled_label(v, m, lang) for v, m in zip(c["level"], members)],
                        "observed": c["observed"].map(_num),
                        "expected": c["expected"].map(_num), "ratio": c["ratio"].map(lambda x: _times(x, lang)),
                        "adjusted_residual": c["adjusted_residual"].map(lambda x: fmt.number(x, lang, 2)),
                        "p_adjusted": c["p_adjusted"].map(format_p_value),
                        "vital_few": [_yes(v, lang) for v in c["over_represented"]]})
    out = out.rename(columns={"vital_few": "complaint_over"})
    return display_frame(out, lang, headers=HEADERS)


def heatmap_sentence(cells: pd.DataFrame, dimension: str, lang: str) -> str:
    """What the residual heat map shows, in words: the over- and under-represented cells beyond chance (after
    the Bonferroni correction over the cells), or that every cell is within chance."""
    c = cells[(cells["dimension"] == dimension) & (cells["p_adjusted"] < 0.05)]
    dim = str(code_label(dimension, lang))
    if c.empty:
        return phrase("heatmap_none", lang, dimension=dim, dimension_lower=dim.lower())
    sep = "; " if lang == "en" else "；"
    items = sep.join(phrase("heatmap_cell", lang, category=code_label(r["category"], lang),
                            level=code_label(r["level"], lang), observed=_num(r["observed"]),
                            expected=_num(r["expected"]), ratio=_times_word(r["ratio"], lang, 2))
                     for _, r in c.sort_values("adjusted_residual", ascending=False).iterrows())
    return phrase("heatmap_one" if len(c) == 1 else "heatmap_some", lang, k=len(c), cells=items)


def odds_table(summary: pd.DataFrame, lang: str, *, top: int = 12) -> pd.DataFrame:
    s = summary.head(top)
    out = pd.DataFrame({"outcome": s["outcome"].map(lambda v: code_label(v, lang)),
                        "covariate": s["covariate"].map(lambda v: code_label(v, lang)),
                        "level": s["level"].map(lambda v: code_label(v, lang)),
                        "reference": s["reference"].map(lambda v: code_label(v, lang)),
                        "odds_ratio": [f"{_times(o, lang)} ({_num(lo, 2)}–{_num(hi, 2)})"
                                       for o, lo, hi in zip(s["estimate"], s["ci_low"], s["ci_high"])],
                        "p_adjusted": s["p_adjusted"].map(format_p_value), "n": s["n"].map(_num), "rate": s["rate"].map(format_share)})
    return display_frame(out, lang, headers=HEADERS)


def outcome_readings(summary: pd.DataFrame, lang: str, *, top: int = 4) -> list[str]:
    """The strongest significant factors of the outcome models as plain sentences with shares: "Urgent
    complaints: 11.6% escalated, against about 4.6% if they fared like Normal ones — 2.5× as likely"."""
    s = summary[summary["significant"].astype(bool)] if "significant" in summary else summary
    return [phrase("outcome_reading", lang, **outcome_reading(r, lang)) for _, r in s.head(top).iterrows()]


def _hours_text(hours, lang: str, unit: str | None = None) -> str:
    """Hours as a duration in the unit their size calls for; a whole number of hours (an SLA) without decimals."""
    whole = not pd.isna(hours) and float(hours) == int(hours) and unit is None and hours >= 2
    return fmt.duration(None if pd.isna(hours) else hours * 60, lang, 0 if whole else 1, unit=unit)


def resolution_table(perf: pd.DataFrame, lang: str, by: str = "category") -> pd.DataFrame:
    """Per level: tickets, median time to resolve with its interval, 90th percentile, SLA, FCR and reopen rates;
    each time in the unit its size calls for ("18.0 min", "1.4 h")."""
    def median_text(m, lo, hi):
        unit = fmt.duration_unit(m * 60) if not pd.isna(m) else None
        per = {"min": 1 / 60, "h": 1, "days": 24}.get(unit, 1)
        return (f"{_hours_text(m, lang, unit)} ({fmt.number(lo / per, lang)}–{fmt.number(hi / per, lang)})"
                if not pd.isna(lo) and not pd.isna(hi) else _hours_text(m, lang, unit))

    out = pd.DataFrame({by: perf[by].map(lambda v: code_label(v, lang)), "n": perf["n"].map(_num),
                        "median_hours": [median_text(m, lo, hi) for m, lo, hi in
                                         zip(perf["median_hours"], perf["median_ci_low"], perf["median_ci_high"])],
                        "p90_hours": perf["p90_hours"].map(lambda x: _hours_text(x, lang)),
                        "sla_rate": [f"{format_share(m)} ({format_share(lo)}–{format_share(hi)})" for m, lo, hi in
                                     zip(perf["sla_rate"], perf["sla_ci_low"], perf["sla_ci_high"])]})
    for col, lo, hi in (("fcr_rate", "fcr_ci_low", "fcr_ci_high"), ("reopen_rate", "reopen_ci_low", "reopen_ci_high")):
        if col in perf:
            out[col] = [f"{format_share(m)} ({format_share(a)}–{format_share(b)})" for m, a, b in zip(perf[col], perf[lo], perf[hi])]
    return display_frame(out, lang, headers=HEADERS)


def resolution_sentence(perf: pd.DataFrame, lang: str, sla_hours: float, by: str = "category") -> str:
    worst = perf.sort_values("sla_rate", kind="stable").iloc[0]
    return phrase("resolution_sentence", lang, category=code_label(worst[by], lang),
                  median=_hours_text(worst["median_hours"], lang), sla=format_share(worst["sla_rate"]),
                  hours=_hours_text(sla_hours, lang))


def terms_table(terms: pd.DataFrame, lang: str, *, top: int = 8) -> pd.DataFrame:
    """One row per group: its distinctive terms, most distinctive first."""
    rows = [{"group": code_label(g, lang), "terms": ("、" if lang == "zh" else ", ").join(t.sort_values("rank")["term"].head(top))}
            for g, t in terms.groupby("group", sort=True)]
    return display_frame(pd.DataFrame(rows, columns=["group", "terms"]), lang, headers=HEADERS)


def examples_table(examples: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Masked example complaints (the ``example`` column must come from :func:`csm.complaints.example_complaints`)."""
    out = pd.DataFrame({"group": examples["group"].map(lambda v: code_label(v, lang)), "term": examples["term"],
                        "example": examples["example"]})
    return display_frame(out, lang, headers=HEADERS)


def change_sentences(changes: pd.DataFrame, lang: str, by: str = "category") -> list[str]:
    sig = changes[changes["significant"]]
    if sig.empty:
        top = changes.iloc[0]
        return [phrase("no_category_change", lang, category=code_label(top[by], lang), count=_num(top["count"]),
                       previous=_num(top["count_previous"]))]
    return [phrase("change_new_sentence", lang, category=code_label(r[by], lang), count=_num(r["count"]),
                   p=format_p_value(r["p_adjusted"])) if r["count_previous"] == 0 else
            phrase("change_up", lang, category=code_label(r[by], lang), count=_num(r["count"]),
                   previous=_num(r["count_previous"]), rr=_num(r["estimate"], 2), low=_num(r["ci_low"], 2),
                   high=_num(r["ci_high"], 2), p=format_p_value(r["p_adjusted"])) for _, r in sig.iterrows()]


def changes_adjust_note(changes: pd.DataFrame, lang: str) -> str:
    """A plain note when some unadjusted interval excludes 1 although the category is not significant after the
    multiplicity adjustment (the reader would otherwise see a contradiction); "" when there is none."""
    lo, hi = changes["ci_low"].astype(float), changes["ci_high"].astype(float)
    odd = ((lo > 1) | (hi < 1)) & ~changes["significant"].astype(bool)
    return phrase("changes_adjust_note", lang, k=len(changes)) if odd.any() else ""


def _rate_ratio_text(rr, low, high, previous, lang: str) -> str:
    """"1.52× (1.10–2.08)"; a level with no complaints before has no finite ratio: "new (0 before)"."""
    if previous == 0 or not np.isfinite(rr) or not np.isfinite(high):
        return phrase("change_new", lang) if previous == 0 else phrase("change_open", lang, rr=_times(rr, lang),
                                                                         low=_num(low, 2))
    return f"{_times(rr, lang)} ({_num(low, 2)}–{_num(high, 2)})"


def changes_table(changes: pd.DataFrame, lang: str, by: str = "category") -> pd.DataFrame:
    out = pd.DataFrame({by: changes[by].map(lambda v: code_label(v, lang)), "count": changes["count"].map(_num),
                        "count_previous": changes["count_previous"].map(_num),
                        "rate_ratio": [_rate_ratio_text(r, lo, hi, prev, lang) for r, lo, hi, prev in
                                       zip(changes["estimate"], changes["ci_low"], changes["ci_high"],
                                           changes["count_previous"])],
                        "p_adjusted": changes["p_adjusted"].map(format_p_value),
                        "share_change": changes["share_change"].map(lambda x: fmt.points(x, lang))})
    return display_frame(out, lang, headers=HEADERS)


# --------------------------------------------------------------------------- notes of the analysis
def note_sentence(note: Note, lang: str) -> str:
    """An analysis :class:`~csm.notes.Note` of :mod:`csm.complaints` in words (the phrase ``note_<code>`` of
    :mod:`csm.report.labels.complaints`), its codes named by their labels: outcome, factor, dimension and level
    codes labelled, ``levels`` listed, counts with separators, shares in percent."""
    sep = ", " if lang == "en" else "、"
    params = dict(note.params)
    for key in ("outcome", "factor", "dimension", "level", "row"):
        if key in params:
            params[key] = code_label(params[key], lang)
    if "dimension" in params:
        params["dimension_lower"] = str(params["dimension"]).lower()
    if "levels" in params:
        params["levels"] = sep.join(str(code_label(v, lang)) for v in params["levels"])
    for key in ("n", "sampled"):
        if key in params:
            params[key] = fmt.count(params[key], lang)
    if note.code == "texts_sampled":
        params["window"] = _TEXT_WINDOWS[params["window"]][lang]
    if "share" in params:
        params["share"] = fmt.percent(params["share"], lang, 0)
    return note_text(Note(note.code, **params), lang)


#: the text windows a texts_sampled note names
_TEXT_WINDOWS = {"model": {"en": "outcome model", "zh": "结果模型"}, "spike": {"en": "spike", "zh": "突增"}}


#: Notes said where their section is (the spike search's history), not in the appendix's list of notes.
_SECTION_NOTES = ("short_history", "spikes_not_tested")


# --------------------------------------------------------------------------- summary
def _summary_findings(*, n: int, period_text: str, period, model_window: str, pareto: pd.DataFrame,
                       root: pd.DataFrame, changes: pd.DataFrame | None, previous: str | None,
                       resolution: pd.DataFrame | None, sla_target: float | None, sla_hours: float, lang: str,
                       drivers: pd.DataFrame | None = None, most: int = 5) -> list:
    """The 3–5 findings of the briefing's summary: volume and the largest category; the top finding still
    current (a standing pattern or a spike in the period); when the top spike lies before the period, when it
    was; what changed against the comparison period; the slowest category against the SLA target."""
    out = []
    top = pareto.iloc[0] if len(pareto) else None
    out.append(Finding(phrase("finding_volume", lang, n=fmt.count(n, lang), period=period_text,
                              category=code_label(top["category"], lang) if top is not None else fmt.MISSING,
                              share=format_share(top["share"]) if top is not None else fmt.MISSING), "info"))
    if len(root):
        rows = [(r, *_when(r, lang, period, model_window)) for _, r in root.iterrows()]
        now = phrase("verdict_spike_now", lang)
        current = [(r, w) for r, w, v in rows if r["kind"] != "spike" or v == now]
        past = [(r, w) for r, w, v in rows if r["kind"] == "spike" and v != now]
        if current:
            # a spike running in the period is a change for the worse; a standing pattern (months of data) is
            # no change against the previous period, but a risk to act on
            first = current[0][0]
            out.append(Finding(root_cause_sentence(first, lang, drivers=drivers),
                               "worse" if first["kind"] == "spike" else "at_risk"))
        if past:
            r, when = past[0]
            out.append(Finding(phrase("finding_past_spike", lang, where=_root_where(r, lang), excess=_num(r["impact"]),
                                      when=when), "info"))
    else:
        out.append(Finding(phrase("finding_no_root", lang), "no_change"))
    if changes is not None and previous:
        sig = changes[changes["significant"]]
        if len(sig):
            r = sig.sort_values("p_adjusted").iloc[0]
            up = r["count"] > r["count_previous"]
            out.append(Finding(phrase("finding_change", lang, category=code_label(r["category"], lang),
                                      count=_num(r["count"]), previous_count=_num(r["count_previous"]),
                                      previous=previous, p=fmt.p_value(r["p_adjusted"], lang)),
                               "worse" if up else "improved"))
        else:
            out.append(Finding(phrase("finding_no_change", lang, previous=previous,
                                      now=fmt.count(changes["count"].sum(), lang),
                                      before=fmt.count(changes["count_previous"].sum(), lang)), "no_change"))
    if resolution is not None and len(resolution) and len(out) < most:
        worst = resolution.sort_values("sla_rate", kind="stable").iloc[0]
        status = "info"
        if sla_target is not None:
            status = "met" if worst["sla_rate"] >= sla_target else "missed" if worst["sla_ci_high"] < sla_target \
                else "at_risk"
        out.append(Finding(phrase("finding_resolution", lang, category=code_label(worst["category"], lang),
                                  sla=format_share(worst["sla_rate"]), hours=_hours_text(sla_hours, lang),
                                  target=format_share(sla_target) if sla_target is not None else fmt.MISSING),
                           status))
    return out[:most]


# --------------------------------------------------------------------------- charts
def _plain_log_ticks(ax: Axes, candidates, values) -> None:
    """Log x axis with plain-number ticks (``0.5``, ``2``, ``24``) instead of powers of ten."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    lo, hi = (v.min(), v.max()) if v.size else (0.1, 10)
    ticks = [t for t in candidates if lo / 1.5 <= t <= hi * 1.5] or [1]
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())

def _short(text: str, width: int = 22, lines: int | None = None) -> str:
    """A long level name wrapped at word boundaries into lines of ``width`` characters, whole (real exports have
    names such as "Credit reporting, credit repair services, or other personal consumer reports": wrapped, they
    do not squeeze the plot area, and nothing is cut off). ``lines`` is accepted for compatibility, unused."""
    text = str(text)
    if len(text) <= width:
        return text
    return "\n".join(textwrap.wrap(text, width, break_long_words=False) or [text])


def _short_labels(values, lang: str, width: int = 22, lines: int = 2) -> list[str]:
    return [_short(t, width, lines) for t in tick_labels(pd.Series(list(values)), lang)]


def pareto_chart(pareto: pd.DataFrame, by: str = "category", *, lang: str, title: str | None = None,
                 vital_share: float = 0.8, max_levels: int = DEFAULT_MAX_LEVELS, ax: Axes | None = None) -> Axes:
    """Pareto chart: bars of counts (largest first), cumulative share line on a right axis, the 80% line.
    More than ``max_levels + 1`` levels: the ``max_levels`` largest and one "all others" bar."""
    lang = check_lang(lang)
    require_columns(pareto, [by, "count", "cumulative_share"], "pareto_chart")
    pareto = lump_pareto(pareto, by, max_levels)
    ax = get_axes(ax)
    pos = np.arange(len(pareto), dtype=float)
    colors = [COLORS["estimate"] if v else "#9ecae1" for v in pareto.get("vital_few", [True] * len(pareto))]
    ax.bar(pos, pareto["count"].to_numpy(float), color=colors, width=0.7)
    # few levels: horizontal labels wrapped at word boundaries; many: rotated, so neighbours never collide
    many = len(pareto) > 6
    ticks = _short_labels(pareto[by], lang, width=18 if many else 11)
    ax.set_xticks(pos, ticks, rotation=35 if many else 0, ha="right" if many else "center",
                  rotation_mode="anchor" if many else "default", fontsize=8 if many else 9)
    ax.set_ylabel(code_label("count", lang))
    ax.set_xlabel(code_label(by, lang))
    ax.grid(axis="x", visible=False)
    right = ax.twinx()
    right.plot(pos, pareto["cumulative_share"].to_numpy(float), color=COLORS["limit"], marker="o", markersize=4)
    right.axhline(vital_share, color=COLORS["reference"], linestyle="--", linewidth=1)
    right.set_ylim(0, 1.05)
    right.yaxis.set_major_formatter(axis_formatter("percent", lang))
    right.set_ylabel(code_label("complaint_cumulative_share", lang))
    right.grid(False)
    right.spines["right"].set_visible(True)
    if title:
        set_title(ax, title)
    return ax


def lump_weekly(weekly: pd.DataFrame, group: str, max_levels: int = DEFAULT_MAX_LEVELS) -> pd.DataFrame:
    """Weekly counts with the levels of ``group`` outside the ``max_levels`` largest (by total count) summed
    into one "all others" series; levels ordered largest first, all others last. Totals per week are kept."""
    lumped = lump_levels(weekly, group, max_levels, weight="count")
    out = lumped.groupby(["week", group], sort=False, observed=True, dropna=False)["count"].sum().reset_index()
    order = top_levels(lumped[lumped[group] != OTHER], group, max(len(lumped[group].unique()), 1), weight="count")
    rank = {level: i for i, level in enumerate(order)}
    out["_r"] = out[group].map(lambda v: rank.get(v, len(rank)))
    return out.sort_values(["_r", "week"], kind="stable").drop(columns="_r").reset_index(drop=True)


def weekly_chart(weekly: pd.DataFrame, group: str, *, lang: str, spikes: pd.DataFrame | None = None,
                 title: str | None = None, max_levels: int = DEFAULT_MAX_LEVELS, ax: Axes | None = None) -> Axes:
    """Weekly complaint counts, one line per level of ``group`` (the ``max_levels`` largest and one
    "all others" line when there are more), largest first in the legend; spike weeks shaded."""
    lang = check_lang(lang)
    require_columns(weekly, ["week", group, "count"], "weekly_chart")
    ax = get_axes(ax, (10, 4))
    weekly = lump_weekly(weekly, group, max_levels)
    levels = list(dict.fromkeys(weekly[group]))
    palette = sns.color_palette(PALETTE, n_colors=len(levels))
    if OTHER in levels:
        palette[levels.index(OTHER)] = (0.3, 0.3, 0.3)
    for color, level in zip(palette, levels):
        part = weekly[weekly[group] == level]
        ax.plot(part["week"].to_numpy(), part["count"].to_numpy(float), color=color,
                label=_short(code_label(level, lang), 28, 1), linewidth=1.4 if level != OTHER else 1.0,
                linestyle="-" if level != OTHER else "--")
    for s in (spikes.itertuples() if spikes is not None else []):
        ax.axvspan(s.start, s.end + pd.Timedelta(days=1), color=COLORS["alarm"], alpha=0.12, linewidth=0)
    format_date_axis(ax, lang)
    ax.set_ylabel(code_label("complaint_weekly", lang))
    ax.set_xlabel(code_label("week", lang))
    if title:
        set_title(ax, title)
    add_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def spike_chart(scores: pd.DataFrame, *, lang: str, title: str | None = None, ax: Axes | None = None) -> Axes:
    """One weekly series from :attr:`csm.complaints.SpikeResult.scores`: counts, baseline, flagged weeks."""
    lang = check_lang(lang)
    require_columns(scores, ["week", "count", "baseline", "flagged"], "spike_chart")
    ax = get_axes(ax, (10, 3.8))
    s = scores.sort_values("week")
    ax.plot(s["week"].to_numpy(), s["count"].to_numpy(float), color=COLORS["estimate"], marker="o", markersize=3,
            label=code_label("complaint_observed", lang))
    ax.plot(s["week"].to_numpy(), s["baseline"].to_numpy(float), color=COLORS["center"], linestyle="--",
            label=code_label("complaint_baseline", lang))
    f = s[s["flagged"]]
    ax.scatter(f["week"].to_numpy(), f["count"].to_numpy(float), color=COLORS["alarm"], zorder=5, s=40,
               label=code_label("complaint_spike_period", lang))
    format_date_axis(ax, lang)
    ax.set_ylabel(code_label("complaint_weekly", lang))
    ax.set_xlabel(code_label("week", lang))
    ax.set_ylim(bottom=0)
    if title:
        set_title(ax, title)
    add_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def lump_cells(cells: pd.DataFrame, max_levels: int = DEFAULT_MAX_LEVELS) -> pd.DataFrame:
    """Contingency cells of one dimension (category, level, observed, expected) with the categories and
    levels outside the ``max_levels`` largest merged into "all others": observed and expected summed, the
    adjusted residual recomputed for the merged cells (Haberman: ``(O − E) / √(E (1 − r/n)(1 − c/n))``)."""
    c = cells.assign(category=cells["category"].replace(OTHER_LEVELS, OTHER), level=cells["level"].replace(OTHER_LEVELS, OTHER))
    c = lump_levels(c, "category", max_levels, weight="observed")
    c = lump_levels(c, "level", max_levels, weight="observed")
    c = c.groupby(["category", "level"], sort=False)[["observed", "expected"]].sum().reset_index()
    n = c["observed"].sum()
    r = c.groupby("category")["observed"].transform("sum")
    k = c.groupby("level")["observed"].transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        c["adjusted_residual"] = (c["observed"] - c["expected"]) / np.sqrt(c["expected"] * (1 - r / n) * (1 - k / n))
    return c


def residual_heatmap(cells: pd.DataFrame, dimension: str, *, lang: str, title: str | None = None,
                     max_levels: int = DEFAULT_MAX_LEVELS, ax: Axes | None = None) -> Axes:
    """Heat map of adjusted standardised residuals, category × ``dimension`` (|r| > 2 stands out); the
    ``max_levels`` largest categories and levels and "all others" (residuals recomputed, :func:`lump_cells`)."""
    lang = check_lang(lang)
    c = lump_cells(cells[cells["dimension"] == dimension], max_levels)
    order_rows = [v for v in top_levels(c[c["category"] != OTHER], "category", len(c), weight="observed")]
    order_cols = [v for v in top_levels(c[c["level"] != OTHER], "level", len(c), weight="observed")]
    grid = c.pivot(index="category", columns="level", values="adjusted_residual")
    grid = grid.reindex(index=order_rows + [OTHER] * (OTHER in grid.index),
                        columns=order_cols + [OTHER] * (OTHER in grid.columns))
    ax = get_axes(ax, (2.6 + 0.8 * grid.shape[1], 1.6 + 0.45 * grid.shape[0]))
    values = grid.to_numpy(dtype=float)
    lim = max(3.0, float(np.nanmax(np.abs(values))))
    # colour only what is beyond chance: |residual| above the Bonferroni cut-off over the test's cells
    significant = np.abs(values) > residual_cutoff(int((cells["dimension"] == dimension).sum()))
    text = np.vectorize(lambda v: "" if not np.isfinite(v) else
                        f"{v:.1f}".replace("-", "\u2212") if abs(round(v, 1)) > 0 else "0.0")(values)
    xt, yt = _short_labels(grid.columns, lang, width=14), _short_labels(grid.index, lang, width=28)
    sns.heatmap(grid, ax=ax, cmap=ListedColormap(["#ededed"]), mask=significant, cbar=False, linewidths=1,
                linecolor="white", annot=np.where(significant, "", text), fmt="", annot_kws={"color": "#6b6b6b"},
                xticklabels=xt, yticklabels=yt)
    sns.heatmap(grid, ax=ax, cmap="RdBu_r", center=0, vmin=-lim, vmax=lim, mask=~significant, linewidths=1,
                linecolor="white", annot=np.where(significant, text, ""), fmt="",
                xticklabels=xt, yticklabels=yt)
    cbar = ax.collections[-1].colorbar
    if cbar is not None:  # the title away from the tick numbers
        cbar.set_label(code_label("complaint_adjusted_residual", lang), labelpad=12)
        cbar.ax.tick_params(labelsize=9, pad=4)
    ax.text(0.0, 1.02, phrase("heatmap_legend", lang), transform=ax.transAxes, fontsize=9, color="#444444",
            va="bottom")  # under the title: what the colours mean
    ax.tick_params(axis="x", labelrotation=35 if grid.shape[1] > 5 else 0)
    ax.tick_params(axis="y", labelrotation=0)  # category names read across, never turned on their side
    # axis titles set apart from the tick labels (grey, padded): "华北" over "区域" must not read as "华北区域"
    ax.set_xlabel(code_label(dimension, lang), labelpad=12, color="#555555")
    ax.set_ylabel(code_label("category", lang), labelpad=12, color="#555555")
    ax.tick_params(axis="both", pad=4)
    if title:
        set_title(ax, title, pad=20)
    return ax


def residual_cutoff(n_cells: int, alpha: float = 0.05) -> float:
    """The |adjusted residual| beyond which a cell of a test with ``n_cells`` cells is significant after the
    Bonferroni correction (two-sided): 3.09 for 25 cells (0.05 / 50 in each tail)."""
    return float(norm.isf(alpha / (2 * max(int(n_cells), 1))))


def odds_ratio_chart(summary: pd.DataFrame, *, lang: str, title: str | None = None, top: int = 12,
                     ax: Axes | None = None) -> Axes:
    """Forest plot of odds ratios (``estimate``) with 95% intervals (log scale), one colour per outcome."""
    lang = check_lang(lang)
    require_columns(summary, ["outcome", "covariate", "level", "estimate", "ci_low", "ci_high"], "odds_ratio_chart")
    s = summary.head(top).iloc[::-1]
    ax = get_axes(ax, (8, 1.2 + 0.35 * len(s)))
    outcomes = list(dict.fromkeys(summary["outcome"]))
    palette = dict(zip(outcomes, sns.color_palette(PALETTE, n_colors=len(outcomes))))
    pos = np.arange(len(s), dtype=float)
    seen = set()
    for y, r in zip(pos, s.itertuples()):
        lab = code_label(r.outcome, lang) if r.outcome not in seen else None
        seen.add(r.outcome)
        ax.errorbar([r.estimate], [y], xerr=[[r.estimate - r.ci_low], [r.ci_high - r.estimate]], fmt="o",
                    color=palette[r.outcome], capsize=3, label=lab)
    ax.axvline(1.0, color=COLORS["reference"], linestyle="--", linewidth=1)
    ax.set_xscale("log")
    _plain_log_ticks(ax, [0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 7, 10, 20, 50],
                     s[["ci_low", "ci_high"]].to_numpy(float))
    ax.set_yticks(pos, [f"{code_label(r.level, lang)} ({code_label(r.covariate, lang)})" for r in s.itertuples()])
    ax.set_xlabel(code_label("complaint_odds_ratio", lang))
    if title:
        set_title(ax, title)
    add_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def resolution_chart(hours: pd.DataFrame, by: str = "category", *, lang: str, sla_hours: float = 24,
                     title: str | None = None, max_levels: int = DEFAULT_MAX_LEVELS, ax: Axes | None = None) -> Axes:
    """Box plot of hours to resolve per level of ``by`` (log scale), with the SLA line; the ``max_levels``
    largest levels and "all others"."""
    lang = check_lang(lang)
    require_columns(hours, [by, "hours"], "resolution_chart")
    hours = lump_levels(hours, by, max_levels)
    order = hours.groupby(by)["hours"].median().sort_values().index.tolist()
    data = [np.clip(hours.loc[hours[by] == o, "hours"].to_numpy(float), 0.01, None) for o in order]
    ax = get_axes(ax, (9, 4))
    # ``orientation`` since Matplotlib 3.10, where ``vert`` is deprecated (a warning on the report's stderr)
    horizontal = {"orientation": "horizontal"} if tuple(int(x) for x in matplotlib.__version__.split(".")[:2]) >= (3, 10) \
        else {"vert": False}
    ax.boxplot(data, showfliers=False, widths=0.6, medianprops={"color": COLORS["limit"]}, **horizontal)
    ax.set_yticks(np.arange(1, len(order) + 1), _short_labels(order, lang, width=28))
    ax.set_xscale("log")
    _plain_log_ticks(ax, [0.01, 0.1, 0.5, 1, 2, 4, 8, 24, 48, 100, 200, 500], np.concatenate(data) if data else [1])
    ax.axvline(sla_hours, color=COLORS["target"], linestyle="--", linewidth=1.4)
    ax.set_xlabel(code_label("complaint_hours", lang))
    if title:
        set_title(ax, title)
    return ax


# --------------------------------------------------------------------------- the report's sections
def category_share_table(pareto: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """The seed documents' table form of a Pareto table: type (code), label_en, label_zh, count, share."""
    return pd.DataFrame({"type": pareto[by], "label_en": [label(c, "en") for c in pareto[by]],
                         "label_zh": [label(c, "zh") for c in pareto[by]], "count": pareto["count"],
                         "share": pareto["share"]})


def _period_text(result, lang: str) -> str:
    """"June 2026" / "2026年6月"."""
    return fmt.period_label(result.period.start, result.period.last_day, lang)


def _previous_text(result, lang: str) -> str | None:
    previous = result.comparison
    return fmt.period_label(previous.start, previous.last_day, lang) if previous else None


def _model_span(result, lang: str) -> str:
    """The window of the concentration tests, outcome models and text analysis, with years."""
    return fmt.span(result.model_start, result.period.last_day, lang)


def _lookback(result, lang: str) -> str:
    """The spike search window shown (with years)."""
    return fmt.span(result.search_start, result.period.last_day, lang)


def findings(result, lang: str) -> list:
    """The 3–5 findings of the briefing's summary (:class:`csm.report.summary.Finding`): volume and the largest
    category; the top finding still current; when the top spike lies before the period, when it was; what
    changed against the comparison period; the slowest category against the SLA target."""
    check_lang(lang)
    p = result.parameters
    return _summary_findings(n=result.n_period, period_text=_period_text(result, lang), period=result.period,
                             model_window=_model_span(result, lang), pareto=result.pareto, root=result.root,
                             changes=result.changes, previous=_previous_text(result, lang),
                             resolution=result.resolution, sla_target=p["sla_target"], sla_hours=p["sla_hours"],
                             lang=lang, drivers=result.outcomes.summary)


def show_summary(result, lang: str) -> None:
    """Title, the summary box (:func:`findings`) and the sentence saying what the report covers."""
    period_text = _period_text(result, lang)
    display(heading("complaints_title", lang, level=1, period=period_text))
    display(summary_block(findings(result, lang), lang))
    spikes, p = result.spikes, result.parameters
    window = phrase("model_window_full" if result.model_window_full else "model_window_short", lang,
                    months=p["model_months"], start=fmt.day(result.model_start, lang),
                    end=fmt.day(result.period.last_day, lang))
    scope = phrase("spike_scope_searched", lang, lookback=_lookback(result, lang)) if spikes.tested else \
        phrase("spike_scope_not_tested", lang, weeks=spikes.weeks, needed=spikes.min_weeks)
    days = (result.period.end - result.period.start).days
    display(paragraph([phrase("complaints_intro", lang, n=fmt.count(result.n_period, lang), period=period_text,
                              per_day=fmt.number(result.n_period / days, lang), spike_scope=scope,
                              model_window=window, n_model=fmt.count(result.n_model, lang))]))


def show_root_causes(result, lang: str) -> None:
    """"What to fix first": the ranked findings (:func:`root_cause_display`), or why there are none."""
    display(heading("complaints_root_heading", lang))
    if len(result.root):
        display(paragraph([root_order_sentence(lang)]))
        display(root_cause_display(result.root, lang, period=result.period, model_window=_model_span(result, lang),
                                   drivers=result.outcomes.summary))
    else:
        display(paragraph([phrase("complaints_no_root_cause" if result.spikes.tested
                                  else "complaints_no_root_cause_untested", lang)]))


def show_changes(result, lang: str) -> None:
    """What changed against the comparison period, per category."""
    display(heading("complaints_changes_heading", lang, previous=_previous_text(result, lang) or "—"))
    if result.comparison is None:
        display(paragraph([phrase("no_comparison", lang)]))
    elif result.changes is not None:
        display(bullets(change_sentences(result.changes, lang)))
        display(changes_table(result.changes, lang))
        if changes_adjust_note(result.changes, lang):
            display(paragraph([changes_adjust_note(result.changes, lang)]))


def show_pareto(result, lang: str) -> None:
    """What customers complain about: the Pareto of categories, and of sub-reasons in the largest one."""
    max_levels, pareto, within = result.parameters["max_levels"], result.pareto, result.pareto_within
    display(heading("complaints_pareto_heading", lang))
    display(paragraph([pareto_sentence(pareto, lang, max_levels=max_levels)]))
    display(pareto_table(lump_pareto(pareto, "category", max_levels), lang))
    fig, axes = plt.subplots(1, 1 + (within is not None), figsize=(13, 4.8), constrained_layout=True, squeeze=False)
    pareto_chart(pareto, lang=lang, ax=axes[0, 0], max_levels=max_levels,
                 title=phrase("pareto_title", lang, period=_period_text(result, lang)))
    if within is not None:
        largest = pareto["category"].iloc[0]
        pareto_chart(within[within["category"] == largest], "sub_reason", lang=lang, ax=axes[0, 1],
                     max_levels=max_levels, title=phrase("pareto_sub_title", lang, category=label(largest, lang)))
    plt.show()
    if result.is_skipped("sub_reasons"):
        display(paragraph(skipped_sentences(result.skipped_of("sub_reasons"), lang)))
    if within is not None:
        display(pareto_within_table(lump_within(within, "category", "sub_reason", max_levels), lang))


def spike_method_sentences(result, lang: str) -> list[str]:
    """How spikes were searched (appendix): the baseline (seasonal, or the rolling median of a short history),
    the test and the rule that decides which spikes are findings; nothing when the search did not run."""
    spikes, p = result.spikes, result.parameters
    codes = {n.code: n for n in spikes.notes}
    if "spikes_not_tested" in codes:
        return []
    method = [note_sentence(codes["short_history"], lang) if "short_history" in codes else
              phrase("spike_method_stl", lang, season=p["season_length"], window=p["spike_window_weeks"])]
    method.append(phrase("spike_method_test", lang, threshold=f"{spikes.threshold:.2f}", tests=f"{spikes.n_tests:,}",
                         ratio=p["min_spike_ratio"], excess=p["spike_min_excess"]))
    method.append(phrase("spike_rule", lang, share=f"{EXPLAIN_SHARE:.0%}", lift=EXPLAIN_LIFT))
    return method


def show_spikes(result, lang: str) -> None:
    """Where it got worse: the spike search's verdict, weekly charts with the finding spikes shaded, the spikes."""
    spikes, table, max_levels = result.spikes, result.spike_table, result.parameters["max_levels"]
    display(heading("complaints_spikes_heading", lang))
    if not spikes.tested:  # too short a history: say so, never "no spike"
        found = note_sentence(next(n for n in spikes.notes if n.code == "spikes_not_tested"), lang)
    elif len(table):
        found = phrase("spikes_found", lang, n=len(table), lookback=_lookback(result, lang),
                       n_period=int(table["in_period"].sum()))
    else:
        found = phrase("no_spikes", lang, lookback=_lookback(result, lang))
    display(paragraph([found, *skipped_sentences(result.skipped_of("spikes_region"), lang)]))
    if result.weekly:
        groups = list(result.weekly)
        fig, axes = plt.subplots(len(groups), 1, figsize=(10, 3.6 * len(groups)), constrained_layout=True,
                                 squeeze=False)
        for ax, group in zip(axes.flat, groups):
            weekly_chart(result.weekly[group], group, lang=lang, ax=ax, spikes=result.weekly_spikes[group],
                         max_levels=max_levels, title=phrase("weekly_title", lang, group=label(group, lang)))
        plt.show()
    if len(table):
        shown = min(len(table), max_levels)
        if shown < len(table):
            display(paragraph([phrase("spikes_shown", lang, shown=shown, n=len(table))]))
        display(spikes_table(table, spikes.by, lang, top=shown))


def show_main_spike(result, lang: str) -> None:
    """The top spike finding: its weekly series against the baseline, what drives it, what its complaints say."""
    spike = result.main_spike
    if spike is None:
        return
    where = " · ".join(str(label(spike[c], lang)) for c in level_columns(spike["level"])) \
        or label("all_complaints", lang)
    spike_chart(result.main_spike_series, lang=lang, title=phrase("spike_chart_title", lang, where=where))
    plt.show()
    display(drivers_table(result.main_spike_drivers, lang))
    if result.is_skipped("spike_terms"):
        display(paragraph(skipped_sentences(result.skipped_of("spike_terms"), lang)))
    elif result.main_spike_terms is not None:
        terms = result.main_spike_terms
        display(heading("spike_terms_heading", lang, level=3))
        if len(terms):
            display(terms_table(terms, lang, top=10))
            display(examples_table(result.main_spike_examples, lang))
        else:
            during, usual = result.main_spike_texts
            display(paragraph([phrase("no_spike_terms", lang, n=f"{during:,}", m=f"{usual:,}")]))


def _concentration_not_tested(result, lang: str) -> list[str]:
    return [note_sentence(n, lang) for n in result.concentration.skipped.values()]


def show_concentration(result, lang: str) -> None:
    """Where complaints are concentrated: per dimension, whether the mix of categories differs, and the cells
    beyond chance in words (the heat map and the tests are in the appendix)."""
    display(heading("complaints_concentration_heading", lang))
    missing = skipped_sentences(result.skipped_of("concentration_", prefix=True), lang)
    conc = result.concentration
    if conc is None:
        display(bullets(missing))
        return
    display(bullets(concentration_readings(conc.summary, lang) + _concentration_not_tested(result, lang) + missing))
    display(paragraph([heatmap_sentence(conc.cells, result.heatmap_dimension, lang)]))


def _outcome_method(result, lang: str):
    covariates = ("、" if lang == "zh" else ", ").join(str(label(c, lang))
                                                      for c in result.outcomes.summary["covariate"].unique())
    return paragraph([phrase("outcomes_method", lang, days=result.parameters["repeat_within_days"],
                             covariates=covariates)])


def _significant(result) -> pd.DataFrame:
    summary = result.outcomes.summary
    return summary[summary["significant"].astype(bool)]


def show_outcomes(result, lang: str) -> None:
    """Why outcomes go bad: each model's outcome rate, the significant factors in plain words, or why no
    model could be fitted."""
    display(heading("complaints_outcomes_heading", lang))
    outcomes = result.outcomes
    missing = skipped_sentences(result.skipped_of("outcome_", "factor_", prefix=True), lang)
    if outcomes.models:
        display(paragraph([phrase("outcome_summary", lang, outcome=label(o, lang), rate=fmt.percent(m.events / m.n, lang),
                                  n=fmt.count(m.n, lang)) for o, m in outcomes.models.items()]))
        significant = _significant(result)
        if len(significant):
            display(bullets(outcome_readings(significant, lang)))
        else:
            display(paragraph([phrase("no_outcome_drivers", lang, k=len(outcomes.models))]))
        if missing:
            display(bullets(missing))
    else:  # nothing could be fitted: say why instead of claiming that no factor matters
        display(paragraph([outcomes_not_tested(outcomes.skipped, lang, has_key=result.has_customer_key)]))


def show_resolution(result, lang: str) -> None:
    """Resolution performance by category: the slowest, the table with intervals, the distribution chart."""
    display(heading("complaints_resolution_heading", lang))
    if result.resolution is None:
        display(paragraph(skipped_sentences(result.skipped_of("resolution"), lang)))
        return
    p = result.parameters
    display(paragraph([resolution_sentence(result.resolution, lang, p["sla_hours"])]))
    display(resolution_table(result.resolution, lang))
    resolution_chart(result.resolution_hours, lang=lang, sla_hours=p["sla_hours"], max_levels=p["max_levels"],
                     title=phrase("resolution_chart_title", lang))
    plt.show()


def show_words(result, lang: str) -> None:
    """What the words say: the terms most distinctive of each category, with masked examples."""
    display(heading("complaints_words_heading", lang))
    if result.is_skipped("words"):
        display(paragraph(skipped_sentences(result.skipped_of("words"), lang)))
    elif not result.n_model_texts:
        display(paragraph([phrase("no_texts", lang)]))
    elif result.category_terms is not None and result.category_terms.empty:
        display(paragraph([phrase("no_category_terms", lang, n=f"{result.n_model_texts:,}")]))
    elif result.category_terms is not None:
        display(terms_table(result.category_terms, lang))
        display(examples_table(result.category_examples, lang))


class _DataFacts:
    """What the shared data tables of :mod:`csm.report.display` read from a loaded dataset, kept by the result."""

    def __init__(self, result):
        self._quality = result.data_quality
        self.problems = result.data_problems

    def quality_summary(self) -> pd.DataFrame:
        return self._quality


def _figure(fig):
    """A figure to display later (method detail in the appendix): closed, so it is not shown where it is drawn."""
    plt.close(fig)
    return fig


def _appendix_parts(result, lang: str) -> list[tuple[str, list]]:
    """Method detail of the sections, (heading code, [displayable …]) in the order of the report."""
    parts = []
    method = spike_method_sentences(result, lang)
    if method:
        parts.append(("complaints_spikes_heading", [paragraph(method)]))
    conc, max_levels = result.concentration, result.parameters["max_levels"]
    if conc is not None:
        dim = result.heatmap_dimension
        heatmap = residual_heatmap(conc.cells, dim, lang=lang, max_levels=max_levels,
                                   title=phrase("residual_title", lang, dimension=label(dim, lang))).figure
        parts.append(("complaints_concentration_heading", [
            _figure(heatmap), bullets(concentration_sentences(conc.summary, lang)),
            paragraph([phrase("concentration_method", lang, ratio=MIN_CONCENTRATION_RATIO),
                       *pooling_sentences(conc.tests, lang)]),
            cells_table(conc.cells, lang)]))
    if result.outcomes.models:
        significant = _significant(result)
        if len(significant):
            odds = odds_ratio_chart(significant, lang=lang, title=phrase("odds_chart_title", lang)).figure
            parts.append(("complaints_outcomes_heading", [_outcome_method(result, lang), _figure(odds),
                                                          odds_table(significant, lang)]))
        else:
            parts.append(("complaints_outcomes_heading", [_outcome_method(result, lang)]))
    if result.category_terms is not None and len(result.category_terms) and not result.is_skipped("words"):
        parts.append(("complaints_words_heading", [paragraph([phrase(
            "words_method", lang, cap=fmt.count(result.parameters["max_texts_per_group"], lang))])]))
    return parts


def show_appendix(result, lang: str) -> None:
    """Data and method notes: the data's period and quality, the method detail of each section, the notes of
    the analysis."""
    facts = _DataFacts(result)
    display(heading("complaints_data_heading", lang))
    display(paragraph([phrase("data_period", lang, start=fmt.day(result.data_start, lang),
                              end=fmt.day(result.data_end, lang)), phrase("ci_note", lang, level=0.95)]))
    display(data_quality_table(facts, lang))
    display(bullets(data_notes(facts, pd.DataFrame(columns=["kpi", "note"]), lang)))
    for key, parts in _appendix_parts(result, lang):
        display(heading(key, lang, level=3, previous=_previous_text(result, lang) or "—"))
        for part in parts:
            display(part)
    notes = [n for n in result.notes if n.code not in _SECTION_NOTES]
    if notes:
        display(paragraph([phrase("complaints_notes", lang)]))
        display(bullets([note_sentence(n, lang) for n in notes]))


__all__ = [
    "HEADERS", "findings", "show_summary", "show_root_causes", "show_changes", "show_pareto", "show_spikes",
    "show_main_spike", "show_concentration", "show_outcomes", "show_resolution", "show_words", "show_appendix",
    "note_sentence", "spike_method_sentences", "category_share_table",
    "spike_level_text", "pooled_label", "breakdown_text", "cramers_v_strength", "lump_pareto", "lump_within",
    "pareto_table", "pareto_within_table", "pareto_sentence", "outcome_reading", "root_cause_sentence",
    "root_cause_display", "impact_text", "root_order_sentence", "spikes_table", "skipped_sentences",
    "outcomes_not_tested", "drivers_table", "concentration_sentences", "concentration_readings",
    "pooling_sentences", "cells_table", "heatmap_sentence", "odds_table", "outcome_readings", "resolution_table",
    "resolution_sentence", "terms_table", "examples_table", "change_sentences", "changes_adjust_note",
    "changes_table",
    "pareto_chart", "lump_weekly", "weekly_chart", "spike_chart", "lump_cells", "residual_heatmap",
    "residual_cutoff", "odds_ratio_chart", "resolution_chart",
]
