"""Pareto of complaints: count, share and cumulative share per level, the vital few (80%), and the
Pareto of a finer level (sub-reasons) inside the largest categories."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.complaints.engine import group_counts, relation_of
from csm.complaints.inputs import check_nonempty, require_columns
from csm.errors import AnalysisError, ParameterError

__all__ = ["pareto", "pareto_within", "pareto_from_counts"]


def pareto_from_counts(counts: pd.Series, by: str, *, vital_share: float = 0.8, missing: int = 0) -> pd.DataFrame:
    """:func:`pareto` of counts per level (a Series indexed by the levels, no missing level)."""
    counts = counts[counts > 0]
    counts = counts.iloc[np.lexsort((counts.index.astype(str), -counts.to_numpy()))]  # largest first, ties by name
    out = pd.DataFrame({by: counts.index.astype(str), "count": counts.to_numpy().astype(int)})
    total = out["count"].sum()
    out["share"] = out["count"] / total
    out["cumulative_share"] = out["share"].cumsum()
    before = out["cumulative_share"] - out["share"]
    out["vital_few"] = before < vital_share - 1e-12
    out.attrs["missing"] = int(missing)
    return out.reset_index(drop=True)


def pareto(tickets, by: str = "category", *, vital_share: float = 0.8, counts: pd.DataFrame | None = None
           ) -> pd.DataFrame:
    """Pareto table: count, share, cumulative share per level of ``by``, largest first.

    ``vital_few`` marks the levels that together make up ``vital_share`` (80%) of complaints:
    all levels up to and including the one whose cumulative share first reaches it.
    Rows with ``by`` missing are left out (see ``attrs['missing']``). ``tickets``: a frame or a relation
    (one grouped count in the engine; or ``counts``, a :func:`~csm.complaints.engine.group_counts` frame over
    ``by`` and finer columns).
    """
    if not 0 < vital_share <= 1:
        raise ParameterError(f"vital_share must lie in (0, 1], got {vital_share!r}")
    require_columns(tickets, [by], "pareto")
    if counts is None:
        counts = group_counts(relation_of(tickets, "pareto"), [by])
    else:
        counts = counts.groupby(by, dropna=False, sort=False)["count"].sum().reset_index()
    missing = int(counts.loc[counts[by].isna(), "count"].sum())
    filled = counts[counts[by].notna()]
    check_nonempty(by, int(counts["count"].sum()), len(filled), "pareto")
    if filled.empty:
        raise AnalysisError(f"pareto: no tickets to count by {by} (the table has no rows).")
    return pareto_from_counts(filled.set_index(by)["count"], by, vital_share=vital_share, missing=missing)


def pareto_within(tickets, parent: str = "category", child: str = "sub_reason", *,
                  parents=None, top: int = 3, vital_share: float = 0.8, counts: pd.DataFrame | None = None
                  ) -> pd.DataFrame:
    """Pareto of ``child`` inside each of the ``top`` largest ``parent`` levels (or the given ``parents``).

    Columns: parent, child, count, share (within the parent), cumulative_share, share_of_all, vital_few.
    One grouped count (parent × child) in the engine (or ``counts``, that frame).
    """
    require_columns(tickets, [parent, child], "pareto_within")
    if counts is None:
        counts = group_counts(relation_of(tickets, "pareto_within"), [parent, child])
    n_rows = int(counts["count"].sum())
    for col in (parent, child):
        check_nonempty(col, n_rows, int(counts[col].notna().any()), "pareto_within")
    by_parent = counts[counts[parent].notna()]
    if parents is None:
        parents = pareto_from_counts(by_parent.groupby(parent)["count"].sum(), parent)[parent].head(top).tolist()
    total = int(by_parent["count"].sum())
    parts = []
    for level in parents:
        sub = by_parent[by_parent[parent] == level]
        filled = sub[sub[child].notna()]
        if filled.empty:
            continue
        p = pareto_from_counts(filled.set_index(child)["count"], child, vital_share=vital_share,
                               missing=int(sub.loc[sub[child].isna(), "count"].sum()))
        p.insert(0, parent, level)
        p["share_of_all"] = p["count"] / total
        parts.append(p)
    if not parts:
        raise AnalysisError(f"pareto_within: no {child} values in the top {parent} levels {list(parents)}.")
    return pd.concat(parts, ignore_index=True)
