"""The HTTP floor of a small request: the SQL geotrack sends for it, behind a bare WSGI app.

One psycopg connection per worker (opened once, kept), `jit=off` as geotrack's. FLOOR_SQL_FILE
maps a path to [content type, [statement, ...]]: every statement geotrack's view sends to
PostgreSQL for that request (captured by run.py), run in order; the longest single value (the
features or the tile) is the body, returned untouched. No framework, no middleware, no logging.
"""
from __future__ import annotations

import json
import os

import psycopg

_ROUTES = json.loads(open(os.environ["FLOOR_SQL_FILE"]).read())
_conn = None


def application(environ, start_response):
    global _conn
    route = _ROUTES.get(environ["PATH_INFO"])
    if route is None:
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    if _conn is None:
        _conn = psycopg.connect(os.environ["FLOOR_DSN"], autocommit=True)
    content_type, statements = route
    body = b""
    for sql in statements:
        value = _conn.execute(sql).fetchone()[0]
        value = value.encode() if isinstance(value, str) else bytes(value or b"")
        body = value if len(value) > len(body) else body
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
