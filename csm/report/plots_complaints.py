"""Charts, report tables and sentences of the complaint root-cause briefing (:mod:`csm.complaints` results).

Charts take tidy frames from :mod:`csm.complaints`, draw on ``ax`` (a new figure when ``None``) and
return the Axes; they never print or call ``plt.show()``. The ``*_table`` functions turn results into
display frames (numbers rounded once, codes labelled in ``lang``, first column as index) and the
``*_sentences`` functions into plain sentences via :func:`csm.report.labels.phrase`.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, NullFormatter, PercentFormatter

from csm.report.labels import check_lang, label, phrase
from csm.report.plots import (
    COLORS,
    PALETTE,
    _axes,
    _format_dates,
    _require,
    _tick_labels,
)

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
}


# --------------------------------------------------------------------------- formatting
def _num(x, decimals: int = 0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)) or x is pd.NA:
        return "–"
    return f"{x:,.{decimals}f}"


def _pct(x, decimals: int = 1) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.{decimals}f}%"


def _p(p) -> str:
    if p is None or not np.isfinite(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _date(t) -> str:
    return "–" if pd.isna(t) else f"{pd.Timestamp(t):%Y-%m-%d}"


def _lab(code, lang: str) -> str:
    return "–" if code is None or (isinstance(code, float) and math.isnan(code)) or code is pd.NA \
        else str(label(code, lang))


def _display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Headers in ``lang``; the first column becomes the index (no 0, 1, 2 row numbers)."""
    out = frame.rename(columns={c: _lab(HEADERS.get(c, c), lang) for c in frame.columns})
    return out.set_index(out.columns[0]) if len(out.columns) > 1 else out


def _yes(flag: bool, lang: str) -> str:
    return phrase("yes", lang) if flag else ""


def _where(row, by, lang: str) -> str:
    return " · ".join(_lab(row[c], lang) for c in by if c in row and pd.notna(row[c]))


def _drivers_text(drivers: str, lang: str) -> str:
    if not isinstance(drivers, str) or not drivers:
        return ""
    parts = []
    for item in drivers.split("; "):
        dim, _, level = item.partition("=")
        parts.append(f"{_lab(dim, lang)} {_lab(level, lang)}" if lang == "en" else f"{_lab(dim, lang)}“{_lab(level, lang)}”")
    return (", " if lang == "en" else "、").join(parts)


def cramers_v_strength(v: float) -> str:
    """Cohen's (1988) conventions for V with df* = 1: < 0.1 negligible, < 0.3 weak, < 0.5 moderate, else strong."""
    return "strength_negligible" if v < 0.1 else "strength_weak" if v < 0.3 else \
        "strength_moderate" if v < 0.5 else "strength_strong"


# --------------------------------------------------------------------------- tables and sentences
def pareto_table(pareto: pd.DataFrame, lang: str, by: str = "category") -> pd.DataFrame:
    """Seed-form table (type, English and Chinese label, count, share) with cumulative share and the 80% mark."""
    check_lang(lang)
    from csm.complaints import category_share_table

    seed = category_share_table(pareto, by) if by == "category" else pd.DataFrame({
        "type": pareto[by], "label_en": [_lab(c, "en") for c in pareto[by]],
        "label_zh": [_lab(c, "zh") for c in pareto[by]], "count": pareto["count"], "share": pareto["share"]})
    out = pd.DataFrame({"type": seed["type"], "label_en": seed["label_en"], "label_zh": seed["label_zh"],
                        "count": seed["count"].map(_num), "share": seed["share"].map(_pct),
                        "cumulative_share": pareto["cumulative_share"].map(_pct),
                        "vital_few": [_yes(v, lang) for v in pareto["vital_few"]]})
    return _display(out, lang)


def pareto_within_table(within: pd.DataFrame, lang: str, parent: str = "category", child: str = "sub_reason"):
    out = pd.DataFrame({parent: within[parent].map(lambda c: _lab(c, lang)),
                        child: within[child].map(lambda c: _lab(c, lang)), "count": within["count"].map(_num),
                        "share": within["share"].map(_pct), "cumulative_share": within["cumulative_share"].map(_pct),
                        "vital_few": [_yes(v, lang) for v in within["vital_few"]]})
    return _display(out, lang)


def pareto_sentence(pareto: pd.DataFrame, lang: str, by: str = "category") -> str:
    vital = pareto[pareto["vital_few"]]
    sep = ", " if lang == "en" else "、"
    return phrase("pareto_sentence", lang, k=len(vital), total=len(pareto), share=_pct(vital["share"].sum()),
                  names=sep.join(_lab(c, lang) for c in vital[by]))


def root_cause_sentence(row: pd.Series, lang: str) -> str:
    """One plain sentence for a row of :func:`csm.complaints.root_cause_table`."""
    kind = row["kind"]
    if kind == "spike":
        where = " · ".join(_lab(x, lang) for x in (row["category"], row["level"] if row["dimension"] != "category"
                                                    else None) if x is not None and not pd.isna(x))
        drivers = _drivers_text(row["drivers"], lang)
        return phrase("root_spike", lang, where=where, excess=_num(row["impact"]), start=_date(row["start"]),
                      end=_date(row["end"]), ratio=_num(row["effect"], 1),
                      drivers=phrase("root_spike_drivers", lang, drivers=drivers) if drivers else "")
    if kind == "concentration":
        return phrase("root_concentration", lang, category=_lab(row["category"], lang),
                      dimension=_lab(row["dimension"], lang), level=_lab(row["level"], lang),
                      excess=_num(row["impact"]), ratio=_num(row["effect"], 2))
    if kind == "resolution":
        return phrase("root_resolution", lang, category=_lab(row["category"], lang), rate=_pct(row["effect"]),
                      target=_pct(row["target"]))
    return phrase("root_outcome", lang, level=_lab(row["level"], lang), dimension=_lab(row["dimension"], lang),
                  outcome=_lab(kind, lang), odds=_num(row["effect"], 2), low=_num(row["ci_low"], 2),
                  high=_num(row["ci_high"], 2), excess=_num(row["impact"]))


def _evidence(row: pd.Series, lang: str) -> str:
    kind = row["kind"]
    if kind == "spike":
        return phrase("evidence_spike", lang, ratio=_num(row["effect"], 2), z=_num(row["score"], 1),
                      p=_p(row["p_value"]))
    if kind == "concentration":
        return phrase("evidence_concentration", lang, ratio=_num(row["effect"], 2),
                      z=_num(row["score"], 1), p=_p(row["p_value"]))
    if kind == "resolution":
        return phrase("evidence_resolution", lang, rate=_pct(row["effect"]), low=_pct(row["ci_low"]),
                      high=_pct(row["ci_high"]))
    return phrase("evidence_outcome", lang, odds=_num(row["effect"], 2), low=_num(row["ci_low"], 2),
                  high=_num(row["ci_high"], 2), p=_p(row["p_value"]))


def root_cause_display(root: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The ranked root-cause table as a manager reads it: rank, finding (sentence), evidence, tickets affected."""
    check_lang(lang)
    out = pd.DataFrame({"rank": root["rank"].astype(int).astype(str),
                        "kind": root["kind"].map(lambda k: _lab(k, lang)),
                        "finding": [root_cause_sentence(r, lang) for _, r in root.iterrows()],
                        "evidence": [_evidence(r, lang) for _, r in root.iterrows()],
                        "impact": root["impact"].map(_num)})
    return _display(out, lang)


def spikes_table(spikes: pd.DataFrame, by, lang: str) -> pd.DataFrame:
    out = pd.DataFrame({
        "level": [_where(r, by, lang) for _, r in spikes.iterrows()],
        "start": spikes["start"].map(_date), "end": spikes["end"].map(_date), "weeks": spikes["weeks"].map(_num),
        "observed": spikes["observed"].map(_num), "expected": spikes["expected"].map(_num),
        "excess": spikes["excess"].map(_num), "ratio": spikes["ratio"].map(lambda x: _num(x, 2)),
        "max_score": spikes["max_score"].map(lambda x: _num(x, 1)), "p_adjusted": spikes["p_value"].map(_p),
        "drivers": spikes["drivers"].map(lambda d: _drivers_text(d, lang) or "–"),
        "in_period": [_yes(v, lang) for v in spikes["in_period"]]})
    return _display(out, lang)


def drivers_table(drivers: pd.DataFrame, lang: str, *, top: int = 2) -> pd.DataFrame:
    """Top levels per dimension of :func:`csm.complaints.spike_drivers` (share of the excess vs the usual share)."""
    d = drivers.groupby("dimension", sort=False).head(top)
    out = pd.DataFrame({"dimension": d["dimension"].map(lambda c: _lab(c, lang)),
                        "level": d["level"].map(lambda c: _lab(c, lang)), "observed": d["observed"].map(_num),
                        "expected": d["expected"].map(lambda x: _num(x, 1)), "excess": d["excess"].map(lambda x: _num(x, 1)),
                        "share_of_excess": d["share_of_excess"].map(_pct), "baseline_share": d["baseline_share"].map(_pct),
                        "is_driver": [_yes(v, lang) for v in d["driver"]]})
    out = out.rename(columns={"share_of_excess": "complaint_excess_share", "baseline_share": "complaint_usual_share",
                              "is_driver": "complaint_is_driver"})
    return _display(out, lang)


def concentration_sentences(summary: pd.DataFrame, lang: str) -> list[str]:
    return [phrase("concentration_sentence", lang, dimension=_lab(r["dimension"], lang), chi2=_num(r["chi2"], 1),
                   dof=int(r["dof"]), p=_p(r["p_adjusted"]), v=_num(r["cramers_v"], 3),
                   strength=phrase(cramers_v_strength(r["cramers_v"]), lang)) for _, r in summary.iterrows()]


def cells_table(cells: pd.DataFrame, lang: str, *, top: int = 10) -> pd.DataFrame:
    """The most over-represented cells (largest adjusted residual first)."""
    c = cells.sort_values("adjusted_residual", ascending=False, kind="stable").head(top)
    out = pd.DataFrame({"category": c["category"].map(lambda v: _lab(v, lang)),
                        "dimension": c["dimension"].map(lambda v: _lab(v, lang)),
                        "level": c["level"].map(lambda v: _lab(v, lang)), "observed": c["observed"].map(_num),
                        "expected": c["expected"].map(lambda x: _num(x, 1)), "ratio": c["ratio"].map(lambda x: _num(x, 2)),
                        "adjusted_residual": c["adjusted_residual"].map(lambda x: _num(x, 2)),
                        "p_adjusted": c["p_adjusted"].map(_p),
                        "vital_few": [_yes(v, lang) for v in c["over_represented"]]})
    out = out.rename(columns={"vital_few": "complaint_over"})
    return _display(out, lang)


def odds_table(summary: pd.DataFrame, lang: str, *, top: int = 12) -> pd.DataFrame:
    s = summary.head(top)
    out = pd.DataFrame({"outcome": s["outcome"].map(lambda v: _lab(v, lang)),
                        "covariate": s["covariate"].map(lambda v: _lab(v, lang)),
                        "level": s["level"].map(lambda v: _lab(v, lang)),
                        "reference": s["reference"].map(lambda v: _lab(v, lang)),
                        "odds_ratio": [f"{_num(o, 2)} ({_num(lo, 2)}–{_num(hi, 2)})"
                                       for o, lo, hi in zip(s["odds_ratio"], s["ci_low"], s["ci_high"])],
                        "p_adjusted": s["p_adjusted"].map(_p), "n": s["n"].map(_num), "rate": s["rate"].map(_pct)})
    return _display(out, lang)


def resolution_table(perf: pd.DataFrame, lang: str, by: str = "category") -> pd.DataFrame:
    out = pd.DataFrame({by: perf[by].map(lambda v: _lab(v, lang)), "n": perf["n"].map(_num),
                        "median_hours": [f"{_num(m, 1)} ({_num(lo, 1)}–{_num(hi, 1)})" for m, lo, hi in
                                         zip(perf["median_hours"], perf["median_ci_low"], perf["median_ci_high"])],
                        "p90_hours": perf["p90_hours"].map(lambda x: _num(x, 1)),
                        "sla_rate": [f"{_pct(m)} ({_pct(lo)}–{_pct(hi)})" for m, lo, hi in
                                     zip(perf["sla_rate"], perf["sla_ci_low"], perf["sla_ci_high"])]})
    for col, lo, hi in (("fcr_rate", "fcr_ci_low", "fcr_ci_high"), ("reopen_rate", "reopen_ci_low", "reopen_ci_high")):
        if col in perf:
            out[col] = [f"{_pct(m)} ({_pct(a)}–{_pct(b)})" for m, a, b in zip(perf[col], perf[lo], perf[hi])]
    return _display(out, lang)


def resolution_sentence(perf: pd.DataFrame, lang: str, sla_hours: float, by: str = "category") -> str:
    worst = perf.sort_values("sla_rate", kind="stable").iloc[0]
    return phrase("resolution_sentence", lang, category=_lab(worst[by], lang), median=_num(worst["median_hours"], 1),
                  sla=_pct(worst["sla_rate"]), hours=_num(sla_hours))


def terms_table(terms: pd.DataFrame, lang: str, *, top: int = 8) -> pd.DataFrame:
    """One row per group: its distinctive terms, most distinctive first."""
    rows = [{"group": _lab(g, lang), "terms": ("、" if lang == "zh" else ", ").join(t.sort_values("rank")["term"].head(top))}
            for g, t in terms.groupby("group", sort=True)]
    return _display(pd.DataFrame(rows, columns=["group", "terms"]), lang)


def examples_table(examples: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Masked example complaints (the ``example`` column must come from :func:`csm.complaints.example_complaints`)."""
    out = pd.DataFrame({"group": examples["group"].map(lambda v: _lab(v, lang)), "term": examples["term"],
                        "example": examples["example"]})
    return _display(out, lang)


def change_sentences(changes: pd.DataFrame, lang: str, by: str = "category") -> list[str]:
    sig = changes[changes["significant"]]
    if sig.empty:
        top = changes.iloc[0]
        return [phrase("no_category_change", lang, category=_lab(top[by], lang), count=_num(top["count"]),
                       previous=_num(top["count_previous"]))]
    return [phrase("change_up", lang, category=_lab(r[by], lang), count=_num(r["count"]),
                   previous=_num(r["count_previous"]), rr=_num(r["rate_ratio"], 2), low=_num(r["ci_low"], 2),
                   high=_num(r["ci_high"], 2), p=_p(r["p_adjusted"])) for _, r in sig.iterrows()]


def changes_table(changes: pd.DataFrame, lang: str, by: str = "category") -> pd.DataFrame:
    out = pd.DataFrame({by: changes[by].map(lambda v: _lab(v, lang)), "count": changes["count"].map(_num),
                        "count_previous": changes["count_previous"].map(_num),
                        "rate_ratio": [f"{_num(r, 2)} ({_num(lo, 2)}–{_num(hi, 2)})" for r, lo, hi in
                                       zip(changes["rate_ratio"], changes["ci_low"], changes["ci_high"])],
                        "p_adjusted": changes["p_adjusted"].map(_p),
                        "share_change": changes["share_change"].map(lambda x: f"{100 * x:+.1f} pp")})
    return _display(out, lang)


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

def pareto_chart(pareto: pd.DataFrame, by: str = "category", *, lang: str, title: str | None = None,
                 vital_share: float = 0.8, ax: Axes | None = None) -> Axes:
    """Pareto chart: bars of counts (largest first), cumulative share line on a right axis, the 80% line."""
    lang = check_lang(lang)
    _require(pareto, [by, "count", "cumulative_share"], "pareto_chart")
    ax = _axes(ax)
    pos = np.arange(len(pareto), dtype=float)
    colors = [COLORS["estimate"] if v else "#9ecae1" for v in pareto.get("vital_few", [True] * len(pareto))]
    ax.bar(pos, pareto["count"].to_numpy(float), color=colors, width=0.7)
    ticks = _tick_labels(pareto[by], lang)
    long = len(ticks) > 6 or max((len(t) for t in ticks), default=0) > 12
    ax.set_xticks(pos, ticks, rotation=30 if long else 0, ha="right" if long else "center")
    ax.set_ylabel(_lab("count", lang))
    ax.set_xlabel(_lab(by, lang))
    ax.grid(axis="x", visible=False)
    right = ax.twinx()
    right.plot(pos, pareto["cumulative_share"].to_numpy(float), color=COLORS["limit"], marker="o", markersize=4)
    right.axhline(vital_share, color=COLORS["reference"], linestyle="--", linewidth=1)
    right.set_ylim(0, 1.05)
    right.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    right.set_ylabel(_lab("complaint_cumulative_share", lang))
    right.grid(False)
    right.spines["right"].set_visible(True)
    if title:
        ax.set_title(title)
    return ax


def weekly_chart(weekly: pd.DataFrame, group: str, *, lang: str, spikes: pd.DataFrame | None = None,
                 title: str | None = None, ax: Axes | None = None) -> Axes:
    """Weekly complaint counts, one line per level of ``group``; spike weeks shaded."""
    lang = check_lang(lang)
    _require(weekly, ["week", group, "count"], "weekly_chart")
    ax = _axes(ax, (10, 4))
    palette = sns.color_palette(PALETTE, n_colors=weekly[group].nunique())
    for color, (level, part) in zip(palette, weekly.groupby(group, sort=True)):
        ax.plot(part["week"].to_numpy(), part["count"].to_numpy(float), color=color, label=_lab(level, lang),
                linewidth=1.4)
    for s in (spikes.itertuples() if spikes is not None else []):
        ax.axvspan(s.start, s.end + pd.Timedelta(days=1), color=COLORS["alarm"], alpha=0.12, linewidth=0)
    _format_dates(ax, lang)
    ax.set_ylabel(_lab("complaint_weekly", lang))
    ax.set_xlabel(_lab("week", lang))
    if title:
        ax.set_title(title)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def spike_chart(scores: pd.DataFrame, *, lang: str, title: str | None = None, ax: Axes | None = None) -> Axes:
    """One weekly series from :attr:`csm.complaints.SpikeResult.scores`: counts, baseline, flagged weeks."""
    lang = check_lang(lang)
    _require(scores, ["week", "count", "baseline", "flagged"], "spike_chart")
    ax = _axes(ax, (10, 3.8))
    s = scores.sort_values("week")
    ax.plot(s["week"].to_numpy(), s["count"].to_numpy(float), color=COLORS["estimate"], marker="o", markersize=3,
            label=_lab("complaint_observed", lang))
    ax.plot(s["week"].to_numpy(), s["baseline"].to_numpy(float), color=COLORS["center"], linestyle="--",
            label=_lab("complaint_baseline", lang))
    f = s[s["flagged"]]
    ax.scatter(f["week"].to_numpy(), f["count"].to_numpy(float), color=COLORS["alarm"], zorder=5, s=40,
               label=_lab("complaint_spike_period", lang))
    _format_dates(ax, lang)
    ax.set_ylabel(_lab("complaint_weekly", lang))
    ax.set_xlabel(_lab("week", lang))
    ax.set_ylim(bottom=0)
    if title:
        ax.set_title(title)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def residual_heatmap(cells: pd.DataFrame, dimension: str, *, lang: str, title: str | None = None,
                     ax: Axes | None = None) -> Axes:
    """Heat map of adjusted standardised residuals, category × ``dimension`` (|r| > 2 stands out)."""
    lang = check_lang(lang)
    c = cells[cells["dimension"] == dimension]
    grid = c.pivot(index="category", columns="level", values="adjusted_residual")
    ax = _axes(ax, (1.6 + 1.0 * grid.shape[1], 0.9 + 0.5 * grid.shape[0]))
    lim = max(3.0, float(np.nanmax(np.abs(grid.to_numpy()))))
    sns.heatmap(grid, ax=ax, cmap="RdBu_r", center=0, vmin=-lim, vmax=lim, annot=True, fmt=".1f",
                cbar_kws={"label": _lab("complaint_adjusted_residual", lang)},
                xticklabels=_tick_labels(pd.Series(grid.columns), lang),
                yticklabels=_tick_labels(pd.Series(grid.index), lang))
    ax.set_xlabel(_lab(dimension, lang))
    ax.set_ylabel(_lab("category", lang))
    if title:
        ax.set_title(title)
    return ax


def odds_ratio_chart(summary: pd.DataFrame, *, lang: str, title: str | None = None, top: int = 12,
                     ax: Axes | None = None) -> Axes:
    """Forest plot of odds ratios with 95% intervals (log scale), one colour per outcome."""
    lang = check_lang(lang)
    _require(summary, ["outcome", "covariate", "level", "odds_ratio", "ci_low", "ci_high"], "odds_ratio_chart")
    s = summary.head(top).iloc[::-1]
    ax = _axes(ax, (8, 1.2 + 0.35 * len(s)))
    outcomes = list(dict.fromkeys(summary["outcome"]))
    palette = dict(zip(outcomes, sns.color_palette(PALETTE, n_colors=len(outcomes))))
    pos = np.arange(len(s), dtype=float)
    seen = set()
    for y, r in zip(pos, s.itertuples()):
        lab = _lab(r.outcome, lang) if r.outcome not in seen else None
        seen.add(r.outcome)
        ax.errorbar([r.odds_ratio], [y], xerr=[[r.odds_ratio - r.ci_low], [r.ci_high - r.odds_ratio]], fmt="o",
                    color=palette[r.outcome], capsize=3, label=lab)
    ax.axvline(1.0, color=COLORS["reference"], linestyle="--", linewidth=1)
    ax.set_xscale("log")
    _plain_log_ticks(ax, [0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 7, 10, 20, 50],
                     s[["ci_low", "ci_high"]].to_numpy(float))
    ax.set_yticks(pos, [f"{_lab(r.level, lang)} ({_lab(r.covariate, lang)})" for r in s.itertuples()])
    ax.set_xlabel(_lab("complaint_odds_ratio", lang))
    if title:
        ax.set_title(title)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def resolution_chart(hours: pd.DataFrame, by: str = "category", *, lang: str, sla_hours: float = 24,
                     title: str | None = None, ax: Axes | None = None) -> Axes:
    """Box plot of hours to resolve per level of ``by`` (log scale), with the SLA line."""
    lang = check_lang(lang)
    _require(hours, [by, "hours"], "resolution_chart")
    order = hours.groupby(by)["hours"].median().sort_values().index.tolist()
    data = [np.clip(hours.loc[hours[by] == o, "hours"].to_numpy(float), 0.01, None) for o in order]
    ax = _axes(ax, (9, 4))
    ax.boxplot(data, vert=False, showfliers=False, widths=0.6, medianprops={"color": COLORS["limit"]})
    ax.set_yticks(np.arange(1, len(order) + 1), _tick_labels(pd.Series(order), lang))
    ax.set_xscale("log")
    _plain_log_ticks(ax, [0.01, 0.1, 0.5, 1, 2, 4, 8, 24, 48, 100, 200, 500], np.concatenate(data) if data else [1])
    ax.axvline(sla_hours, color=COLORS["target"], linestyle="--", linewidth=1.4)
    ax.set_xlabel(_lab("complaint_hours", lang))
    if title:
        ax.set_title(title)
    return ax


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("math", "np", "pd", "sns", "Axes",
                                                                    "PercentFormatter", "annotations")]
