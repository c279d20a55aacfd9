"""The national dashboard page."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from citizens.permissions import moderates_somewhere
from citizens.selectors import unanswered_counts
from geotrack.site.dashboard import dashboard_summary, progress_series
from geotrack.site.page_cache import cached_page
from layers.maps import MapOptions, overview_map
from projects.access import audience_of
from projects.models import Agency, Region


@cached_page(topics=["projects", "imagery", "cameras"])  # cameras: the online count and camera alerts
def home(request: HttpRequest) -> HttpResponse:
    """The national dashboard: KPIs, the regions map, where to activate, progress over time."""
    audience = audience_of(request)
    summary = dashboard_summary(audience=audience)
    context = {
        "summary": summary,
        "map": overview_map(MapOptions(cameras=False)),
        "charts": {"region": progress_series(audience=audience, group="region"),
                   "agency": progress_series(audience=audience, group="agency")},
        "names": chart_names(),
        "unanswered": unanswered_feedback(audience),
        "moderates": moderates_somewhere(request.user),
    }
    response = render(request, "home.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


def chart_names() -> dict:
    """Region and agency names by id, in the active language, for the chart legends."""
    return {"region": {r.pk: r.name for r in Region.objects.all()},
            "agency": {a.pk: a.name for a in Agency.objects.all()}}


def unanswered_feedback(audience) -> dict:
    """Unanswered citizen feedback by region and by agency, named in the active language (live, not cached)."""
    counts = unanswered_counts(audience=audience, limit=5)
    regions = {region.iso_code: region.name for region in Region.objects.all()}
    agencies = {agency.code: agency.name for agency in Agency.objects.all()}
    for row in counts["by_region"]:
        row["name"] = regions.get(row["code"], row["name"]) if row["code"] else None
    for row in counts["by_agency"]:
        row["name"] = agencies.get(row["code"], row["name"])
    return counts
