"""Reads of roadmap execution: item progress from milestones, report states, late and overdue counts.

Each function is a fixed number of SQL statements whatever the number of items (no query per item).
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from geotrack.core.params import end_of_day, local_today
from geotrack.core.sql import Sql
from execution.models import DeadlineChange, ExecutionReport, Instruction, Milestone, ReportingPeriod
from projects.access import Audience

HEALTH_RANK = {"overdue": 0, "at_risk": 1, "on_track": 2, "done": 3}

_MILESTONES_SQL = """
WITH ms AS (
    SELECT m.roadmap_item_id AS item_id, sum(m.weight) AS total,
        COALESCE(sum(m.weight) FILTER (WHERE m.done_on <= %(ms_today)s::date), 0) AS done,
        count(*) FILTER (WHERE (m.done_on IS NULL OR m.done_on > %(ms_today)s::date)
                         AND m.planned_on < %(ms_today)s::date) AS overdue
    FROM execution_milestone m GROUP BY m.roadmap_item_id
), accepted AS (
    SELECT DISTINCT ON (v.roadmap_item_id) v.roadmap_item_id AS item_id, v.percent_done
    FROM execution_reportversion v
    JOIN execution_executionreport r ON r.id = v.report_id
    JOIN projects_roadmapitem ri ON ri.id = v.roadmap_item_id AND ri.agency_id = r.agency_id
    WHERE v.state = 'accepted' AND v.decided_at <= %(ms_until)s
    ORDER BY v.roadmap_item_id, v.decided_at DESC
)
SELECT i.id, i.start, i.deadline, ms.total, ms.done, COALESCE(ms.overdue, 0), a.percent_done
FROM projects_roadmapitem i LEFT JOIN ms ON ms.item_id = i.id LEFT JOIN accepted a ON a.item_id = i.id
"""


def milestone_health(*, progress: float, overdue_milestones: int, start: dt.date, deadline: dt.date,
                     today: dt.date) -> str:
    """The item's health by its milestones, in the projects' vocabulary."""
    if progress >= 100:
        return "done"
    if deadline < today:
        return "overdue"
    span = max((deadline - start).days, 1)
    expected = min(100.0, 100.0 * max((today - start).days, 0) / span)
    if overdue_milestones or progress < expected - settings.GEOTRACK["AT_RISK_LAG_POINTS"]:
        return "at_risk"
    return "on_track"


def item_status_hook(status: dict, *, today: dt.date, as_of: dt.date | None) -> None:
    """Complete projects' roadmap_item_status with milestones (one query).

    An item without projects takes its progress and health from its milestones (the weighted share
    done; without milestones, the latest accepted report of its responsible agency); an item with both
    shows both, its progress is the lower and its health the worse of the two.
    """
    rows = Sql(_MILESTONES_SQL, {"ms_today": today, "ms_until": end_of_day(today)}).fetchall()
    for item_id, start, deadline, total, done, overdue, accepted in rows:
        state = status.setdefault(item_id, {"health": None, "project_count": 0, "progress": None,
                                            "project_health": None, "project_progress": None})
        if total:
            progress = round(100.0 * float(done) / float(total), 1)
        elif accepted is not None:
            progress = round(float(accepted), 1)
        else:
            state["milestone_progress"] = None
            state["overdue_milestones"] = 0
            continue
        health = milestone_health(progress=progress, overdue_milestones=overdue, start=start, deadline=deadline,
                                  today=today)
        state.update(milestone_progress=progress, milestone_health=health, overdue_milestones=overdue)
        if state.get("project_count"):
            project_health = state.get("project_health") or health
            state["health"] = min(project_health, health, key=HEALTH_RANK.__getitem__)
            state["progress"] = min(float(state["project_progress"] or 0), progress)
        else:
            state["health"], state["progress"] = health, progress


# --- what the caller may read -----------------------------------------------------------------------

def reports_visible(*, audience: Audience) -> QuerySet[ExecutionReport]:
    return audience.filter(ExecutionReport.objects.all(), "execution_report").select_related(
        "period", "agency", "roadmap_item", "instruction")


def deadline_changes_visible(*, audience: Audience) -> QuerySet[DeadlineChange]:
    return audience.filter(DeadlineChange.objects.all(), "deadline_change")


def instructions_visible(*, audience: Audience) -> QuerySet[Instruction]:
    return audience.filter(Instruction.objects.all(), "instruction").select_related("agency", "meeting")


def milestones_of(item_id: int) -> QuerySet[Milestone]:
    return Milestone.objects.filter(roadmap_item_id=item_id).order_by("position", "id")


def deadline_moves(item_ids: list[int] | None = None) -> dict[int, list[DeadlineChange]]:
    """Approved deadline changes per item, oldest first (one query): every move stays visible."""
    changes = DeadlineChange.objects.filter(state=DeadlineChange.State.APPROVED).order_by("decided_at", "id")
    if item_ids is not None:
        changes = changes.filter(roadmap_item_id__in=item_ids)
    moves: dict[int, list[DeadlineChange]] = {}
    for change in changes:
        moves.setdefault(change.roadmap_item_id, []).append(change)
    return moves


# --- where to activate ----------------------------------------------------------------------------

# Expected reports: every item bound agency (responsible and co-executors) for every period whose due day
# passed; late when no report was submitted by the due day (or none yet).
_LATE_SQL = """
WITH due AS (
    SELECT id, due_on FROM execution_reportingperiod WHERE due_on < %(late_today)s::date
), bound AS (
    SELECT i.id AS item_id, i.agency_id FROM projects_roadmapitem i
    UNION SELECT c.roadmapitem_id, c.agency_id FROM projects_roadmapitem_co_executors c
), expected AS (
    SELECT d.id AS period_id, d.due_on, b.item_id, b.agency_id FROM due d CROSS JOIN bound b
    JOIN projects_roadmapitem ri ON ri.id = b.item_id AND ri.start <= d.due_on
)
SELECT e.period_id, e.item_id, e.agency_id, r.id, r.state,
       (r.first_submitted_at IS NULL AND %(late_now)s > {due_end}) OR r.first_submitted_at > {due_end} AS late
FROM expected e
LEFT JOIN execution_executionreport r ON r.period_id = e.period_id AND r.roadmap_item_id = e.item_id
     AND r.agency_id = e.agency_id
WHERE {visible}
"""

_DUE_END = "((e.due_on + 1)::timestamp AT TIME ZONE %(late_tz)s)"


def late_reports(*, audience: Audience, today: dt.date | None = None) -> list[dict]:
    """Reports that were due and were submitted late or not at all, per period, item and agency (one query).

    The audience decides whether a missing report is readable as a gap: the item's agencies and national roles.
    """
    today = today or local_today()
    visible = Sql("TRUE") if audience.sees_everything else (
        Sql("e.agency_id = ANY(%(late_agencies)s)", {"late_agencies": list(audience.agency_ids)})
        if audience.agency_ids else Sql("FALSE"))
    statement = Sql(_LATE_SQL.replace("{due_end}", _DUE_END), {
        "late_today": today, "late_now": end_of_day(today) if today != local_today() else timezone.now(),
        "late_tz": settings.TIME_ZONE}).format(visible=visible)
    return [{"period": period, "item": item, "agency": agency, "report": report, "state": state}
            for period, item, agency, report, state, late in statement.fetchall() if late]


def returned_reports(*, audience: Audience) -> QuerySet[ExecutionReport]:
    """Reports returned and not resubmitted yet."""
    return reports_visible(audience=audience).filter(state=ExecutionReport.State.RETURNED)


def overdue_milestones(*, today: dt.date | None = None) -> QuerySet[Milestone]:
    today = today or local_today()
    return Milestone.objects.filter(done_on__isnull=True, planned_on__lt=today).select_related("roadmap_item__agency")


def overdue_instructions(*, audience: Audience, today: dt.date | None = None) -> QuerySet[Instruction]:
    today = today or local_today()
    return instructions_visible(audience=audience).filter(done_at__isnull=True, deadline__lt=today)


_ACTIVATE_SQL = """
SELECT a.code, a.name_en, a.name_ru, a.name_kk, a.kind, rg.iso_code,
    (SELECT count(*) FROM execution_executionreport r WHERE r.agency_id = a.id AND r.state = 'returned') AS returned,
    (SELECT count(*) FROM execution_milestone m JOIN projects_roadmapitem i ON i.id = m.roadmap_item_id
     WHERE i.agency_id = a.id AND m.done_on IS NULL AND m.planned_on < %(act_today)s::date) AS milestones,
    (SELECT count(*) FROM execution_instruction n WHERE n.agency_id = a.id AND n.done_at IS NULL
     AND n.deadline < %(act_today)s::date AND {instructions}) AS instructions
FROM projects_agency a LEFT JOIN projects_region rg ON rg.id = a.region_id
"""


def activation_by_agency(*, audience: Audience, today: dt.date | None = None) -> list[dict]:
    """Per agency: late reports, returned reports not resubmitted, overdue milestones and instructions.

    Two queries for all agencies. Agencies that are akimats carry their region, so the same figures
    read by region too.
    """
    today = today or local_today()
    late: dict[int, int] = {}
    for row in late_reports(audience=audience, today=today):
        late[row["agency"]] = late.get(row["agency"], 0) + 1
    rows = Sql(_ACTIVATE_SQL, {"act_today": today}).format(
        instructions=audience.sql("instruction", "n")).fetchall()
    agency_ids = dict(Sql("SELECT code, id FROM projects_agency").fetchall())
    result = []
    for code, name_en, name_ru, name_kk, kind, region, returned, milestones, instructions in rows:
        late_count = late.get(agency_ids[code], 0)
        if not audience.sees_everything and agency_ids[code] not in audience.agency_ids:
            returned = 0  # reports of others are not the caller's to count
        if late_count or returned or milestones or instructions:
            result.append({"code": code, "name": {"en": name_en, "ru": name_ru, "kk": name_kk}, "kind": kind,
                           "region": region, "late_reports": late_count, "returned_reports": returned,
                           "overdue_milestones": milestones, "overdue_instructions": instructions})
    return sorted(result, key=lambda r: -(r["late_reports"] + r["returned_reports"] + r["overdue_milestones"]
                                          + r["overdue_instructions"]))


def current_period(*, today: dt.date | None = None) -> ReportingPeriod | None:
    today = today or local_today()
    return (ReportingPeriod.objects.filter(closed_at__isnull=True, starts_on__lte=today).order_by("-starts_on").first()
            or ReportingPeriod.objects.filter(closed_at__isnull=True).order_by("starts_on").first())


_STATES_AS_OF_SQL = """
SELECT DISTINCT ON (r.roadmap_item_id) r.roadmap_item_id,
    CASE WHEN v.number IS NULL THEN 'draft' WHEN v.decided_at <= %(st_until)s THEN v.state ELSE 'submitted' END
FROM execution_executionreport r
JOIN projects_roadmapitem i ON i.id = r.roadmap_item_id AND i.agency_id = r.agency_id
JOIN execution_reportingperiod p ON p.id = r.period_id
LEFT JOIN LATERAL (SELECT v.number, v.state, v.decided_at FROM execution_reportversion v
                   WHERE v.report_id = r.id AND v.submitted_at <= %(st_until)s
                   ORDER BY v.number DESC LIMIT 1) v ON true
WHERE {visible} AND r.created_at <= %(st_until)s AND p.starts_on <= %(st_day)s::date
ORDER BY r.roadmap_item_id, p.starts_on DESC, r.id DESC
"""


def report_states(*, audience: Audience, day: dt.date | None = None) -> dict[int, str]:
    """The responsible agency's latest report state per item as of a day (one query).

    Callers who read reports only in summary (the public) see accepted ones only: never a draft or a
    returned version."""
    day = day or local_today()
    rows = Sql(_STATES_AS_OF_SQL, {"st_until": end_of_day(day), "st_day": day}).format(
        visible=audience.sql("execution_report", "r")).fetchall()
    full = audience.sees_everything or bool(audience.agency_ids)
    return {item: state for item, state in rows if full or state == ExecutionReport.State.ACCEPTED}
