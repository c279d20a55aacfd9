"""Connection health checks only where they can find something: after the connection sat idle.

With CONN_HEALTH_CHECKS Django sends a `SELECT 1` before the first query of every request on a
reused connection, so a small request pays two round trips to PostgreSQL instead of one. A
connection that finished a request without error less than DB_HEALTH_CHECK_IDLE_SECONDS ago was
working a moment before; it skips the check. One idle longer is checked as before, so a database
restart or a dropped connection is still noticed and replaced before the request uses it.
"""
from __future__ import annotations

import time

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections


def _finished(**kwargs) -> None:
    """Runs after Django's close_old_connections: remember when each still-open connection last worked."""
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.errors_occurred:
            conn.geotrack_worked_at = now


def _started(**kwargs) -> None:
    """Runs after Django's close_old_connections: skip the health check of a connection that just worked."""
    window = settings.GEOTRACK["DB_HEALTH_CHECK_IDLE_SECONDS"]
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        worked_at = getattr(conn, "geotrack_worked_at", None)
        if conn.connection is not None and worked_at is not None and now - worked_at < window:
            conn.health_check_done = True


def connect_signals() -> None:
    request_finished.connect(_finished, dispatch_uid="geotrack_db_finished")
    request_started.connect(_started, dispatch_uid="geotrack_db_started")
