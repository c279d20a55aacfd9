"""Shared pieces of the camera tests: a site with projects north and south of a camera, and images."""
from __future__ import annotations

import io

from django.contrib.gis.geos import Point, Polygon
from PIL import Image
from pyproj import Geod

from camera_sites.models import Camera
from camera_sites.services import camera_create
from projects.models import Project
from projects.services import project_save

GEOD = Geod(ellps="WGS84")
ASTANA = (71.43, 51.13)


def square_at(lon: float, lat: float, azimuth: float, distance_m: float, half_m: float = 40) -> Polygon:
    """A small square centred distance_m from (lon, lat) along azimuth."""
    centre_lon, centre_lat, _ = GEOD.fwd(lon, lat, azimuth, distance_m)
    corners = [GEOD.fwd(centre_lon, centre_lat, az, half_m * 2 ** 0.5)[:2] for az in (45, 135, 225, 315)]
    return Polygon([*corners, corners[0]], srid=4326)


def make_project(agency, title: str, geom, public: bool = True) -> Project:
    return project_save(project=Project(title=title, sector="education", kind="infrastructure", agency=agency,
                                        geom=geom, is_public=public, status="implementation"))


def make_camera(label: str = "North gate", *, bearing: float = 0, public: bool = True, delay: int = 0,
                location: tuple[float, float] = ASTANA, stream_url: str = "") -> tuple[Camera, str]:
    return camera_create(camera=Camera(label=label, location=Point(*location, srid=4326), bearing=bearing,
                                       fov_angle=60, range_m=500, is_public=public, public_delay_minutes=delay,
                                       stream_url=stream_url))


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    output = io.BytesIO()
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "SecretCam Inc."  # Make
        tags[0x0131] = "firmware 1.2 at 10.0.0.7"  # Software
        image.save(output, fmt, exif=tags)
    else:
        image.save(output, fmt)
    return output.getvalue()
