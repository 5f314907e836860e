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
from matplotlib.ticker import FixedLocator, Formatter, NullFormatter, NullLocator

from csm.errors import ParameterError
from csm.report.format import axis_formatter
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


def _format_dates(ax: Axes, lang: str) -> None:
    width_in = ax.figure.get_figwidth() * ax.get_position().width  # about one date label per inch
    locator = mdates.AutoDateLocator(minticks=2, maxticks=int(np.clip(width_in / 1.1, 3, 9)))
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(DateTicks(lang))


def _percent_axis(ax: Axes, kpi: str | None, values: Sequence[float], axis: str = "y", lang: str = "en") -> None:
    """Percent ticks for rate KPIs at the precision the ticks need ("82%", "82.5%", never "82.00%"): fractions
    (all |v| ≤ 1) as 0–100 %, else values already in percent."""
    if kpi is None or kpi_unit(kpi, "en") != "%":
        return
    finite = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").dropna(), dtype=float)
    scale = 1.0 if finite.size == 0 or np.nanmax(np.abs(finite)) <= 1.0 else 0.01
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(axis_formatter("percent", lang, scale=scale))


def kpi_axis_label(kpi: str, lang: str) -> str:
    """:func:`~csm.report.labels.axis_label` without a doubled bracket: a name that already ends in one takes the
    unit inside it — "CSAT (mean score, 1–5)", never "CSAT (mean score) (score 1–5)"."""
    name, unit = str(label(kpi, lang)), kpi_unit(kpi, lang)
    close = ")" if lang == "en" else "）"
    if not unit or not name.endswith(close):
        return axis_label(kpi, lang)
    if ("score" in name and unit.startswith("score ")) or ("分" in name and unit.startswith("分，")):
        unit = unit.split(" ", 1)[1] if lang == "en" else unit.split("，", 1)[1]  # "mean score, 1–5"
    return f"{name[:-1]}, {unit})" if lang == "en" else f"{name[:-1]}，{unit}）"


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
    if kpi_unit(kpi, "en") == "%":
        _percent_axis(ax, kpi, values + ([target] if target is not None else []), lang=lang)
    else:  # thousands separators ("4,500", never "4500"), no "4500.00"
        ax.yaxis.set_major_formatter(axis_formatter("count" if kpi_unit(kpi, "en") == "tickets" else "number", lang))
    ax.set_title(str(label(kpi, lang)))
    ax.set_xlabel(str(label(x, lang)))
    ax.set_ylabel(kpi_axis_label(kpi, lang))
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
    _percent_axis(ax, kpi, list(est) + ([target] if target is not None else []), lang=lang)
    ax.set_xlabel(str(label(x, lang)))
    ax.set_ylabel(kpi_axis_label(measure, lang))
    if title is not None:
        ax.set_title(title)
    if target is not None:
        _legend(ax, loc="best")
    return ax


#: Nice duration ticks of a log axis, in minutes, with their labels.
_DURATION_TICKS = [(1, "1 min", "1分钟"), (5, "5 min", "5分钟"), (15, "15 min", "15分钟"), (60, "1 h", "1小时"),
                   (4 * 60, "4 h", "4小时"), (24 * 60, "1 day", "1天"),
                   (3 * 1440, "3 days", "3天"), (7 * 1440, "7 days", "7天"), (30 * 1440, "30 days", "30天")]


def dot_with_ci(frame: pd.DataFrame, x: str, y: str = "estimate", *, lo: str = "ci_low", hi: str = "ci_high",
                lang: str, kpi: str | None = None, title: str | None = None, target: float | None = None,
                ax: Axes | None = None) -> Axes:
    """A dot per level of ``x`` (codes shown as labels, one row each: long names never collide) with its
    interval, each dot labelled with its value and unit ("0.7 min", "17.8 h").

    Durations spanning more than 50× (minutes for chat, hours for e-mail) get a log axis with duration ticks
    ("1 min", "1 h", "1 day"): dots, unlike bars, read correctly on a log scale (position, not length, carries
    the value). ``target`` draws a vertical line.
    """
    from csm.report.tables import _kpi_value

    lang = check_lang(lang)
    _require(frame, [x, y], "dot_with_ci")
    data = frame[frame[y].notna()]
    unit = kpi_unit(kpi, "en") if kpi else ""
    ax = _axes(ax, (8.0, 1.2 + 0.5 * len(data)))
    pos = np.arange(len(data), dtype=float)
    est = data[y].to_numpy(dtype=float)
    if lo in data.columns and hi in data.columns:
        low, high = data[lo].to_numpy(dtype=float), data[hi].to_numpy(dtype=float)
        ok = np.isfinite(low) & np.isfinite(high)
        if ok.any():
            err = np.vstack([np.clip(est[ok] - low[ok], 0, None), np.clip(high[ok] - est[ok], 0, None)])
            ax.errorbar(est[ok], pos[ok], xerr=err, fmt="none", ecolor=COLORS["band"], alpha=0.6, elinewidth=2.5,
                        capsize=0)
    ax.scatter(est, pos, color=COLORS["estimate"], s=45, zorder=3, label=phrase("legend_estimate", lang))
    minutes = {"minutes": 1, "hours": 60}.get(unit)
    positive = est[np.isfinite(est) & (est > 0)]
    log = minutes is not None and positive.size > 1 and positive.max() > 50 * positive.min()
    if target is not None and np.isfinite(float(target)):
        ax.axvline(float(target), color=COLORS["target"], linestyle="--", linewidth=1.4,
                   label=phrase("legend_target", lang))
    if log:
        ax.set_xscale("log")
        lo_v = np.nanmin(np.r_[positive, data[lo].to_numpy(float)[np.isfinite(data[lo].to_numpy(float))]]) \
            if lo in data else positive.min()
        hi_v = np.nanmax(np.r_[positive, data[hi].to_numpy(float)[np.isfinite(data[hi].to_numpy(float))]]) \
            if hi in data else positive.max()
        ax.set_xlim(max(lo_v, 1e-3) / 2.5, hi_v * 3.0)
        left, right = ax.get_xlim()
        ticks = [(m / minutes, en, zh) for m, en, zh in _DURATION_TICKS if left <= m / minutes <= right]
        ax.xaxis.set_major_locator(FixedLocator([t[0] for t in ticks]))
        ax.set_xticklabels([t[1] if lang == "en" else t[2] for t in ticks])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(f"{label(kpi, lang)}" + (" (log scale)" if lang == "en" else "（对数刻度）"))
    else:
        ax.set_xlim(left=0, right=max(np.nanmax(est) if est.size else 1, float(target or 0)) * 1.35)
        ax.set_xlabel(kpi_axis_label(kpi if kpi is not None else y, lang))
        _percent_axis(ax, kpi, list(est), axis="x", lang=lang)
    for px, py in zip(est, pos):  # the value beside its dot, with its unit
        ax.annotate(_kpi_value(px, unit, lang), (px, py), xytext=(8, 7), textcoords="offset points", fontsize=9,
                    color="#222222")
    ax.set_yticks(pos, _tick_labels(data[x], lang))
    ax.set_ylim(len(data) - 0.4, -0.6)  # first row on top
    ax.grid(axis="y", visible=False)
    ax.set_ylabel(str(label(x, lang)))
    if title is not None:
        ax.set_title(title)
    if target is not None:
        _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
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
