"""Map pages: the whole country, one region, and their public, frameable embeds."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_exempt

from geotrack.site.page_cache import cached_page
from layers.imagery_selectors import ready_imagery
from layers.maps import MapOptions, overview_map
from projects.access import audience_of
from projects.models import Region


def region_bounds(region: Region) -> list:
    west, south, east, north = region.boundary_simplified.extent
    return [[south, west], [north, east]]


@cached_page(topics=["imagery"])  # projects and cameras come through tiles and the API
def national_map_page(request: HttpRequest) -> HttpResponse:
    options = MapOptions(imagery=tuple(ready_imagery(audience=audience_of(request))))
    return _page(request, "maps/map.html", options, region=None)


@cached_page(topics=["imagery"])
def region_map_page(request: HttpRequest, iso: str) -> HttpResponse:
    region = get_object_or_404(Region, iso_code=iso.upper())
    options = MapOptions(focus_iso=region.iso_code, bounds=region_bounds(region),
                         imagery=tuple(ready_imagery(audience=audience_of(request), region=region)))
    return _page(request, "maps/map.html", options, region=region)


@xframe_options_exempt
@cached_page(topics=[])  # the map alone: its data comes through tiles
def national_embed(request: HttpRequest) -> HttpResponse:
    return _embed(request, MapOptions(embed=True), title=None)


@xframe_options_exempt
@cached_page(topics=[])
def region_embed(request: HttpRequest, iso: str) -> HttpResponse:
    region = get_object_or_404(Region, iso_code=iso.upper())
    options = MapOptions(embed=True, focus_iso=region.iso_code, bounds=region_bounds(region))
    return _embed(request, options, title=region.name)


def _page(request: HttpRequest, template: str, options: MapOptions, **context) -> HttpResponse:
    response = render(request, template, {"map": overview_map(options), **context})
    response["Cache-Control"] = "private, no-cache"
    return response


def _embed(request: HttpRequest, options: MapOptions, *, title: str | None) -> HttpResponse:
    """Public data only, frameable from any site, cacheable, no admin or editing assets."""
    response = render(request, "maps/embed.html", {"map": overview_map(options), "title": title})
    response.csp_frame_ancestors = "*"  # the only pages any site may frame (geotrack/core/csp.py)
    response["Cache-Control"] = "public, max-age=300"
    return response
