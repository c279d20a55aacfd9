"""The site's own API: the dashboard's figures, alerts, the change token, tokens and the health check."""
from __future__ import annotations

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import HttpRequest, HttpResponseNotModified, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from knox.views import LoginView as KnoxLoginView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geotrack.core.changes import change_version
from geotrack.core.params import choice, parse_as_of
from geotrack.core.throttle import limit_caller
from geotrack.site import openapi  # noqa: F401 - registers the throttled Basic scheme
from geotrack.site.accounts import ThrottledBasicAuthentication
from geotrack.site.alerts import SEVERITY, alerts_for
from geotrack.site.dashboard import dashboard_summary
from geotrack.site.notifications.escalation import annotate
from projects.access import audience_of


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
@permission_classes([AllowAny])
def dashboard_api(request):
    """The dashboard's figures as JSON, for its live refresh and for other tools."""
    return JsonResponse(dashboard_summary(audience=audience_of(request)))


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

    authentication_classes = [ThrottledBasicAuthentication]


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
    version = change_version()  # every topic: open pages refresh whatever moved
    etag = f'"{version}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = JsonResponse({"version": version})
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


class AlertList(APIView):
    """Alerts ("where to activate") the caller may see, most severe first, each with a reason and a link.

    Today's alerts carry `state` once the notification worker has seen them: when they opened, how far up
    their escalation ladder they climbed, and any acknowledgement; escalated, unacknowledged alerts come first.
    """

    @extend_schema(parameters=[OpenApiParameter("kind", str, enum=list(SEVERITY)),
                               OpenApiParameter("region", str), OpenApiParameter("agency", str),
                               OpenApiParameter("as_of", OpenApiTypes.DATE)],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        params = request.query_params
        wanted = {"kind": choice(params.get("kind"), "kind", tuple(SEVERITY)),
                  "region": params.get("region"), "agency": params.get("agency")}
        as_of = parse_as_of(params.get("as_of"))
        if as_of is not None:
            limit_caller(request, "as-of", _("Too many queries of past days; wait a while and try again."))
        alerts = [alert for alert in alerts_for(audience=audience_of(request), as_of=as_of)
                  if all(not value or alert[key] == value for key, value in wanted.items())]
        if as_of is None:  # today's alerts carry their clock (open since, escalation, acknowledgement)
            alerts = annotate(alerts)
        return Response({"count": len(alerts), "results": alerts})
