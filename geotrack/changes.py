"""The change token: it moves whenever projects, progress or camera status change.

Open maps poll it (ETag/304), and caches of expensive aggregates are keyed by it,
so a cached answer is never older than the data it summarises.
"""
from __future__ import annotations

import hashlib

from django.db import connection
from django.utils import timezone

_CHANGES_SQL = """
SELECT (SELECT max(updated_at) FROM projects_project),
       (SELECT max(recorded_at) FROM projects_progressreport),
       (SELECT max(id) FROM camera_sites_snapshot),
       (SELECT count(*) FILTER (WHERE last_seen_at >= %s) FROM camera_sites_camera),
       (SELECT max(id) FROM camera_sites_camera),
       (SELECT max(history_id) FROM projects_historicalproject),
       (SELECT max(id) FROM projects_projectregion)
"""


def change_version() -> str:
    """Return the current change token: a handful of index lookups."""
    from camera_sites.selectors import offline_after

    with connection.cursor() as cursor:
        cursor.execute(_CHANGES_SQL, [timezone.now() - offline_after()])
        state = cursor.fetchone()
    return hashlib.blake2b(repr(state).encode(), digest_size=10).hexdigest()
