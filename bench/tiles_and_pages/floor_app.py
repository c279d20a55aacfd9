"""The HTTP floor for vector tiles: geotrack's own tile SQL behind a bare WSGI app.

One psycopg connection per worker, the bytes returned untouched. FLOOR_SQL_FILE maps
"/z/x/y" to the exact SQL text geotrack runs for that tile (captured by run.py).
"""
from __future__ import annotations

import json
import os

import psycopg

_SQL = json.loads(open(os.environ["FLOOR_SQL_FILE"]).read())
_conn = None


def application(environ, start_response):
    global _conn
    sql = _SQL.get(environ["PATH_INFO"])
    if sql is None:
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    if _conn is None:
        _conn = psycopg.connect(os.environ["FLOOR_DSN"], autocommit=True)
    body = bytes(_conn.execute(sql).fetchone()[0])
    start_response("200 OK", [("Content-Type", "application/vnd.mapbox-vector-tile"),
                              ("Content-Length", str(len(body)))])
    return [body]
