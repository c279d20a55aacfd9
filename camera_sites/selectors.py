"""Reads for cameras: what a caller may see, built as GeoJSON in PostGIS."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from camera_sites.models import Camera, Snapshot
from geotrack.core.links import sql_path
from geotrack.core.sql import Sql, feature, feature_collection
from projects.access import Audience, readable_by_public


def offline_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.GEOTRACK["CAMERA_OFFLINE_AFTER_SECONDS"])


def online_sql(alias: str = "c", *, now: dt.datetime | None = None) -> Sql:
    """'online' or 'offline' for a camera alias, by its last report."""
    return Sql(f"CASE WHEN {alias}.last_seen_at >= %(online_since)s THEN 'online' ELSE 'offline' END",
               {"online_since": (now or timezone.now()) - offline_after()})


_CAMERA_PROPERTIES = """json_build_object(
    'label', c.label,
    'status', {status},
    'last_seen_at', c.last_seen_at,
    'bearing', c.bearing, 'fov_angle', c.fov_angle, 'range_m', c.range_m,
    'fov', ST_AsGeoJSON(c.fov, 6)::json,
    'is_public', c.is_public,
    'stream_url', CASE WHEN %(show_stream)s THEN NULLIF(c.stream_url, '') END,
    'latest_snapshot', snap.info,
    'projects', COALESCE(watched.ids, '[]'::json))"""

_CAMERAS_SQL = """
SELECT {collection}::text
FROM camera_sites_camera c
LEFT JOIN LATERAL (
    SELECT json_build_object('id', s.id, 'captured_at', s.captured_at,
        'url', {image_url}, 'thumbnail_url', {thumbnail_url}) AS info
    FROM camera_sites_snapshot s
    WHERE s.camera_id = c.id AND {snapshot_visible}
    ORDER BY s.captured_at DESC, s.id DESC LIMIT 1
) snap ON true
LEFT JOIN LATERAL (
    SELECT json_agg(p.id ORDER BY p.id) AS ids
    FROM camera_sites_cameralink l JOIN projects_project p ON p.id = l.project_id
    WHERE l.camera_id = c.id AND l.active AND {project_visible}
) watched ON true
WHERE {camera_visible} {extra}
"""


def cameras_geojson(*, audience: Audience, bbox=None, project_id: int | None = None,
                    camera_id: int | None = None) -> str:
    """Return the cameras an audience may read as GeoJSON text, with status and latest readable snapshot.

    Stream URLs are hidden from callers who are not signed in. A project filter that names a
    project the audience may not read finds nothing, exactly as an unknown id does.
    """
    extra = []
    if bbox is not None:
        extra.append(Sql("AND ST_Intersects(c.location, ST_GeomFromEWKB(%(bbox)s))", {"bbox": bytes(bbox.ewkb)}))
    if project_id is not None:
        extra.append(Sql("AND EXISTS (SELECT 1 FROM camera_sites_cameralink pl JOIN projects_project pp "
                         "ON pp.id = pl.project_id WHERE pl.camera_id = c.id AND pl.active "
                         "AND pl.project_id = %(only_project)s AND {visible})",
                         {"only_project": project_id}).format(visible=audience.sql("project", "pp")))
    if camera_id is not None:
        extra.append(Sql("AND c.id = %(only_camera)s", {"only_camera": camera_id}))
    properties = Sql(_CAMERA_PROPERTIES, {"show_stream": audience.authenticated}).format(status=online_sql("c"))
    collection = feature_collection(feature=feature(id="c.id", geometry="c.location", properties=properties),
                                    order="c.id")
    statement = Sql(_CAMERAS_SQL).format(
        collection=collection, snapshot_visible=audience.sql("snapshot", "s"),
        image_url=sql_path("camera-snapshot-image", "c.id", "s.id"),
        thumbnail_url=sql_path("camera-snapshot-thumbnail", "c.id", "s.id"),
        project_visible=audience.sql("project", "p"), camera_visible=audience.sql("camera", "c"),
        extra=Sql.join(" ", extra))
    return statement.value()


def cameras_visible_to(*, audience: Audience) -> QuerySet[Camera]:
    """Return the cameras an audience may read."""
    return audience.filter(Camera.objects.all(), "camera")


def snapshots_visible_to(*, audience: Audience, camera: Camera) -> QuerySet[Snapshot]:
    """Return a camera's snapshots the audience may read, newest first (the public waits out the delay)."""
    return audience.filter(camera.snapshots.all(), "snapshot").order_by("-captured_at", "-id")


def snapshot_is_public(*, snapshot: Snapshot) -> bool:
    """True when everyone may read this snapshot, so its bytes may be cached publicly."""
    return readable_by_public(Snapshot.objects.filter(pk=snapshot.pk), "snapshot")


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
