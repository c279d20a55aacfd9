"""Projects as they were at the end of a past day, rebuilt from the change history.

`project_source(as_of=None)` returns something to put after FROM: the live table, or
a subquery with the same columns built from django-simple-history's rows (by when a
change took effect) and the progress reports dated up to that day. Every aggregate
(KPIs, regions, roadmap health, alerts) reads from it, so a report for a past date
uses the same rules as today's pages and ignores anything dated later.

History never widens what a caller may read: who may read a project is decided on
today's row (its `is_public` and `archived_at` now), never on the historical one;
callers apply the audience's rule through `sql_exists` on the id (projects.selectors).
"""
from __future__ import annotations

import datetime as dt

from geotrack.core.params import end_of_day
from geotrack.core.sql import Sql

_AS_OF_SQL = """(
    SELECT a.id, a.title, a.status, a.sector, a.kind, a.planned_start, a.planned_end, a.is_public, a.archived_at,
        a.region_id, a.agency_id, a.created_at, a.updated_at, a.budget, a.currency,
        COALESCE(r.physical, 0) AS physical_progress, COALESCE(r.financial, 0) AS financial_progress,
        r.last_report_at
    FROM (
        SELECT DISTINCT ON (h.id) h.*
        FROM projects_historicalproject h
        WHERE COALESCE(h.history_effective_at, h.history_date) <= %(as_of_end)s
        ORDER BY h.id, COALESCE(h.history_effective_at, h.history_date) DESC, h.history_id DESC
    ) a
    LEFT JOIN LATERAL (
        SELECT x.physical, x.financial,
            (SELECT max(y.reported_at) FROM projects_progressreport y
             WHERE y.project_id = a.id AND y.reported_at <= %(as_of_end)s) AS last_report_at
        FROM projects_progressreport x
        WHERE x.project_id = a.id AND x.reported_at <= %(as_of_end)s
          AND NOT EXISTS (SELECT 1 FROM projects_progressreport c
                          WHERE c.supersedes_id = x.id AND c.reported_at <= %(as_of_end)s)
        ORDER BY x.reported_at DESC, x.id DESC LIMIT 1
    ) r ON true
    WHERE a.history_type <> '-'
)"""


def project_source(*, as_of: dt.date | None = None) -> Sql:
    """Return what to put after FROM for projects now, or as they were on as_of."""
    if as_of is None:
        return Sql("projects_project")
    return Sql(_AS_OF_SQL, {"as_of_end": end_of_day(as_of)})
