"""The OpenAPI 3.0 description of /ogc/ (OGC API - Features Part 1, oas30 conformance class).

Written by hand and kept small: drf-spectacular describes /api/, this describes /ogc/.
"""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from geotrack.core.links import url_template
from layers.ogc.collections import COLLECTIONS
from projects.models import Project

GEOJSON = "application/geo+json"


def _parameter(name: str, schema: dict, description: str, where: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema, "description": description,
            "style": "form", "explode": False} if where == "query" else \
        {"name": name, "in": where, "required": True, "schema": schema, "description": description}


def _response(description: str, media_types: tuple[str, ...] = ("application/json", "text/html")) -> dict:
    return {"description": description, "content": {media: {"schema": {"type": "object"}} for media in media_types}}


def _f_parameter() -> dict:
    return _parameter("f", {"type": "string", "enum": ["json", "html"]}, "Response format; also by Accept.")


def _items_parameters() -> list[dict]:
    limits = settings.GEOTRACK
    return [
        _parameter("limit", {"type": "integer", "minimum": 1, "maximum": limits["OGC_MAX_LIMIT"],
                             "default": limits["OGC_DEFAULT_LIMIT"]}, "Features per page (capped)."),
        _parameter("offset", {"type": "integer", "minimum": 0, "default": 0}, "Features to skip."),
        _parameter("bbox", {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                   "minlon,minlat,maxlon,maxlat in CRS84."),
        _parameter("datetime", {"type": "string"},
                   "Instant or interval (a/b, ../b, a/..) on updated_at (projects) or last_seen_at (cameras)."),
        _parameter("status", {"type": "string", "enum": Project.Status.values}, "Project status."),
        _parameter("region", {"type": "string"}, "ISO 3166-2 code of a region the project touches, e.g. KZ-75."),
        _parameter("sector", {"type": "string", "enum": Project.Sector.values}, "Project sector."),
        _f_parameter(),
    ]


def openapi_document(base_url: str) -> dict:
    """Return the OpenAPI document; base_url is the site root, e.g. http://127.0.0.1:8000."""
    collection_id = _parameter("collectionId", {"type": "string", "enum": list(COLLECTIONS)}, "Collection.", "path")
    feature_id = _parameter("featureId", {"type": "string"}, "Feature id.", "path")
    landing, conformance, collections = (reverse(name) for name in ("ogc-landing", "ogc-conformance",
                                                                      "ogc-collections"))
    collection = url_template("ogc-collection", collection_id="{collectionId}")
    items = url_template("ogc-items", collection_id="{collectionId}")
    item = url_template("ogc-item", collection_id="{collectionId}", fid="{featureId}")
    paths = {
        landing: {"get": {"operationId": "getLandingPage", "summary": "Landing page",
                          "parameters": [_f_parameter()], "responses": {"200": _response("Links to the API")}}},
        conformance: {"get": {"operationId": "getConformance", "summary": "Conformance classes",
                                     "parameters": [_f_parameter()], "responses": {"200": _response("Classes")}}},
        collections: {"get": {"operationId": "getCollections", "summary": "Collections",
                                     "parameters": [_f_parameter()], "responses": {"200": _response("Collections")}}},
        collection: {"get": {
            "operationId": "describeCollection", "summary": "One collection",
            "parameters": [collection_id, _f_parameter()],
            "responses": {"200": _response("The collection"), "404": _response("No such collection")}}},
        items: {"get": {
            "operationId": "getFeatures", "summary": "Features of a collection, page by page",
            "parameters": [collection_id, *_items_parameters()],
            "responses": {"200": _response("A FeatureCollection", (GEOJSON, "text/html")),
                          "400": _response("Invalid parameter", ("application/json",))}}},
        item: {"get": {
            "operationId": "getFeature", "summary": "One feature",
            "parameters": [collection_id, feature_id, _f_parameter()],
            "responses": {"200": _response("A Feature", (GEOJSON, "text/html")),
                          "404": _response("No such feature, or not visible to the caller", ("application/json",))}}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "geotrack OGC API - Features", "version": "1.0.0",
                 "description": "Projects, cameras, regions and roadmap items of Kazakhstan's 2023-2029 "
                                "programme. Anonymous callers see public data; send `Authorization: Token <key>` "
                                "for more."},
        "servers": [{"url": base_url}],
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "paths": paths,
    }
