"""The OGC API collections and their items, built as GeoJSON text in PostGIS.

Projects reuse the projects API's own GeoJSON (projects.selectors.projects_features_json);
cameras and regions use one paged statement each. Roadmap items have no geometry.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from camera_sites.selectors import camera_visibility_sql, offline_after
from layers.ogc.params import ItemsQuery
from projects.filters import BBoxField, ProjectFilter
from projects.models import RoadmapItem
from projects.selectors import projects_count, projects_features_json, projects_visible_to, roadmap_item_status

KAZAKHSTAN_BBOX = [46.4, 40.5, 87.4, 55.5]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class Page:
    features: str  # a JSON array of Features
    matched: int | None  # None when only an estimate is known
    returned: int


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    spatial: bool = True
    temporal: str = ""  # the property that `datetime` filters on


COLLECTIONS = {c.id: c for c in (
    Collection("projects", _("Projects"), _("Projects of the 2023-2029 programme, with status, health and progress."),
               temporal="updated_at"),
    Collection("cameras", _("Cameras"), _("Cameras watching project sites, with their status."),
               temporal="last_seen_at"),
    Collection("regions", _("Regions"), _("Kazakhstan's regions and cities of republican significance.")),
    Collection("roadmap-items", _("Roadmap items"), _("Items of the programme's roadmap (no geometry)."),
               spatial=False),
)}


def _bbox_geometry(query: ItemsQuery):
    try:
        return BBoxField(required=False).clean(query.bbox or "")
    except Exception as exc:  # django.forms.ValidationError
        raise exceptions.ValidationError({"bbox": list(getattr(exc, "messages", [str(exc)]))}) from exc


def _project_queryset(*, user, query: ItemsQuery):
    filterset = ProjectFilter(query.filters, queryset=projects_visible_to(user=user))
    if not filterset.is_valid():
        raise exceptions.ValidationError(filterset.errors)
    projects = filterset.qs
    if query.start is not None:
        projects = projects.filter(updated_at__gte=query.start)
    if query.end is not None:
        projects = projects.filter(updated_at__lte=query.end)
    return projects


def projects_page(*, user, query: ItemsQuery) -> Page:
    """Return one page of projects through the projects API's in-database GeoJSON."""
    projects = _project_queryset(user=user, query=query)
    matched, estimated = projects_count(queryset=projects, exact_limit=settings.GEOTRACK["EXACT_COUNT_LIMIT"])
    features = projects_features_json(queryset=projects, offset=query.offset, limit=query.limit)
    if estimated:
        page_sql, params = projects.order_by("id").values("id")[query.offset:query.offset + query.limit] \
            .query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({page_sql}) page", params)
            returned = cursor.fetchone()[0]
        return Page(features=features, matched=None, returned=returned)
    return Page(features=features, matched=matched, returned=max(0, min(query.limit, matched - query.offset)))


def project_feature(*, user, fid: str) -> str | None:
    if not fid.isdigit():
        return None
    features = projects_features_json(queryset=projects_visible_to(user=user).filter(pk=int(fid)), offset=0, limit=1)
    return features[1:-1] or None


@dataclass(frozen=True)
class SqlLayer:
    """A table served page by page: `alias` is its alias in every SQL piece."""

    table: str
    alias: str
    id_sql: str
    geometry_sql: str
    properties_sql: str
    order: str
    datetime_column: str = ""

    def where(self, *, user, query: ItemsQuery | None, fid: str | None = None) -> tuple[str, list]:
        raise NotImplementedError

    def _features_sql(self, where: str, page: str) -> str:
        a = self.alias
        return (f"SELECT COALESCE(json_agg(json_build_object('type', 'Feature', 'id', {self.id_sql}, "
                f"'geometry', ST_AsGeoJSON({self.geometry_sql}, 6)::json, 'properties', {self.properties_sql}) "
                f"ORDER BY {self.order}), '[]'::json)::text "
                f"FROM (SELECT {a}.* FROM {self.table} {a} WHERE {where} ORDER BY {self.order} {page}) {a}")

    def page(self, *, user, query: ItemsQuery) -> Page:
        where, params = self.where(user=user, query=query)
        properties_params = self.properties_params()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {self.table} {self.alias} WHERE {where}", params)
            matched = cursor.fetchone()[0]
            cursor.execute(self._features_sql(where, "LIMIT %s OFFSET %s"),
                           [*properties_params, *params, query.limit, query.offset])
            features = cursor.fetchone()[0]
        return Page(features=features, matched=matched, returned=max(0, min(query.limit, matched - query.offset)))

    def feature(self, *, user, fid: str) -> str | None:
        where, params = self.where(user=user, query=None, fid=fid)
        with connection.cursor() as cursor:
            cursor.execute(self._features_sql(where, "LIMIT 1"), [*self.properties_params(), *params])
            return cursor.fetchone()[0][1:-1] or None

    def properties_params(self) -> list:
        return []


class CameraLayer(SqlLayer):
    def where(self, *, user, query, fid=None):
        visible, params = camera_visibility_sql(user=user, alias="c")
        clauses, params = [visible], list(params)
        if fid is not None:
            clauses.append("c.id = %s")
            params.append(int(fid) if fid.isdigit() else -1)
        if query is not None:
            bbox = _bbox_geometry(query)
            if bbox is not None:
                clauses.append("ST_Intersects(c.location, ST_GeomFromEWKB(%s))")
                params.append(bytes(bbox.ewkb))
            for bound, operator in ((query.start, ">="), (query.end, "<=")):
                if bound is not None:
                    clauses.append(f"c.last_seen_at {operator} %s")
                    params.append(bound)
        return " AND ".join(clauses), params

    def properties_params(self) -> list:
        return [timezone.now() - offline_after()]


class RegionLayer(SqlLayer):
    def where(self, *, user, query, fid=None):
        if fid is not None:
            return "r.iso_code = %s", [fid]
        bbox = _bbox_geometry(query)
        if bbox is None:
            return "TRUE", []
        return "ST_Intersects(r.boundary_simplified, ST_GeomFromEWKB(%s))", [bytes(bbox.ewkb)]


CAMERAS = CameraLayer(
    table="camera_sites_camera", alias="c", id_sql="c.id", geometry_sql="c.location", order="c.id",
    properties_sql=("json_build_object('label', c.label, 'status', CASE WHEN c.last_seen_at >= %s THEN 'online' "
                    "ELSE 'offline' END, 'last_seen_at', c.last_seen_at, 'bearing', c.bearing, "
                    "'fov_angle', c.fov_angle, 'range_m', c.range_m, 'is_public', c.is_public)"))
REGIONS = RegionLayer(
    table="projects_region", alias="r", id_sql="r.iso_code", geometry_sql="r.boundary_simplified",
    order="r.iso_code",
    properties_sql=("json_build_object('iso_code', r.iso_code, 'kato_code', r.kato_code, 'kind', r.kind, "
                    "'name_kk', r.name_kk, 'name_ru', r.name_ru, 'name_en', r.name_en, "
                    "'admin_centre', r.admin_centre)"))


def _roadmap_feature(item: RoadmapItem, status: dict) -> dict:
    return {"type": "Feature", "id": item.number, "geometry": None, "properties": {
        "number": item.number, "title_kk": item.title_kk, "title_ru": item.title_ru, "title_en": item.title_en,
        "section": item.section, "agency": item.agency.code, "start": item.start.isoformat(),
        "deadline": item.deadline.isoformat(), "health": status.get("health"),
        "project_count": status.get("project_count", 0),
        "progress": float(status["progress"]) if status.get("progress") is not None else None}}


def roadmap_page(*, user, query: ItemsQuery) -> Page:
    """Roadmap items (117 in all) with health over the projects the user may see."""
    items = RoadmapItem.objects.select_related("agency").order_by("number")
    matched = items.count()
    statuses = roadmap_item_status(user=user)
    page = [_roadmap_feature(item, statuses.get(item.pk, {})) for item in items[query.offset:query.offset + query.limit]]
    return Page(features=json.dumps(page, ensure_ascii=False), matched=matched, returned=len(page))


def roadmap_feature(*, user, fid: str) -> str | None:
    item = RoadmapItem.objects.select_related("agency").filter(number=int(fid)).first() if fid.isdigit() else None
    if item is None:
        return None
    return json.dumps(_roadmap_feature(item, roadmap_item_status(user=user).get(item.pk, {})), ensure_ascii=False)


def collection_page(collection_id: str, *, user, query: ItemsQuery) -> Page:
    if collection_id == "projects":
        return projects_page(user=user, query=query)
    if collection_id == "roadmap-items":
        return roadmap_page(user=user, query=query)
    return {"cameras": CAMERAS, "regions": REGIONS}[collection_id].page(user=user, query=query)


def collection_feature(collection_id: str, *, user, fid: str) -> str | None:
    """Return one feature's GeoJSON text, or None when it does not exist or the user may not see it."""
    if collection_id == "projects":
        return project_feature(user=user, fid=fid)
    if collection_id == "roadmap-items":
        return roadmap_feature(user=user, fid=fid)
    return {"cameras": CAMERAS, "regions": REGIONS}[collection_id].feature(user=user, fid=fid)
