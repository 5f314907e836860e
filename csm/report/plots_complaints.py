"""Charts of the complaint root-cause briefing (:mod:`csm.complaints` results).

Charts take tidy frames from :mod:`csm.complaints`, draw on ``ax`` (a new figure when ``None``) and
return the Axes; they never print or call ``plt.show()``. Tables and sentences are in
:mod:`csm.report.tables_complaints`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, NullFormatter, PercentFormatter

from csm.report.labels import check_lang
from csm.report.plots import (
    COLORS,
    PALETTE,
    _axes,
    _format_dates,
    _legend,
    _require,
    _tick_labels,
)
from csm.report.tables import code_label


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
    ax.set_ylabel(code_label("count", lang))
    ax.set_xlabel(code_label(by, lang))
    ax.grid(axis="x", visible=False)
    right = ax.twinx()
    right.plot(pos, pareto["cumulative_share"].to_numpy(float), color=COLORS["limit"], marker="o", markersize=4)
    right.axhline(vital_share, color=COLORS["reference"], linestyle="--", linewidth=1)
    right.set_ylim(0, 1.05)
    right.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    right.set_ylabel(code_label("complaint_cumulative_share", lang))
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
        ax.plot(part["week"].to_numpy(), part["count"].to_numpy(float), color=color, label=code_label(level, lang),
                linewidth=1.4)
    for s in (spikes.itertuples() if spikes is not None else []):
        ax.axvspan(s.start, s.end + pd.Timedelta(days=1), color=COLORS["alarm"], alpha=0.12, linewidth=0)
    _format_dates(ax, lang)
    ax.set_ylabel(code_label("complaint_weekly", lang))
    ax.set_xlabel(code_label("week", lang))
    if title:
        ax.set_title(title)
    _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def spike_chart(scores: pd.DataFrame, *, lang: str, title: str | None = None, ax: Axes | None = None) -> Axes:
    """One weekly series from :attr:`csm.complaints.SpikeResult.scores`: counts, baseline, flagged weeks."""
    lang = check_lang(lang)
    _require(scores, ["week", "count", "baseline", "flagged"], "spike_chart")
    ax = _axes(ax, (10, 3.8))
    s = scores.sort_values("week")
    ax.plot(s["week"].to_numpy(), s["count"].to_numpy(float), color=COLORS["estimate"], marker="o", markersize=3,
            label=code_label("complaint_observed", lang))
    ax.plot(s["week"].to_numpy(), s["baseline"].to_numpy(float), color=COLORS["center"], linestyle="--",
            label=code_label("complaint_baseline", lang))
    f = s[s["flagged"]]
    ax.scatter(f["week"].to_numpy(), f["count"].to_numpy(float), color=COLORS["alarm"], zorder=5, s=40,
               label=code_label("complaint_spike_period", lang))
    _format_dates(ax, lang)
    ax.set_ylabel(code_label("complaint_weekly", lang))
    ax.set_xlabel(code_label("week", lang))
    ax.set_ylim(bottom=0)
    if title:
        ax.set_title(title)
    _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
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
                cbar_kws={"label": code_label("complaint_adjusted_residual", lang)},
                xticklabels=_tick_labels(pd.Series(grid.columns), lang),
                yticklabels=_tick_labels(pd.Series(grid.index), lang))
    ax.set_xlabel(code_label(dimension, lang))
    ax.set_ylabel(code_label("category", lang))
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
        lab = code_label(r.outcome, lang) if r.outcome not in seen else None
        seen.add(r.outcome)
        ax.errorbar([r.odds_ratio], [y], xerr=[[r.odds_ratio - r.ci_low], [r.ci_high - r.odds_ratio]], fmt="o",
                    color=palette[r.outcome], capsize=3, label=lab)
    ax.axvline(1.0, color=COLORS["reference"], linestyle="--", linewidth=1)
    ax.set_xscale("log")
    _plain_log_ticks(ax, [0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 7, 10, 20, 50],
                     s[["ci_low", "ci_high"]].to_numpy(float))
    ax.set_yticks(pos, [f"{code_label(r.level, lang)} ({code_label(r.covariate, lang)})" for r in s.itertuples()])
    ax.set_xlabel(code_label("complaint_odds_ratio", lang))
    if title:
        ax.set_title(title)
    _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
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
    ax.set_xlabel(code_label("complaint_hours", lang))
    if title:
        ax.set_title(title)
    return ax


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("math", "np", "pd", "sns", "Axes",
                                                                    "PercentFormatter", "annotations")]
