"""Charts of the complaint root-cause briefing (:mod:`csm.complaints` results).

Charts take tidy frames from :mod:`csm.complaints`, draw on ``ax`` (a new figure when ``None``) and
return the Axes; they never print or call ``plt.show()``. Tables and sentences are in
:mod:`csm.report.tables_complaints`.
"""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.ticker import FuncFormatter, NullFormatter

from csm.report.format import axis_formatter

from csm.report.labels import check_lang, phrase
from csm.report.plots import (
    COLORS,
    PALETTE,
    _axes,
    _format_dates,
    _legend,
    _require,
    _tick_labels,
)
from csm.report.levels import DEFAULT_MAX_LEVELS, OTHER, lump_levels, top_levels
from csm.report.tables import code_label
from csm.report.tables_complaints import lump_pareto


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
    return [_short(t, width, lines) for t in _tick_labels(pd.Series(list(values)), lang)]


def pareto_chart(pareto: pd.DataFrame, by: str = "category", *, lang: str, title: str | None = None,
                 vital_share: float = 0.8, max_levels: int = DEFAULT_MAX_LEVELS, ax: Axes | None = None) -> Axes:
    """Pareto chart: bars of counts (largest first), cumulative share line on a right axis, the 80% line.
    More than ``max_levels + 1`` levels: the ``max_levels`` largest and one "all others" bar."""
    lang = check_lang(lang)
    _require(pareto, [by, "count", "cumulative_share"], "pareto_chart")
    pareto = lump_pareto(pareto, by, max_levels)
    ax = _axes(ax)
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
        ax.set_title(title)
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
    _require(weekly, ["week", group, "count"], "weekly_chart")
    ax = _axes(ax, (10, 4))
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


def lump_cells(cells: pd.DataFrame, max_levels: int = DEFAULT_MAX_LEVELS) -> pd.DataFrame:
    """Contingency cells of one dimension (category, level, observed, expected) with the categories and
    levels outside the ``max_levels`` largest merged into "all others": observed and expected summed, the
    adjusted residual recomputed for the merged cells (Haberman: ``(O − E) / √(E (1 − r/n)(1 − c/n))``)."""
    from csm.complaints import OTHER_LEVELS  # levels the test pooled for small counts belong to "all others"

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
    ax = _axes(ax, (2.6 + 0.8 * grid.shape[1], 1.6 + 0.45 * grid.shape[0]))
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
        ax.set_title(title, pad=20)
    return ax


def residual_cutoff(n_cells: int, alpha: float = 0.05) -> float:
    """The |adjusted residual| beyond which a cell of a test with ``n_cells`` cells is significant after the
    Bonferroni correction (two-sided): 3.09 for 25 cells (0.05 / 50 in each tail)."""
    from scipy.stats import norm

    return float(norm.isf(alpha / (2 * max(int(n_cells), 1))))


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
                     title: str | None = None, max_levels: int = DEFAULT_MAX_LEVELS, ax: Axes | None = None) -> Axes:
    """Box plot of hours to resolve per level of ``by`` (log scale), with the SLA line; the ``max_levels``
    largest levels and "all others"."""
    lang = check_lang(lang)
    _require(hours, [by, "hours"], "resolution_chart")
    hours = lump_levels(hours, by, max_levels)
    order = hours.groupby(by)["hours"].median().sort_values().index.tolist()
    data = [np.clip(hours.loc[hours[by] == o, "hours"].to_numpy(float), 0.01, None) for o in order]
    ax = _axes(ax, (9, 4))
    import matplotlib

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
        ax.set_title(title)
    return ax


__all__ = ["pareto_chart", "lump_weekly", "weekly_chart", "spike_chart", "lump_cells", "residual_heatmap",
           "odds_ratio_chart", "resolution_chart"]
