"""The state row (the day and thresholds counted for), the recount from scratch, and the buckets as readers see them."""
from __future__ import annotations

from django.db import connection, transaction

from geotrack.core.sql import Sql
from projects.counts.contributions import DIMENSIONS, contribution, from_projects
from projects.counts.private import PRIVATE_ROWS
from projects.counts.schema import (
    BUCKET, COUNTED_VIEW, COUNTS_TABLE, DELTAS_TABLE, NONZERO, PRIVATE_COLUMNS, PRIVATE_TABLE, STATE_TABLE, SUMMED, SUMS,
)
from projects.counts.triggers import install_triggers
from projects.health import health_parameters


def state_values() -> dict:
    params = health_parameters()
    return {"day": params["health_today"], "lag": params["health_lag"], "stale_since": params["health_stale_since"]}


@transaction.atomic
def dashboard_recount(*, if_stale: bool = False) -> int | None:
    """Rebuild every bucket from the projects, for today and today's thresholds; return the bucket count.

    Writers wait meanwhile (the lock), so no write falls between the count and the state it counts for.
    if_stale: once the lock is ours, do nothing (None) if another process has just counted for today.
    """
    with connection.cursor() as cursor:
        install_triggers(cursor)
        cursor.execute(f"LOCK TABLE {COUNTS_TABLE}, {DELTAS_TABLE}, {PRIVATE_TABLE}, {STATE_TABLE} "
                       "IN SHARE ROW EXCLUSIVE MODE")
        if if_stale and state_is_current():
            return None
        cursor.execute("SET LOCAL jit = off")
        # Hash the few thousand buckets rather than sort a million rows (the planner cannot tell how few).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"DELETE FROM {STATE_TABLE}")
        cursor.execute(f"INSERT INTO {STATE_TABLE} (day, lag, stale_since) "
                       "VALUES (%(day)s, %(lag)s, %(stale_since)s)", state_values())
        cursor.execute(f"DELETE FROM {COUNTS_TABLE}")
        cursor.execute(f"DELETE FROM {DELTAS_TABLE}")
        parts = [contribution(d, from_projects(d, "projects_project"), "") for d in DIMENSIONS]
        cursor.execute(f"INSERT INTO {COUNTS_TABLE} ({', '.join(BUCKET + SUMS)})\n" + "\nUNION ALL\n".join(parts))
        counted = cursor.rowcount
        cursor.execute(f"DELETE FROM {PRIVATE_TABLE}")
        # In region order: an akimat's private projects then lie on few pages (until writes move them).
        cursor.execute(f"INSERT INTO {PRIVATE_TABLE} ({', '.join(PRIVATE_COLUMNS)}) SELECT * FROM ({PRIVATE_ROWS}) "
                       "r ORDER BY 8, 1")
        return counted


def state_is_current() -> bool:
    state = Sql(f"SELECT day = %(day)s AND lag = %(lag)s AND stale_since = %(stale_since)s FROM {STATE_TABLE}",
                state_values()).fetchone()
    return bool(state and state[0])


def counts_current() -> None:
    """Recount first when the counters count for another day or other thresholds, or are off."""
    if not state_is_current():
        dashboard_recount(if_stale=True)


def buckets() -> list[tuple]:
    """Every bucket as readers see it (deltas included), in a fixed order, then every private project's row
    (to compare with a recount)."""
    kept = Sql(f"SELECT {', '.join(BUCKET)}, {SUMMED} FROM {COUNTED_VIEW} GROUP BY 1, 2, 3, 4, 5 HAVING {NONZERO} "
               "ORDER BY dimension, key_id NULLS FIRST, status, is_public, health NULLS FIRST").fetchall()
    private = Sql(f"SELECT 'private', {', '.join(PRIVATE_COLUMNS)} FROM {PRIVATE_TABLE} ORDER BY project_id").fetchall()
    return kept + private
