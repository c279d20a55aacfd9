"""While the database is unreachable, every request answers 503 JSON with Retry-After, never a 500 page.

Django turns an exception into a response inside each middleware layer, so one middleware cannot see
them all: `DatabaseUnavailableMiddleware.process_exception` answers for views, and the project's 500
handler asks `response_for_current_exception()` for failures raised in other middleware (sessions,
authentication). A connection broken by a restart is dropped at the end of the request (Django closes
connections that raised errors), and CONN_HEALTH_CHECKS reconnects on the next one: the service
recovers by itself.
"""
from __future__ import annotations

import logging
import sys

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import JsonResponse
from django.utils.translation import gettext as _

from geotrack.core import requestid

logger = logging.getLogger("geotrack.faults")

DATABASE_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True when exc (or what caused it) says that the database could not be reached or was lost."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def retry_after() -> int:
    return int(getattr(settings, "GEOTRACK", {}).get("UNAVAILABLE_RETRY_AFTER_S", 5))


def unavailable_response(exc: BaseException | None = None) -> JsonResponse:
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0] if exc else ""
    logger.warning("database unavailable: %s", first_line)
    body = {"detail": _("The database is unavailable for a moment; retry shortly."), "errors": {},
            "request_id": requestid.current()}
    response = JsonResponse(body, status=503)
    response["Retry-After"] = str(retry_after())
    response["Cache-Control"] = "no-store"
    return response


def response_for_current_exception() -> JsonResponse | None:
    """For a 500 handler: the 503 answer when the exception being handled is the database's absence."""
    exc = sys.exc_info()[1]
    return unavailable_response(exc) if is_database_unavailable(exc) else None


class DatabaseUnavailableMiddleware:
    """Turn a lost or refused database connection raised by a view into 503 JSON with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            return unavailable_response(exception)
        return None
