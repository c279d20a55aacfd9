"""Reads for cameras: what a caller may see, built as GeoJSON in PostGIS."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from camera_sites.models import Camera, Snapshot
from projects.models import Region
from projects.selectors import sees_everything, user_region_ids, user_role, visibility_sql


def camera_visibility_sql(*, user, alias: str = "c") -> tuple[str, list]:
    """A SQL condition: public cameras, everything for national roles, own regions for akimats."""
    if sees_everything(user):
        return "TRUE", []
    if user_role(user) == "akimat":
        return (f"({alias}.is_public OR EXISTS (SELECT 1 FROM projects_region vr WHERE vr.id = ANY(%s) "
                f"AND ST_Intersects(vr.boundary, {alias}.location)))", [user_region_ids(user)])
    return f"{alias}.is_public", []


def snapshot_cutoff_sql(*, user, alias: str = "c") -> tuple[str, list]:
    """Snapshots newer than the public delay stay hidden from callers who see only public data."""
    if user.is_authenticated:
        return "TRUE", []
    return f"s.captured_at <= %s - make_interval(mins => {alias}.public_delay_minutes)", [timezone.now()]


def offline_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.GEOTRACK["CAMERA_OFFLINE_AFTER_SECONDS"])


_CAMERAS_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
    'type', 'Feature',
    'id', c.id,
    'geometry', ST_AsGeoJSON(c.location, 6)::json,
    'properties', json_build_object(
        'label', c.label,
        'status', CASE WHEN c.last_seen_at >= %s THEN 'online' ELSE 'offline' END,
        'last_seen_at', c.last_seen_at,
        'bearing', c.bearing, 'fov_angle', c.fov_angle, 'range_m', c.range_m,
        'fov', ST_AsGeoJSON(c.fov, 6)::json,
        'is_public', c.is_public,
        'stream_url', CASE WHEN %s THEN NULLIF(c.stream_url, '') END,
        'latest_snapshot', snap.info,
        'projects', COALESCE(watched.ids, '[]'::json)
    )
) ORDER BY c.id), '[]'::json))::text
FROM camera_sites_camera c
LEFT JOIN LATERAL (
    SELECT json_build_object('id', s.id, 'captured_at', s.captured_at,
        'url', '/api/cameras/' || c.id || '/snapshots/' || s.id || '/image',
        'thumbnail_url', '/api/cameras/' || c.id || '/snapshots/' || s.id || '/thumbnail') AS info
    FROM camera_sites_snapshot s
    WHERE s.camera_id = c.id AND {cutoff}
    ORDER BY s.captured_at DESC, s.id DESC LIMIT 1
) snap ON true
LEFT JOIN LATERAL (
    SELECT json_agg(p.id ORDER BY p.id) AS ids
    FROM camera_sites_cameralink l JOIN projects_project p ON p.id = l.project_id
    WHERE l.camera_id = c.id AND l.active AND {project_visible}
) watched ON true
WHERE {camera_visible} {extra}
"""


def cameras_geojson(*, user, bbox=None, project_id: int | None = None, camera_id: int | None = None) -> str:
    """Return the cameras a user may see as GeoJSON text, with status and latest visible snapshot."""
    camera_visible, camera_params = camera_visibility_sql(user=user)
    project_visible, project_params = visibility_sql(user=user, alias="p")
    cutoff, cutoff_params = snapshot_cutoff_sql(user=user)
    extra, extra_params = "", []
    if bbox is not None:
        extra, extra_params = "AND ST_Intersects(c.location, ST_GeomFromEWKB(%s))", [bytes(bbox.ewkb)]
    if project_id is not None:
        extra += (" AND EXISTS (SELECT 1 FROM camera_sites_cameralink pl WHERE pl.camera_id = c.id "
                  "AND pl.active AND pl.project_id = %s)")
        extra_params.append(project_id)
    if camera_id is not None:
        extra += " AND c.id = %s"
        extra_params.append(camera_id)
    sql = _CAMERAS_SQL.format(cutoff=cutoff, project_visible=project_visible, camera_visible=camera_visible,
                              extra=extra)
    params = [timezone.now() - offline_after(), user.is_authenticated, *cutoff_params, *project_params,
              *camera_params, *extra_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]



def cameras_visible_to(*, user) -> QuerySet[Camera]:
    """Return the cameras a user may see: the queryset twin of camera_visibility_sql()."""
    cameras = Camera.objects.all()
    if sees_everything(user):
        return cameras
    visible = Q(is_public=True)
    if user_role(user) == "akimat":
        in_regions = Region.objects.filter(pk__in=user_region_ids(user), boundary__intersects=OuterRef("location"))
        visible |= Q(Exists(in_regions))
    return cameras.filter(visible)


def snapshots_visible_to(*, user, camera: Camera, now: dt.datetime | None = None) -> QuerySet[Snapshot]:
    """Return a visible camera's snapshots, newest first; anonymous callers wait out the public delay."""
    snapshots = camera.snapshots.order_by("-captured_at", "-id")
    if not user.is_authenticated:
        snapshots = snapshots.filter(captured_at__lte=public_cutoff(camera=camera, now=now))
    return snapshots


def public_cutoff(*, camera: Camera, now: dt.datetime | None = None) -> dt.datetime:
    """The newest capture time the public may see for this camera."""
    return (now or timezone.now()) - dt.timedelta(minutes=camera.public_delay_minutes)


def snapshot_is_public(*, camera: Camera, snapshot: Snapshot, now: dt.datetime | None = None) -> bool:
    """True when everyone may see this snapshot, so its bytes may be cached publicly."""
    return camera.is_public and snapshot.captured_at <= public_cutoff(camera=camera, now=now)


def camera_outages(*, camera: Camera, limit: int = 50) -> list[dict]:
    """Return the camera's outages, newest first: when it went offline and when it came back."""
    outages: list[dict] = []
    back_at = None
    for change in camera.status_changes.order_by("-changed_at", "-id")[: limit * 2]:
        if change.online:
            back_at = change.changed_at
        else:
            ended = back_at
            outages.append({"started_at": change.changed_at, "ended_at": ended,
                            "duration": (ended - change.changed_at) if ended else None})
            back_at = None
    return outages[:limit]
