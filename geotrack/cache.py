"""Cache expensive aggregates until the data changes.

Keys carry the change token (geotrack/changes.py), today's date (health depends on
it), the caller's visibility class and the request's own parts, so an entry is
never served once anything it summarises has changed, nor to someone who may see
other data.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from geotrack.changes import change_version
from projects.health import health_today
from projects.selectors import sees_everything, user_region_ids, user_role

T = TypeVar("T")


def visibility_key(user) -> str:
    if sees_everything(user):
        return "all"
    if user_role(user) == "akimat":
        return "akimat-" + "-".join(map(str, sorted(user_region_ids(user))))
    return "public"


def cached_aggregate(kind: str, parts: tuple, *, user, compute: Callable[[], T]) -> T:
    """Return compute() for these inputs, from the cache while the data is unchanged."""
    key = ":".join(["gt", kind, change_version(), health_today().isoformat(), visibility_key(user),
                    *map(str, parts)])
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.GEOTRACK["AGGREGATE_CACHE_SECONDS"])
    return value
