"""Report tables and sentences of the complaint root-cause briefing (:mod:`csm.complaints` results).

The ``*_table`` functions turn results into display frames (numbers rounded once, codes labelled in
``lang``, first column as index) and the ``*_sentence(s)`` functions into plain sentences via
:func:`csm.report.labels.phrase`. Charts are in :mod:`csm.report.plots_complaints`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

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
    """A count or ratio with thousands separators, ``"–"`` when missing."""
    return format_number(x, decimals=decimals)


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
def _date(t) -> str:
    return "–" if pd.isna(t) else f"{pd.Timestamp(t):%Y-%m-%d}"


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
    shown = " + ".join(str(code_label(m, lang)) for m in names[:show])
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
        parts.append(f"{name} {float(excess):+,.0f}" if excess else name)
    return (", " if lang == "en" else "、").join(parts)


def _spike_where(text: str, lang: str) -> str:
    """``"logistics×east"`` or ``"all"`` -> "Logistics · East" / "All complaints"."""
    parts = text.split("×")
    return " · ".join(code_label("all_complaints" if p == "all" else p, lang) for p in parts)


def _spike_role(row, lang: str) -> str:
    if row.get("part_of"):
        text = str(row["part_of"])
        name, _, start = text.rpartition(" ")
        return phrase("spike_role_part", lang, where=_spike_where(name, lang), start=start)
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
    """Seed-form table (type, English and Chinese label, count, share) with cumulative share and the 80% mark."""
    check_lang(lang)
    from csm.complaints import category_share_table

    seed = category_share_table(pareto, by) if by == "category" else pd.DataFrame({
        "type": pareto[by], "label_en": [code_label(c, "en") for c in pareto[by]],
        "label_zh": [code_label(c, "zh") for c in pareto[by]], "count": pareto["count"], "share": pareto["share"]})
    known = [c in seed_labels() for c in seed["type"]]  # other codes (a user's own, "all others"): their labels
    out = pd.DataFrame({"type": [c if k else code_label(c, lang) for c, k in zip(seed["type"], known)],
                        "label_en": [e if k else code_label(c, "en") for c, e, k in zip(seed["type"], seed["label_en"], known)],
                        "label_zh": [z if k else code_label(c, "zh") for c, z, k in zip(seed["type"], seed["label_zh"], known)],
                        "count": seed["count"].map(_num), "share": seed["share"].map(format_share),
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
    """"k of n categories make up x% of complaints: …" (the names of at most ``max_levels``, then "…")."""
    vital = pareto[pareto["vital_few"]]
    sep = ", " if lang == "en" else "、"
    names = [code_label(c, lang) for c in vital[by].head(max_levels)] + (["…"] if len(vital) > max_levels else [])
    return phrase("pareto_sentence", lang, k=len(vital), total=len(pareto), share=format_share(vital["share"].sum()),
                  names=sep.join(names))


def root_cause_sentence(row: pd.Series, lang: str) -> str:
    """One plain sentence for a row of :func:`csm.complaints.root_cause_table`."""
    kind = row["kind"]
    if kind == "spike":
        where = " · ".join(code_label(x, lang) for x in (row["category"], row["level"] if row["dimension"] != "category"
                                                    else None) if x is not None and not pd.isna(x))
        drivers = _drivers_text(row["drivers"], lang)
        parts = breakdown_text(row.get("breakdown", ""), lang)
        return phrase("root_spike", lang, where=where, excess=_num(row["impact"]), start=_date(row["start"]),
                      end=_date(row["end"]), ratio=_num(row["effect"], 1),
                      drivers=(phrase("root_spike_drivers", lang, drivers=drivers) if drivers else "")
                      + (phrase("root_spike_breakdown", lang, parts=parts) if parts else ""))
    if kind == "concentration":
        return phrase("root_concentration", lang,
                      category=pooled_label(row["category"], row.get("category_members", ""), lang),
                      dimension=code_label(row["dimension"], lang),
                      level=pooled_label(row["level"], row.get("level_members", ""), lang),
                      excess=_num(row["impact"]), ratio=_num(row["effect"], 2))
    if kind == "resolution":
        return phrase("root_resolution", lang, category=code_label(row["category"], lang), rate=format_share(row["effect"]),
                      target=format_share(row["target"]))
    return phrase("root_outcome", lang, level=code_label(row["level"], lang), dimension=code_label(row["dimension"], lang),
                  outcome=code_label(kind, lang), odds=_num(row["effect"], 2), low=_num(row["ci_low"], 2),
                  high=_num(row["ci_high"], 2), excess=_num(row["impact"]))


def _evidence(row: pd.Series, lang: str) -> str:
    kind = row["kind"]
    if kind == "spike":
        return phrase("evidence_spike", lang, ratio=_num(row["effect"], 2), z=_num(row["score"], 1),
                      p=format_p_value(row["p_value"]))
    if kind == "concentration":
        return phrase("evidence_concentration", lang, ratio=_num(row["effect"], 2),
                      z=_num(row["score"], 1), p=format_p_value(row["p_value"]))
    if kind == "resolution":
        return phrase("evidence_resolution", lang, rate=format_share(row["effect"]), low=format_share(row["ci_low"]),
                      high=format_share(row["ci_high"]))
    return phrase("evidence_outcome", lang, odds=_num(row["effect"], 2), low=_num(row["ci_low"], 2),
                  high=_num(row["ci_high"], 2), p=format_p_value(row["p_value"]))


def root_cause_display(root: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The ranked root-cause table as a manager reads it: rank, finding (sentence), evidence, tickets affected."""
    check_lang(lang)
    out = pd.DataFrame({"rank": root["rank"].astype(int).astype(str),
                        "kind": root["kind"].map(lambda k: code_label(k, lang)),
                        "finding": [root_cause_sentence(r, lang) for _, r in root.iterrows()],
                        "evidence": [_evidence(r, lang) for _, r in root.iterrows()],
                        "impact": root["impact"].map(_num)})
    return _display(out, lang)


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
        "complaint_weeks_from_to": [f"{_date(a)} – {_date(b)} ({_num(w)})" for a, b, w in
                                    zip(spikes["start"], spikes["end"], spikes["weeks"])],
        "observed": spikes["observed"].map(_num), "expected": spikes["expected"].map(_num),
        "excess": spikes["excess"].map(_num), "ratio": spikes["ratio"].map(lambda x: _num(x, 2)),
        "max_score": spikes["max_score"].map(lambda x: _num(x, 1)), "p_adjusted": spikes["p_value"].map(format_p_value),
        "drivers": spikes["drivers"].map(lambda d: _drivers_text(d, lang) or "–"),
        "in_period": [_yes(v, lang) for v in spikes["in_period"]]})
    for col, empty in (("drivers", "–"), ("in_period", "")):
        if (out[col] == empty).all():  # a column with nothing to say only takes room
            out = out.drop(columns=col)
    if "finding" in spikes:
        out["role"] = [_spike_role(r, lang) for _, r in spikes.iterrows()]
        out["breakdown"] = spikes["breakdown"].map(lambda b: breakdown_text(b, lang) or "–").to_numpy()
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
    return phrase("outcomes_not_tested", lang, reasons=sep.join(reasons) or "–")


def drivers_table(drivers: pd.DataFrame, lang: str, *, top: int = 2) -> pd.DataFrame:
    """Top levels per dimension of :func:`csm.complaints.spike_drivers` (share of the excess vs the usual share)."""
    d = drivers.groupby("dimension", sort=False).head(top)
    out = pd.DataFrame({"dimension": d["dimension"].map(lambda c: code_label(c, lang)),
                        "level": d["level"].map(lambda c: code_label(c, lang)), "observed": d["observed"].map(_num),
                        "expected": d["expected"].map(lambda x: _num(x, 1)), "excess": d["excess"].map(lambda x: _num(x, 1)),
                        "share_of_excess": d["share_of_excess"].map(format_share), "baseline_share": d["baseline_share"].map(format_share),
                        "is_driver": [_yes(v, lang) for v in d["driver"]]})
    out = out.rename(columns={"share_of_excess": "complaint_excess_share", "baseline_share": "complaint_usual_share",
                              "is_driver": "complaint_is_driver"})
    return _display(out, lang)


def concentration_sentences(summary: pd.DataFrame, lang: str) -> list[str]:
    return [phrase("concentration_sentence", lang, dimension=code_label(r["dimension"], lang), chi2=_num(r["chi2"], 1),
                   dof=int(r["dof"]), p=format_p_value(r["p_adjusted"], prefix=True), v=_num(r["cramers_v"], 3),
                   strength=phrase(cramers_v_strength(r["cramers_v"]), lang)) for _, r in summary.iterrows()]


def pooling_sentences(tests: dict, lang: str, *, show: int = 8) -> list[str]:
    """Per tested dimension (``{dimension: ContingencyResult}``), for its levels and for the categories of its
    test: which rare levels were pooled, and which (with their tickets) were left out of the test as too few."""
    sep = ", " if lang == "en" else "、"
    out = []
    for res in tests.values():
        for dim, suffix in ((res.col, ""), (res.row, "_rows")):
            members = res.pooled.get(dim, [])
            if members:
                names = sep.join(str(code_label(m, lang)) for m in members[:show]) + (" …" if len(members) > show else "")
                out.append(phrase(f"concentration_pooled{suffix}", lang, dimension=code_label(res.col, lang),
                                  k=len(members), names=names))
            dropped = res.dropped.get(dim, {})
            if dropped:
                levels = sep.join(f"{code_label(k, lang)} ({v:,})" for k, v in list(dropped.items())[:show])
                out.append(phrase(f"concentration_dropped{suffix}", lang, dimension=code_label(res.col, lang),
                                  n=f"{sum(dropped.values()):,}", levels=levels + (" …" if len(dropped) > show else "")))
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
                        "expected": c["expected"].map(lambda x: _num(x, 1)), "ratio": c["ratio"].map(lambda x: _num(x, 2)),
                        "adjusted_residual": c["adjusted_residual"].map(lambda x: _num(x, 2)),
                        "p_adjusted": c["p_adjusted"].map(format_p_value),
                        "vital_few": [_yes(v, lang) for v in c["over_represented"]]})
    out = out.rename(columns={"vital_few": "complaint_over"})
    return _display(out, lang)


def odds_table(summary: pd.DataFrame, lang: str, *, top: int = 12) -> pd.DataFrame:
    s = summary.head(top)
    out = pd.DataFrame({"outcome": s["outcome"].map(lambda v: code_label(v, lang)),
                        "covariate": s["covariate"].map(lambda v: code_label(v, lang)),
                        "level": s["level"].map(lambda v: code_label(v, lang)),
                        "reference": s["reference"].map(lambda v: code_label(v, lang)),
                        "odds_ratio": [f"{_num(o, 2)} ({_num(lo, 2)}–{_num(hi, 2)})"
                                       for o, lo, hi in zip(s["odds_ratio"], s["ci_low"], s["ci_high"])],
                        "p_adjusted": s["p_adjusted"].map(format_p_value), "n": s["n"].map(_num), "rate": s["rate"].map(format_share)})
    return _display(out, lang)


def resolution_table(perf: pd.DataFrame, lang: str, by: str = "category") -> pd.DataFrame:
    out = pd.DataFrame({by: perf[by].map(lambda v: code_label(v, lang)), "n": perf["n"].map(_num),
                        "median_hours": [f"{_num(m, 1)} ({_num(lo, 1)}–{_num(hi, 1)})" for m, lo, hi in
                                         zip(perf["median_hours"], perf["median_ci_low"], perf["median_ci_high"])],
                        "p90_hours": perf["p90_hours"].map(lambda x: _num(x, 1)),
                        "sla_rate": [f"{format_share(m)} ({format_share(lo)}–{format_share(hi)})" for m, lo, hi in
                                     zip(perf["sla_rate"], perf["sla_ci_low"], perf["sla_ci_high"])]})
    for col, lo, hi in (("fcr_rate", "fcr_ci_low", "fcr_ci_high"), ("reopen_rate", "reopen_ci_low", "reopen_ci_high")):
        if col in perf:
            out[col] = [f"{format_share(m)} ({format_share(a)}–{format_share(b)})" for m, a, b in zip(perf[col], perf[lo], perf[hi])]
    return _display(out, lang)


def resolution_sentence(perf: pd.DataFrame, lang: str, sla_hours: float, by: str = "category") -> str:
    worst = perf.sort_values("sla_rate", kind="stable").iloc[0]
    return phrase("resolution_sentence", lang, category=code_label(worst[by], lang), median=_num(worst["median_hours"], 1),
                  sla=format_share(worst["sla_rate"]), hours=_num(sla_hours))


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


def _rate_ratio_text(rr, low, high, previous, lang: str) -> str:
    """"1.52 (1.10–2.08)"; a level with no complaints before has no finite ratio: "new (0 before)"."""
    if previous == 0 or not np.isfinite(rr) or not np.isfinite(high):
        return phrase("change_new", lang) if previous == 0 else f"{_num(rr, 2)} ({_num(low, 2)}–…)"
    return f"{_num(rr, 2)} ({_num(low, 2)}–{_num(high, 2)})"


def changes_table(changes: pd.DataFrame, lang: str, by: str = "category") -> pd.DataFrame:
    out = pd.DataFrame({by: changes[by].map(lambda v: code_label(v, lang)), "count": changes["count"].map(_num),
                        "count_previous": changes["count_previous"].map(_num),
                        "rate_ratio": [_rate_ratio_text(r, lo, hi, prev, lang) for r, lo, hi, prev in
                                       zip(changes["rate_ratio"], changes["ci_low"], changes["ci_high"],
                                           changes["count_previous"])],
                        "p_adjusted": changes["p_adjusted"].map(format_p_value),
                        "share_change": changes["share_change"].map(lambda x: f"{100 * x:+.1f} pp")})
    return _display(out, lang)


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
