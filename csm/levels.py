"""Many levels: keep a chart or table readable when a dimension has more levels than it can show.

A real export can have 52 states, 60 agents or 20+ categories. Charts and tables that would
otherwise draw or list every level show the ``n`` largest (by volume, or by a weight column) and
one :data:`OTHER` level holding the rest; :func:`csm.report.labels.label` renders it as
"all others" / "其他". Nothing is dropped: the "other" row carries the remaining volume.
"""
from __future__ import annotations

import pandas as pd

__all__ = ["OTHER", "DEFAULT_MAX_LEVELS", "top_levels", "lump_levels"]

#: the level that stands for every level outside the top ``n`` (a code, labelled for display)
OTHER = "_other_levels"
#: how many levels a chart or long table shows by default before lumping the rest into OTHER
DEFAULT_MAX_LEVELS = 10


def top_levels(frame: pd.DataFrame, column: str, n: int, *, weight: str | None = None) -> list:
    """The ``n`` levels of ``column`` with the most rows (or the largest sum of ``weight``),
    largest first; ties broken by the level's text so the order is deterministic."""
    if n < 1:
        raise ValueError(f"n must be at least 1; got {n}")
    values = frame[column]
    totals = (values.value_counts(dropna=True) if weight is None
              else frame.groupby(column, observed=True, dropna=True)[weight].sum())
    order = sorted(totals.items(), key=lambda kv: (-float(kv[1]), str(kv[0])))
    return [level for level, _ in order[:n]]


def lump_levels(frame: pd.DataFrame, column: str, n: int, *, weight: str | None = None,
                other: str = OTHER) -> pd.DataFrame:
    """Copy of ``frame`` where levels of ``column`` outside the top ``n`` become ``other``.

    When lumping would replace a single level it is kept instead (an "other" of one level says
    less than its name). Missing values stay missing. The column comes back as text (object).
    """
    keep = top_levels(frame, column, n, weight=weight)
    present = frame[column].dropna().unique()
    if len(present) <= n + 1:
        return frame.copy()
    out = frame.copy()
    col = out[column].astype(object)
    out[column] = col.where(col.isin(keep) | col.isna(), other)
    return out
