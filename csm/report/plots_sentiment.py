"""Charts of feedback sentiment (notebooks/feedback_sentiment): thin functions over tidy frames
from :mod:`csm.sentiment`; theme and helpers from :mod:`csm.report.plots`."""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from csm.report.format import axis_formatter
from csm.report.labels import check_lang, label
from csm.report.plots import COLORS, _axes, _format_dates, _require


def _wrap(text: str, width: int) -> str:
    """``text`` on lines of at most ``width`` characters: at spaces, else (Chinese) after ``width`` characters."""
    if len(text) <= width:
        return text
    if " " in text:
        return textwrap.fill(text, width)
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


def negative_share_bars(frame: pd.DataFrame, x: str, *, lang: str, title: str | None = None,
                        ax: Axes | None = None) -> Axes:
    """Horizontal bars of ``share_negative`` per ``x`` with its Wilson interval (``ci_low``/``ci_high``)."""
    lang = check_lang(lang)
    _require(frame, [x, "share_negative", "ci_low", "ci_high"], "negative_share_bars")
    data = frame.reset_index(drop=True)
    ax = _axes(ax, (6, 0.6 + 0.35 * len(data)))
    pos = np.arange(len(data), dtype=float)[::-1]
    est = data["share_negative"].to_numpy(dtype=float)
    ax.barh(pos, est, color=COLORS["estimate"], height=0.65)
    err = np.vstack([np.clip(est - data["ci_low"].to_numpy(dtype=float), 0, None),
                     np.clip(data["ci_high"].to_numpy(dtype=float) - est, 0, None)])
    ax.errorbar(est, pos, xerr=err, fmt="none", ecolor="#333333", elinewidth=1.1, capsize=3)
    # long level names (a real export's product names) wrap instead of squeezing the bars; no y-axis title:
    # the chart's title names the grouping, and a title beside long tick labels collides with them
    ax.set_yticks(pos, [_wrap(str(label(v, lang)), 18 if lang == "en" else 9) for v in data[x]])
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel(str(label("share_negative", lang)))
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def negative_share_trend(trend: pd.DataFrame, *, lang: str, title: str | None = None, by: str | None = None,
                         ax: Axes | None = None) -> Axes:
    """Line of the negative share per ``period`` with its interval band (one line per ``by`` value)."""
    lang = check_lang(lang)
    _require(trend, ["period", "share_negative", "ci_low", "ci_high"], "negative_share_trend")
    ax = _axes(ax, (9, 3.8))
    groups = trend.groupby(by, sort=True) if by else [(None, trend)]
    for key, g in groups:
        g = g.sort_values("period")
        name = str(label(key, lang)) if key is not None else str(label("share_negative", lang))
        line, = ax.plot(g["period"], g["share_negative"], marker="o", linewidth=1.6, label=name)
        ax.fill_between(g["period"], g["ci_low"], g["ci_high"], alpha=0.18, color=line.get_color(), linewidth=0)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylim(bottom=0)
    ax.set_ylabel(str(label("share_negative", lang)))
    ax.set_xlabel("")  # the ticks are months; a title under them would crowd the legend below
    _format_dates(ax, lang)
    if title:
        ax.set_title(title)
    if by:  # below the axes, never over the lines or their points
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=max(1, len(labels)),
                  frameon=False)
        ax.figure.set_layout_engine("constrained")
    return ax


def aspect_impact_bars(summary: pd.DataFrame, *, lang: str, title: str | None = None, ax: Axes | None = None) -> Axes:
    """Horizontal bars of negative comments per aspect (``negative``), ordered as given (by impact)."""
    lang = check_lang(lang)
    _require(summary, ["aspect", "negative", "mentions"], "aspect_impact_bars")
    data = summary.reset_index(drop=True)
    ax = _axes(ax, (7, 0.6 + 0.4 * len(data)))
    pos = np.arange(len(data), dtype=float)[::-1]
    ax.barh(pos, data["mentions"].to_numpy(dtype=float), color="#d9d9d9", height=0.65,
            label=str(label("mentions", lang)))
    ax.barh(pos, data["negative"].to_numpy(dtype=float), color=COLORS["estimate"], height=0.65,
            label=str(label("negative_mentions", lang)))
    ax.set_yticks(pos, [str(label(v, lang)) for v in data["aspect"]])
    ax.set_xlabel(str(label("comments", lang)))
    ax.xaxis.set_major_formatter(axis_formatter("count", lang))
    ax.grid(axis="y", visible=False)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="lower right", frameon=False)
    if title:
        ax.set_title(title)
    return ax
