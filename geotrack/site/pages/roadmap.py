"""Roadmap pages: all items at a glance with filters and urgency, and one item."""
from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_date

from citizens.selectors import category_counts, published_feedback
from execution import permissions, services as execution_services
from execution.models import DeadlineChange, ExecutionReport, ReportDocument, ReportingPeriod, ReportVersion
from execution.selectors import deadline_changes_visible, deadline_moves, milestones_of, reports_visible
from geotrack.site.dashboard import progress_series
from geotrack.site.page_cache import cached_page
from layers.maps import MapOptions, overview_map
from projects.access import Audience, audience_of
from projects.health import HEALTH_VALUES, health_today
from projects.models import Agency, PhotoCheck, ProgressReport, Project, Region, RoadmapItem
from projects.photo_checks import check_level, photo_checks_of, reason_texts
from projects.selectors import roadmap_item_status

URGENCY = {"overdue": 0, "at_risk": 1, "on_track": 2, "done": 3, None: 4}


def _linked_projects(audience: Audience, item_ids=None) -> dict[int, list[dict]]:
    """Visible projects per roadmap item, with their regions: one query."""
    links = Project.roadmap_items.through.objects.filter(project__in=audience.projects())
    if item_ids is not None:
        links = links.filter(roadmapitem_id__in=item_ids)
    by_item: dict[int, list[dict]] = {}
    rows = links.values("roadmapitem_id", "project_id", "project__title", "project__region__iso_code",
                        "project__physical_progress").order_by("project__title")
    for row in rows:
        by_item.setdefault(row["roadmapitem_id"], []).append({
            "id": row["project_id"], "title": row["project__title"], "region": row["project__region__iso_code"],
            "progress": row["project__physical_progress"]})
    return by_item


def _date(value: str | None) -> dt.date | None:
    try:
        return parse_date(value or "")
    except ValueError:  # a well-formed but impossible date, such as 2025-02-30
        return None


def _filters(request: HttpRequest) -> dict:
    params = request.GET
    return {
        "agency": params.get("agency") or "", "region": params.get("region") or "",
        "health": params.get("health") if params.get("health") in HEALTH_VALUES else "",
        "deadline_after": _date(params.get("deadline_after")), "deadline_before": _date(params.get("deadline_before")),
        "sort": params.get("sort") if params.get("sort") in {"urgency", "number", "deadline"} else "urgency",
        "moved": params.get("moved") == "1",
    }


def move_path(moves: list) -> str:
    """"31.12.2024 → 30.06.2025 → 31.12.2025": the original deadline and every approved move."""
    if not moves:
        return ""
    return " → ".join([moves[0].previous_deadline.strftime("%d.%m.%Y")] + [m.deadline.strftime("%d.%m.%Y")
                                                                           for m in moves])


def _matches(item: RoadmapItem, state: dict, projects: list[dict], f: dict) -> bool:
    return ((not f["agency"] or item.agency.code == f["agency"] or f["agency"] in state.get("co_executors", []))
            and (not f["moved"] or bool(state.get("moves")))
            and (not f["health"] or state.get("health") == f["health"])
            and (not f["region"] or any(p["region"] == f["region"] for p in projects))
            and (not f["deadline_after"] or item.deadline >= f["deadline_after"])
            and (not f["deadline_before"] or item.deadline <= f["deadline_before"]))


@cached_page(topics=["projects"])
def roadmap_list(request: HttpRequest) -> HttpResponse:
    audience = audience_of(request)
    status = roadmap_item_status(audience=audience)
    projects = _linked_projects(audience)
    f = _filters(request)
    moves = deadline_moves()
    items = RoadmapItem.objects.select_related("agency").prefetch_related("co_executors").order_by("number")
    rows = [{"item": item, **status.get(item.pk, {}), "projects": projects.get(item.pk, []),
             "co_executors": [agency.code for agency in item.co_executors.all()],
             "moves": moves.get(item.pk, []), "move_path": move_path(moves.get(item.pk, []))} for item in items]
    rows = [row for row in rows if _matches(row["item"], row, row["projects"], f)]
    for row in rows:
        row["co_executors"] = [a.name for a in row["item"].co_executors.all()]
    sort_keys = {"urgency": lambda r: (URGENCY[r.get("health")], r["item"].deadline, r["item"].number),
                 "deadline": lambda r: (r["item"].deadline, r["item"].number), "number": lambda r: r["item"].number}
    rows.sort(key=sort_keys[f["sort"]])
    context = {"rows": rows, "filters": f, "agencies": Agency.objects.order_by("kind", "name_en"),
               "regions": Region.objects.all(), "healths": HEALTH_VALUES, "today": health_today()}
    response = render(request, "roadmap/list.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


def roadmap_item_page(request: HttpRequest, number: int) -> HttpResponse:
    item = RoadmapItem.objects.select_related("agency").filter(number=number).first()
    if item is None:
        raise Http404("No such roadmap item.")
    audience = audience_of(request)
    state = roadmap_item_status(audience=audience).get(item.pk, {})
    projects = _linked_projects(audience, [item.pk]).get(item.pk, [])
    options = MapOptions(cameras=False, projects_query=f"roadmap_item={item.number}")
    moves = deadline_moves([item.pk]).get(item.pk, [])
    context = {"item": item, "state": state, "projects": projects, "map": overview_map(options),
               "series": progress_series(audience=audience, group="roadmap_item", roadmap_item=item.pk),
               "reports": _recent_reports(audience, item), "milestones": milestones_of(item.pk),
               "co_executors": item.co_executors.all(), "moves": moves, "move_path": move_path(moves),
               "timeline": report_timeline(audience, item), "work": work_panel(request, audience, item)}
    feedback = published_feedback(audience=audience, roadmap_item_id=item.pk)
    context.update({"feedback": feedback[:30], "feedback_counts": category_counts(feedback),
                    "feedback_url": reverse("feedback-new") + f"?roadmap_item={item.number}"})
    response = render(request, "roadmap/detail.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


def _recent_reports(audience: Audience, item: RoadmapItem):
    visible = audience.projects().filter(roadmap_items=item)
    return ProgressReport.objects.filter(project__in=visible).select_related("project").order_by("-reported_at")[:20]


def report_timeline(audience: Audience, item: RoadmapItem) -> list[dict]:
    """The execution reports on an item the audience may read, newest period first, each with its versions
    (only those the audience may read) and documents with their images' evidence checks: four queries."""
    reports = list(reports_visible(audience=audience).filter(roadmap_item=item).order_by("-period__starts_on",
                                                                                        "agency__code"))
    versions: dict[int, list] = {}
    for version in audience.filter(ReportVersion.objects.filter(report__in=reports), "report_version"):
        versions.setdefault(version.report_id, []).append(version)
    documents: dict[int, list] = {}
    for document in audience.filter(ReportDocument.objects.filter(report__in=reports), "report_document"):
        documents.setdefault(document.report_id, []).append(document)
    # Images carry their evidence check beside them, as progress photos do (one query for all).
    listed = [document for group in documents.values() for document in group]
    checks = photo_checks_of(PhotoCheck.Source.EXECUTION_IMAGE, [document.pk for document in listed])
    for document in listed:
        check = checks.get(document.pk)
        document.evidence = None if check is None else {"check": check, "level": check_level(check),
                                                        "reasons": reason_texts(check)}
    return [{"report": report, "versions": versions.get(report.pk, []), "documents": documents.get(report.pk, []),
             "full": report.state != ExecutionReport.State.ACCEPTED or audience.authenticated}
            for report in reports]


def work_panel(request: HttpRequest, audience: Audience, item: RoadmapItem) -> dict:
    """What the signed-in caller may do on this item (forms that call the API): report, decide, move."""
    user = request.user
    agencies = permissions.reporting_agencies(user, item) if user.is_authenticated else set()
    coordinator = permissions.is_coordinator(user)
    if not (agencies or coordinator):
        return {}
    reports = reports_visible(audience=audience).filter(roadmap_item=item).select_related("period", "agency")
    own = [{"report": report, "etag": execution_services.report_etag(report)} for report in reports
           if report.agency_id in agencies and report.state in {ExecutionReport.State.DRAFT,
                                                                  ExecutionReport.State.RETURNED}]
    return {
        "agencies": agencies, "coordinator": coordinator, "own": own,
        "periods": ReportingPeriod.objects.filter(closed_at__isnull=True).order_by("-starts_on"),
        "to_decide": [r for r in reports if r.state == ExecutionReport.State.SUBMITTED] if coordinator else [],
        "requests": deadline_changes_visible(audience=audience).filter(
            roadmap_item=item, state=DeadlineChange.State.REQUESTED),
        "can_move": permissions.can_request_deadline_change(user, item),
        "milestones_open": [m for m in milestones_of(item.pk) if m.done_on is None],
    }
