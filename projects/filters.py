"""Query filters of the projects API; a bad value is a 400 that names it."""
from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef, Q
from django_filters import rest_framework as filters

from geotrack.core.filters import StrictFilterSet
from geotrack.core.params import BadParameter, parse_bbox
from projects.health import HEALTH_VALUES, health_expression
from projects.models import Agency, Project, ProjectRegion, Region, RoadmapItem


class BBoxField(forms.CharField):
    """minlon,minlat,maxlon,maxlat in EPSG:4326 (geotrack.core.params.parse_bbox)."""

    def clean(self, value):
        try:
            return parse_bbox(super().clean(value))
        except BadParameter as exc:
            raise forms.ValidationError(exc.message) from exc


class BBoxFilter(filters.Filter):
    field_class = BBoxField

    def filter(self, queryset, value):
        return queryset.filter(geom__intersects=value) if value else queryset


class ProjectFilter(StrictFilterSet):
    bbox = BBoxFilter(help_text="minlon,minlat,maxlon,maxlat (EPSG:4326)")
    region = filters.ModelChoiceFilter(queryset=Region.objects.all(), to_field_name="iso_code",
                                       method="filter_region", help_text="ISO 3166-2 code, e.g. KZ-75")
    status = filters.ChoiceFilter(choices=Project.Status.choices)
    health = filters.ChoiceFilter(choices=[(value, value) for value in HEALTH_VALUES], method="filter_health")
    sector = filters.ChoiceFilter(choices=Project.Sector.choices)
    agency = filters.ModelChoiceFilter(queryset=Agency.objects.all(), to_field_name="code")
    roadmap_item = filters.ModelChoiceFilter(queryset=RoadmapItem.objects.all(), to_field_name="number",
                                             method="filter_roadmap_item", help_text="roadmap item number")
    q = filters.CharFilter(method="filter_q", max_length=200, help_text="text in title or description")

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_region(self, queryset, name, region):
        touching = ProjectRegion.objects.filter(project=OuterRef("pk"), region=region)
        return queryset.filter(Exists(touching))

    def filter_health(self, queryset, name, value):
        return queryset.annotate(health=health_expression()).filter(health=value)

    def filter_roadmap_item(self, queryset, name, item):
        linked = Project.roadmap_items.through.objects.filter(project=OuterRef("pk"), roadmapitem=item)
        return queryset.filter(Exists(linked))

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))
