"""Cache expensive aggregates until the data they summarise changes.

Keys carry the change tokens of the topics an aggregate reads (geotrack/core/changes.py),
today's date (health depends on it), the audience's key (callers who may read the same
things share an entry, nobody else) and the request's own parts.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from geotrack.core.changes import change_version
from geotrack.core.params import local_today

T = TypeVar("T")


def cached_aggregate(kind: str, parts: tuple, *, audience_key: str, topics: Iterable[str] | None,
                     compute: Callable[[], T]) -> T:
    """Return compute() for these inputs, from the cache while the data of `topics` is unchanged."""
    key = ":".join(["gt", kind, change_version(topics), local_today().isoformat(), audience_key,
                    *map(str, parts)])
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.GEOTRACK["AGGREGATE_CACHE_SECONDS"])
    return value
