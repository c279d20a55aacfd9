"""Reads that may lag go to the replica; a caller who just wrote reads the primary for a few seconds.

With DATABASE_REPLICA_URL set, settings add the `replica` alias and this router. `ReplicaRoutingMiddleware`
decides per request: GET/HEAD/OPTIONS of a caller who has not written in the last
REPLICA_STICKY_SECONDS may read the replica (lists, tiles, exports, OGC, pages); everything else, every
write, every read inside a transaction, and everything outside a request (workers, commands) uses the
primary. "Has written" is kept in the shared cache (Redis when there are several nodes) under a key of
the caller (token, session or address), so stickiness holds whichever node answers next, and also in a
cookie for browsers.

Only ORM reads are routed; SQL run through geotrack.core.sql.Sql uses the primary (`connection`).
"""
from __future__ import annotations

import contextvars
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connections

REPLICA = "replica"
STICKY_COOKIE = "gt_primary"
_MAY_LAG: contextvars.ContextVar[bool] = contextvars.ContextVar("geotrack_read_may_lag", default=False)
SAFE = {"GET", "HEAD", "OPTIONS"}


def sticky_seconds() -> int:
    return int(settings.GEOTRACK.get("REPLICA_STICKY_SECONDS", 5))


def caller_key(request) -> str:
    who = request.headers.get("Authorization") or request.COOKIES.get(settings.SESSION_COOKIE_NAME) \
        or request.META.get("REMOTE_ADDR", "")
    return "geotrack:primary-until:" + hashlib.sha256(who.encode()).hexdigest()[:32]


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _MAY_LAG.get() and REPLICA in settings.DATABASES and not connections["default"].in_atomic_block:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaRoutingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if REPLICA not in settings.DATABASES:
            return self.get_response(request)
        key = caller_key(request)
        sticky = bool(request.COOKIES.get(STICKY_COOKIE))
        if request.method in SAFE and not sticky:
            try:
                sticky = float(cache.get(key) or 0) > time.time()
            except Exception:  # noqa: BLE001 - no cache, no replica reads: the primary is always right
                sticky = True
        token = _MAY_LAG.set(request.method in SAFE and not sticky)
        try:
            response = self.get_response(request)
        finally:
            _MAY_LAG.reset(token)
        request.geotrack_read_from = REPLICA if request.method in SAFE and not sticky else "default"
        response["X-Geotrack-Read-From"] = request.geotrack_read_from
        if request.method not in SAFE and response.status_code < 400:
            until = time.time() + sticky_seconds()
            try:
                cache.set(key, until, timeout=sticky_seconds() + 1)
            except Exception:  # noqa: BLE001 - the cookie still pins browsers
                pass
            response.set_cookie(STICKY_COOKIE, "1", max_age=sticky_seconds(), httponly=True, samesite="Lax",
                                secure=settings.SESSION_COOKIE_SECURE)
        return response
