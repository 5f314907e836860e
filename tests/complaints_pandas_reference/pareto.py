"""Pareto of complaints: count, share and cumulative share per level, the vital few (80%), and the
Pareto of a finer level (sub-reasons) inside the largest categories."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import nonempty_column
from csm.errors import AnalysisError, ParameterError

__all__ = ["pareto", "pareto_within"]

def pareto(tickets: pd.DataFrame, by: str = "category", *, vital_share: float = 0.8) -> pd.DataFrame:
    """Pareto table: count, share, cumulative share per level of ``by``, largest first.

    ``vital_few`` marks the levels that together make up ``vital_share`` (80%) of complaints:
    all levels up to and including the one whose cumulative share first reaches it.
    Rows with ``by`` missing are left out (see ``attrs['missing']``).
    """
    if not 0 < vital_share <= 1:
        raise ParameterError(f"vital_share must lie in (0, 1], got {vital_share!r}")
    values = nonempty_column(tickets, by, "pareto")
    if values.dropna().empty:
        raise AnalysisError(f"pareto: no tickets to count by {by} (the table has no rows).")
    counts = values.value_counts(dropna=True)
    counts = counts.sort_values(ascending=False, kind="stable")
    counts = counts.iloc[np.lexsort((counts.index.astype(str), -counts.to_numpy()))]  # ties by name
    out = pd.DataFrame({by: counts.index.astype(str), "count": counts.to_numpy().astype(int)})
    total = out["count"].sum()
    out["share"] = out["count"] / total
    out["cumulative_share"] = out["share"].cumsum()
    before = out["cumulative_share"] - out["share"]
    out["vital_few"] = before < vital_share - 1e-12
    out.attrs["missing"] = int(values.isna().sum())
    return out.reset_index(drop=True)


def pareto_within(tickets: pd.DataFrame, parent: str = "category", child: str = "sub_reason", *,
                  parents=None, top: int = 3, vital_share: float = 0.8) -> pd.DataFrame:
    """Pareto of ``child`` inside each of the ``top`` largest ``parent`` levels (or the given ``parents``).

    Columns: parent, child, count, share (within the parent), cumulative_share, share_of_all, vital_few.
    """
    nonempty_column(tickets, parent, "pareto_within")
    nonempty_column(tickets, child, "pareto_within")
    if parents is None:
        parents = pareto(tickets, parent)[parent].head(top).tolist()
    total = int(tickets[parent].notna().sum())
    parts = []
    for level in parents:
        sub = tickets[tickets[parent] == level]
        if sub[child].notna().sum() == 0:
            continue
        p = pareto(sub, child, vital_share=vital_share)
        p.insert(0, parent, level)
        p["share_of_all"] = p["count"] / total
        parts.append(p)
    if not parts:
        raise AnalysisError(f"pareto_within: no {child} values in the top {parent} levels {list(parents)}.")
    return pd.concat(parts, ignore_index=True)
