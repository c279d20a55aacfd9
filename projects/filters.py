"""Query filters of the projects API; a bad value is a 400 that names it."""
from __future__ import annotations

from django import forms
from django.contrib.gis.geos import Polygon
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from projects.health import HEALTH_VALUES, health_expression
from projects.models import Agency, Project, ProjectRegion, Region, RoadmapItem


class BBoxField(forms.CharField):
    """minlon,minlat,maxlon,maxlat in EPSG:4326."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        parts = value.split(",")
        if len(parts) != 4:
            raise forms.ValidationError(_("bbox needs four numbers: minlon,minlat,maxlon,maxlat."))
        try:
            minlon, minlat, maxlon, maxlat = (float(part) for part in parts)
        except ValueError as exc:
            raise forms.ValidationError(_("bbox values must be numbers: minlon,minlat,maxlon,maxlat.")) from exc
        if not (-180 <= minlon <= maxlon <= 180 and -90 <= minlat <= maxlat <= 90):
            raise forms.ValidationError(_("bbox must be minlon,minlat,maxlon,maxlat within -180..180 and -90..90."))
        bbox = Polygon.from_bbox((minlon, minlat, maxlon, maxlat))
        bbox.srid = 4326
        return bbox


class BBoxFilter(filters.Filter):
    field_class = BBoxField

    def filter(self, queryset, value):
        return queryset.filter(geom__intersects=value) if value else queryset


class ProjectFilter(filters.FilterSet):
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
