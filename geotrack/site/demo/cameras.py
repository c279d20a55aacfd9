"""Site cameras looking at projects under way, and their links found by field-of-view intersection."""
from __future__ import annotations

import datetime as dt
import random

from django.contrib.gis.geos import Point as GeosPoint
from django.db import connection
from shapely import wkb
from shapely.geometry import Point

from camera_sites.geometry import fov_polygon
from camera_sites.models import Camera, CameraLink
from geotrack.site.demo.common import REFERENCE, rng
from geotrack.site.demo.places import bearing_deg, centre_of, offset
from geotrack.site.demo.schedule import ProjectPlan
from projects.models import Project

CAMERA_COUNT = 72
STREAM_EVERY = 12  # every twelfth camera has a (private network) stream URL
WATCHED_STATUSES = {Project.Status.IMPLEMENTATION: 6, Project.Status.COMPLETION: 1}

_LINK_SQL = f"""
INSERT INTO {CameraLink._meta.db_table} (camera_id, project_id, source, active)
SELECT c.id, p.id, %(source)s, true
FROM {Camera._meta.db_table} c
JOIN {Project._meta.db_table} p ON ST_Intersects(c.fov, p.geom)
WHERE c.id = ANY(%(ids)s)
ORDER BY c.id, p.id
ON CONFLICT DO NOTHING
"""


def _watched(generator: random.Random, plans: list[ProjectPlan]) -> list[ProjectPlan]:
    """Pick the projects that get a camera: mostly sites under way, some twice."""
    pool = [p for p in plans if p.project.status in WATCHED_STATUSES]
    weights = [WATCHED_STATUSES[p.project.status] for p in pool]
    chosen: list[ProjectPlan] = []
    while len(chosen) < CAMERA_COUNT:
        plan = generator.choices(pool, weights)[0]
        if chosen.count(plan) < 2:
            chosen.append(plan)
    return sorted(chosen, key=lambda p: p.project.pk)


def _last_seen(generator: random.Random) -> dt.datetime:
    """Return when the camera last reported: minutes ago for most, hours or days ago for some."""
    roll = generator.random()
    if roll < 0.8:
        return REFERENCE - dt.timedelta(seconds=generator.randint(5, 240))
    if roll < 0.92:
        return REFERENCE - dt.timedelta(minutes=generator.randint(120, 1200))
    return REFERENCE - dt.timedelta(hours=generator.randint(48, 220))


def _camera(generator: random.Random, number: int, plan: ProjectPlan) -> Camera:
    """Place one camera 50-200 m from the project's centre, looking at it."""
    target = centre_of(wkb.loads(bytes(plan.project.geom.wkb)))
    distance = generator.uniform(50, 200)
    location = Point(offset(target.x, target.y, generator.uniform(0, 360), distance))
    public = generator.random() < 0.75
    camera = Camera(
        label=f"Camera {number} — {plan.project.title}"[:200],
        location=GeosPoint(round(location.x, 7), round(location.y, 7), srid=4326),
        bearing=round(bearing_deg(location, target), 1) % 360,
        fov_angle=float(generator.randrange(40, 91, 5)),
        range_m=float(round(generator.uniform(max(150.0, distance + 60), 600))),
        stream_url=f"rtsp://10.0.0.{number}/stream1" if number % STREAM_EVERY == 0 else "",
        is_public=public,
        public_delay_minutes=generator.choice((15, 60)) if public and generator.random() < 0.3 else 0,
        last_seen_at=_last_seen(generator),
        created_at=max(plan.project.created_at, REFERENCE - dt.timedelta(days=generator.randint(60, 600))),
    )
    camera.fov = fov_polygon(camera)
    return camera


def cameras_create(plans: list[ProjectPlan]) -> tuple[int, int]:
    """Create the cameras and link each to the projects its cone intersects; return both counts."""
    generator = rng("cameras")
    cameras = [_camera(generator, number, plan) for number, plan in enumerate(_watched(generator, plans), start=1)]
    Camera.objects.bulk_create(cameras)
    with connection.cursor() as cursor:
        cursor.execute(_LINK_SQL, {"ids": [c.pk for c in cameras], "source": CameraLink.Source.AUTO})
        links = cursor.rowcount
    return len(cameras), links
