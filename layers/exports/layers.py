"""The SQL of each exported layer: the caller's visibility and the API's filters, as one statement.

GDAL (ogr2ogr) runs these statements itself against PostgreSQL, so features stream from
the database into the file and never pass through Python. Parameters are inlined with
psycopg's own quoting (connection.ops.compose_sql), never by string formatting of user input.

Field names are chosen to survive the Shapefile limit of 10 characters, and are the same
in every format so that a GeoPackage and a Shapefile of one layer have the same columns:

| API property         | exported field |
|----------------------|----------------|
| physical_progress    | phys_prog      |
| financial_progress   | fin_prog       |
| planned_start / _end | plan_start / plan_end |
| actual_start / _end  | act_start / act_end |
| is_public            | is_public      |
| updated_at           | updated_at     |
| fov_angle            | fov_angle      |
| last_seen_at         | last_seen      |
| project_count        | projects       |
| mean_progress        | mean_prog      |
"""
from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.db import connection
from django.http import QueryDict
from rest_framework import exceptions

from camera_sites.selectors import camera_visibility_sql
from projects.filters import BBoxField, ProjectFilter
from projects.health import health_sql
from projects.selectors import projects_visible_to, visibility_sql

LAYERS = ("projects", "cameras", "regions")
SHAPEFILE_FIELD_LIMIT = 10


@dataclass(frozen=True)
class LayerQuery:
    """One layer's finished SQL, its parameters already inlined."""

    name: str
    select: str  # the attribute columns
    geom: str  # the geometry column, in EPSG:4326
    source: str  # FROM ... WHERE ...
    order: str

    def sql(self, *, geometry: str = "{geom}", extra_columns: str = "", where: str = "") -> str:
        """Return the statement; `geometry`, `extra_columns` and `where` may use {geom}."""
        extra = f", {extra_columns.format(geom=self.geom)}" if extra_columns else ""
        condition = f" AND ({where.format(geom=self.geom)})" if where else ""
        return (f"SELECT {self.select}{extra}, {geometry.format(geom=self.geom)} AS geom "
                f"{self.source}{condition} ORDER BY {self.order}")


def _inline(sql: str, params: list | tuple) -> str:
    return connection.ops.compose_sql(sql, list(params)) if params else sql


def _bbox(query: QueryDict):
    try:
        return BBoxField(required=False).clean(query.get("bbox", ""))
    except forms.ValidationError as exc:
        raise exceptions.ValidationError({"bbox": list(exc.messages)}) from exc


def projects_layer(*, user, query: QueryDict) -> LayerQuery:
    """Return the projects a user may see, filtered like /api/projects/."""
    filterset = ProjectFilter(query, queryset=projects_visible_to(user=user))
    if not filterset.is_valid():
        raise exceptions.ValidationError(filterset.errors)
    ids_sql, ids_params = filterset.qs.order_by().values("id").query.sql_with_params()
    health, health_params = health_sql(alias="p")
    select = _inline(
        "p.id, p.title, p.status, " + health + " AS health, p.sector, p.kind, r.iso_code AS region, "
        "a.code AS agency, p.physical_progress AS phys_prog, p.financial_progress AS fin_prog, "
        "p.planned_start AS plan_start, p.planned_end AS plan_end, p.actual_start AS act_start, "
        "p.actual_end AS act_end, p.budget, p.currency, p.is_public, p.updated_at", health_params)
    source = ("FROM projects_project p LEFT JOIN projects_region r ON r.id = p.region_id "
              "LEFT JOIN projects_agency a ON a.id = p.agency_id "
              f"WHERE p.id IN ({_inline(ids_sql, ids_params)})")
    return LayerQuery(name="projects", select=select, geom="p.geom", source=source, order="p.id")


def cameras_layer(*, user, query: QueryDict) -> LayerQuery:
    """Return the cameras a user may see, with the /api/cameras/ bbox filter."""
    visible, params = camera_visibility_sql(user=user, alias="c")
    bbox = _bbox(query)
    where = _inline(visible, params)
    if bbox is not None:
        where += _inline(" AND ST_Intersects(c.location, ST_GeomFromEWKB(%s))", [bytes(bbox.ewkb)])
    project_visible, project_params = visibility_sql(user=user, alias="p")
    select = ("c.id, c.label, c.bearing, c.fov_angle, c.range_m, c.is_public, c.last_seen_at AS last_seen, "
              "(SELECT string_agg(l.project_id::text, ',' ORDER BY l.project_id) FROM camera_sites_cameralink l "
              "JOIN projects_project p ON p.id = l.project_id WHERE l.camera_id = c.id AND l.active AND "
              + _inline(project_visible, project_params)
              + ") AS projects")
    return LayerQuery(name="cameras", select=select, geom="c.location",
                      source=f"FROM camera_sites_camera c WHERE {where}", order="c.id")


def regions_layer(*, user, query: QueryDict) -> LayerQuery:
    """Return the regions with counts and mean progress over the projects the user may see."""
    visible, params = visibility_sql(user=user, alias="p")
    detail = query.get("detail", "full")
    if detail not in {"simplified", "full"}:
        raise exceptions.ValidationError({"detail": ["Use detail=simplified or detail=full."]})
    bbox = _bbox(query)
    where = "TRUE" if bbox is None else _inline("ST_Intersects(r.boundary, ST_GeomFromEWKB(%s))", [bytes(bbox.ewkb)])
    aggregates = _inline(
        "(SELECT count(*) FROM projects_projectregion l JOIN projects_project p ON p.id = l.project_id "
        f"WHERE l.region_id = r.id AND p.status <> 'cancelled' AND {visible}) AS projects, "
        "(SELECT round(avg(p.physical_progress), 1) FROM projects_projectregion l JOIN projects_project p "
        f"ON p.id = l.project_id WHERE l.region_id = r.id AND p.status <> 'cancelled' AND {visible}) AS mean_prog",
        [*params, *params])
    select = f"r.id, r.iso_code, r.kato_code, r.name_kk, r.name_ru, r.name_en, r.kind, r.admin_centre, {aggregates}"
    return LayerQuery(name="regions", select=select, geom="r.boundary" if detail == "full" else "r.boundary_simplified",
                      source=f"FROM projects_region r WHERE {where}", order="r.iso_code")


BUILDERS = {"projects": projects_layer, "cameras": cameras_layer, "regions": regions_layer}


def layer_query(*, layer: str, user, query: QueryDict) -> LayerQuery:
    return BUILDERS[layer](user=user, query=query)


def layer_count(query: LayerQuery) -> int:
    """Count the layer's features (the statement without its ORDER BY)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {query.source}")
        return cursor.fetchone()[0]
