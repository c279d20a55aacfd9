"""A request id for every request (the caller's X-Request-ID when well-formed, else a new one).

It is answered in the X-Request-ID header, written into every log line of the request (JSON lines,
`JsonLogFormatter`) and carried by every error answer, so an operator can find a caller's failure.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import secrets

_CURRENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("geotrack_request_id", default=None)
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
HEADER = "X-Request-ID"


def current() -> str | None:
    return _CURRENT.get()


def new_id() -> str:
    return secrets.token_hex(16)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID", "")  # not request.headers: that parses every header
        request_id = given if _ACCEPTED.match(given) else new_id()
        request.request_id = request_id
        token = _CURRENT.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _CURRENT.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current()
        return True


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current(),
        }
        for key in ("status_code", "method", "path", "route", "duration_ms", "db_ms", "worker_id", "task"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
