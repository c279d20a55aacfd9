"""Background tasks that need no app of their own."""
from __future__ import annotations

from django.db import connection
from django_tasks import task


@task()
def database_ping() -> str:
    """Return the PostGIS version, proving that a worker reaches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        return cursor.fetchone()[0]
