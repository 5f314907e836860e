"""The sentiment scorers' bounded caches (word tokens, token sequences, sentences, Chinese clauses)."""
from __future__ import annotations

__all__ = ["CACHE_LIMIT", "keep"]

CACHE_LIMIT = 50_000   # entries per cache


def keep(cache: dict, key, value) -> None:
    """Store ``value`` under ``key`` in one of the scorers' bounded caches (emptied once it passes
    :data:`CACHE_LIMIT` entries, so memory stays bounded on long runs)."""
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    cache[key] = value
