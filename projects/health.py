"""Project health, derived in SQL from status, dates and progress (CONTRACT.md, Vocabulary).

One SQL expression is the single definition: lists, tiles, aggregates and
filters all use it, so a project's health is the same everywhere.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import CharField
from django.db.models.expressions import RawSQL
from django.utils import timezone

DONE_STATUSES = ("completion", "maintenance", "decommissioning", "decommissioned")
HEALTH_VALUES = ("on_track", "at_risk", "overdue", "done")

# %(alias)s is the project table or its alias in the surrounding query.
_HEALTH_TEMPLATE = """CASE
    WHEN {p}.status = 'cancelled' THEN NULL
    WHEN {p}.status IN ('completion', 'maintenance', 'decommissioning', 'decommissioned')
         OR {p}.physical_progress >= 100 THEN 'done'
    WHEN {p}.planned_end < %s::date THEN 'overdue'
    WHEN {p}.planned_start IS NOT NULL AND {p}.planned_end > {p}.planned_start
         AND %s::date > {p}.planned_start
         AND {p}.physical_progress < LEAST(100.0, 100.0 * (%s::date - {p}.planned_start)
             / ({p}.planned_end - {p}.planned_start)) - %s THEN 'at_risk'
    WHEN {p}.status = 'implementation'
         AND COALESCE({p}.last_report_at, {p}.created_at) < %s THEN 'at_risk'
    ELSE 'on_track'
END"""


def health_today() -> dt.date:
    """Return today in TIME_ZONE: the day that decides whether a deadline has passed."""
    return timezone.localdate()


def health_sql(*, alias: str = "projects_project", today: dt.date | None = None) -> tuple[str, list]:
    """Return the health CASE expression and its parameters for a project table alias."""
    today = today or health_today()
    lag = settings.GEOTRACK["AT_RISK_LAG_POINTS"]
    # "No report for N days" counts whole days in TIME_ZONE, so that an as-of
    # report for a past date and today's page use the same rule.
    start_of_day = dt.datetime.combine(today, dt.time.min, tzinfo=timezone.get_current_timezone())
    stale_since = start_of_day - dt.timedelta(days=settings.GEOTRACK["STALE_REPORT_DAYS"])
    return _HEALTH_TEMPLATE.format(p=alias), [today, today, today, lag, stale_since]


def health_expression(*, today: dt.date | None = None) -> RawSQL:
    """Return health as an ORM expression, for annotate() and filter() on Project querysets."""
    sql, params = health_sql(today=today)
    return RawSQL(sql, params, output_field=CharField())
