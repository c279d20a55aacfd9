"""Rate limits that hold across processes and nodes, counted in PostgreSQL.

A limit is a number of hits per fixed window for a key (an IP, a username, a user id and a
kind of work). Every hit is one upsert of a counter row; windows expire by themselves (a limit
never lasts longer than its window, so nobody is locked out for good), and old rows are swept.

`Limit("login-ip", 20, 60).hit(key)` counts and answers; `.blocked(key)` only looks, for counters
that count failures (a wrong password counts, a right one does not).
"""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle

from geotrack.core.sql import Sql

_HIT_SQL = """
INSERT INTO geotrack_core_ratecounter (key, window_start, count) VALUES (%(key)s, %(window)s, 1)
ON CONFLICT (key, window_start) DO UPDATE SET count = geotrack_core_ratecounter.count + 1
RETURNING count
"""
_PEEK_SQL = "SELECT count FROM geotrack_core_ratecounter WHERE key = %(key)s AND window_start = %(window)s"
_SWEEP_SQL = "DELETE FROM geotrack_core_ratecounter WHERE window_start < %(before)s"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `seconds` for one key of this `name`."""

    name: str
    count: int
    seconds: int

    def _window(self, now: dt.datetime) -> tuple[dt.datetime, int]:
        epoch = int(now.timestamp())
        start = epoch - epoch % self.seconds
        return dt.datetime.fromtimestamp(start, tz=dt.timezone.utc), max(1, start + self.seconds - epoch)

    def _key(self, key: str) -> str:
        return f"{self.name}:{key}"[:200]

    def hit(self, key: str, *, now: dt.datetime | None = None) -> Decision:
        """Count one hit and say whether it is within the limit."""
        window, retry = self._window(now or timezone.now())
        count = Sql(_HIT_SQL, {"key": self._key(key), "window": window}).value()
        if random.random() < 0.01:  # noqa: S311 - a sweep now and then keeps the table small
            sweep()
        return Decision(allowed=count <= self.count, count=count, retry_after=retry)

    def blocked(self, key: str, *, now: dt.datetime | None = None) -> Decision:
        """Look without counting: is the key already over its limit in this window?"""
        window, retry = self._window(now or timezone.now())
        row = Sql(_PEEK_SQL, {"key": self._key(key), "window": window}).fetchone()
        count = row[0] if row else 0
        return Decision(allowed=count < self.count, count=count, retry_after=retry)


def sweep(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete the counters of windows that ended long ago."""
    return Sql(_SWEEP_SQL, {"before": timezone.now() - older_than}).execute()


def client_ip(request) -> str:
    """The caller's address: REMOTE_ADDR, or the first X-Forwarded-For hop when a trusted proxy sets it."""
    if settings.GEOTRACK.get("TRUST_X_FORWARDED_FOR"):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def configured(name: str) -> Limit:
    """A limit from settings GEOTRACK["RATE_LIMITS"][name] = (count, seconds)."""
    count, seconds = settings.GEOTRACK["RATE_LIMITS"][name]
    return Limit(name, int(count), int(seconds))


def throttled(decision: Decision, message: str) -> exceptions.Throttled:
    """DRF's 429 with Retry-After and our message."""
    return exceptions.Throttled(wait=math.ceil(decision.retry_after), detail=message)


def caller_key(request) -> str:
    user = request.user
    return f"user-{user.pk}" if user.is_authenticated and getattr(user, "pk", None) else f"ip-{client_ip(request)}"


def limit_caller(request, name: str, message: str) -> None:
    """Count one hit of an expensive read for this caller; 429 with Retry-After beyond its limit."""
    decision = configured(name).hit(caller_key(request))
    if not decision.allowed:
        raise throttled(decision, message)


class CallerThrottle(BaseThrottle):
    """A DRF throttle on one configured limit, per signed-in user or per address: views set `throttle_limit`."""

    def allow_request(self, request, view) -> bool:
        name = getattr(view, "throttle_limit", None)
        if name is None:
            return True
        self.decision = configured(name).hit(caller_key(request))
        return self.decision.allowed

    def wait(self) -> float:
        return self.decision.retry_after
