"""Project health, derived in SQL from status, dates and progress (CONTRACT.md, Vocabulary).

One SQL expression is the single definition: lists, tiles, aggregates and
filters all use it, so a project's health is the same everywhere.
"""
from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.db.models import CharField
from django.db.models.expressions import RawSQL

from geotrack.core.params import local_today, start_of_day
from geotrack.core.sql import Sql

DONE_STATUSES = ("completion", "maintenance", "decommissioning", "decommissioned")
HEALTH_VALUES = ("on_track", "at_risk", "overdue", "done")

# {p} is the project table or its alias in the surrounding query.
_HEALTH_TEMPLATE = """CASE
    WHEN {p}.status = 'cancelled' THEN NULL
    WHEN {p}.status IN ('completion', 'maintenance', 'decommissioning', 'decommissioned')
         OR {p}.physical_progress >= 100 THEN 'done'
    WHEN {p}.planned_end < %(health_today)s::date THEN 'overdue'
    WHEN {p}.planned_start IS NOT NULL AND {p}.planned_end > {p}.planned_start
         AND %(health_today)s::date > {p}.planned_start
         AND {p}.physical_progress < LEAST(100.0, 100.0 * (%(health_today)s::date - {p}.planned_start)
             / ({p}.planned_end - {p}.planned_start)) - %(health_lag)s THEN 'at_risk'
    WHEN {p}.status = 'implementation'
         AND COALESCE({p}.last_report_at, {p}.created_at) < %(health_stale_since)s THEN 'at_risk'
    ELSE 'on_track'
END"""


def health_today() -> dt.date:
    """Return today in TIME_ZONE: the day that decides whether a deadline has passed."""
    return local_today()


def health_sql(*, alias: str = "projects_project", today: dt.date | None = None) -> Sql:
    """Return the health CASE expression for a project table alias, with its named parameters."""
    return _health_sql(alias, today or health_today(), settings.GEOTRACK["STALE_REPORT_DAYS"],
                       settings.GEOTRACK["AT_RISK_LAG_POINTS"], settings.TIME_ZONE)


@functools.lru_cache(maxsize=64)
def _health_sql(alias: str, today: dt.date, stale_days: int, lag, time_zone: str) -> Sql:
    # Kept per alias, day, thresholds and zone: most requests (a tile, a page of features) compose it.
    # "No report for N days" counts whole days in TIME_ZONE, so that an as-of
    # report for a past date and today's page use the same rule.
    stale_since = start_of_day(today) - dt.timedelta(days=stale_days)
    return Sql(_HEALTH_TEMPLATE.replace("{p}", alias), {
        "health_today": today, "health_lag": lag, "health_stale_since": stale_since})


def health_sql_columns(*, alias: str, today: str, lag: str, stale_since: str) -> str:
    """Return the same CASE with its three parameters read from SQL expressions (columns of a state row).

    For code that runs inside PostgreSQL without Python's values: the dashboard counters' triggers
    (projects/counts/) read the day and thresholds they count for from their state row.
    """
    return (_HEALTH_TEMPLATE.replace("{p}", alias).replace("%(health_today)s", today)
            .replace("%(health_lag)s", lag).replace("%(health_stale_since)s", stale_since))


def health_parameters(*, today: dt.date | None = None) -> dict:
    """The values health_sql() binds: the day, the lag in points and the staleness cut-off."""
    return health_sql(today=today).params


def health_expression(*, today: dt.date | None = None) -> RawSQL:
    """Return health as an ORM expression, for annotate() and filter() on Project querysets."""
    text, values = health_sql(today=today).positional_form()
    return RawSQL(text, values, output_field=CharField())
