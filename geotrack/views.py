"""Site-wide pages: the national dashboard and the health check."""
from __future__ import annotations

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from knox.views import LoginView as KnoxLoginView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import serializers
from rest_framework.authentication import BasicAuthentication
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from geotrack.changes import change_version
from layers.maps import MapOptions, overview_map
from projects.dashboard import dashboard_summary, progress_series
from projects.models import Agency, Region


def home(request: HttpRequest) -> HttpResponse:
    """The national dashboard: KPIs, the regions map, where to activate, progress over time."""
    summary = dashboard_summary(user=request.user)
    context = {
        "summary": summary,
        "map": overview_map(MapOptions(cameras=False)),
        "charts": {"region": progress_series(user=request.user, group="region"),
                   "agency": progress_series(user=request.user, group="agency")},
        "names": chart_names(),
    }
    response = render(request, "home.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


def chart_names() -> dict:
    """Region and agency names by id, in the active language, for the chart legends."""
    return {"region": {r.pk: r.name for r in Region.objects.all()},
            "agency": {a.pk: a.name for a in Agency.objects.all()}}


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
@permission_classes([AllowAny])
def dashboard_api(request):
    """The dashboard's figures as JSON, for its live refresh and for other tools."""
    return JsonResponse(dashboard_summary(user=request.user))


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return JsonResponse({"status": "unavailable", "detail": str(exc).splitlines()[0]}, status=503)
    return JsonResponse({"status": "ok"})


@extend_schema_view(post=extend_schema(request=None, responses={200: inline_serializer(
    "Token", {"expiry": serializers.DateTimeField(allow_null=True), "token": serializers.CharField()})}))
class TokenLoginView(KnoxLoginView):
    """POST with HTTP Basic credentials to get a new API token, shown once; knox stores only its hash."""

    authentication_classes = [BasicAuthentication]


@extend_schema_view(post=extend_schema(request=None, responses={204: None}))
class TokenLogoutView(KnoxLogoutView):
    """POST with a token to invalidate it."""


@extend_schema(responses={200: inline_serializer("ChangeToken", {"version": serializers.CharField()})})
@api_view(["GET"])
@permission_classes([AllowAny])
def changes(request):
    """A token that moves whenever projects, progress or camera status change; ETag/304 when it did not.

    Open maps and dashboards poll it every few seconds; an unchanged poll costs a few
    index lookups and no body.
    """
    version = change_version()
    etag = f'"{version}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = JsonResponse({"version": version})
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response
