"""Site-wide pages: the national dashboard and the health check."""
from __future__ import annotations

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from knox.views import LoginView as KnoxLoginView
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import BasicAuthentication
from knox.views import LogoutView as KnoxLogoutView

from layers.maps import national_map
from projects.selectors import national_kpis, regions_geojson_dict


def home(request: HttpRequest) -> HttpResponse:
    regions = regions_geojson_dict(user=request.user, language=get_language())
    properties = [feature["properties"] for feature in regions["features"]]
    context = {
        "map": national_map(regions=regions),
        "regions": sorted(properties, key=lambda region: region["name"]),
        "kpis": national_kpis(user=request.user),
    }
    response = render(request, "home.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


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
