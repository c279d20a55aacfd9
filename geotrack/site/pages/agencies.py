"""One agency's page: its items (responsible and co-executed), reports due, late and returned, its instructions."""
from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from execution.models import ExecutionReport
from execution.selectors import current_period, instructions_visible, late_reports, reports_visible
from projects.access import audience_of
from projects.models import Agency, RoadmapItem
from projects.selectors import roadmap_item_status


def agency_page(request: HttpRequest, code: str) -> HttpResponse:
    """A fixed number of queries whatever the number of items."""
    agency = get_object_or_404(Agency.objects.select_related("region"), code=code)
    audience = audience_of(request)
    status = roadmap_item_status(audience=audience)
    items = list(RoadmapItem.objects.filter(Q(agency=agency) | Q(co_executors=agency)).distinct()
                 .select_related("agency").order_by("number"))
    period = current_period()
    reports = reports_visible(audience=audience).filter(agency=agency)
    submitted = set(reports.filter(period=period).exclude(state=ExecutionReport.State.DRAFT)
                    .values_list("roadmap_item_id", flat=True)) if period else set()
    item_names = {item.pk: item for item in items}
    late = [row for row in late_reports(audience=audience) if row["agency"] == agency.pk and row["item"] in item_names]
    rows = [{"item": item, "role": "responsible" if item.agency_id == agency.pk else "co_executor",
             **status.get(item.pk, {}), "reported": item.pk in submitted} for item in items]
    context = {
        "agency": agency, "rows": rows, "period": period,
        "due": [row for row in rows if not row["reported"]] if period else [],
        "late": [{"item": item_names[row["item"]], "state": row["state"]} for row in late],
        "returned": reports.filter(state=ExecutionReport.State.RETURNED).select_related("roadmap_item", "period"),
        "instructions": instructions_visible(audience=audience).filter(
            Q(agency=agency) | Q(co_executors=agency)).distinct().order_by("deadline"),
    }
    response = render(request, "agencies/detail.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response
