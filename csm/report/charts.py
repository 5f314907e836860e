"""Generic charts over tidy frames, and the axis helpers every report's charts share.

Every chart takes a tidy frame and column names, draws on ``ax`` (a new figure when ``None``) and returns the
:class:`matplotlib.axes.Axes`. Charts never print and never call ``plt.show()`` (a notebook cell, or a report's
``show_<section>``, ends with ``plt.show()``), and apply no theme (call :func:`csm.report.theme.use_theme`
first). Titles and axis labels come from :mod:`csm.report.labels`, chosen by ``lang``.

- :func:`draw_intervals` — THE interval drawing: every error bar and CI whisker is drawn by it;
- :func:`interval_chart` — a dot with its interval per row (forest plot, league table, effects by method);
- :func:`bar_with_ci`, :func:`dot_with_ci`, :func:`control_chart`, :func:`small_multiples`;
- axis helpers: :func:`percent_axis` (an EXPLICIT choice: the values are fractions), :func:`ratio_axis`,
  :func:`format_date_axis` with :class:`DateTicks`, :func:`tick_labels`, :func:`add_legend`,
  :func:`get_axes`, :func:`require_columns`, :func:`x_positions`.

A chart's value axis is a percentage only when the caller says so (``percent=True``, values as fractions
0–1); nothing is guessed from the magnitudes (a chart of 0.5 minutes is not 50%).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FixedLocator, Formatter, LogLocator, NullFormatter, NullLocator

from csm.errors import ParameterError
from csm.report import format as fmt
from csm.report.labels import axis_label, check_lang, kpi_unit, label, phrase
from csm.report.theme import COLORS, PALETTE

__all__ = [
    "draw_intervals", "interval_chart", "bar_with_ci", "dot_with_ci", "control_chart", "small_multiples",
    "INTERVAL_STYLES", "DateTicks", "format_date_axis", "percent_axis", "ratio_axis", "tick_labels", "add_legend",
    "get_axes", "require_columns", "x_positions", "set_title", "wrap_to_width",
]


# ---------------------------------------------------------------------------------------------
# axis helpers

def _text_units(text: str) -> int:
    """Width of ``text`` in half-em units: CJK and other wide characters count 2, everything else 1."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_PIECES = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+\s*|\s+|.")


def wrap_to_width(text: str, units: int) -> str:
    """``text`` broken into lines of at most ``units`` half-em units: between words, or between any two Chinese
    characters; a single word longer than a line keeps its own line, whole."""
    text = str(text)
    if _text_units(text) <= units:
        return text
    lines, line = [], ""
    for piece in _PIECES.findall(text):
        if line and _text_units(line + piece.rstrip()) > units:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    lines.append(line.rstrip())
    return "\n".join(l for l in lines if l)


def set_title(ax: Axes, title: str, **kwargs) -> None:
    """``ax.set_title``, wrapped onto more lines when the title is wider than the axes (a long category or team
    name from the data), so it is never cut at the figure's edge."""
    points = FontProperties(size=plt.rcParams["axes.titlesize"]).get_size_in_points()
    width_pt = ax.figure.get_figwidth() * ax.get_position().width * 72
    ax.set_title(wrap_to_width(title, max(12, int(width_pt / (0.52 * points)))), **kwargs)


def get_axes(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """``ax``, or the Axes of a new figure of ``figsize`` when ``ax`` is None."""
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize)
    return new


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise :class:`ParameterError` naming the chart (``what``) unless ``frame`` is a DataFrame with ``columns``."""
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{what}: expected a DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(f"{what}: column(s) {', '.join(repr(c) for c in missing)} not in the frame; "
                             f"its columns are {', '.join(map(repr, frame.columns))}.")


def x_positions(values: pd.Series) -> tuple[np.ndarray, list[str] | None, bool]:
    """Plot positions for an x column: (positions, tick labels or None, is_date). Periods become timestamps,
    numbers stay numbers, anything else is placed at 0, 1, 2 … with its text as tick label."""
    if isinstance(values.dtype, pd.PeriodDtype):
        values = values.dt.to_timestamp()
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.to_numpy(), None, True
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float), None, False
    return np.arange(len(values), dtype=float), [str(v) for v in values], False


_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class DateTicks(Formatter):
    """Date tick labels that always say the year: on the first tick and wherever it changes ("Jul\n2025", "Oct",
    "Jan\n2026"; "7月\n2025年"); months for ticks a month or more apart, days ("2 May") for closer ticks,
    years alone for ticks a year apart. Never "05-02" without a year."""

    def __init__(self, lang: str):
        self.lang = check_lang(lang)
        self._ticks: list[float] = []

    def set_locs(self, locs):
        self._ticks = [float(v) for v in locs]

    def __call__(self, x, pos=None) -> str:
        ticks = self._ticks or [float(x)]
        i = pos if pos is not None and pos < len(ticks) and abs(ticks[pos] - x) < 1e-6 else \
            int(np.argmin(np.abs(np.asarray(ticks) - x)))
        d = mdates.num2date(x)
        step = (max(ticks) - min(ticks)) / (len(ticks) - 1) if len(ticks) > 1 else 31.0
        en = self.lang == "en"
        if step >= 300:
            return str(d.year) if en else f"{d.year}年"
        prev = mdates.num2date(ticks[i - 1]) if i > 0 else None
        if step >= 25:
            text = _MONTH_ABBR[d.month - 1] if en else f"{d.month}月"
        else:
            text = f"{d.day} {_MONTH_ABBR[d.month - 1]}" if en else f"{d.month}月{d.day}日"
        if prev is None or prev.year != d.year:
            text += f"\n{d.year}" if en else f"\n{d.year}年"
        return text


def format_date_axis(ax: Axes, lang: str) -> None:
    """Date ticks on the x axis: about one label per inch, each saying its year where it changes (:class:`DateTicks`)."""
    width_in = ax.figure.get_figwidth() * ax.get_position().width
    locator = mdates.AutoDateLocator(minticks=2, maxticks=int(np.clip(width_in / 1.1, 3, 9)))
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(DateTicks(lang))


def percent_axis(ax: Axes, lang: str, *, axis: str = "y", scale: float = 1.0) -> None:
    """Percent ticks on ``axis`` ("x" or "y") at the precision the ticks need ("82%", "82.5%", never "82.00%").

    The plotted values are FRACTIONS (0.82 → "82%"); ``scale=0.01`` only for values plotted in percent."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(fmt.axis_formatter("percent", lang, scale=scale))


def ratio_axis(ax: Axes, *, axis: str = "x") -> None:
    """A log axis for ratios (hazard, odds, rate ratios): equal steps for ×2 and ÷2, ticks at 1-2-5 steps read
    as multiples ("0.5×", "2×")."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}×"))
    target.set_minor_formatter(NullFormatter())


def add_legend(ax: Axes, **kwargs) -> None:
    """A legend of the labelled artists (none when nothing is labelled); ``kwargs`` go to ``ax.legend``."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, **kwargs)


def tick_labels(values: pd.Series, lang: str) -> list[str]:
    """The labels of codes (:func:`csm.report.labels.label`), as text, for ticks."""
    return [str(label(v, lang)) for v in values]


def _categorical_ticks(ax: Axes, ticks: list[str]) -> None:
    ax.set_xticks(np.arange(len(ticks)), ticks, rotation=45 if len(ticks) > 8 else 0,
                  ha="right" if len(ticks) > 8 else "center")


# ---------------------------------------------------------------------------------------------
# intervals

#: How an interval looks: ``"bar"`` — a thin dark whisker with caps, over a bar; ``"whisker"`` — a thick
#: translucent line without caps, behind a dot.
INTERVAL_STYLES: dict[str, dict] = {
    "bar": {"ecolor": COLORS["interval"], "elinewidth": 1.2, "capsize": 4},
    "whisker": {"ecolor": COLORS["band"], "alpha": 0.6, "elinewidth": 2.5, "capsize": 0},
}


def draw_intervals(ax: Axes, positions, estimate, low, high, *, horizontal: bool = False, style: str = "whisker",
                   **kwargs):
    """Draw the interval ``low``–``high`` around each ``estimate`` at ``positions`` (the one error-bar drawing of
    every chart). ``horizontal`` puts the values on the x axis (dots and forest plots), else on the y axis
    (bars). Rows with a missing bound or estimate draw nothing; a bound on the wrong side of its estimate is
    drawn at the estimate. ``style`` is a key of :data:`INTERVAL_STYLES`; ``kwargs`` (``ecolor``, ``label`` …)
    override it and go to :meth:`~matplotlib.axes.Axes.errorbar`. Returns the errorbar container, or None when
    no interval is known."""
    if style not in INTERVAL_STYLES:
        raise ParameterError(f"draw_intervals: style must be one of {sorted(INTERVAL_STYLES)}, got {style!r}")
    pos = np.asarray(positions, dtype=float)
    est, lo, hi = (np.asarray(pd.to_numeric(pd.Series(v), errors="coerce"), dtype=float).reshape(-1)
                   for v in (estimate, low, high))
    ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(est)
    if not ok.any():
        return None
    err = np.vstack([np.clip(est[ok] - lo[ok], 0, None), np.clip(hi[ok] - est[ok], 0, None)])
    options = {"fmt": "none", **INTERVAL_STYLES[style], **kwargs}
    if horizontal:
        return ax.errorbar(est[ok], pos[ok], xerr=err, **options)
    return ax.errorbar(pos[ok], est[ok], yerr=err, **options)


def interval_chart(frame: pd.DataFrame, y: str, estimate: str = "estimate", *, lo: str = "ci_low",
                   hi: str = "ci_high", lang: str, hue: str | None = None, palette: Mapping | None = None,
                   reference: float | None = None, reference_label: str | None = None, log: bool = False,
                   percent: bool = False, xlabel: str | None = None, ylabel: str | None = None,
                   title: str | None = None, dot_size: float = 45, style: str = "whisker",
                   ax: Axes | None = None) -> Axes:
    """A dot per row of ``frame`` with its interval ``lo``–``hi`` (a forest plot), rows in the frame's order with
    the first on top, each labelled with the label of its ``y`` code (a column of ready-made text shows as it
    is: unknown codes keep their text).

    ``hue`` colours the rows by a column's levels (``palette`` maps a level to its colour; a legend names
    them). ``reference`` draws a dashed vertical line (1 for ratios, 0 for differences), in the legend as
    ``reference_label``. ``log`` gives a ratio axis ("0.5×", "2×"); ``percent`` a percent axis, the values being
    fractions. ``style``: the intervals' look (:data:`INTERVAL_STYLES`; ``"bar"``, dark and capped, keeps intervals
    barely wider than a dot visible). Sort the frame first for a ranking (a league table: best first)."""
    lang = check_lang(lang)
    require_columns(frame, [y, estimate] + ([hue] if hue else []), "interval_chart")
    data = frame.reset_index(drop=True)
    ax = get_axes(ax, (8.0, max(2.0, 1.2 + 0.4 * len(data))))
    pos = np.arange(len(data), dtype=float)
    est = data[estimate].to_numpy(dtype=float)
    low = data[lo] if lo in data.columns else np.full(len(data), np.nan)
    high = data[hi] if hi in data.columns else np.full(len(data), np.nan)
    if hue is None:
        draw_intervals(ax, pos, est, low, high, horizontal=True, style=style)
        ax.scatter(est, pos, color=COLORS["estimate"], s=dot_size, zorder=3, label=phrase("legend_estimate", lang))
    else:
        levels = list(dict.fromkeys(data[hue]))
        colours = dict(zip(levels, sns.color_palette(PALETTE, n_colors=len(levels))))
        colours.update(palette or {})
        for level in levels:
            rows = (data[hue] == level).to_numpy()
            draw_intervals(ax, pos[rows], est[rows], np.asarray(low)[rows], np.asarray(high)[rows],
                           horizontal=True, style=style, ecolor=colours[level])
            ax.scatter(est[rows], pos[rows], color=colours[level], s=dot_size, zorder=3,
                       label=str(label(level, lang)))
    if reference is not None:
        ax.axvline(float(reference), color=COLORS["reference"], linestyle="--", linewidth=1.2,
                   label=reference_label)
    if log:
        ratio_axis(ax)
    elif percent:
        percent_axis(ax, lang, axis="x")
    ax.set_yticks(pos, tick_labels(data[y], lang))
    ax.set_ylim(len(data) - 0.4, -0.6)  # first row on top, room above it
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(xlabel if xlabel is not None else axis_label(estimate, lang))
    ax.set_ylabel(ylabel if ylabel is not None else str(label(y, lang)))
    if title is not None:
        set_title(ax, title)
    if hue is not None or reference_label is not None:
        add_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: never over the intervals
    return ax


# ---------------------------------------------------------------------------------------------
# charts

def control_chart(spc_frame: pd.DataFrame, *, title: str, lang: str, ylabel: str | None = None,
                  percent: bool = False, ax: Axes | None = None) -> Axes:
    """Shewhart control chart: values, centre line, control limits, out-of-control points marked.

    ``spc_frame`` columns: ``date``, ``value``, ``center``, ``lcl``, ``ucl``,
    ``out_of_control`` (bool). Limits may vary by point (e.g. a p-chart with varying
    n) and are drawn as steps. ``percent``: the values are fractions, shown as percentages.
    """
    lang = check_lang(lang)
    require_columns(spc_frame, ["date", "value", "center", "lcl", "ucl", "out_of_control"], "control_chart")
    frame = spc_frame.sort_values("date", kind="stable")
    ax = get_axes(ax)
    xs, ticks, is_date = x_positions(frame["date"])
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
        format_date_axis(ax, lang)
    elif ticks is not None:
        _categorical_ticks(ax, ticks)
    if percent:
        percent_axis(ax, lang)
    set_title(ax, title)
    ax.set_xlabel(str(label("date", lang)))
    ax.set_ylabel(ylabel if ylabel is not None else str(label("value", lang)))
    add_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def bar_with_ci(frame: pd.DataFrame, x: str, y: str = "estimate", *, lo: str = "ci_low", hi: str = "ci_high",
                lang: str, kpi: str | None = None, percent: bool = False, title: str | None = None,
                sort: bool = False, target: float | None = None, ax: Axes | None = None) -> Axes:
    """Bars of ``y`` per ``x`` (codes shown as labels) with error bars from ``lo`` to ``hi``.

    ``kpi`` names the measure for the axis label; ``percent`` shows the values — fractions — as percentages;
    ``sort`` orders bars by ``y`` (largest first). Missing interval bounds draw no error bar.
    """
    lang = check_lang(lang)
    require_columns(frame, [x, y], "bar_with_ci")
    data = frame.sort_values(y, ascending=False, kind="stable") if sort else frame
    ax = get_axes(ax)
    pos = np.arange(len(data), dtype=float)
    est = data[y].to_numpy(dtype=float)
    ax.bar(pos, est, color=COLORS["estimate"], width=0.7, label=phrase("legend_estimate", lang))
    if lo in data.columns and hi in data.columns:
        draw_intervals(ax, pos, est, data[lo], data[hi], style="bar")
    if target is not None:
        ax.axhline(float(target), color=COLORS["target"], linestyle="--", linewidth=1.4,
                   label=phrase("legend_target", lang))
    ticks = tick_labels(data[x], lang)
    long = len(ticks) > 6 or max((len(t) for t in ticks), default=0) > 12
    ax.set_xticks(pos, ticks, rotation=30 if long else 0, ha="right" if long else "center")
    ax.grid(axis="x", visible=False)
    if percent:
        percent_axis(ax, lang)
    ax.set_xlabel(str(label(x, lang)))
    ax.set_ylabel(axis_label(kpi if kpi is not None else y, lang))
    if title is not None:
        set_title(ax, title)
    if target is not None:
        add_legend(ax, loc="best")
    return ax


#: Nice duration ticks of a log axis, in minutes, with their labels.
_DURATION_TICKS = [(1, "1 min", "1分钟"), (5, "5 min", "5分钟"), (15, "15 min", "15分钟"), (60, "1 h", "1小时"),
                   (4 * 60, "4 h", "4小时"), (24 * 60, "1 day", "1天"),
                   (3 * 1440, "3 days", "3天"), (7 * 1440, "7 days", "7天"), (30 * 1440, "30 days", "30天")]


def dot_with_ci(frame: pd.DataFrame, x: str, y: str = "estimate", *, lo: str = "ci_low", hi: str = "ci_high",
                lang: str, kpi: str | None = None, percent: bool = False, title: str | None = None,
                target: float | None = None, ax: Axes | None = None) -> Axes:
    """A dot per level of ``x`` (codes shown as labels, one row each: long names never collide) with its
    interval (:func:`interval_chart`), each dot labelled with its value and unit ("0.7 min", "17.8 h"; with
    ``percent`` the values are fractions, "82.5%").

    Durations (a ``kpi`` in minutes or hours) spanning more than 50× (minutes for chat, hours for e-mail) get a
    log axis with duration ticks ("1 min", "1 h", "1 day"): dots, unlike bars, read correctly on a log scale
    (position, not length, carries the value). ``target`` draws a vertical line.
    """
    lang = check_lang(lang)
    require_columns(frame, [x, y], "dot_with_ci")
    data = frame[frame[y].notna()]
    unit = kpi_unit(kpi, "en") if kpi else ""
    ax = get_axes(ax, (8.0, 1.2 + 0.5 * len(data)))
    interval_chart(data, x, y, lo=lo, hi=hi, lang=lang, title=title, ax=ax)
    est = data[y].to_numpy(dtype=float)
    minutes = {"minutes": 1, "hours": 60}.get(unit)
    positive = est[np.isfinite(est) & (est > 0)]
    log = minutes is not None and positive.size > 1 and positive.max() > 50 * positive.min()
    if target is not None and np.isfinite(float(target)):
        ax.axvline(float(target), color=COLORS["target"], linestyle="--", linewidth=1.4,
                   label=phrase("legend_target", lang))
    if log:
        ax.set_xscale("log")
        def known(column: str) -> np.ndarray:  # the estimates and the finite bounds of ``column``
            bound = data[column].to_numpy(float) if column in data else np.array([])
            return np.r_[positive, bound[np.isfinite(bound)]]

        ax.set_xlim(max(np.nanmin(known(lo)), 1e-3) / 2.5, np.nanmax(known(hi)) * 3.0)
        left, right = ax.get_xlim()
        ticks = [(m / minutes, en, zh) for m, en, zh in _DURATION_TICKS if left <= m / minutes <= right]
        ax.xaxis.set_major_locator(FixedLocator([t[0] for t in ticks]))
        ax.set_xticklabels([t[1] if lang == "en" else t[2] for t in ticks])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(f"{label(kpi, lang)}" + (" (log scale)" if lang == "en" else "（对数刻度）"))
    else:
        ax.set_xlim(left=0, right=max(np.nanmax(est) if est.size else 1, float(target or 0)) * 1.35)
        ax.set_xlabel(axis_label(kpi if kpi is not None else y, lang))
        if percent:
            percent_axis(ax, lang, axis="x")
    for px, py in zip(est, np.arange(len(data), dtype=float)):  # the value beside its dot, with its unit
        text = fmt.percent(px, lang) if percent else fmt.kpi_value(px, unit, lang)
        ax.annotate(text, (px, py), xytext=(8, 7), textcoords="offset points", fontsize=9, color="#222222")
    if target is not None:
        add_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
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
    require_columns(frame, [by], "small_multiples")
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
