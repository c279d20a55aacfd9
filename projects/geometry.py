"""Validate project geometry from clients: GeoJSON in EPSG:4326, never repaired silently."""
from __future__ import annotations

import json
import math
import re

from django.conf import settings
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext as _

from geotrack.core.sql import Sql

ALLOWED_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")


class GeometryError(ValueError):
    """A client geometry that cannot be stored; the message says why."""


def _walk_positions(coordinates):
    if isinstance(coordinates, (list, tuple)) and coordinates and isinstance(coordinates[0], (int, float)):
        yield coordinates
        return
    if not isinstance(coordinates, (list, tuple)):
        raise GeometryError(_("Coordinates must be nested arrays of numbers."))
    for part in coordinates:
        yield from _walk_positions(part)


def _check_positions(coordinates) -> int:
    count = 0
    for position in _walk_positions(coordinates):
        if len(position) < 2 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in position):
            raise GeometryError(_("Each position needs a finite longitude and latitude."))
        lon, lat = position[0], position[1]
        if not -180 <= lon <= 180 or not -90 <= lat <= 90:
            raise GeometryError(_("Coordinates out of range: %(lon)s %(lat)s is not a longitude/latitude pair.")
                                % {"lon": lon, "lat": lat})
        count += 1
    return count


def _short(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _invalidity(geometry: GEOSGeometry) -> str:
    """Turn GEOS's reason ('Self-intersection[71.43 51.13]') into a sentence."""
    reason = geometry.valid_reason
    match = re.match(r"(?P<what>[^\[]+)\[(?P<x>[-\d.e]+) (?P<y>[-\d.e]+)\]", reason)
    if not match:
        return _("Invalid geometry: %(reason)s.") % {"reason": reason}
    what = match["what"].strip().lower()
    where = f"{_short(float(match['x']))} {_short(float(match['y']))}"
    if "self-intersection" in what:
        return _("Ring self-intersects at %(where)s.") % {"where": where}
    return _("Invalid geometry (%(what)s) at %(where)s.") % {"what": what, "where": where}


def _within_extent(geometry: GEOSGeometry) -> bool:
    """Whether the geometry lies within Kazakhstan's extent plus the configured margin."""
    covered = Sql("""SELECT ST_Covers(
                   ST_Buffer(ST_SetSRID(ST_Extent(boundary_simplified), 4326)::geography, %(margin_m)s)::geometry,
                   ST_GeomFromEWKB(%(geometry)s))
               FROM projects_region""", {"margin_m": settings.GEOTRACK["EXTENT_MARGIN_KM"] * 1000,
                                         "geometry": bytes(geometry.ewkb)}).value()
    return covered is not False  # no regions loaded yet: nothing to check against


def parse_project_geometry(value) -> GEOSGeometry:
    """Return a GEOS geometry for a GeoJSON geometry object, or raise GeometryError saying why."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise GeometryError(_("The geometry is not valid JSON.")) from exc
    if not isinstance(value, dict) or "type" not in value or "coordinates" not in value:
        raise GeometryError(_("Expected a GeoJSON geometry object with 'type' and 'coordinates'."))
    if value["type"] not in ALLOWED_TYPES:
        raise GeometryError(_("Geometry type %(type)s is not allowed; use one of: %(allowed)s.")
                            % {"type": value["type"], "allowed": ", ".join(ALLOWED_TYPES)})
    if "crs" in value:
        raise GeometryError(_("Send coordinates in EPSG:4326 (longitude, latitude) without a 'crs' member."))
    vertices = _check_positions(value["coordinates"])
    if vertices > settings.GEOTRACK["MAX_VERTICES"]:
        raise GeometryError(_("Too many vertices: %(count)d, the limit is %(limit)d.")
                            % {"count": vertices, "limit": settings.GEOTRACK["MAX_VERTICES"]})
    try:
        geometry = GEOSGeometry(json.dumps({"type": value["type"], "coordinates": value["coordinates"]}), srid=4326)
    except (GEOSException, ValueError, TypeError) as exc:
        raise GeometryError(_("The geometry could not be read: %(error)s") % {"error": exc}) from exc
    if geometry.empty:
        raise GeometryError(_("The geometry is empty."))
    if not geometry.valid:
        raise GeometryError(_invalidity(geometry))
    if not _within_extent(geometry):
        raise GeometryError(_("The geometry lies outside Kazakhstan (its extent plus %(km)s km).")
                            % {"km": int(settings.GEOTRACK["EXTENT_MARGIN_KM"])})
    return geometry
