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

from django.http import QueryDict
from rest_framework import exceptions

from geotrack.core.params import choice, parse_bbox
from geotrack.core.sql import Sql
from projects.access import Audience
from projects.filters import ProjectFilter
from projects.health import health_sql

LAYERS = ("projects", "cameras", "regions")
SHAPEFILE_FIELD_LIMIT = 10


@dataclass(frozen=True)
class LayerQuery:
    """One layer's finished SQL, its parameters already inlined by psycopg (GDAL takes bare SQL)."""

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


_PROJECT_COLUMNS = (
    "p.id, p.title, p.status, {health} AS health, p.sector, p.kind, r.iso_code AS region, "
    "a.code AS agency, p.physical_progress AS phys_prog, p.financial_progress AS fin_prog, "
    "p.planned_start AS plan_start, p.planned_end AS plan_end, p.actual_start AS act_start, "
    "p.actual_end AS act_end, p.budget, p.currency, p.is_public, p.updated_at")


def projects_layer(*, audience: Audience, query: QueryDict) -> LayerQuery:
    """Return the projects an audience may read, filtered like /api/projects/."""
    filterset = ProjectFilter(query, queryset=audience.projects())
    if not filterset.is_valid():
        raise exceptions.ValidationError(filterset.errors)
    ids = Sql.of_queryset(filterset.qs.order_by().values("id"), "ids")
    select = Sql(_PROJECT_COLUMNS).format(health=health_sql(alias="p"))
    source = Sql("FROM projects_project p LEFT JOIN projects_region r ON r.id = p.region_id "
                 "LEFT JOIN projects_agency a ON a.id = p.agency_id WHERE p.id IN ({ids})").format(ids=ids)
    return LayerQuery(name="projects", select=select.inline(), geom="p.geom", source=source.inline(), order="p.id")


_CAMERA_COLUMNS = (
    "c.id, c.label, c.bearing, c.fov_angle, c.range_m, c.is_public, c.last_seen_at AS last_seen, "
    "(SELECT string_agg(l.project_id::text, ',' ORDER BY l.project_id) FROM camera_sites_cameralink l "
    "JOIN projects_project p ON p.id = l.project_id WHERE l.camera_id = c.id AND l.active AND {visible}) AS projects")


def cameras_layer(*, audience: Audience, query: QueryDict) -> LayerQuery:
    """Return the cameras an audience may read, with the /api/cameras/ bbox filter."""
    where = audience.sql("camera", "c")
    bbox = parse_bbox(query.get("bbox"))
    if bbox is not None:
        where = where & Sql("ST_Intersects(c.location, ST_GeomFromEWKB(%(bbox)s))", {"bbox": bytes(bbox.ewkb)})
    select = Sql(_CAMERA_COLUMNS).format(visible=audience.sql("project", "p"))
    return LayerQuery(name="cameras", select=select.inline(), geom="c.location",
                      source=Sql("FROM camera_sites_camera c WHERE {where}").format(where=where).inline(),
                      order="c.id")


_REGION_AGGREGATES = (
    "(SELECT count(*) FROM projects_projectregion l JOIN projects_project p ON p.id = l.project_id "
    "WHERE l.region_id = r.id AND p.status <> 'cancelled' AND {visible}) AS projects, "
    "(SELECT round(avg(p.physical_progress), 1) FROM projects_projectregion l JOIN projects_project p "
    "ON p.id = l.project_id WHERE l.region_id = r.id AND p.status <> 'cancelled' AND {visible}) AS mean_prog")


def regions_layer(*, audience: Audience, query: QueryDict) -> LayerQuery:
    """Return the regions with counts and mean progress over the projects the audience may read."""
    detail = choice(query.get("detail"), "detail", ("simplified", "full"), default="full")
    bbox = parse_bbox(query.get("bbox"))
    where = Sql("TRUE") if bbox is None else Sql("ST_Intersects(r.boundary, ST_GeomFromEWKB(%(bbox)s))",
                                                 {"bbox": bytes(bbox.ewkb)})
    aggregates = Sql(_REGION_AGGREGATES).format(visible=audience.sql("project", "p"))
    select = Sql("r.id, r.iso_code, r.kato_code, r.name_kk, r.name_ru, r.name_en, r.kind, r.admin_centre, "
                 "{aggregates}").format(aggregates=aggregates)
    return LayerQuery(name="regions", select=select.inline(),
                      geom="r.boundary" if detail == "full" else "r.boundary_simplified",
                      source=Sql("FROM projects_region r WHERE {where}").format(where=where).inline(),
                      order="r.iso_code")


BUILDERS = {"projects": projects_layer, "cameras": cameras_layer, "regions": regions_layer}


def layer_query(*, layer: str, audience: Audience, query: QueryDict) -> LayerQuery:
    return BUILDERS[layer](audience=audience, query=query)
