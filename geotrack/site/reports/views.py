"""/reports/roadmap.<html|pdf|csv|xlsx>: the roadmap's execution as of a day, for the caller."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from geotrack.core.throttle import limit_caller
from projects.access import audience_of
from projects.health import health_today
from projects.models import Agency, Region
from geotrack.site.reports.data import RoadmapReport, report_params, roadmap_report
from geotrack.site.reports.formats import FORMATS, report_context


class FileNegotiation(BaseContentNegotiation):
    """The path names the format; Accept never turns a download into a 406. Errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _page(request, report: RoadmapReport) -> HttpResponse:
    context = {**report_context(report), "query": urlencode(report.params.query()), "today": health_today(),
               "regions": sorted(Region.objects.all(), key=lambda region: region.name),
               "agencies": Agency.objects.order_by("code")}
    return render(request, "reports/roadmap.html", context)


@extend_schema(exclude=True)
class RoadmapReportView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FileNegotiation

    def get(self, request, fmt: str) -> HttpResponse:
        if fmt not in FORMATS:
            raise exceptions.NotFound(_("No such report format: use html, pdf, csv or xlsx."))
        params = report_params(request.query_params)
        if fmt == "pdf":
            limit_caller(request, "report-pdf", _("Too many PDF reports; wait a while and try again."))
        if params.as_of < health_today() or request.query_params.get("since"):
            limit_caller(request, "as-of", _("Too many reports of past days; wait a while and try again."))
        report = roadmap_report(audience=audience_of(request), params=params)
        if fmt == "html":
            response = _page(request, report)
        else:
            response = HttpResponse(FORMATS[fmt].render(report), content_type=FORMATS[fmt].content_type)
            disposition = "inline" if fmt == "pdf" else "attachment"
            response["Content-Disposition"] = f'{disposition}; filename="{params.slug()}.{fmt}"'
        # The report covers what this caller may see.
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ("Cookie", "Authorization"))
        return response
