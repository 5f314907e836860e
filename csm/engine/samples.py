"""Bounded, stated samples of a relation's rows: what an analysis may fetch into pandas besides aggregates.

:func:`bounded_rows` fetches every row when there are at most ``limit``, else the ``limit`` rows with the smallest
engine ``hash`` of a row key: deterministic (same data, same engine, same sample), independent of the engine's row
order, and stated by the caller (the rows in the relation come back with the sample). Another engine's ``hash``
draws another, equally fixed sample; below the limit every engine returns every row.
"""
from __future__ import annotations

from csm.engine import execute

__all__ = ["bounded_rows"]


def bounded_rows(rel, columns, limit: int, *, key: str, n: int | None = None, order=()):
    """At most ``limit`` rows of ``rel`` (the ``columns``), sorted by the ``order`` columns present: all rows when
    there are no more, else the ``limit`` rows with the smallest hash of ``key`` (ties by ``order``). ``n``: the
    rows of ``rel`` if known (saves a count). Returns ``(frame, rows in rel)``."""
    columns = list(dict.fromkeys(columns))
    ties = [c for c in order if c in rel.columns]
    if n is None:
        n = int(execute(rel.count()))
    if n <= limit:
        out = execute(rel.select(*columns))
    else:
        hashed = rel.mutate(_csm_row_hash=rel[key].hash())
        out = execute(hashed.order_by([hashed._csm_row_hash, *[hashed[c] for c in ties]]).limit(limit)
                      .select(*columns))
    by = [c for c in order if c in out.columns]
    if by:
        out = out.sort_values(by, kind="stable").reset_index(drop=True)
    return out, n
