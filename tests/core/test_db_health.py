"""Connection health checks: skipped only for a connection that finished a request a moment ago."""
from __future__ import annotations

import psycopg
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection

from geotrack.core.db import connect_signals


def _checks_counted(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = connection.is_usable

    def counting() -> bool:
        calls.append(1)
        return original()

    monkeypatch.setattr(connection, "is_usable", counting)
    return calls


@pytest.fixture(autouse=True)
def _receivers_in_server_order():
    """Django's close_old_connections first, then geotrack's, as in a server process.

    Django's test Client disconnects close_old_connections during each request and connects it again
    afterwards, behind geotrack's receivers; a server never does. In that order close_old_connections
    would undo what geotrack's receiver just decided.
    """
    for signal, uid in ((request_started, "geotrack_db_started"), (request_finished, "geotrack_db_finished")):
        signal.disconnect(close_old_connections)
        signal.disconnect(dispatch_uid=uid)
        signal.connect(close_old_connections)
    connect_signals()


def _between_requests() -> None:
    request_finished.send(sender=None)  # Django's close_old_connections, then geotrack.core.db
    request_started.send(sender=None)


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_just_worked_skips_the_check(monkeypatch, settings):
    settings.GEOTRACK = {**settings.GEOTRACK, "DB_HEALTH_CHECK_IDLE_SECONDS": 60}
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    calls = _checks_counted(monkeypatch)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    _between_requests()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_an_idle_connection_is_checked_and_a_dead_one_replaced(monkeypatch, settings):
    settings.GEOTRACK = {**settings.GEOTRACK, "DB_HEALTH_CHECK_IDLE_SECONDS": 0}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        before = cursor.fetchone()[0]
    _between_requests()
    params = connection.get_connection_params()
    with psycopg.connect(host=params.get("host"), port=params.get("port") or None, dbname=params["dbname"],
                         user=params.get("user"), password=params.get("password"), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [before])
    calls = _checks_counted(monkeypatch)
    with connection.cursor() as cursor:  # the check finds the dead connection; Django opens a new one
        cursor.execute("SELECT pg_backend_pid()")
        after = cursor.fetchone()[0]
    assert calls == [1]
    assert after != before
