"""KPI charts (helper "kpi" moves them to ``csm/report/kpi.py``), and the old import paths of the theme and
the generic charts.

The theme is in :mod:`csm.report.theme` and applied by an explicit :func:`~csm.report.theme.use_theme` call
(importing this module applies nothing any more); the generic charts and axis helpers are in
:mod:`csm.report.charts`.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from csm.errors import ParameterError
from csm.report.format import axis_formatter
from csm.report.labels import check_lang, kpi_unit, label, phrase

# --- moved to csm.report.theme / csm.report.charts; the lead removes this block after the merge -----------------
from csm.report.charts import (  # noqa: F401
    DateTicks,
    bar_with_ci,
    control_chart,
    dot_with_ci,
    small_multiples,
)
from csm.report.charts import add_legend as _legend  # noqa: F401
from csm.report.charts import format_date_axis as _format_dates  # noqa: F401
from csm.report.charts import get_axes as _axes  # noqa: F401
from csm.report.charts import require_columns as _require  # noqa: F401
from csm.report.charts import tick_labels as _tick_labels  # noqa: F401
from csm.report.charts import x_positions as _as_x  # noqa: F401
from csm.report.labels import axis_label as kpi_axis_label  # noqa: F401
from csm.report.theme import (  # noqa: F401
    CJK_FAMILY,
    COLORS,
    FONT_PATH,
    LATIN_FALLBACK,
    PALETTE,
    font_families,
    register_cjk_font,
    use_theme,
)
from csm.report.theme import THEME_RC as _THEME_RC  # noqa: F401
# --- end of the moved names ---------------------------------------------------------------------------------------

__all__ = ["kpi_trend_chart", "league_chart"]


def _percent_axis(ax: Axes, kpi: str | None, values: Sequence[float], axis: str = "y", lang: str = "en") -> None:
    """Percent ticks for rate KPIs, guessing the scale from the magnitudes: fractions (all |v| ≤ 1) as 0–100 %,
    else values already in percent.

    Only for the KPI charts below and the kpi_scorecard notebook while :mod:`csm.kpi` rates are in percent;
    helper "kpi" replaces it with the explicit :func:`csm.report.charts.percent_axis` (values as fractions)."""
    if kpi is None or kpi_unit(kpi, "en") != "%":
        return
    finite = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").dropna(), dtype=float)
    scale = 1.0 if finite.size == 0 or np.nanmax(np.abs(finite)) <= 1.0 else 0.01
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(axis_formatter("percent", lang, scale=scale))


# ---------------------------------------------------------------------------------------------
# KPI charts

_X_CANDIDATES = ("period_start", "date", "period", "week", "month", "day")


def kpi_trend_chart(trend: pd.DataFrame, kpi: str, *, target: float | None = None, lang: str,
                    x: str | None = None, hue: str | None = None, estimate: str = "estimate",
                    lo: str = "ci_low", hi: str = "ci_high", level: float = 0.95,
                    ax: Axes | None = None) -> Axes:
    """Line of a KPI over time with its confidence band and an optional target line.

    ``trend`` is tidy: a time column (``x``; default the first of period_start, date,
    period, week, month, day), the value column ``estimate`` (or a column named
    ``kpi``), optionally ``ci_low``/``ci_high``; if it has a ``kpi`` column, the rows
    of ``kpi`` are drawn. ``hue`` draws one line per group (labels via
    :func:`~csm.report.labels.label`). Rate KPIs get percent ticks.
    """
    lang = check_lang(lang)
    frame = trend
    if "kpi" in frame.columns:
        frame = frame[frame["kpi"] == kpi]
        if frame.empty:
            kpis = ", ".join(map(repr, pd.unique(trend["kpi"])))
            raise ParameterError(f"kpi_trend_chart: no rows with kpi == {kpi!r}; the frame has {kpis}.")
    y = estimate if estimate in frame.columns else kpi
    if x is None:
        x = next((c for c in _X_CANDIDATES if c in frame.columns), None)
        if x is None:
            raise ParameterError("kpi_trend_chart: no time column; name it with x=… (looked for "
                                 f"{', '.join(_X_CANDIDATES)}); columns are {', '.join(map(repr, frame.columns))}.")
    _require(frame, [x, y] + ([hue] if hue else []), "kpi_trend_chart")
    frame = frame.sort_values(x, kind="stable")
    ax = _axes(ax)
    has_band = lo in frame.columns and hi in frame.columns
    groups = [(None, frame)] if hue is None else list(frame.groupby(hue, sort=True, observed=True))
    palette = sns.color_palette(PALETTE, n_colors=max(len(groups), 1))
    ticks: list[str] | None = None
    is_date = False
    for i, (group, part) in enumerate(groups):
        xs, ticks_i, is_date = _as_x(part[x])
        if ticks_i is not None:
            if hue is not None:  # categorical x shared by all groups: positions by the full order
                order = list(pd.unique(frame[x].astype(str)))
                xs = np.array([order.index(str(v)) for v in part[x]], dtype=float)
                ticks_i = order
            ticks = ticks_i
        color = COLORS["estimate"] if hue is None else palette[i]
        name = phrase("legend_estimate", lang) if hue is None else str(label(group, lang))
        ax.plot(xs, part[y].to_numpy(dtype=float), marker="o" if len(part) <= 60 else None, markersize=3.5,
                color=color, label=name)
        if has_band:
            band_label = phrase("legend_ci", lang, level=level) if hue is None else None
            ax.fill_between(xs, part[lo].to_numpy(dtype=float), part[hi].to_numpy(dtype=float),
                            color=color, alpha=0.18, linewidth=0, label=band_label)
    if target is not None and not np.isfinite(float(target)):
        target = None  # a target not evaluated (NaN): no line, no legend entry
    if target is not None:
        ax.axhline(float(target), color=COLORS["target"], linestyle="--", linewidth=1.4,
                   label=phrase("legend_target", lang))
    if is_date:
        _format_dates(ax, lang)
    elif ticks is not None:
        ax.set_xticks(np.arange(len(ticks)), ticks, rotation=45 if len(ticks) > 8 else 0,
                      ha="right" if len(ticks) > 8 else "center")
    values = list(frame[y]) + (list(frame[lo]) + list(frame[hi]) if has_band else [])
    if kpi_unit(kpi, "en") == "%":
        _percent_axis(ax, kpi, values + ([target] if target is not None else []), lang=lang)
    else:  # thousands separators ("4,500", never "4500"), no "4500.00"
        ax.yaxis.set_major_formatter(axis_formatter("count" if kpi_unit(kpi, "en") == "tickets" else "number", lang))
    ax.set_title(str(label(kpi, lang)))
    ax.set_xlabel(str(label(x, lang)))
    ax.set_ylabel(kpi_axis_label(kpi, lang))
    _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: never covers the data
    return ax


def league_chart(frame: pd.DataFrame, label_col: str, *, lang: str, estimate: str = "estimate",
                 lo: str = "ci_low", hi: str = "ci_high", kpi: str | None = None,
                 reference: float | None = None, ascending: bool | None = None, title: str | None = None,
                 ax: Axes | None = None) -> Axes:
    """League table as a chart: one point with its interval per agent/team, sorted by ``estimate``.

    The first row after sorting is drawn at the top. ``ascending=None`` puts the best on
    top: highest first, lowest first for a ``kpi`` where lower is better (handle and
    resolution times, per :func:`csm.kpi.kpi_direction`). ``reference`` draws a vertical
    line, e.g. the overall rate. For shrunken estimates of :func:`csm.kpi.league_table`
    pass ``estimate="shrunk_estimate", lo="shrunk_ci_low", hi="shrunk_ci_high"``.
    """
    lang = check_lang(lang)
    _require(frame, [label_col, estimate], "league_chart")
    if ascending is None:
        ascending = False
        if kpi is not None:
            from csm.kpi import kpi_direction  # presentation may use analysis; imported only when needed
            ascending = kpi_direction(kpi) == "lower"
    data = frame.sort_values(estimate, ascending=ascending, kind="stable", na_position="last")
    ax = _axes(ax, figsize=(8.0, max(2.5, 0.32 * len(data) + 1.2)) if ax is None else None)
    pos = np.arange(len(data), dtype=float)
    est = data[estimate].to_numpy(dtype=float)
    if lo in data.columns and hi in data.columns:
        low, high = data[lo].to_numpy(dtype=float), data[hi].to_numpy(dtype=float)
        ok = np.isfinite(low) & np.isfinite(high) & np.isfinite(est)
        if ok.any():
            err = np.vstack([np.clip(est[ok] - low[ok], 0, None), np.clip(high[ok] - est[ok], 0, None)])
            ax.errorbar(est[ok], pos[ok], xerr=err, fmt="none", ecolor=COLORS["band"], alpha=0.6,
                        elinewidth=2.0, capsize=0)
    ax.scatter(est, pos, color=COLORS["estimate"], s=28, zorder=3)
    if reference is not None:
        ax.axvline(float(reference), color=COLORS["reference"], linestyle="--", linewidth=1.2,
                   label=phrase("legend_overall", lang))
    ax.set_yticks(pos, _tick_labels(data[label_col], lang))
    ax.set_ylim(len(data) - 0.5, -0.5)  # first row on top
    ax.grid(axis="y", visible=False)
    measure = kpi if kpi is not None else estimate
    _percent_axis(ax, kpi, list(est) + ([reference] if reference is not None else []), axis="x", lang=lang)
    ax.set_xlabel(kpi_axis_label(measure, lang))
    ax.set_ylabel(str(label(label_col, lang)))
    if title is not None:
        ax.set_title(title)
    _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: never over the intervals
    return ax
