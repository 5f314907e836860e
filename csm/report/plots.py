"""Charts: the one project theme (with a bundled Chinese font) and thin chart helpers.

Importing this module registers the bundled CJK font and applies :func:`use_theme`,
so Chinese titles, ticks and legends render on any machine — also one without a
system CJK font — with no "Glyph … missing" warnings.

Every helper takes a tidy frame and column names, draws on ``ax`` (a new figure
when ``None``) and returns the :class:`matplotlib.axes.Axes`. Helpers never print
and never call ``plt.show()``: a notebook cell ends with ``plt.show()`` itself.
Titles and axis labels come from :mod:`csm.report.labels`, chosen by ``lang``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from csm.errors import ParameterError
from csm.report.labels import axis_label, check_lang, kpi_unit, label, phrase

#: Font file shipped with the package: Noto Sans CJK SC cut to GB2312 + Latin (see fonts/README.md).
FONT_PATH = Path(__file__).parent / "fonts" / "CSMSansCJKSC-Regular.otf"
#: Family name of :data:`FONT_PATH` as matplotlib knows it.
CJK_FAMILY = "CSM Sans CJK SC"
#: Fonts for glyphs the CJK font lacks, in order; only those installed are used
#: (DejaVu Sans ships with matplotlib, so the list is never empty).
LATIN_FALLBACK = ("DejaVu Sans", "Liberation Sans", "Arial", "Helvetica")
#: Colour-blind-safe qualitative palette of every chart.
PALETTE = "colorblind"
#: Colours with a meaning, used consistently across charts.
COLORS = {
    "estimate": "#0173b2",
    "band": "#0173b2",
    "target": "#029e73",
    "limit": "#d55e00",
    "center": "#555555",
    "alarm": "#d55e00",
    "reference": "#555555",
}

_THEME_RC = {
    "figure.dpi": 110,            # ~880 px wide at the default size: fits an HTML report column
    "savefig.dpi": "figure",
    "savefig.bbox": "tight",      # as the notebook inline backend: legends outside the axes are kept
    "figure.figsize": (8.0, 4.5),
    "axes.unicode_minus": False,  # the ASCII hyphen-minus, as typed in reports and tables
    "axes.titlelocation": "left",
    "axes.titlesize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "date.autoformatter.month": "%Y-%m",
    "text.parse_math": False,     # "$" in a team or category name is text, never mathtext (issue 15)
}


def register_cjk_font() -> str:
    """Add the bundled CJK font to matplotlib's font manager (once) and return its family name."""
    fname = str(FONT_PATH)
    if not FONT_PATH.is_file():  # pragma: no cover - a broken installation
        raise FileNotFoundError(f"the chart font {fname} is missing; reinstall csm (pip install -e .)")
    if not any(f.fname == fname for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(fname)
    return CJK_FAMILY


def font_families() -> list[str]:
    """The family list of every chart: the CJK font first, then the installed Latin fallbacks.

    Matplotlib draws each glyph with the first family in the list that has it.
    Only installed families are listed, so matplotlib never logs "font family not found".
    """
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [register_cjk_font(), *(f for f in LATIN_FALLBACK if f in installed)]


def use_theme() -> None:
    """Apply the project theme (idempotent): seaborn ``whitegrid``, colour-blind palette, CJK font.

    Sets the figure size and dpi for HTML reports and ``axes.unicode_minus = False``.
    """
    families = font_families()
    rc = dict(_THEME_RC, **{"font.family": families, "font.sans-serif": families})
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font=families, rc=rc)


# ---------------------------------------------------------------------------------------------
# helpers


def _axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize)
    return new


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{what}: expected a DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(f"{what}: column(s) {', '.join(repr(c) for c in missing)} not in the frame; "
                             f"its columns are {', '.join(map(repr, frame.columns))}.")


def _as_x(values: pd.Series) -> tuple[np.ndarray, list[str] | None, bool]:
    """Plot positions for an x column: (positions, tick labels or None, is_date)."""
    if isinstance(values.dtype, pd.PeriodDtype):
        values = values.dt.to_timestamp()
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.to_numpy(), None, True
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float), None, False
    return np.arange(len(values), dtype=float), [str(v) for v in values], False


def _format_dates(ax: Axes, lang: str) -> None:
    width_in = ax.figure.get_figwidth() * ax.get_position().width  # about one date label per inch
    locator = mdates.AutoDateLocator(minticks=2, maxticks=int(np.clip(width_in / 1.1, 3, 9)))
    if lang == "zh":
        formatter = mdates.ConciseDateFormatter(
            locator,
            formats=["%Y年", "%m月", "%d日", "%H:%M", "%H:%M", "%S.%f"],
            zero_formats=["", "%Y年", "%m月", "%m-%d", "%H:%M", "%H:%M"],
            offset_formats=["", "%Y年", "%Y年%m月", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d %H:%M"],
        )
    else:
        formatter = mdates.ConciseDateFormatter(locator)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)


def _percent_axis(ax: Axes, kpi: str | None, values: Sequence[float], axis: str = "y") -> None:
    """Percent ticks for rate KPIs: fractions (all |v| ≤ 1) as 0–100 %, else percent points."""
    if kpi is None or kpi_unit(kpi, "en") != "%":
        return
    finite = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").dropna(), dtype=float)
    xmax = 1.0 if finite.size == 0 or np.nanmax(np.abs(finite)) <= 1.0 else 100.0
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(xmax=xmax, decimals=None))


def _legend(ax: Axes, **kwargs) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, **kwargs)


def _tick_labels(values: pd.Series, lang: str) -> list[str]:
    return [str(label(v, lang)) for v in values]


# ---------------------------------------------------------------------------------------------
# charts

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
    _percent_axis(ax, kpi, values + ([target] if target is not None else []))
    ax.set_title(str(label(kpi, lang)))
    ax.set_xlabel(str(label(x, lang)))
    ax.set_ylabel(axis_label(kpi, lang))
    _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: never covers the data
    return ax


def control_chart(spc_frame: pd.DataFrame, *, title: str, lang: str, ylabel: str | None = None,
                  ax: Axes | None = None) -> Axes:
    """Shewhart control chart: values, centre line, control limits, out-of-control points marked.

    ``spc_frame`` columns: ``date``, ``value``, ``center``, ``lcl``, ``ucl``,
    ``out_of_control`` (bool). Limits may vary by point (e.g. a p-chart with varying
    n) and are drawn as steps.
    """
    lang = check_lang(lang)
    _require(spc_frame, ["date", "value", "center", "lcl", "ucl", "out_of_control"], "control_chart")
    frame = spc_frame.sort_values("date", kind="stable")
    ax = _axes(ax)
    xs, ticks, is_date = _as_x(frame["date"])
    value = frame["value"].to_numpy(dtype=float)
    few = len(value) <= 60  # markers only while points can be told apart
    ax.plot(xs, value, marker="o" if few else None, markersize=3.5, linewidth=1.2 if few else 0.8,
            color=COLORS["estimate"], label=str(label("value", lang)))
    ax.plot(xs, frame["center"].to_numpy(dtype=float), color=COLORS["center"], linewidth=1.2,
            drawstyle="steps-mid", label=phrase("legend_center", lang))
    ax.plot(xs, frame["ucl"].to_numpy(dtype=float), color=COLORS["limit"], linewidth=1.1, linestyle="--",
            drawstyle="steps-mid", label=phrase("legend_limits", lang))
    ax.plot(xs, frame["lcl"].to_numpy(dtype=float), color=COLORS["limit"], linewidth=1.1, linestyle="--",
            drawstyle="steps-mid")
    alarm = frame["out_of_control"].fillna(False).to_numpy(dtype=bool)
    if alarm.any():
        ax.scatter(xs[alarm], value[alarm], s=60, color=COLORS["alarm"], edgecolor="black", linewidth=0.6,
                   zorder=5, label=phrase("legend_out_of_control", lang))
    if is_date:
        _format_dates(ax, lang)
    elif ticks is not None:
        ax.set_xticks(np.arange(len(ticks)), ticks, rotation=45 if len(ticks) > 8 else 0,
                      ha="right" if len(ticks) > 8 else "center")
    ax.set_title(title)
    ax.set_xlabel(str(label("date", lang)))
    ax.set_ylabel(ylabel if ylabel is not None else str(label("value", lang)))
    _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def bar_with_ci(frame: pd.DataFrame, x: str, y: str = "estimate", *, lo: str = "ci_low", hi: str = "ci_high",
                lang: str, kpi: str | None = None, title: str | None = None, sort: bool = False,
                target: float | None = None, ax: Axes | None = None) -> Axes:
    """Bars of ``y`` per ``x`` (codes shown as labels) with error bars from ``lo`` to ``hi``.

    ``kpi`` names the measure for the axis label and percent ticks; ``sort`` orders
    bars by ``y`` (largest first). Missing interval bounds draw no error bar.
    """
    lang = check_lang(lang)
    _require(frame, [x, y], "bar_with_ci")
    data = frame.sort_values(y, ascending=False, kind="stable") if sort else frame
    ax = _axes(ax)
    pos = np.arange(len(data), dtype=float)
    est = data[y].to_numpy(dtype=float)
    ax.bar(pos, est, color=COLORS["estimate"], width=0.7, label=phrase("legend_estimate", lang))
    if lo in data.columns and hi in data.columns:
        low, high = data[lo].to_numpy(dtype=float), data[hi].to_numpy(dtype=float)
        ok = np.isfinite(low) & np.isfinite(high) & np.isfinite(est)
        if ok.any():
            err = np.vstack([np.clip(est[ok] - low[ok], 0, None), np.clip(high[ok] - est[ok], 0, None)])
            ax.errorbar(pos[ok], est[ok], yerr=err, fmt="none", ecolor="#333333", elinewidth=1.2, capsize=4)
    if target is not None:
        ax.axhline(float(target), color=COLORS["target"], linestyle="--", linewidth=1.4,
                   label=phrase("legend_target", lang))
    ticks = _tick_labels(data[x], lang)
    long = len(ticks) > 6 or max((len(t) for t in ticks), default=0) > 12
    ax.set_xticks(pos, ticks, rotation=30 if long else 0, ha="right" if long else "center")
    ax.grid(axis="x", visible=False)
    measure = kpi if kpi is not None else y
    _percent_axis(ax, kpi, list(est) + ([target] if target is not None else []))
    ax.set_xlabel(str(label(x, lang)))
    ax.set_ylabel(axis_label(measure, lang))
    if title is not None:
        ax.set_title(title)
    if target is not None:
        _legend(ax, loc="best")
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
    _percent_axis(ax, kpi, list(est) + ([reference] if reference is not None else []), axis="x")
    ax.set_xlabel(axis_label(measure, lang))
    ax.set_ylabel(str(label(label_col, lang)))
    if title is not None:
        ax.set_title(title)
    _legend(ax, loc="best")
    return ax


def small_multiples(frame: pd.DataFrame, by: str, chart: Callable[..., Axes], *, lang: str,
                    col_wrap: int = 3, sharex: bool = True, sharey: bool = True,
                    panel_size: tuple[float, float] = (3.6, 2.6), **chart_kwargs) -> np.ndarray:
    """One panel per value of ``by``: ``chart(part, ax=…, lang=lang, **chart_kwargs)`` for each part.

    Panels are titled with the group's label and share one legend below them; unused
    grid cells are hidden. The figure
    uses constrained layout (do not call ``tight_layout`` on it). Returns the panels'
    Axes (a 1-d array, in group order).
    """
    lang = check_lang(lang)
    _require(frame, [by], "small_multiples")
    groups = list(frame.groupby(by, sort=True, observed=True))
    if not groups:
        raise ParameterError(f"small_multiples: the frame has no rows to split by {by!r}.")
    ncols = max(1, min(col_wrap, len(groups)))
    nrows = -(-len(groups) // ncols)
    fig, grid = plt.subplots(nrows, ncols, sharex=sharex, sharey=sharey, squeeze=False, layout="constrained",
                             figsize=(panel_size[0] * ncols, panel_size[1] * nrows))
    cells = grid.ravel()
    for cell, (group, part) in zip(cells, groups):
        chart(part, ax=cell, lang=lang, **chart_kwargs)
        cell.set_title(str(label(group, lang)))
        if cell.get_legend() is not None:
            cell.get_legend().remove()
    handles, names = cells[0].get_legend_handles_labels()
    if handles:  # one legend for the figure, below the panels
        fig.legend(handles, names, loc="outside lower center", ncols=min(len(names), 4))
    for i, cell in enumerate(cells[: len(groups)]):
        if sharey and i % ncols:
            cell.set_ylabel("")
        if sharex and i + ncols < len(groups):
            cell.set_xlabel("")
        elif sharex:  # bottom panel of its column: keep its tick labels
            cell.xaxis.set_tick_params(labelbottom=True)
    for cell in cells[len(groups):]:
        cell.set_visible(False)
    return cells[: len(groups)]


use_theme()
