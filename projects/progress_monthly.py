"""Monthly progress for the dashboard's charts, rebuilt in the background (see ProgressMonthly).

Every report that nobody superseded holds from its date until the project's next report;
it is spread over the months whose end it covers, inside the last twelve months. One
statement rebuilds the table; the worker runs it every PROGRESS_MONTHLY_SECONDS, so the
charts trail new reports by at most that long (the KPIs beside them are live).
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction

from geotrack.core.sql import Sql, identifier
from projects.access import Audience
from projects.health import health_today

_REBUILD_SQL = """
WITH window_months AS (
    SELECT (date_trunc('month', %(today)s::date) - interval '11 months')::date AS first,
           date_trunc('month', %(today)s::date)::date AS last
), valid AS (
    SELECT r.project_id, r.physical, r.reported_at,
        lead(r.reported_at) OVER (PARTITION BY r.project_id ORDER BY r.reported_at, r.id) AS until
    FROM projects_progressreport r
    WHERE NOT EXISTS (SELECT 1 FROM projects_progressreport c WHERE c.supersedes_id = r.id)
), spread AS (
    SELECT v.project_id, v.physical, m.month::date AS month
    FROM valid v, window_months w,
    LATERAL generate_series(
        GREATEST(date_trunc('month', v.reported_at AT TIME ZONE %(tz)s), w.first),
        LEAST(COALESCE(date_trunc('month', v.until AT TIME ZONE %(tz)s) - interval '1 month', w.last), w.last),
        interval '1 month') AS m(month)
)
INSERT INTO projects_progressmonthly (month, region_id, agency_id, is_public, project_count, physical_sum)
SELECT s.month, p.region_id, p.agency_id, p.is_public, count(*), sum(s.physical)
FROM spread s JOIN projects_project p ON p.id = s.project_id
WHERE p.archived_at IS NULL AND p.status <> 'cancelled'
GROUP BY s.month, p.region_id, p.agency_id, p.is_public
"""


@transaction.atomic
def progress_monthly_rebuild(*, today: dt.date | None = None) -> int:
    """Rebuild the monthly table in one transaction; readers see the old rows until it commits."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM projects_progressmonthly")
        cursor.execute(_REBUILD_SQL, {"today": today or health_today(), "tz": settings.TIME_ZONE})
        return cursor.rowcount


_SERIES_SQL = """
SELECT month, {group}, round(sum(physical_sum) / sum(project_count), 1)
FROM projects_progressmonthly m
WHERE {visible}
GROUP BY month, {group}
ORDER BY month
"""

GROUP_COLUMNS = {"region": "region_id", "agency": "agency_id"}


def monthly_series_rows(*, audience: Audience, group: str) -> list[tuple]:
    """(month, region or agency id, mean physical progress) rows from the monthly table."""
    statement = Sql(_SERIES_SQL).format(group=identifier(GROUP_COLUMNS[group]),
                                        visible=audience.sql("progress_monthly", "m"))
    return statement.fetchall()
