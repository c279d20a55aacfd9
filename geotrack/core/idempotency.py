"""Writes sent with an ``Idempotency-Key`` header happen once; a repeat answers the first answer.

A phone that queued a report while offline may send it twice (the page's ``online`` event and the
service worker's Background Sync, or a retry after a lost answer). The device makes a UUID per
submission and sends it as ``Idempotency-Key``; the server keeps (caller, scope, key) with the first
answer's status and Location for ``GEOTRACK["IDEMPOTENCY_RETENTION_HOURS"]``. The key is inserted in
the same transaction as the write: a concurrent duplicate waits on the unique index and then replays;
a write that fails with an exception leaves no key behind, so the device may send it again.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from geotrack.core.errors import json_error
from geotrack.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,100}$")


def request_key(request: HttpRequest) -> str | None:
    """The request's Idempotency-Key, or None when it has none (the write is then not deduplicated)."""
    return request.headers.get(HEADER) or None


def caller_of(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"


def retention() -> timedelta:
    return timedelta(hours=settings.GEOTRACK["IDEMPOTENCY_RETENTION_HOURS"])


def replay(record: IdempotencyKey) -> HttpResponse:
    response = JsonResponse({"location": record.location or None, "replayed": True}, status=record.status or 409)
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


def once(request: HttpRequest, *, scope: str, write: Callable[[], HttpResponse]) -> HttpResponse:
    """Run ``write`` once per (caller, scope, key); later requests with the key get the first answer."""
    key = request_key(request)
    if key is None:
        return write()
    if not KEY_PATTERN.match(key):
        return json_error(f"{HEADER} must be 8 to 100 letters, digits, '-' or '_'.", 400)
    caller = caller_of(request)
    with transaction.atomic():
        IdempotencyKey.objects.filter(caller=caller, created_at__lt=timezone.now() - retention()).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO geotrack_core_idempotencykey (key, caller, scope, location, created_at) "
                "VALUES (%(key)s, %(caller)s, %(scope)s, '', now()) "
                "ON CONFLICT (caller, scope, key) DO NOTHING RETURNING id",
                {"key": key, "caller": caller, "scope": scope})
            row = cursor.fetchone()
        if row is None:
            return replay(IdempotencyKey.objects.get(caller=caller, scope=scope, key=key))
        response = write()
        IdempotencyKey.objects.filter(pk=row[0]).update(
            status=response.status_code, location=(response.get("Location") or "")[:500])
    return response
