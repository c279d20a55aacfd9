"""JSON lists of roadmap items and agencies, with filters."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from django_filters import rest_framework as filters
from rest_framework import generics
from rest_framework.pagination import PageNumberPagination

from projects.alerts import SEVERITY, alerts_for
from projects.health import HEALTH_VALUES, health_today
from projects.models import Agency, RoadmapItem
from projects.selectors import roadmap_item_status
from projects.serializers import AgencySerializer, RoadmapItemSerializer


class ListPagination(PageNumberPagination):
    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000


class RoadmapItemFilter(filters.FilterSet):
    agency = filters.ModelChoiceFilter(queryset=Agency.objects.all(), to_field_name="code")
    section = filters.ChoiceFilter(choices=RoadmapItem.Section.choices)
    deadline_after = filters.DateFilter(field_name="deadline", lookup_expr="gte")
    deadline_before = filters.DateFilter(field_name="deadline", lookup_expr="lte")
    health = filters.ChoiceFilter(choices=[(value, value) for value in HEALTH_VALUES], method="filter_health")

    class Meta:
        model = RoadmapItem
        fields: list[str] = []

    def filter_health(self, queryset, name, value):
        status = roadmap_item_status(user=self.request.user)
        return queryset.filter(pk__in=[pk for pk, item in status.items() if item["health"] == value])


class RoadmapItemList(generics.ListAPIView):
    """The programme's roadmap items, with health and progress over the projects the caller may see."""

    serializer_class = RoadmapItemSerializer
    filterset_class = RoadmapItemFilter
    pagination_class = ListPagination
    queryset = RoadmapItem.objects.select_related("agency").order_by("number")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "status": roadmap_item_status(user=self.request.user)}


class AgencyFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Agency.Kind.choices)
    region = filters.CharFilter(field_name="region__iso_code")

    class Meta:
        model = Agency
        fields: list[str] = []


class AgencyList(generics.ListAPIView):
    """Ministries, akimats and national companies responsible for items and projects."""

    serializer_class = AgencySerializer
    filterset_class = AgencyFilter
    pagination_class = ListPagination
    queryset = Agency.objects.select_related("region").annotate(item_count=Count("roadmap_items")).order_by("code")


class AlertList(APIView):
    """Alerts ("where to activate") the caller may see, most severe first, each with a reason and a link."""

    @extend_schema(parameters=[OpenApiParameter("kind", str, enum=list(SEVERITY)),
                               OpenApiParameter("region", str), OpenApiParameter("agency", str),
                               OpenApiParameter("as_of", OpenApiTypes.DATE)],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        params = request.query_params
        if params.get("kind") and params["kind"] not in SEVERITY:
            raise exceptions.ValidationError({"kind": [f"Use one of: {', '.join(SEVERITY)}."]})
        as_of = parse_as_of(params.get("as_of"))
        alerts = [alert for alert in alerts_for(user=request.user, as_of=as_of)
                  if all(not params.get(key) or alert[key] == params[key] for key in ("kind", "region", "agency"))]
        return Response({"count": len(alerts), "results": alerts})


def parse_as_of(value: str | None) -> dt.date | None:
    """A past or present day (YYYY-MM-DD), or None for today; anything else is a 400."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise exceptions.ValidationError({"as_of": ["Use a date as YYYY-MM-DD."]}) from exc
    if day > health_today():
        raise exceptions.ValidationError({"as_of": ["as_of cannot be in the future."]})
    return None if day == health_today() else day
