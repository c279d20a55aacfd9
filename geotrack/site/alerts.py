""""Where to activate": alerts computed in SQL (one query per rule), each with a readable reason.

Rules and thresholds (settings GEOTRACK[...]):
- item_overdue: a roadmap item's deadline passed and it is not done;
- item_behind: a deadline within ALERT_DEADLINE_DAYS and progress below the straight line
  from the item's start to its deadline;
- project_stale: no progress report for ALERT_STALE_DAYS on an active project;
- cameras_offline: every camera of an active project offline for ALERT_CAMERA_DAYS (today only:
  camera status has no as-of history);
- check_on_site: the imagery evidence flag, where imagery exists;
- photo_reused: a photo (progress report, execution report or citizen feedback) is the same or a
  near-identical image as a photo elsewhere (projects/photo_checks.py); for signed-in reviewers only;
- feedback_unanswered: citizen feedback waiting for moderation or a reply for more than
  FEEDBACK_UNANSWERED_DAYS days, one alert per project or roadmap item.
- report_late: an execution report due in a period whose due day passed was not submitted in time
  (one alert per item, naming the agencies);
- report_returned: the coordinator returned a report and it was not resubmitted yet;
- milestone_overdue: an item's milestone passed its planned day undone (one alert per item);
- instruction_overdue: a headquarters instruction passed its deadline undone;
- deadline_moved: an item's deadline was moved by an approved request.
"""
from __future__ import annotations

import datetime as dt
from typing import TypedDict

from django.conf import settings
from django.utils import timezone
from django.urls import reverse
from django.utils.translation import gettext as _

from geotrack.core.params import start_of_day
from geotrack.core.sql import Sql
from citizens.selectors import unanswered_overdue
from execution import selectors as execution
from execution.models import DeadlineChange, Milestone
from layers.models import ChangeEvidence
from projects.access import Audience
from projects.asof import project_source
from projects.health import health_today
from projects.models import PhotoCheck, RoadmapItem
from projects.photo_checks import reason_text
from projects.selectors import roadmap_item_status, visible_projects_sql

SEVERITY = {"item_overdue": 3, "check_on_site": 3, "photo_reused": 3, "instruction_overdue": 3, "item_behind": 2,
            "cameras_offline": 2, "feedback_unanswered": 2, "report_late": 2, "report_returned": 2,
            "milestone_overdue": 2, "project_stale": 1, "deadline_moved": 1}


class Alert(TypedDict):
    kind: str
    severity: int
    reason: str
    url: str
    object: dict
    region: str | None
    agency: str | None
    magnitude: float


def _item_alerts(*, audience: Audience, today: dt.date, as_of: dt.date | None, status: dict | None) -> list[Alert]:
    status = status if status is not None else roadmap_item_status(audience=audience, as_of=as_of)
    window = settings.GEOTRACK["ALERT_DEADLINE_DAYS"]
    alerts: list[Alert] = []
    for item in RoadmapItem.objects.select_related("agency").order_by("number"):
        state = status.get(item.pk, {})
        progress = float(state.get("progress") or 0)
        days_left = (item.deadline - today).days
        base = {"url": item.get_absolute_url(), "region": None, "agency": item.agency.code,
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


# The LIMIT oldest in whole days, ties by id. The index on COALESCE(last_report_at, created_at) (active, live
# projects) finds the LIMIT-th oldest first; every project that can make the list is less than a day younger
# than it (the same whole number of days, or more), so only those few are read and sorted.
_STALE_SQL = """
WITH cutoff AS (
    SELECT COALESCE(p.last_report_at, p.created_at) AS at FROM {source} p
    WHERE {live}{visible} AND p.status = 'implementation' AND COALESCE(p.last_report_at, p.created_at) < %(stale_since)s
    ORDER BY COALESCE(p.last_report_at, p.created_at) OFFSET %(limit)s - 1 LIMIT 1
)
SELECT p.id, p.title,
       -- The primary region is derived after the history row is written; take today's (per row: a join
       -- could read every project when the row estimate is off).
       (SELECT r.iso_code FROM projects_project cur JOIN projects_region r ON r.id = cur.region_id
        WHERE cur.id = p.id), a.code,
       EXTRACT(DAY FROM %(day_start)s - COALESCE(p.last_report_at, p.created_at))::int AS days
FROM {source} p
LEFT JOIN projects_agency a ON a.id = p.agency_id
WHERE {live}{visible} AND p.status = 'implementation' AND COALESCE(p.last_report_at, p.created_at) < %(stale_since)s
  AND COALESCE(p.last_report_at, p.created_at)
      < COALESCE((SELECT at + interval '1 day' FROM cutoff), 'infinity'::timestamptz)
ORDER BY days DESC, p.id
LIMIT %(limit)s
"""


def _project_alert(kind: str, severity: int, row_id: int, title: str, region, agency, magnitude, reason) -> Alert:
    return Alert(kind=kind, severity=severity, url=reverse("project-page", args=[row_id]), region=region,
                 agency=agency, object={"type": "project", "id": row_id, "title": title}, magnitude=magnitude,
                 reason=reason)


def _stale_alerts(*, audience: Audience, today: dt.date, as_of: dt.date | None) -> list[Alert]:
    start = start_of_day(today)
    # Today: the rule per row of the index walk (an akimat's regions probed for those rows, never hashed whole);
    # `live` repeats the stale index's own predicate so that the walk can use it (the rule says it again per row).
    visible = (visible_projects_sql(audience=audience, as_of=as_of) if as_of is not None
               else audience.sql_per_row("project", "p.id"))
    live = "p.archived_at IS NULL AND " if as_of is None else ""
    statement = Sql(_STALE_SQL, {
        "day_start": start, "stale_since": start - dt.timedelta(days=settings.GEOTRACK["ALERT_STALE_DAYS"]),
        "limit": settings.GEOTRACK["ALERT_LIMIT"]}).format(source=project_source(as_of=as_of), visible=visible, live=live)
    return [_project_alert("project_stale", 1, pk, title, iso, agency, days,
                           _("No progress report for %(days)d days on an active project.") % {"days": days})
            for pk, title, iso, agency, days in statement.fetchall()]


_CAMERAS_SQL = """
SELECT p.id, p.title, r.iso_code, a.code, count(c.id), max(c.last_seen_at)
FROM projects_project p
JOIN camera_sites_cameralink l ON l.project_id = p.id AND l.active
JOIN camera_sites_camera c ON c.id = l.camera_id
LEFT JOIN projects_region r ON r.id = p.region_id
LEFT JOIN projects_agency a ON a.id = p.agency_id
WHERE {visible} AND p.status = 'implementation'
GROUP BY p.id, p.title, r.iso_code, a.code
HAVING bool_and(c.last_seen_at IS NULL OR c.last_seen_at < %(cutoff)s)
ORDER BY max(c.last_seen_at) NULLS FIRST, p.id
LIMIT %(limit)s
"""


def camera_alerts(*, audience: Audience) -> list[Alert]:
    """Active projects whose every camera has been offline for ALERT_CAMERA_DAYS (today only)."""
    days = settings.GEOTRACK["ALERT_CAMERA_DAYS"]
    statement = Sql(_CAMERAS_SQL, {"cutoff": timezone.now() - dt.timedelta(days=days),
                                   "limit": settings.GEOTRACK["ALERT_LIMIT"]}).format(
        visible=audience.sql("project", "p"))
    return [_project_alert("cameras_offline", 2, pk, title, iso, agency, count,
                           _("All %(count)d camera(s) of this active project have been offline for more than "
                             "%(days)d days.") % {"count": count, "days": days})
            for pk, title, iso, agency, count, _last in statement.fetchall()]


def evidence_alerts(*, audience: Audience) -> list[Alert]:
    """The imagery "check on site" flag: one alert per flagged pair of images the audience may read (one query)."""
    flagged = (audience.filter(ChangeEvidence.objects.filter(flagged=True), "evidence")
               .select_related("project__region", "project__agency", "before", "after"))
    return [_project_alert(
        "check_on_site", 3, evidence.project_id, evidence.project.title,
        evidence.project.region.iso_code if evidence.project.region else None, evidence.project.agency.code,
        evidence.progress_after - evidence.progress_before,
        _("Check on site: reported progress rose from %(before).0f%% to %(after).0f%% between "
          "%(first)s and %(second)s, but the imagery shows almost no change (index %(index).3f).") % {
            "before": evidence.progress_before, "after": evidence.progress_after,
            "first": evidence.before.acquired_on.isoformat(), "second": evidence.after.acquired_on.isoformat(),
            "index": evidence.index})
        for evidence in flagged]


def photo_alerts(*, audience: Audience) -> list[Alert]:
    """Photos whose evidence check found the same image elsewhere, on projects the audience may read (reviewers)."""
    if not audience.reviews_evidence:
        return []
    checks = (PhotoCheck.objects.exclude(matches=[]).filter(project__isnull=False)
              .filter(audience.q("project", "project__")).select_related("project__region", "project__agency")
              .order_by("-uploaded_at")[:settings.GEOTRACK["ALERT_LIMIT"]])
    alerts = []
    for check in checks:
        reused = [reason for reason in check.reasons if reason["code"] == "reused"]
        project = check.project
        alerts.append(_project_alert(
            "photo_reused", 3, project.pk, project.title, project.region.iso_code if project.region else None,
            project.agency.code, len(reused),
            _("A photo of %(source)s %(id)s: %(reason)s.") % {
                "source": check.get_source_kind_display(), "id": check.parent_id,
                "reason": "; ".join(reason_text(reason) for reason in reused)}))
    return alerts


def feedback_alerts(*, audience: Audience) -> list[Alert]:
    """Citizen feedback unanswered for FEEDBACK_UNANSWERED_DAYS, one alert per project or roadmap item."""
    days = settings.GEOTRACK["FEEDBACK_UNANSWERED_DAYS"]
    rows = unanswered_overdue(audience=audience, days=days, limit=settings.GEOTRACK["ALERT_LIMIT"])
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(("project", row["project_id"]) if row["project_id"] else ("item", row["roadmap_item_id"]),
                          []).append(row)
    items = RoadmapItem.objects.in_bulk([key for kind, key in groups if kind == "item"])
    alerts = []
    for (kind, key), group in groups.items():
        oldest = max(row["days"] for row in group)
        reason = _("%(count)d citizen feedback message(s) unanswered for more than %(days)d days (oldest: %(oldest)d "
                   "days).") % {"count": len(group), "days": days, "oldest": oldest}
        if kind == "project":
            alerts.append(_project_alert("feedback_unanswered", 2, key, group[0]["project_title"], group[0]["region"],
                                         group[0]["agency"], len(group), reason))
        elif key in items:
            item = items[key]
            alerts.append(Alert(kind="feedback_unanswered", severity=2, reason=reason, url=item.get_absolute_url(),
                                region=None, agency=group[0]["agency"], magnitude=len(group),
                                object={"type": "roadmap_item", "id": item.number, "title": item.title}))
    return alerts


def _item_base(item, agency_code: str | None = None) -> dict:
    return {"url": item.get_absolute_url(), "region": None, "agency": agency_code or item.agency.code,
            "object": {"type": "roadmap_item", "id": item.number, "title": item.title}}


def execution_alerts(*, audience: Audience, today: dt.date, as_of: dt.date | None) -> list[Alert]:
    """Late and returned reports, overdue milestones and instructions, moved deadlines (five queries)."""
    items = {item.pk: item for item in RoadmapItem.objects.select_related("agency")}
    codes = dict(Sql("SELECT id, code FROM projects_agency").fetchall())
    alerts: list[Alert] = []
    late: dict[int, set[str]] = {}
    for row in execution.late_reports(audience=audience, today=today):
        late.setdefault(row["item"], set()).add(codes[row["agency"]])
    for item_id, agencies in late.items():
        alerts.append(Alert(kind="report_late", severity=2, magnitude=len(agencies), **_item_base(items[item_id]),
                            reason=_("Execution report not submitted by the due day: %(agencies)s.") % {
                                "agencies": ", ".join(sorted(agencies))}))
    if as_of is None:  # report states are today's
        for report in execution.returned_reports(audience=audience).filter(roadmap_item__isnull=False):
            alerts.append(Alert(kind="report_returned", severity=2, magnitude=1,
                                **_item_base(items[report.roadmap_item_id], report.agency.code),
                                reason=_("The report of %(agency)s was returned and is not resubmitted yet: "
                                         "%(comment)s") % {"agency": report.agency.code, "comment": report.comment}))
    overdue: dict[int, list[Milestone]] = {}
    for milestone in Milestone.objects.filter(planned_on__lt=today).exclude(done_on__lte=today).order_by("planned_on"):
        overdue.setdefault(milestone.roadmap_item_id, []).append(milestone)
    for item_id, milestones in overdue.items():
        days = (today - milestones[0].planned_on).days
        alerts.append(Alert(kind="milestone_overdue", severity=2, magnitude=days, **_item_base(items[item_id]),
                            reason=_("%(count)d milestone(s) overdue, the oldest by %(days)d days: %(title)s.") % {
                                "count": len(milestones), "days": days, "title": milestones[0].title}))
    for instruction in execution.overdue_instructions(audience=audience, today=today):
        days = (today - instruction.deadline).days
        alerts.append(Alert(kind="instruction_overdue", severity=3, magnitude=days,
                            url=instruction.meeting.get_absolute_url(), region=None, agency=instruction.agency.code,
                            object={"type": "instruction", "id": instruction.pk,
                                    "title": instruction.localized[:200]},
                            reason=_("Instruction of %(day)s overdue by %(days)d days.") % {
                                "day": instruction.meeting.held_on.isoformat(), "days": days}))
    moves: dict[int, list] = {}
    changes = execution.deadline_changes_visible(audience=audience).filter(
        state=DeadlineChange.State.APPROVED, decided_at__lt=start_of_day(today + dt.timedelta(days=1)))
    for change in changes.order_by("decided_at"):
        moves.setdefault(change.roadmap_item_id, []).append(change)
    for item_id, changes in moves.items():
        path = " → ".join([changes[0].previous_deadline.strftime("%d.%m.%Y")]
                          + [c.deadline.strftime("%d.%m.%Y") for c in changes])
        alerts.append(Alert(kind="deadline_moved", severity=1, magnitude=len(changes), **_item_base(items[item_id]),
                            reason=_("Deadline moved %(count)d time(s): %(path)s.") % {"count": len(changes),
                                                                                     "path": path}))
    return alerts


def sort_alerts(alerts: list[Alert]) -> list[Alert]:
    """Most severe first, then the largest, then by link (a stable order)."""
    return sorted(alerts, key=lambda alert: (-alert["severity"], -alert["magnitude"], alert["url"]))


def alerts_for(*, audience: Audience, as_of: dt.date | None = None, item_status: dict | None = None,
               cameras: bool = True) -> list[Alert]:
    """Return every alert the audience may read, most severe first; as_of rebuilds a past day.

    item_status: roadmap_item_status() for the same audience and day, when the caller has it already.
    cameras=False leaves out camera alerts (the dashboard adds them live, outside its cache).
    """
    today = as_of or health_today()
    alerts = (_item_alerts(audience=audience, today=today, as_of=as_of, status=item_status)
              + _stale_alerts(audience=audience, today=today, as_of=as_of)
              + execution_alerts(audience=audience, today=today, as_of=as_of))
    if as_of is None:  # camera status, evidence and feedback have no history: today only
        alerts += evidence_alerts(audience=audience)
        alerts += photo_alerts(audience=audience) + feedback_alerts(audience=audience)
        if cameras:
            alerts += camera_alerts(audience=audience)
    return sort_alerts(alerts)
