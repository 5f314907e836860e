"""Where the complaint analyses meet the engine (:mod:`csm.engine`): the tickets as an Ibis relation, one
profile query (rows, filled values per column, first and last ticket), grouped counts, and bounded, stated
samples of rows. Only aggregates and these samples reach pandas; nothing here executes a whole table.

Portable spellings (DuckDB, PySpark, PostgreSQL; see the spark helper's notes): weeks are
``truncate("W")`` (Monday-based on every backend), durations as microseconds elapsed
(:func:`seconds_between`), 0/1 outcomes as casts of booleans (NULL stays NULL), medians and quantiles with the
exact ``median``/``quantile`` (``QUANTILE_CONT`` on DuckDB, ``PERCENTILE`` on Spark; never an approximate
quantile), windows ordered with a full tie-break; results are sorted in pandas, never taken in the engine's
row order. The text sample is drawn by the engine's ``hash`` of ticket_id: another engine draws another
(equally fixed) sample, which matters only when a window holds more texts than the limit.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csm.engine import as_relation, execute, is_relation, samples
from csm.errors import ParameterError

__all__ = ["TEXT_SAMPLE", "Profile", "relation_of", "profile", "profiles", "group_counts",
           "bounded_rows", "seconds_between", "lump", "top_levels_of"]

#: Texts fetched per text window (term analysis, example complaints) at most; larger windows are sampled
#: deterministically (by a hash of ticket_id) and the sample size is stated in the result.
TEXT_SAMPLE = 50_000


def relation_of(tickets, what: str = "complaints"):
    """``tickets`` as an Ibis table: an Ibis table as it is, a pandas frame registered with the engine."""
    if is_relation(tickets):
        return tickets
    if isinstance(tickets, pd.DataFrame):
        return as_relation(tickets)
    raise ParameterError(f"{what}: expected the tickets table (a DataFrame or an engine relation), "
                         f"got {type(tickets).__name__}.")


def seconds_between(later, earlier):
    """``later − earlier`` in seconds (float) as an engine expression: microseconds elapsed, exact on every
    backend (``epoch_seconds`` drops fractions of a second on Spark, ``delta`` with a coarser unit counts
    boundaries on DuckDB but whole units on Spark). Either side may be a timestamp literal."""
    import ibis

    if not isinstance(later, ibis.Expr):
        later = ibis.literal(pd.Timestamp(later).to_pydatetime())
    return later.delta(earlier, unit="microsecond").cast("float64") / 1e6


@dataclass(frozen=True)
class Profile:
    """One pass over a table: ``n`` rows, ``filled`` (column -> non-missing values), ``first`` / ``last``
    created_at, ``repeat_key`` (some customer_id occurs twice)."""

    n: int
    filled: dict
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    repeat_key: bool

    def has(self, column: str) -> bool:
        return self.filled.get(column, 0) > 0


def profile(rel) -> Profile:
    """:class:`Profile` of ``rel`` (one aggregate query and one distinct count)."""
    return profiles(rel, {"all": None})["all"]


def profiles(rel, windows: dict, *, keys=None) -> dict:
    """:class:`Profile` of each window of ``rel`` (name -> a boolean expression over ``rel``, None for all
    rows), all in one aggregate query grouped by the windows a row is in (plus one distinct count of
    customer_id per window named in ``keys``, for ``repeat_key``; default: all; a distinct count is costly)."""
    import ibis

    # grouped by which windows a row is in (at most 2^windows groups), every column counted once: a filtered
    # count per window and column evaluates the table's checked columns once per window
    flags = {f"w__{w}": (ibis.literal(True) if where is None else where.fill_null(False))
             for w, where in enumerate(windows.values())}
    metrics = {"n": rel.count(), **{f"f{i}": rel[col].count() for i, col in enumerate(rel.columns)}}
    if "created_at" in rel.columns:
        metrics.update(first=rel.created_at.min(), last=rel.created_at.max())
    combos = execute(rel.group_by(**flags).aggregate(**metrics))
    row = {}
    for w in range(len(windows)):
        inside = combos[combos[f"w__{w}"].astype(bool)]
        row[f"n__{w}"] = int(inside["n"].sum())
        for i in range(len(rel.columns)):
            row[f"f{i}__{w}"] = int(inside[f"f{i}"].sum())
        if "created_at" in rel.columns:
            row[f"first__{w}"] = inside["first"].min() if inside["first"].notna().any() else None
            row[f"last__{w}"] = inside["last"].max() if inside["last"].notna().any() else None
    for w, (name, where) in enumerate(windows.items()):
        # a distinct count in a query of its own: DuckDB counts distinct values much faster alone than among
        # other (filtered) aggregates
        if "customer_id" in rel.columns and (keys is None or name in keys):
            sub = rel if where is None else rel.filter(where)
            row[f"keys__{w}"] = int(execute(sub.aggregate(k=sub.customer_id.nunique())).iloc[0]["k"] or 0)
    out = {}
    for w, name in enumerate(windows):
        filled = {col: int(row[f"f{i}__{w}"] or 0) for i, col in enumerate(rel.columns)}
        first, last = (pd.Timestamp(row[f"{k}__{w}"]) if f"{k}__{w}" in row and pd.notna(row[f"{k}__{w}"]) else None
                       for k in ("first", "last"))
        repeat = bool(f"keys__{w}" in row and filled.get("customer_id", 0) > int(row[f"keys__{w}"] or 0))
        out[name] = Profile(int(row[f"n__{w}"] or 0), filled, first, last, repeat)
    return out


def group_counts(rel, by, *, where=None, name: str = "count") -> pd.DataFrame:
    """Rows per combination of the ``by`` columns (missing values form their own group), as a frame sorted by
    the groups (missing last)."""
    by = [by] if isinstance(by, str) else list(by)
    if where is not None:
        rel = rel.filter(where)
    out = execute(rel.group_by(by).aggregate(**{name: rel.count()}))
    out[name] = out[name].astype("int64")
    return out.sort_values(by, kind="stable", na_position="last").reset_index(drop=True) if by else out


def bounded_rows(rel, columns, limit: int, *, n: int | None = None):
    """:func:`csm.engine.samples.bounded_rows` of tickets: keyed on ``ticket_id`` (a relation without one: on the
    first of ``columns``), in ``created_at``, ``ticket_id`` order. Returns (frame, rows in ``rel``)."""
    key = "ticket_id" if "ticket_id" in rel.columns else list(columns)[0]
    return samples.bounded_rows(rel, columns, limit, key=key, n=n, order=("created_at", "ticket_id"))


def top_levels_of(counts: pd.Series, n: int) -> list:
    """:func:`csm.levels.top_levels` from counts per level: the ``n`` largest, ties by the level's text."""
    order = sorted(counts.items(), key=lambda kv: (-float(kv[1]), str(kv[0])))
    return [level for level, _ in order[:n]]


def lump(rel, column: str, n: int, counts: pd.Series | None = None, *, other: str | None = None):
    """:func:`csm.levels.lump_levels` on a relation: levels of ``column`` outside the ``n`` largest (``counts``
    per level, or one grouped count) become :data:`csm.levels.OTHER`; unchanged when lumping would replace a
    single level. Missing values stay missing."""
    import ibis

    from csm.levels import OTHER

    other = OTHER if other is None else other
    if counts is None:
        c = group_counts(rel, [column])
        counts = c[c[column].notna()].set_index(column)["count"]
    counts = counts[counts > 0]
    if len(counts) <= n + 1:
        return rel
    keep = [str(v) for v in top_levels_of(counts, n)]
    col = rel[column].cast("string")
    return rel.mutate(**{column: ibis.ifelse(col.isnull() | col.isin(keep), col, ibis.literal(other))})
