"""OGC API - Features (Part 1: core, geojson, html, oas30) at /ogc/."""
from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from layers.ogc.collections import COLLECTIONS, CRS84, KAZAKHSTAN_BBOX, Collection, collection_feature, collection_page
from layers.ogc.openapi import openapi_document
from layers.ogc.params import items_query
from layers.ogc.responses import (GEOJSON, HTML, JSON, OPENAPI, OgcView, format_links, html_response, json_response,
                                  link, wants_html)
from projects.access import audience_of

CONFORMANCE = [f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{name}"
               for name in ("core", "geojson", "html", "oas30")]
OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0/"


def _url(request: Request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def _answer(request: Request, body: dict, context: dict, json_type: str = JSON) -> HttpResponse:
    body["links"] = [*format_links(request, json_type), *body.get("links", [])]
    if wants_html(request):
        return html_response(request, {**context, "links": body["links"]})
    return json_response(body, json_type)


def collection_document(request: Request, collection: Collection) -> dict:
    items = _url(request, "ogc-items", collection.id)
    document = {
        "id": collection.id, "title": str(collection.title), "description": str(collection.description),
        "itemType": "feature",
        "links": [link(_url(request, "ogc-collection", collection.id), "self", JSON, collection.title),
                  link(items, "items", GEOJSON, _("Items as GeoJSON")),
                  link(items + "?f=html", "items", HTML, _("Items as HTML"))],
    }
    if collection.spatial:
        document["extent"] = {"spatial": {"bbox": [KAZAKHSTAN_BBOX], "crs": CRS84}}
        document["crs"] = [CRS84]
    return document


def _collection(collection_id: str) -> Collection:
    if collection_id not in COLLECTIONS:
        raise Http404
    return COLLECTIONS[collection_id]


@extend_schema(exclude=True)
class LandingPage(OgcView):
    def get(self, request: Request) -> HttpResponse:
        body = {"title": _("geotrack: OGC API - Features"),
                "description": _("Projects, cameras, regions and roadmap items of the 2023-2029 programme."),
                "links": [link(_url(request, "ogc-openapi"), "service-desc", OPENAPI, _("API definition (OpenAPI 3.0)")),
                          link(_url(request, "ogc-api-docs"), "service-doc", HTML, _("API documentation")),
                          link(_url(request, "ogc-conformance"), "conformance", JSON, _("Conformance classes")),
                          link(_url(request, "ogc-collections"), "data", JSON, _("Collections"))]}
        body["links"] += [{**entry, "rel": OGC_REL + entry["rel"]} for entry in body["links"][2:]]
        return _answer(request, body, {"title": body["title"], "description": body["description"]})


@extend_schema(exclude=True)
class Conformance(OgcView):
    def get(self, request: Request) -> HttpResponse:
        body = {"conformsTo": CONFORMANCE}
        return _answer(request, body, {"title": _("Conformance classes"), "rows": [(c, c, "") for c in CONFORMANCE]})


@extend_schema(exclude=True)
class Collections(OgcView):
    def get(self, request: Request) -> HttpResponse:
        documents = [collection_document(request, collection) for collection in COLLECTIONS.values()]
        rows = [(d["id"], d["title"], _url(request, "ogc-collection", d["id"]) + "?f=html") for d in documents]
        return _answer(request, {"collections": documents}, {"title": _("Collections"), "rows": rows})


@extend_schema(exclude=True)
class CollectionDetail(OgcView):
    def get(self, request: Request, collection_id: str) -> HttpResponse:
        document = collection_document(request, _collection(collection_id))
        links = document.pop("links")[1:]
        body = {**document, "links": links}
        return _answer(request, body, {"title": document["title"], "description": document["description"]})


def _page_links(request: Request, query, page) -> list[dict]:
    url = request.build_absolute_uri()
    links = []
    more = (query.offset + page.returned < page.matched if page.matched is not None
            else page.returned == query.limit)
    if more and page.returned:
        links.append(link(replace_query_param(url, "offset", query.offset + query.limit), "next", GEOJSON,
                          _("Next page")))
    if query.offset > 0:
        links.append(link(replace_query_param(url, "offset", max(0, query.offset - query.limit)), "prev", GEOJSON,
                          _("Previous page")))
    return links


@extend_schema(exclude=True)
class Items(OgcView):
    def get(self, request: Request, collection_id: str) -> HttpResponse:
        collection = _collection(collection_id)
        query = items_query(request.query_params)
        page = collection_page(collection.id, audience=audience_of(request), query=query)
        links = [*format_links(request, GEOJSON), *_page_links(request, query, page),
                 link(_url(request, "ogc-collection", collection.id), "collection", JSON, collection.title)]
        if wants_html(request):
            return html_response(request, _items_context(request, collection, page, links))
        head = {"type": "FeatureCollection", "timeStamp": timezone.now().isoformat(), "numberReturned": page.returned,
                "links": links}
        if page.matched is not None:
            head["numberMatched"] = page.matched
        text = json.dumps(head, ensure_ascii=False)
        return json_response(text[:-1] + ', "features": ' + page.features + "}", GEOJSON)


def _items_context(request: Request, collection: Collection, page, links: list[dict]) -> dict:
    """The page's features for the map and table: at most `limit` of them, parsed for the template only."""
    features = json.loads(page.features)
    base = _url(request, "ogc-items", collection.id)
    rows = [(f["id"], _label(f), f"{base}/{f['id']}?f=html") for f in features]
    return {"title": collection.title, "description": collection.description, "links": links, "rows": rows,
            "features": {"type": "FeatureCollection", "features": features} if collection.spatial else None,
            "matched": page.matched, "returned": page.returned}


def _label(feature: dict) -> str:
    properties = feature.get("properties") or {}
    for key in ("title", "label", "name_en", "title_en"):
        if properties.get(key):
            return properties[key]
    return str(feature["id"])


@extend_schema(exclude=True)
class Item(OgcView):
    def get(self, request: Request, collection_id: str, fid: str) -> HttpResponse:
        collection = _collection(collection_id)
        feature = collection_feature(collection.id, audience=audience_of(request), fid=fid)
        if feature is None:
            raise Http404
        links = [*format_links(request, GEOJSON),
                 link(_url(request, "ogc-collection", collection.id), "collection", JSON, collection.title)]
        if wants_html(request):
            parsed = json.loads(feature)
            return html_response(request, {
                "title": f"{collection.title}: {_label(parsed)}", "links": links,
                "properties": sorted((parsed.get("properties") or {}).items()),
                "features": parsed if parsed.get("geometry") else None})
        return json_response(feature[:-1] + ', "links": ' + json.dumps(links, ensure_ascii=False) + "}", GEOJSON)


@extend_schema(exclude=True)
class OpenApi(OgcView):
    def get(self, request: Request) -> HttpResponse:
        return json_response(openapi_document(request.build_absolute_uri(reverse("home")).rstrip("/")), OPENAPI)
