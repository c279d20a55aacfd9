"""Geodesic geometry of a camera's field of view."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.contrib.gis.geos import GEOSGeometry
from pyproj import Geod
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

if TYPE_CHECKING:
    from camera_sites.models import Camera

GEOD = Geod(ellps="WGS84")
FULL_CIRCLE_SEGMENTS = 64


def _ring_points(lon: float, lat: float, azimuths: np.ndarray, range_m: float) -> list[tuple[float, float]]:
    """Return the points at range_m from (lon, lat) along each azimuth."""
    count = len(azimuths)
    lons, lats, _ = GEOD.fwd(
        np.full(count, lon, dtype=float), np.full(count, lat, dtype=float),
        azimuths, np.full(count, range_m, dtype=float),
    )
    return list(zip(lons.tolist(), lats.tolist(), strict=True))


def fov_cone(
    lon: float, lat: float, bearing_deg: float, fov_deg: float, range_m: float, segments: int = 16,
) -> Polygon:
    """Build the geodesic field-of-view cone of a camera as a WGS84 polygon.

    The cone has its apex at the camera and an arc of `segments` pieces at `range_m`,
    centred on `bearing_deg` (clockwise from north). A field of view of 360 degrees
    (or more) gives a full circle around the camera, without the apex.
    """
    if range_m <= 0:
        raise ValueError("range_m must be positive")
    if fov_deg <= 0:
        raise ValueError("fov_deg must be positive")
    segments = max(int(segments), 1)
    if fov_deg >= 360:
        count = max(segments * 4, FULL_CIRCLE_SEGMENTS)
        azimuths = np.linspace(0.0, 360.0, count, endpoint=False)
        ring = _ring_points(lon, lat, azimuths, range_m)
    else:
        half = fov_deg / 2.0
        azimuths = np.linspace(bearing_deg - half, bearing_deg + half, segments + 1)
        ring = [(lon, lat), *_ring_points(lon, lat, azimuths, range_m)]
    return orient(Polygon(ring), sign=1.0)


def fov_polygon(camera: Camera) -> GEOSGeometry:
    """Return the camera's field-of-view cone as a GEOS polygon in EPSG:4326."""
    cone = fov_cone(camera.location.x, camera.location.y, camera.bearing, camera.fov_angle, camera.range_m)
    return GEOSGeometry(memoryview(cone.wkb), srid=4326)
