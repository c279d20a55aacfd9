"""JSON lists of roadmap items and agencies, with filters."""
from __future__ import annotations

from django.db.models import Count
from django_filters import rest_framework as filters
from rest_framework import generics

from geotrack.core.filters import StrictFilterSet
from geotrack.core.pagination import ListPagination
from projects.access import audience_of
from projects.health import HEALTH_VALUES
from projects.models import Agency, RoadmapItem
from projects.selectors import roadmap_item_status
from projects.serializers import AgencySerializer, RoadmapItemSerializer


class RoadmapItemFilter(StrictFilterSet):
    agency = filters.ModelChoiceFilter(queryset=Agency.objects.all(), to_field_name="code")
    section = filters.ChoiceFilter(choices=RoadmapItem.Section.choices)
    deadline_after = filters.DateFilter(field_name="deadline", lookup_expr="gte")
    deadline_before = filters.DateFilter(field_name="deadline", lookup_expr="lte")
    health = filters.ChoiceFilter(choices=[(value, value) for value in HEALTH_VALUES], method="filter_health")

    class Meta:
        model = RoadmapItem
        fields: list[str] = []

    def filter_health(self, queryset, name, value):
        status = roadmap_item_status(audience=audience_of(self.request))
        return queryset.filter(pk__in=[pk for pk, item in status.items() if item["health"] == value])


class RoadmapItemList(generics.ListAPIView):
    """The programme's roadmap items, with health and progress over the projects the caller may see."""

    serializer_class = RoadmapItemSerializer
    filterset_class = RoadmapItemFilter
    pagination_class = ListPagination
    queryset = RoadmapItem.objects.select_related("agency").prefetch_related("co_executors").order_by("number")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return {**context, "status": {}}
        return {**context, "status": roadmap_item_status(audience=audience_of(self.request))}


class AgencyFilter(StrictFilterSet):
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
