"""Report tables and sentences of the complaint root-cause briefing (:mod:`csm.complaints` results).

The ``*_table`` functions turn results into display frames (numbers rounded once, codes labelled in
``lang``, first column as index) and the ``*_sentence(s)`` functions into plain sentences via
:func:`csm.report.labels.phrase`. Charts are in :mod:`csm.report.plots_complaints`.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from csm.report import format as fmt
from csm.report.labels import check_lang, phrase
from csm.report.levels import DEFAULT_MAX_LEVELS, OTHER
from csm.report.tables import (
    code_label,
    display_frame,
    format_number,
    format_p_value,
    format_share,
)


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


def _display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Headers in ``lang`` (via :data:`HEADERS`); the first column becomes the index (no 0, 1, 2 row numbers)."""
    return display_frame(frame, lang, headers=HEADERS)


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
    from csm.complaints import OTHER_LEVELS

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
    return _display(out, lang)


def seed_labels() -> dict:
    from csm.data.contract import COMPLAINT_CATEGORIES

    return COMPLAINT_CATEGORIES


def pareto_within_table(within: pd.DataFrame, lang: str, parent: str = "category", child: str = "sub_reason"):
    out = pd.DataFrame({parent: within[parent].map(lambda c: code_label(c, lang)),
                        child: within[child].map(lambda c: code_label(c, lang)), "count": within["count"].map(_num),
                        "share": within["share"].map(format_share), "cumulative_share": within["cumulative_share"].map(format_share),
                        "vital_few": [_yes(v, lang) for v in within["vital_few"]]})
    return _display(out, lang)


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
    """Plain numbers behind an odds ratio: the share with the bad outcome at the level (``rate``), the share it
    would have at the reference level's odds, all else equal (``base``), and their ratio ("1.4× as likely")."""
    rate, odds_ratio = float(d["rate"]), float(d["odds_ratio"])
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


def _when(row: pd.Series, lang: str, period, model_window: str) -> tuple[str, str]:
    """(when, verdict) of a finding: a spike's dates and whether it lies in the period or how long before it
    ended; the standing findings' window; what a manager should do with it."""
    kind = row["kind"]
    if kind == "spike":
        when = _span(row["start"], row["end"], lang)
        if period is None:
            return when, phrase("verdict_spike_check", lang)
        start, end = pd.Timestamp(period[0]), pd.Timestamp(period[1])
        last = pd.Timestamp(row["end"])  # the last day of the spike's last week
        if last >= start and pd.Timestamp(row["start"]) < end:
            return phrase("when_in_period", lang, when=when), phrase("verdict_spike_now", lang)
        months = fmt.months_between(last, start)
        ago = phrase("when_one_month_before", lang) if months == 1 else \
            phrase("when_months_before", lang, n=months) if months > 1 else _weeks(max(1, (start - last).days // 7), lang)
        return phrase("when_before", lang, when=when, ago=ago), phrase("verdict_spike_past", lang)
    if kind == "resolution":
        return model_window if period is None else fmt.period_label(period[0], pd.Timestamp(period[1]) -
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
    return _display(out, lang)


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
    return _display(out, lang)


def skipped_sentences(skipped: list[dict], lang: str) -> list[str]:
    """One sentence per skipped section of :func:`csm.complaints.skipped_sections`, naming the column that
    would enable it."""
    out = []
    for item in skipped:
        section, needs = item["section"], item["needs"]
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
    """"Not tested, because …" for the outcome models when none could be fitted: the reason per outcome."""
    from csm.complaints import OUTCOMES, SECTION_NEEDS

    reasons = []
    for outcome in OUTCOMES:
        why = skipped.get(outcome)
        if why is None:
            continue
        if outcome == "repeat_complaint" and not has_key:
            reasons.append(phrase("outcome_reason_no_key", lang))
        elif why == "outcome not available":
            reasons.append(phrase("outcome_reason_needs", lang, outcome=code_label(outcome, lang),
                                  needs=SECTION_NEEDS[f"outcome_{outcome}"]))
        else:
            why = why.removeprefix(f"model of {outcome}: ").strip().rstrip(".")
            reasons.append(phrase("outcome_reason_failed", lang, outcome=code_label(outcome, lang), reason=why))
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
    return _display(out, lang)


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
    return _display(out, lang)


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
                                       for o, lo, hi in zip(s["odds_ratio"], s["ci_low"], s["ci_high"])],
                        "p_adjusted": s["p_adjusted"].map(format_p_value), "n": s["n"].map(_num), "rate": s["rate"].map(format_share)})
    return _display(out, lang)


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
    return _display(out, lang)


def resolution_sentence(perf: pd.DataFrame, lang: str, sla_hours: float, by: str = "category") -> str:
    worst = perf.sort_values("sla_rate", kind="stable").iloc[0]
    return phrase("resolution_sentence", lang, category=code_label(worst[by], lang),
                  median=_hours_text(worst["median_hours"], lang), sla=format_share(worst["sla_rate"]),
                  hours=_hours_text(sla_hours, lang))


def terms_table(terms: pd.DataFrame, lang: str, *, top: int = 8) -> pd.DataFrame:
    """One row per group: its distinctive terms, most distinctive first."""
    rows = [{"group": code_label(g, lang), "terms": ("、" if lang == "zh" else ", ").join(t.sort_values("rank")["term"].head(top))}
            for g, t in terms.groupby("group", sort=True)]
    return _display(pd.DataFrame(rows, columns=["group", "terms"]), lang)


def examples_table(examples: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Masked example complaints (the ``example`` column must come from :func:`csm.complaints.example_complaints`)."""
    out = pd.DataFrame({"group": examples["group"].map(lambda v: code_label(v, lang)), "term": examples["term"],
                        "example": examples["example"]})
    return _display(out, lang)


def change_sentences(changes: pd.DataFrame, lang: str, by: str = "category") -> list[str]:
    sig = changes[changes["significant"]]
    if sig.empty:
        top = changes.iloc[0]
        return [phrase("no_category_change", lang, category=code_label(top[by], lang), count=_num(top["count"]),
                       previous=_num(top["count_previous"]))]
    return [phrase("change_new_sentence", lang, category=code_label(r[by], lang), count=_num(r["count"]),
                   p=format_p_value(r["p_adjusted"])) if r["count_previous"] == 0 else
            phrase("change_up", lang, category=code_label(r[by], lang), count=_num(r["count"]),
                   previous=_num(r["count_previous"]), rr=_num(r["rate_ratio"], 2), low=_num(r["ci_low"], 2),
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
                                       zip(changes["rate_ratio"], changes["ci_low"], changes["ci_high"],
                                           changes["count_previous"])],
                        "p_adjusted": changes["p_adjusted"].map(format_p_value),
                        "share_change": changes["share_change"].map(lambda x: fmt.points(x, lang))})
    return _display(out, lang)


# --------------------------------------------------------------------------- notes of the analysis
_NOTE_OUTCOME = re.compile(r"^(repeat_complaint|not_resolved_first_contact|escalated): (.+)$")
_NOTE_MISSING = re.compile(r"^([\d,]+) tickets with a missing value left out$")
_NOTE_RARE = re.compile(r"^(\w+): rare levels (counted with the most common level \(too few to estimate\)|merged into "
                        r"other_levels): (.+)$")
_NOTE_ONE = re.compile(r"^(\w+): only one level left, dropped from the model$")
_NOTE_SEPARATION = "fit did not converge cleanly (possible separation); treat extreme odds ratios with care"


def analysis_note(note: str, lang: str) -> str:
    """A note of :mod:`csm.complaints` (``"repeat_complaint: tenure_band: rare levels … : tenure_lt6"``) for a
    reader in ``lang``: codes named by their labels; unknown notes are shown as they are."""
    text = str(note)
    m = _NOTE_OUTCOME.match(text)
    prefix = ""
    if m:
        prefix, text = f"{code_label(m[1], lang)}{': ' if lang == 'en' else '：'}", m[2]
    sep = ", " if lang == "en" else "、"
    if (m := _NOTE_MISSING.match(text)):
        body = phrase("note_missing_values", lang, n=m[1])
    elif (m := _NOTE_RARE.match(text)):
        key = "note_rare_reference" if m[2].startswith("counted") else "note_rare_pooled"
        body = phrase(key, lang, factor=code_label(m[1], lang),
                      levels=sep.join(str(code_label(v, lang)) for v in m[3].split(", ")))
    elif (m := _NOTE_ONE.match(text)):
        body = phrase("note_one_level", lang, factor=code_label(m[1], lang))
    elif text == _NOTE_SEPARATION:
        body = phrase("note_separation", lang)
    else:
        body = text
    return prefix + body


# --------------------------------------------------------------------------- summary
def complaint_findings(*, n: int, period_text: str, period, model_window: str, pareto: pd.DataFrame,
                       root: pd.DataFrame, changes: pd.DataFrame | None, previous: str | None,
                       resolution: pd.DataFrame | None, sla_target: float | None, sla_hours: float, lang: str,
                       drivers: pd.DataFrame | None = None, most: int = 5) -> list:
    """The 3–5 findings of the briefing's summary: volume and the largest category; the top finding still
    current (a standing pattern or a spike in the period); when the top spike lies before the period, when it
    was; what changed against the comparison period; the slowest category against the SLA target."""
    from csm.report.summary import Finding

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


def for_record(frame: pd.DataFrame | None, digits: int = 6) -> pd.DataFrame | None:
    """A copy of a result frame for :func:`csm.report.results.record` with every float rounded to ``digits``
    significant digits: recorded results are compared across machines (nbval, ``csm rerun``), and STL
    baselines, fitted models and p-values differ in their last bits between CPUs and BLAS kernels."""
    if frame is None:
        return None
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            values = out[col].to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                mag = np.where(np.isfinite(values) & (values != 0), np.floor(np.log10(np.abs(values))), 0)
            scale = 10.0 ** (digits - 1 - mag)
            out[col] = np.where(np.isfinite(values), np.round(values * scale) / scale, values)
    return out
