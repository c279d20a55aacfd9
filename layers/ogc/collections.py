"""The OGC API collections and their items, built as GeoJSON text in PostGIS.

Projects reuse the projects API's own GeoJSON (projects.selectors.projects_features_json);
cameras and regions use one paged statement each. Roadmap items have no geometry.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from camera_sites.selectors import online_sql
from geotrack.core.params import parse_bbox
from geotrack.core.sql import Sql, feature, features_array
from layers.ogc.params import ItemsQuery
from projects.access import Audience
from projects.filters import ProjectFilter
from projects.models import RoadmapItem
from projects.selectors import projects_count, projects_features_json, roadmap_item_status

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


def _project_queryset(*, audience: Audience, query: ItemsQuery):
    filterset = ProjectFilter(query.filters, queryset=audience.projects())
    if not filterset.is_valid():
        raise exceptions.ValidationError(filterset.errors)
    projects = filterset.qs
    if query.start is not None:
        projects = projects.filter(updated_at__gte=query.start)
    if query.end is not None:
        projects = projects.filter(updated_at__lte=query.end)
    return projects


def projects_page(*, audience: Audience, query: ItemsQuery) -> Page:
    """Return one page of projects through the projects API's in-database GeoJSON."""
    projects = _project_queryset(audience=audience, query=query)
    matched, estimated = projects_count(queryset=projects, exact_limit=settings.GEOTRACK["EXACT_COUNT_LIMIT"])
    features = projects_features_json(queryset=projects, offset=query.offset, limit=query.limit)
    if estimated:
        page = Sql.of_queryset(projects.order_by("id").values("id")[query.offset:query.offset + query.limit], "page")
        returned = Sql("SELECT count(*) FROM ({page}) page").format(page=page).value()
        return Page(features=features, matched=None, returned=returned)
    return Page(features=features, matched=matched, returned=max(0, min(query.limit, matched - query.offset)))


def project_feature(*, audience: Audience, fid: str) -> str | None:
    if not fid.isdigit() or len(fid) > 18:
        return None
    features = projects_features_json(queryset=audience.projects().filter(pk=int(fid)), offset=0, limit=1)
    return features[1:-1] or None


@dataclass(frozen=True)
class SqlLayer:
    """A table served page by page: `alias` is its alias in every SQL piece."""

    table: str
    alias: str
    id_sql: str
    geometry_sql: str
    order: str

    def where(self, *, audience: Audience, query: ItemsQuery | None, fid: str | None = None) -> Sql:
        raise NotImplementedError

    def properties(self, audience: Audience) -> Sql:
        raise NotImplementedError

    def _features(self, audience: Audience, where: Sql, page: Sql) -> Sql:
        a = self.alias
        features = features_array(feature=feature(id=self.id_sql, geometry=self.geometry_sql,
                                                  properties=self.properties(audience)), order=self.order)
        return Sql(f"SELECT {{features}}::text FROM (SELECT {a}.* FROM {self.table} {a} WHERE {{where}} "
                   f"ORDER BY {self.order} {{page}}) {a}").format(features=features, where=where, page=page)

    def page(self, *, audience: Audience, query: ItemsQuery) -> Page:
        where = self.where(audience=audience, query=query)
        matched = Sql(f"SELECT count(*) FROM {self.table} {self.alias} WHERE {{where}}").format(where=where).value()
        page = Sql("LIMIT %(limit)s OFFSET %(offset)s", {"limit": query.limit, "offset": query.offset})
        features = self._features(audience, where, page).value()
        return Page(features=features, matched=matched, returned=max(0, min(query.limit, matched - query.offset)))

    def feature(self, *, audience: Audience, fid: str) -> str | None:
        where = self.where(audience=audience, query=None, fid=fid)
        return self._features(audience, where, Sql("LIMIT 1")).value()[1:-1] or None


def _bbox(query: ItemsQuery):
    return parse_bbox(query.bbox)


class CameraLayer(SqlLayer):
    def properties(self, audience: Audience) -> Sql:
        return Sql("json_build_object('label', c.label, 'status', {status}, 'last_seen_at', c.last_seen_at, "
                   "'bearing', c.bearing, 'fov_angle', c.fov_angle, 'range_m', c.range_m, "
                   "'is_public', c.is_public)").format(status=online_sql("c", now=audience.now))

    def where(self, *, audience, query, fid=None):
        clauses = [audience.sql("camera", "c")]
        if fid is not None:
            clauses.append(Sql("c.id = %(fid)s", {"fid": int(fid) if fid.isdigit() and len(fid) < 18 else -1}))
        if query is not None:
            bbox = _bbox(query)
            if bbox is not None:
                clauses.append(Sql("ST_Intersects(c.location, ST_GeomFromEWKB(%(bbox)s))", {"bbox": bytes(bbox.ewkb)}))
            if query.start is not None:
                clauses.append(Sql("c.last_seen_at >= %(start)s", {"start": query.start}))
            if query.end is not None:
                clauses.append(Sql("c.last_seen_at <= %(end)s", {"end": query.end}))
        return Sql.join(" AND ", clauses)


class RegionLayer(SqlLayer):
    def properties(self, audience: Audience) -> Sql:
        return Sql("json_build_object('iso_code', r.iso_code, 'kato_code', r.kato_code, 'kind', r.kind, "
                   "'name_kk', r.name_kk, 'name_ru', r.name_ru, 'name_en', r.name_en, "
                   "'admin_centre', r.admin_centre)")

    def where(self, *, audience, query, fid=None):
        if fid is not None:
            return Sql("r.iso_code = %(fid)s", {"fid": fid})
        bbox = _bbox(query)
        if bbox is None:
            return Sql("TRUE")
        return Sql("ST_Intersects(r.boundary_simplified, ST_GeomFromEWKB(%(bbox)s))", {"bbox": bytes(bbox.ewkb)})


CAMERAS = CameraLayer(table="camera_sites_camera", alias="c", id_sql="c.id", geometry_sql="c.location", order="c.id")
REGIONS = RegionLayer(table="projects_region", alias="r", id_sql="r.iso_code", geometry_sql="r.boundary_simplified",
                      order="r.iso_code")


def _roadmap_feature(item: RoadmapItem, status: dict) -> dict:
    return {"type": "Feature", "id": item.number, "geometry": None, "properties": {
        "number": item.number, "title_kk": item.title_kk, "title_ru": item.title_ru, "title_en": item.title_en,
        "section": item.section, "agency": item.agency.code, "start": item.start.isoformat(),
        "deadline": item.deadline.isoformat(), "health": status.get("health"),
        "project_count": status.get("project_count", 0),
        "progress": float(status["progress"]) if status.get("progress") is not None else None}}


def roadmap_page(*, audience: Audience, query: ItemsQuery) -> Page:
    """Roadmap items (117 in all) with health over the projects the audience may read."""
    items = RoadmapItem.objects.select_related("agency").order_by("number")
    matched = items.count()
    statuses = roadmap_item_status(audience=audience)
    page = [_roadmap_feature(item, statuses.get(item.pk, {})) for item in items[query.offset:query.offset + query.limit]]
    return Page(features=json.dumps(page, ensure_ascii=False), matched=matched, returned=len(page))


def roadmap_feature(*, audience: Audience, fid: str) -> str | None:
    found = fid.isdigit() and len(fid) < 10
    item = RoadmapItem.objects.select_related("agency").filter(number=int(fid)).first() if found else None
    if item is None:
        return None
    return json.dumps(_roadmap_feature(item, roadmap_item_status(audience=audience).get(item.pk, {})),
                      ensure_ascii=False)


def collection_page(collection_id: str, *, audience: Audience, query: ItemsQuery) -> Page:
    if collection_id == "projects":
        return projects_page(audience=audience, query=query)
    if collection_id == "roadmap-items":
        return roadmap_page(audience=audience, query=query)
    return {"cameras": CAMERAS, "regions": REGIONS}[collection_id].page(audience=audience, query=query)


def collection_feature(collection_id: str, *, audience: Audience, fid: str) -> str | None:
    """Return one feature's GeoJSON text, or None when it does not exist or the audience may not read it."""
    if collection_id == "projects":
        return project_feature(audience=audience, fid=fid)
    if collection_id == "roadmap-items":
        return roadmap_feature(audience=audience, fid=fid)
    return {"cameras": CAMERAS, "regions": REGIONS}[collection_id].feature(audience=audience, fid=fid)
