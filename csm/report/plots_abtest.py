"""Charts of the A/B test report (notebooks/ab_test).

Charts follow :mod:`csm.report.plots` (one theme, tidy frame in, Axes out, no ``plt.show()``).
Tables and sentences are in :mod:`csm.report.tables_abtest`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from csm.report import format as fmt
from csm.report.labels import check_lang, label, phrase
from csm.report.plots import COLORS, _axes, _format_dates, _legend, _require

__all__ = ["did_trend_chart", "interval_chart", "lift_chart", "sequential_chart", "VERDICT_COLORS"]

VERDICT_COLORS = {"improved": "#029e73", "degraded": "#d55e00", "no_change": "#555555", "not_tested": "#bbbbbb"}


# --------------------------------------------------------------------------- charts
def lift_chart(metrics: pd.DataFrame, reasons: pd.DataFrame, *, lang: str, ax: Axes | None = None) -> Axes:
    """Relative change (treatment / control − 1) of each metric with its 95% interval, coloured by verdict;
    metrics without a relative lift (NPS, ordinal) are left out."""
    check_lang(lang)
    _require(metrics, ["metric", "relative_lift", "relative_ci_low", "relative_ci_high"], "lift_chart")
    verdicts = reasons.set_index("metric")["verdict"]
    data = metrics[metrics["relative_lift"].notna()].iloc[::-1]
    ax = _axes(ax, figsize=(8, 0.9 + 0.45 * max(len(data), 1)))
    pos = np.arange(len(data))
    for y, (_, r) in zip(pos, data.iterrows()):
        color = VERDICT_COLORS.get(verdicts[r["metric"]], COLORS["estimate"])
        ax.plot([r["relative_ci_low"], r["relative_ci_high"]], [y, y], color=color, linewidth=2.2)
        ax.plot([r["relative_lift"]], [y], "o", color=color, markersize=7)
    ax.axvline(0, color=COLORS["reference"], linewidth=1)
    open_, close = ("（", "）") if lang == "zh" else (" (", ")")
    ax.set_yticks(pos, [f"{label(m, lang)}{open_}{label('role_' + ro, lang)}{close}"
                        for m, ro in zip(data["metric"], data["role"])])
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt.percent(v, lang, 0, signed=True)))
    ax.set_xlabel(str(label("ab_relative_lift_axis", lang)))
    ax.grid(axis="y", visible=False)
    ax.set_title(phrase("ab_lift_chart_title", lang))
    return ax


def interval_chart(frame: pd.DataFrame, *, scale: str, title: str, lang: str, unit: str = "number",
                   ax: Axes | None = None) -> Axes:
    """Effect and interval of the same comparison done several ways (rows of ``frame``: method, diff,
    ci_low, ci_high) — e.g. naive vs delta method vs clustered, or unadjusted vs CUPED."""
    check_lang(lang)
    _require(frame, ["method", "diff", "ci_low", "ci_high"], "interval_chart")
    data = frame.iloc[::-1]
    ax = _axes(ax, figsize=(8, 0.9 + 0.5 * len(data)))
    factor = 100 if scale in ("share", "probability") else 1
    pos = np.arange(len(data))
    ax.hlines(pos, data["ci_low"] * factor, data["ci_high"] * factor, color=COLORS["estimate"], linewidth=2.4)
    ax.plot(data["diff"] * factor, pos, "o", color=COLORS["estimate"], markersize=7)
    ax.xaxis.set_major_formatter(fmt.axis_formatter("number", lang))
    ax.axvline(0, color=COLORS["reference"], linewidth=1)
    ax.set_yticks(pos, [str(label(f"method_{m}", lang)) for m in data["method"]])
    suffix = {"en": {"pp": " (pp)", "minutes": " (min)", "hours": " (h)"},
              "zh": {"pp": "（百分点）", "minutes": "（分钟）", "hours": "（小时）"}}[lang]
    ax.set_xlabel(str(label("ab_effect_axis", lang)) + suffix.get("pp" if factor == 100 else unit, ""))
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    return ax


def sequential_chart(looks: pd.DataFrame, *, title: str, lang: str, ax: Axes | None = None) -> Axes:
    """Observed cumulative z at each look against the ± stopping boundaries, by information fraction."""
    check_lang(lang)
    _require(looks, ["information_fraction", "z", "z_boundary"], "sequential_chart")
    ax = _axes(ax)
    t = looks["information_fraction"].to_numpy()
    b = looks["z_boundary"].to_numpy()
    ax.plot(t, b, "--", color=COLORS["limit"], marker="s", label=phrase("ab_legend_boundary", lang))
    ax.plot(t, -b, "--", color=COLORS["limit"], marker="s")
    ax.plot(t, looks["z"], "-o", color=COLORS["estimate"], label=phrase("ab_legend_z", lang))
    ax.axhline(0, color=COLORS["reference"], linewidth=1)
    ax.set_xlim(0, 1.05)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(str(label("ab_information", lang)))
    ax.set_ylabel(str(label("ab_z_axis", lang)))
    ax.yaxis.set_major_formatter(fmt.axis_formatter("number", lang))
    ax.set_title(title)
    _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # beside the plot, over no line
    return ax


def did_trend_chart(trend: pd.DataFrame, change_date, *, title: str, ylabel: str, lang: str,
                    ax: Axes | None = None) -> Axes:
    """Monthly means (with intervals) of the rollout group and the other groups, the change date marked:
    the pre-period lines should run parallel."""
    check_lang(lang)
    _require(trend, ["period", "group", "mean", "ci_low", "ci_high"], "did_trend_chart")
    ax = _axes(ax)
    for group, color, code in (("treated", COLORS["limit"], "did_treated"), ("other", COLORS["estimate"],
                                                                              "did_comparison")):
        g = trend[trend["group"] == group].sort_values("period")
        ax.fill_between(g["period"].to_numpy(), g["ci_low"], g["ci_high"], color=color, alpha=0.15, linewidth=0)
        ax.plot(g["period"].to_numpy(), g["mean"], "-o", color=color, markersize=4, label=str(label(code, lang)))
    ax.axvline(pd.Timestamp(change_date), color=COLORS["reference"], linestyle=":", linewidth=1.5,
               label=phrase("ab_did_change_line", lang))
    _format_dates(ax, lang)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # beside the plot, over no line
    return ax
