"""Query filters of the projects API; a bad value is a 400 that names it.

django-filter validates the parameters (the error messages are its forms'); what a valid value
selects is written once, as a SQL condition on a projects table alias (`ProjectFilter.sql`). The
projects list composes that condition with the access rule's SQL form into one statement; querysets
(OGC API, exports) get the same condition through `filter_queryset`.
"""
from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES

from geotrack.core.filters import StrictFilterSet
from geotrack.core.params import BadParameter, bbox_bounds
from geotrack.core.sql import Sql
from projects.health import HEALTH_VALUES, health_sql
from projects.models import Agency, Project, Region, RoadmapItem


class BBoxField(forms.CharField):
    """minlon,minlat,maxlon,maxlat in EPSG:4326 (geotrack.core.params.bbox_bounds), as its four numbers."""

    def clean(self, value):
        try:
            return bbox_bounds(super().clean(value))
        except BadParameter as exc:
            raise forms.ValidationError(exc.message) from exc


class BBoxFilter(filters.Filter):
    field_class = BBoxField


def _bbox(alias: str, bounds) -> Sql:
    # The polygon parse_bbox builds (the same ring), made by PostGIS from the four numbers.
    minlon, minlat, maxlon, maxlat = bounds
    return Sql(f"ST_Intersects({alias}.geom, ST_MakeEnvelope(%(bbox_minlon)s, %(bbox_minlat)s, "
               "%(bbox_maxlon)s, %(bbox_maxlat)s, 4326))",
               {"bbox_minlon": minlon, "bbox_minlat": minlat, "bbox_maxlon": maxlon, "bbox_maxlat": maxlat})


def _text(alias: str, value: str) -> Sql:
    # ILIKE, which the trigram indexes on title and description serve; %, _ and \ in the text are literal.
    pattern = "%" + connection.ops.prep_for_like_query(value) + "%"
    return Sql(f"({alias}.title ILIKE %(q)s OR {alias}.description ILIKE %(q)s)", {"q": pattern})


# What each filter's valid value selects, on a projects table alias.
CONDITIONS: dict[str, Callable[[str, object], Sql]] = {
    "bbox": _bbox,
    "region": lambda alias, region: Sql(
        f"EXISTS (SELECT 1 FROM projects_projectregion f_pr WHERE f_pr.project_id = {alias}.id "
        "AND f_pr.region_id = %(region)s)", {"region": region.pk}),
    "status": lambda alias, status: Sql(f"{alias}.status = %(status)s", {"status": status}),
    "health": lambda alias, health: Sql("({health}) = %(health)s", {"health": health}).format(
        health=health_sql(alias=alias)),
    "sector": lambda alias, sector: Sql(f"{alias}.sector = %(sector)s", {"sector": sector}),
    "agency": lambda alias, agency: Sql(f"{alias}.agency_id = %(agency)s", {"agency": agency.pk}),
    "roadmap_item": lambda alias, item: Sql(
        f"EXISTS (SELECT 1 FROM projects_project_roadmap_items f_ri WHERE f_ri.project_id = {alias}.id "
        "AND f_ri.roadmapitem_id = %(roadmap_item)s)", {"roadmap_item": item.pk}),
    "q": _text,
}


class ProjectFilter(StrictFilterSet):
    bbox = BBoxFilter(help_text="minlon,minlat,maxlon,maxlat (EPSG:4326)")
    region = filters.ModelChoiceFilter(queryset=Region.objects.all(), to_field_name="iso_code",
                                       help_text="ISO 3166-2 code, e.g. KZ-75")
    status = filters.ChoiceFilter(choices=Project.Status.choices)
    health = filters.ChoiceFilter(choices=[(value, value) for value in HEALTH_VALUES])
    sector = filters.ChoiceFilter(choices=Project.Sector.choices)
    agency = filters.ModelChoiceFilter(queryset=Agency.objects.all(), to_field_name="code")
    roadmap_item = filters.ModelChoiceFilter(queryset=RoadmapItem.objects.all(), to_field_name="number",
                                             help_text="roadmap item number")
    q = filters.CharFilter(max_length=200, help_text="text in title or description")

    class Meta:
        model = Project
        fields: list[str] = []

    def sql(self, alias: str = "p") -> Sql | None:
        """The filters the request gives, as one condition on a projects table alias; None when none applies.

        Call after is_valid(). An empty free-text value is no filter, as django-filter has it.
        """
        parts = [CONDITIONS[name](alias, value) for name, value in self.form.cleaned_data.items()
                 if value not in EMPTY_VALUES]
        return Sql.join(" AND ", parts) if parts else None

    def filter_queryset(self, queryset):
        condition = self.sql(alias=queryset.model._meta.db_table)
        if condition is None:
            return queryset
        text, values = condition.positional_form()
        return queryset.filter(RawSQL(text, values, output_field=BooleanField()))
