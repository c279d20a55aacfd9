"""Writes for cameras: saving and linking, device reports, status transitions, retention.

Every service takes `now` so that tests control the clock; it defaults to timezone.now().
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from camera_sites.geometry import fov_polygon
from geotrack.core.images import ImageRejected, snapshot_image_prepare
from camera_sites.models import Camera, Snapshot
from camera_sites.tokens import camera_token_issue


class SnapshotRejected(Exception):
    """A device upload that is refused; nothing was stored."""

    def __init__(self, message: str, status_code: int = 400, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.retry_after = retry_after


# --- field of view and links ------------------------------------------------------------

# One statement: auto links follow the cones; a manual link (active or not) is never touched,
# and ON CONFLICT leaves it in place when the cone would make the same link.
_LINKS_REFRESH_SQL = """
WITH wanted AS (
    SELECT c.id AS camera_id, p.id AS project_id
    FROM camera_sites_camera c JOIN projects_project p ON ST_Intersects(c.fov, p.geom)
    WHERE (%(cameras)s::bigint[] IS NULL OR c.id = ANY(%(cameras)s::bigint[]))
      AND (%(projects)s::bigint[] IS NULL OR p.id = ANY(%(projects)s::bigint[]))
), removed AS (
    DELETE FROM camera_sites_cameralink l
    WHERE l.source = 'auto'
      AND (%(cameras)s::bigint[] IS NULL OR l.camera_id = ANY(%(cameras)s::bigint[]))
      AND (%(projects)s::bigint[] IS NULL OR l.project_id = ANY(%(projects)s::bigint[]))
      AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.camera_id = l.camera_id AND w.project_id = l.project_id)
)
INSERT INTO camera_sites_cameralink (camera_id, project_id, source, active)
SELECT camera_id, project_id, 'auto', true FROM wanted ORDER BY camera_id, project_id
ON CONFLICT (camera_id, project_id) DO NOTHING
"""


def camera_links_refresh(*, camera_ids: Iterable[int] | None = None,
                         project_ids: Iterable[int] | None = None) -> None:
    """Make the automatic camera-project links match cone/geometry intersections, in one statement."""
    params = {"cameras": _id_array(camera_ids), "projects": _id_array(project_ids)}
    with connection.cursor() as cursor:
        cursor.execute(_LINKS_REFRESH_SQL, params)


def _id_array(ids: Iterable[int] | None) -> str | None:
    """Ids as one array literal for `::bigint[]`: quoting 100k ints one by one client-side takes a second."""
    return None if ids is None else "{" + ",".join(str(int(value)) for value in ids) + "}"


def relink_cameras(sender, project_ids: list[int], **kwargs) -> None:
    """Listener of projects_geometry_changed: link the cameras whose field of view covers these projects."""
    camera_links_refresh(project_ids=project_ids)


@transaction.atomic
def camera_save(*, camera: Camera) -> Camera:
    """Save a camera with its cone computed from location, bearing, angle and range; relink it."""
    camera.fov = fov_polygon(camera)
    camera.full_clean(exclude=["projects"])
    camera.save()
    camera_links_refresh(camera_ids=[camera.pk])
    return camera


@transaction.atomic
def camera_create(*, camera: Camera) -> tuple[Camera, str]:
    """Create a camera and return it with its first device token (shown once)."""
    camera_save(camera=camera)
    return camera, camera_token_issue(camera=camera)


# --- device reports and status -------------------------------------------------------------

# One statement per report: lock the row, stamp last_seen_at (and, for snapshots, the rate
# limit), and record an "online" transition only when the camera was recorded offline.
_TOUCH_CTES = """
WITH prev AS (
    SELECT id, online FROM camera_sites_camera
    WHERE id = %(id)s AND (NOT %(limit)s OR last_snapshot_at IS NULL OR last_snapshot_at <= %(earliest)s)
    FOR UPDATE
), touched AS (
    UPDATE camera_sites_camera c SET last_seen_at = GREATEST(c.last_seen_at, %(now)s), online = true,
        last_snapshot_at = CASE WHEN %(limit)s THEN %(now)s ELSE c.last_snapshot_at END
    FROM prev WHERE c.id = prev.id
    RETURNING prev.online AS was_online
), recorded AS (
    INSERT INTO camera_sites_camerastatuschange (camera_id, online, changed_at)
    SELECT %(id)s, true, %(now)s FROM touched WHERE NOT was_online
)"""
_TOUCH_SQL = _TOUCH_CTES + "\nSELECT count(*) FROM touched\n"

# A snapshot in one statement too: the touch above with the rate limit, then its row, only if the
# touch happened. Autocommit makes the statement its own transaction: no BEGIN or COMMIT round trip.
_INGEST_SQL = _TOUCH_CTES + """, stored AS (
    INSERT INTO camera_sites_snapshot (camera_id, image, thumbnail, captured_at, received_at)
    SELECT %(id)s, %(image)s, %(thumbnail)s, %(captured_at)s, %(now)s FROM touched
    RETURNING id
)
SELECT id FROM stored
"""


def _camera_touch(*, camera_id: int, now: dt.datetime, min_interval: float | None) -> bool:
    """Mark a camera seen; with min_interval, only if its last snapshot is old enough. Return success."""
    limit = min_interval is not None
    earliest = now - dt.timedelta(seconds=min_interval or 0)
    with connection.cursor() as cursor:
        cursor.execute(_TOUCH_SQL, {"id": camera_id, "now": now, "limit": limit, "earliest": earliest})
        return cursor.fetchone()[0] == 1


def camera_heartbeat(*, camera: Camera, now: dt.datetime | None = None) -> None:
    """Record a heartbeat: one UPDATE of last_seen_at, never a row per beat."""
    _camera_touch(camera_id=camera.pk, now=now or timezone.now(), min_interval=None)


_SWEEP_SQL = """
WITH gone AS (
    UPDATE camera_sites_camera SET online = false
    WHERE online AND (last_seen_at IS NULL OR last_seen_at < %(cutoff)s)
    RETURNING id, last_seen_at
)
INSERT INTO camera_sites_camerastatuschange (camera_id, online, changed_at)
SELECT id, false, COALESCE(last_seen_at + %(threshold)s, %(now)s) FROM gone
"""


def camera_status_sweep(*, now: dt.datetime | None = None) -> int:
    """Record "offline" for every camera silent past the threshold, in one statement; return how many."""
    now = now or timezone.now()
    threshold = dt.timedelta(seconds=settings.GEOTRACK["CAMERA_OFFLINE_AFTER_SECONDS"])
    with connection.cursor() as cursor:
        # The outage starts when the threshold was crossed, not when the sweep noticed it.
        cursor.execute(_SWEEP_SQL, {"cutoff": now - threshold, "threshold": threshold, "now": now})
        return cursor.rowcount


def _captured_at(value: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        raise SnapshotRejected(_("captured_at needs a time zone offset."))
    if value > now + dt.timedelta(seconds=settings.GEOTRACK["SNAPSHOT_CLOCK_SKEW_S"]):
        raise SnapshotRejected(_("captured_at lies in the future; check the device clock."))
    return value


def _snapshot_names(camera_id: int, now: dt.datetime, extension: str) -> tuple[str, str]:
    stem = f"{camera_id}/{now:%Y/%m/%d}/{uuid.uuid4().hex}"
    return f"snapshots/{stem}.{extension}", f"snapshots/thumbs/{stem}.jpg"


def snapshot_ingest(*, camera: Camera, data: bytes, captured_at: dt.datetime | None = None,
                    now: dt.datetime | None = None, declared_name: str = "") -> Snapshot:
    """Check, clean and store a device's snapshot with its thumbnail; all or nothing."""
    now = now or timezone.now()
    config = settings.GEOTRACK
    interval = config["SNAPSHOT_MIN_INTERVAL_S"]
    if len(data) > config["BODY_LIMITS"]["camera-snapshots"]:
        raise SnapshotRejected(_("The image is larger than the upload limit."), 413)
    _check_rate(camera, now, interval)  # cheap early answer before decoding anything
    captured_at = _captured_at(captured_at, now)
    try:
        prepared = snapshot_image_prepare(data=data, max_pixels=config["SNAPSHOT_MAX_PIXELS"], declared_name=declared_name,
                                          thumbnail_px=config["SNAPSHOT_THUMBNAIL_PX"])
    except ImageRejected as exc:
        raise SnapshotRejected(exc.message, exc.status_code) from exc
    image_name, thumbnail_name = _snapshot_names(camera.pk, now, prepared.extension)
    saved: list[str] = []
    try:
        saved.append(default_storage.save(image_name, ContentFile(prepared.content)))
        saved.append(default_storage.save(thumbnail_name, ContentFile(prepared.thumbnail)))
        snapshot_id = _snapshot_row(camera_id=camera.pk, image=saved[0], thumbnail=saved[1],
                                    captured_at=captured_at, now=now, min_interval=interval)
        if snapshot_id is None:
            raise _rate_limited(interval)  # another request of this camera won the race
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise
    return Snapshot(pk=snapshot_id, camera_id=camera.pk, image=saved[0], thumbnail=saved[1],
                    captured_at=captured_at, received_at=now)


def _snapshot_row(*, camera_id: int, image: str, thumbnail: str, captured_at: dt.datetime, now: dt.datetime,
                  min_interval: float) -> int | None:
    """Touch the camera within its rate limit and store the snapshot's row, atomically; None when limited."""
    params = {"id": camera_id, "now": now, "limit": True, "earliest": now - dt.timedelta(seconds=min_interval),
              "image": image, "thumbnail": thumbnail, "captured_at": captured_at}
    with connection.cursor() as cursor:  # one statement: atomic on its own
        cursor.execute(_INGEST_SQL, params)
        row = cursor.fetchone()
    return row[0] if row else None


def _check_rate(camera: Camera, now: dt.datetime, interval: float) -> None:
    last = camera.last_snapshot_at
    if last is not None and (now - last).total_seconds() < interval:
        raise _rate_limited(interval - (now - last).total_seconds())


def _rate_limited(wait_seconds: float) -> SnapshotRejected:
    return SnapshotRejected(_("Too many snapshots from this camera; wait before sending the next."), 429,
                            retry_after=max(1, int(wait_seconds + 0.999)))


# --- retention ------------------------------------------------------------------------------

_THIN_SQL = """
WITH old AS (
    SELECT id, camera_id, captured_at, (captured_at AT TIME ZONE %(tz)s)::date AS day
    FROM camera_sites_snapshot WHERE captured_at < %(cutoff)s
), daily AS (
    SELECT DISTINCT ON (camera_id, day) id FROM old ORDER BY camera_id, day, captured_at DESC, id DESC
), latest AS (
    SELECT newest.id FROM camera_sites_camera c CROSS JOIN LATERAL (
        SELECT s.id FROM camera_sites_snapshot s WHERE s.camera_id = c.id
        ORDER BY s.captured_at DESC, s.id DESC LIMIT 1) newest
)
DELETE FROM camera_sites_snapshot s USING old
WHERE s.id = old.id AND s.id NOT IN (SELECT id FROM daily) AND s.id NOT IN (SELECT id FROM latest)
RETURNING s.image, s.thumbnail
"""


def snapshots_thin(*, keep_days: int, now: dt.datetime | None = None) -> int:
    """Keep every snapshot of the last keep_days days, then the last one per camera per day.

    A camera's latest snapshot always stays. Files go once the rows are gone for good.
    """
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_THIN_SQL, {"cutoff": now - dt.timedelta(days=keep_days), "tz": settings.TIME_ZONE})
        rows = cursor.fetchall()
        names = [name for row in rows for name in row if name]
        transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    return len(rows)
