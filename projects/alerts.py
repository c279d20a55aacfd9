""""Where to activate": alerts computed in SQL (one query per rule), each with a readable reason.

Rules and thresholds (settings GEOTRACK[...]):
- item_overdue: a roadmap item's deadline passed and it is not done;
- item_behind: a deadline within ALERT_DEADLINE_DAYS and progress below the straight line
  from the item's start to its deadline;
- project_stale: no progress report for ALERT_STALE_DAYS on an active project;
- cameras_offline: every camera of an active project offline for ALERT_CAMERA_DAYS (today only:
  camera status has no as-of history);
- check_on_site: the imagery evidence flag, where imagery exists.
"""
from __future__ import annotations

import datetime as dt
from typing import TypedDict

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.asof import project_source
from projects.health import health_today
from projects.models import RoadmapItem
from projects.selectors import roadmap_item_status, visibility_sql

SEVERITY = {"item_overdue": 3, "check_on_site": 3, "item_behind": 2, "cameras_offline": 2, "project_stale": 1}


class Alert(TypedDict):
    kind: str
    severity: int
    reason: str
    url: str
    object: dict
    region: str | None
    agency: str | None
    magnitude: float


def _item_alerts(*, user, today: dt.date, as_of: dt.date | None, status: dict | None) -> list[Alert]:
    status = status if status is not None else roadmap_item_status(user=user, as_of=as_of)
    window = settings.GEOTRACK["ALERT_DEADLINE_DAYS"]
    alerts: list[Alert] = []
    for item in RoadmapItem.objects.select_related("agency").order_by("number"):
        state = status.get(item.pk, {})
        progress = float(state.get("progress") or 0)
        days_left = (item.deadline - today).days
        base = {"url": f"/roadmap/{item.number}/", "region": None, "agency": item.agency.code,
                "object": {"type": "roadmap_item", "id": item.number, "title": item.title}}
        if state.get("health") == "overdue":
            reason = _("Deadline %(deadline)s passed %(days)d days ago and the item is not done "
                       "(mean progress %(progress).0f%%).") % {"deadline": item.deadline.isoformat(),
                                                               "days": -days_left, "progress": progress}
            alerts.append(Alert(kind="item_overdue", severity=3, reason=reason, magnitude=-days_left, **base))
        elif 0 <= days_left <= window and state.get("health") != "done":
            span = max((item.deadline - item.start).days, 1)
            expected = min(100.0, 100.0 * max((today - item.start).days, 0) / span)
            if progress < expected:
                reason = _("Deadline in %(days)d days; progress %(progress).0f%% is below the %(expected).0f%% "
                           "expected on the straight line from the start.") % {
                    "days": days_left, "progress": progress, "expected": expected}
                alerts.append(Alert(kind="item_behind", severity=2, reason=reason, magnitude=expected - progress,
                                    **base))
    return alerts


_STALE_SQL = """
SELECT p.id, p.title, r.iso_code, a.code,
       EXTRACT(DAY FROM %s - COALESCE(p.last_report_at, p.created_at))::int AS days
FROM {source} p
-- The primary region is derived after the history row is written; take today's.
LEFT JOIN projects_project cur ON cur.id = p.id
LEFT JOIN projects_region r ON r.id = cur.region_id
LEFT JOIN projects_agency a ON a.id = p.agency_id
WHERE {visible} AND p.status = 'implementation' AND COALESCE(p.last_report_at, p.created_at) < %s
ORDER BY days DESC, p.id
LIMIT %s
"""


def _stale_alerts(*, user, today: dt.date, as_of: dt.date | None) -> list[Alert]:
    source, source_params = project_source(as_of=as_of)
    visible, visible_params = visibility_sql(user=user, alias="p")
    start = dt.datetime.combine(today, dt.time.min, tzinfo=timezone.get_current_timezone())
    since = start - dt.timedelta(days=settings.GEOTRACK["ALERT_STALE_DAYS"])
    with connection.cursor() as cursor:
        cursor.execute(_STALE_SQL.format(source=source, visible=visible),
                       [start, *source_params, *visible_params, since, settings.GEOTRACK["ALERT_LIMIT"]])
        rows = cursor.fetchall()
    return [Alert(kind="project_stale", severity=1, url=f"/projects/{pk}/", region=iso, agency=agency,
                  object={"type": "project", "id": pk, "title": title}, magnitude=days,
                  reason=_("No progress report for %(days)d days on an active project.") % {"days": days})
            for pk, title, iso, agency, days in rows]


_CAMERAS_SQL = """
SELECT p.id, p.title, r.iso_code, a.code, count(c.id), max(c.last_seen_at)
FROM projects_project p
JOIN camera_sites_cameralink l ON l.project_id = p.id AND l.active
JOIN camera_sites_camera c ON c.id = l.camera_id
LEFT JOIN projects_region r ON r.id = p.region_id
LEFT JOIN projects_agency a ON a.id = p.agency_id
WHERE {visible} AND p.status = 'implementation'
GROUP BY p.id, p.title, r.iso_code, a.code
HAVING bool_and(c.last_seen_at IS NULL OR c.last_seen_at < %s)
ORDER BY max(c.last_seen_at) NULLS FIRST, p.id
LIMIT %s
"""


def _camera_alerts(*, user) -> list[Alert]:
    visible, visible_params = visibility_sql(user=user, alias="p")
    days = settings.GEOTRACK["ALERT_CAMERA_DAYS"]
    cutoff = timezone.now() - dt.timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute(_CAMERAS_SQL.format(visible=visible), [*visible_params, cutoff, settings.GEOTRACK["ALERT_LIMIT"]])
        rows = cursor.fetchall()
    return [Alert(kind="cameras_offline", severity=2, url=f"/projects/{pk}/", region=iso, agency=agency,
                  object={"type": "project", "id": pk, "title": title}, magnitude=count,
                  reason=_("All %(count)d camera(s) of this active project have been offline for more than "
                           "%(days)d days.") % {"count": count, "days": days})
            for pk, title, iso, agency, count, _last in rows]


def _evidence_alerts(*, user) -> list[Alert]:
    """The imagery "check on site" flag, where the imagery app computed it."""
    try:
        from layers.evidence_alerts import evidence_alerts
    except ImportError:
        return []
    return evidence_alerts(user=user)


def alerts_for(*, user, as_of: dt.date | None = None, item_status: dict | None = None) -> list[Alert]:
    """Return every alert the user may see, most severe first; as_of rebuilds a past day.

    item_status: roadmap_item_status() for the same user and day, when the caller has it already.
    """
    today = as_of or health_today()
    alerts = (_item_alerts(user=user, today=today, as_of=as_of, status=item_status)
              + _stale_alerts(user=user, today=today, as_of=as_of))
    if as_of is None:
        alerts += _camera_alerts(user=user) + _evidence_alerts(user=user)
    return sorted(alerts, key=lambda alert: (-alert["severity"], -alert["magnitude"], alert["url"]))
