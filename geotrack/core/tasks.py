"""Background tasks that need no app of their own."""
from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult


@task()
def database_ping() -> str:
    """Return the PostGIS version, proving that a worker reaches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        return cursor.fetchone()[0]


def enqueue_again(task_function, repeat_seconds: int) -> None:
    """Queue the next run of a self-repeating task, unless one is already waiting (one chain at a time)."""
    if repeat_seconds <= 0:
        return
    if not DBTaskResult.objects.ready().filter(task_path=task_function.module_path).exists():
        task_function.using(run_after=timezone.now() + dt.timedelta(seconds=repeat_seconds)).enqueue(repeat_seconds)


@task()
def hold_database(seconds: float) -> str:
    """Keep a database connection busy for `seconds` (operations tests: a job running through an outage).

    Idempotent: it writes nothing, so running it again after a lost connection is harmless.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [float(seconds)])
    return "held"
