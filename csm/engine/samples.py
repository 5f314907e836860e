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
    import ibis

    columns = list(dict.fromkeys(columns))
    ties = [c for c in order if c in rel.columns]
    if n is not None and n <= limit:
        out = execute(rel.select(*columns))
    else:
        hashed = rel.mutate(_csm_row_hash=rel[key].hash())
        # the limit-th smallest hash first (a top-N over the hashes alone: sorting the selected columns, texts
        # among them, along with every row is what grows with the table), then the same order and limit over
        # the rows up to it: the same rows
        top = hashed.select("_csm_row_hash").order_by("_csm_row_hash").limit(limit)
        cut = execute(top.aggregate(h=top._csm_row_hash.max(), k=top.count())).iloc[0]
        if int(cut["k"]) >= limit:
            hashed = hashed.filter(hashed._csm_row_hash <= ibis.literal(cut["h"], hashed._csm_row_hash.type()))
        out = execute(hashed.order_by([hashed._csm_row_hash, *[hashed[c] for c in ties]]).limit(limit)
                      .select(*columns))
        if n is None:
            n = len(out) if len(out) < limit else int(execute(rel.count()))
    by = [c for c in order if c in out.columns]
    if by:
        out = out.sort_values(by, kind="stable").reset_index(drop=True)
    return out, n
