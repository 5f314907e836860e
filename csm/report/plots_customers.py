"""Charts of NPS, churn and customer lifetime value (notebooks/nps_churn_clv).

Thin seaborn/matplotlib functions over the tidy results of :mod:`csm.nps`, :mod:`csm.churn` and
:mod:`csm.clv`; same theme and rules as :mod:`csm.report.plots` (return the Axes, never print or show).
Tables are in :mod:`csm.report.tables_customers`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from csm.compat import BOXPLOT_HORIZONTAL
from csm.report import format as fmt
from csm.report.labels import check_lang, phrase
from csm.report.plots import COLORS, _axes, _format_dates, _legend, _require
from csm.report.tables_customers import code_label


def forest_chart(frame: pd.DataFrame, term: str = "term", estimate: str = "hazard_ratio", *, lo: str = "ci_low",
                 hi: str = "ci_high", lang: str, xlabel: str, title: str | None = None, reference: float = 1.0,
                 log: bool = True, ax: Axes | None = None) -> Axes:
    """Ratios (hazard or odds ratios) with interval whiskers, one row per term, reference line at 1."""
    lang = check_lang(lang)
    _require(frame, [term, estimate, lo, hi], "forest_chart")
    data = frame.reset_index(drop=True)
    ax = _axes(ax, (8, 0.9 + 0.45 * len(data)))
    y = np.arange(len(data))[::-1]
    est = data[estimate].to_numpy(float)
    err = np.vstack([est - data[lo].to_numpy(float), data[hi].to_numpy(float) - est])
    ax.errorbar(est, y, xerr=err, fmt="o", color=COLORS["estimate"], ecolor="#333333", capsize=4)
    ax.axvline(reference, color=COLORS["reference"], linestyle="--", linewidth=1)
    if log:  # ratios: equal steps for ×2 and ÷2; ticks at 1-2-5 steps read as multiples ("0.5×", "2×")
        from matplotlib.ticker import LogLocator, NullFormatter

        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}×"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(y, [str(code_label(t, lang)) for t in data[term]])
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def retention_chart(curves: pd.DataFrame, by: str, *, lang: str, title: str | None = None,
                    ax: Axes | None = None, legend: bool = True) -> Axes:
    """Kaplan–Meier retention curves (steps) per group with shaded pointwise confidence bands (``legend=False``
    for a single overall curve)."""
    lang = check_lang(lang)
    _require(curves, [by, "time", "survival", "ci_low", "ci_high"], "retention_chart")
    ax = _axes(ax)
    colors = sns.color_palette(n_colors=curves[by].nunique())
    for color, (g, c) in zip(colors, curves.groupby(by, sort=True)):
        ax.step(c["time"], 100 * c["survival"], where="post", color=color, label=str(code_label(g, lang)))
        ax.fill_between(c["time"].to_numpy(float), 100 * c["ci_low"].to_numpy(float),
                        100 * c["ci_high"].to_numpy(float), step="post", color=color, alpha=0.2, linewidth=0)
    ax.set_xlabel(phrase("cust_tenure_months_axis", lang))
    ax.set_ylabel(phrase("cust_retained_axis", lang))
    if legend:  # beside the plot, so it never covers a curve
        _legend(ax, title=str(code_label(by, lang)), loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    if title:
        ax.set_title(title)
    return ax


def rate_trend_chart(trend: pd.DataFrame, *, x: str = "period_start", lang: str, ylabel: str, title: str | None = None,
                     by: str | None = None, ax: Axes | None = None) -> Axes:
    """A rate per period (estimate with a shaded interval), optionally one line per group."""
    lang = check_lang(lang)
    _require(trend, [x, "estimate", "ci_low", "ci_high"], "rate_trend_chart")
    ax = _axes(ax)
    groups = trend.groupby(by, sort=True) if by else [(None, trend)]
    colors = sns.color_palette(n_colors=max(trend[by].nunique(), 1) if by else 1)
    for color, (g, t) in zip(colors, groups):
        ax.plot(t[x], t["estimate"], marker="o", markersize=3, color=color,
                label=str(code_label(g, lang)) if by else phrase("legend_estimate", lang))
        ax.fill_between(t[x], t["ci_low"].to_numpy(float), t["ci_high"].to_numpy(float), color=color, alpha=0.2,
                        linewidth=0)
    if pd.api.types.is_datetime64_any_dtype(trend[x]):
        _format_dates(ax, lang)
    ax.set_xlabel(str(code_label(x, lang)))
    ax.set_ylabel(ylabel)
    if by:
        _legend(ax, title=str(code_label(by, lang)), loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    ax.yaxis.set_major_formatter(fmt.axis_formatter("number", lang))
    if title:
        ax.set_title(title)
    return ax


def schoenfeld_chart(residuals: pd.DataFrame, terms, *, lang: str, bins: int = 10, labels=None) -> plt.Figure:
    """Proportional-hazards check: mean Schoenfeld residual per decile of event time for each term
    (flat around 0 = hazard ratio constant over time), with ±2 standard-error whiskers."""
    lang = check_lang(lang)
    terms = list(terms)
    cols = min(3, len(terms))
    rows = int(np.ceil(len(terms) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.3 * cols, 2.8 * rows), constrained_layout=True, squeeze=False)
    q = pd.qcut(residuals["time"], bins, duplicates="drop")
    mids = residuals.groupby(q, observed=True)["time"].median().to_numpy()
    for ax, t in zip(axes.flat, terms):
        g = residuals.groupby(q, observed=True)[t]
        mean, se = g.mean().to_numpy(), (g.std() / np.sqrt(g.size())).to_numpy()
        ax.errorbar(mids, mean, yerr=2 * se, fmt="o-", color=COLORS["estimate"], ecolor="#777777", capsize=3)
        ax.axhline(0, color=COLORS["reference"], linestyle="--", linewidth=1)
        ax.set_title(str(labels[t]) if labels and t in labels else str(code_label(t, lang)), fontsize=11)
        ax.set_xlabel(phrase("cust_tenure_months_axis", lang))
    for ax in list(axes.flat)[len(terms):]:
        ax.set_visible(False)
    return fig


def holdout_chart(comparison: pd.DataFrame, *, lang: str, title: str | None = None, ax: Axes | None = None) -> Axes:
    """Mean actual vs predicted holdout repeat purchases per calibration-frequency group (:func:`csm.customers.clv.holdout_comparison`)."""
    lang = check_lang(lang)
    _require(comparison, ["frequency_group", "actual", "predicted"], "holdout_chart")
    data = comparison[comparison["frequency_group"] != "all"]
    ax = _axes(ax, (7.5, 3.2))
    pos = np.arange(len(data), dtype=float)
    ax.bar(pos - 0.2, data["actual"], width=0.4, color="#999999", label=phrase("cust_legend_actual", lang))
    ax.bar(pos + 0.2, data["predicted"], width=0.4, color=COLORS["estimate"], label=phrase("cust_legend_predicted", lang))
    ax.set_xticks(pos, data["frequency_group"].tolist())
    ax.set_xlabel(phrase("cust_calibration_purchases_axis", lang))
    ax.set_ylabel(phrase("cust_holdout_purchases_axis", lang))
    ax.grid(axis="x", visible=False)
    _legend(ax, loc="upper left")
    if title:
        ax.set_title(title)
    return ax


def clv_distribution_chart(clv: pd.DataFrame, *, by: str, lang: str, title: str | None = None,
                           currency: str = "CNY", ax: Axes | None = None) -> Axes:
    """Distribution of expected CLV per customer by group: box plots on a linear money axis (boxes: the middle
    half, whiskers 5–95%; the few customers beyond are not drawn, the axis ends just past the longest whisker)."""
    lang = check_lang(lang)
    _require(clv, [by, "clv"], "clv_distribution_chart")
    ax = _axes(ax, (7.5, 1.3 + 0.55 * clv[by].nunique()))
    data = clv[np.isfinite(clv["clv"])]
    order = sorted(data[by].astype(str).unique())
    groups = [data.loc[data[by].astype(str) == g, "clv"].to_numpy(float) for g in order]
    ax.boxplot(groups, whis=(5, 95), showfliers=False, **BOXPLOT_HORIZONTAL, patch_artist=True,
               boxprops={"facecolor": COLORS["band"], "alpha": 0.35}, medianprops={"color": "#333333"})
    ax.set_yticks(np.arange(1, len(order) + 1), [str(code_label(g, lang)) for g in order])
    top = max((np.quantile(g, 0.95) for g in groups if len(g)), default=1.0)
    ax.set_xlim(min(0.0, min((np.quantile(g, 0.05) for g in groups if len(g)), default=0.0)), 1.08 * top)
    ax.xaxis.set_major_formatter(fmt.axis_formatter("money", lang, currency=currency))
    symbol = fmt.CURRENCY_SYMBOLS.get(str(currency).upper(), str(currency).upper())
    ax.set_xlabel(phrase("cust_clv_axis_currency", lang, symbol=symbol))
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax
