"""Time-lapse: frames by day for the player, and a GIF export made by the background worker."""
from __future__ import annotations

import datetime as dt
import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks import task
from PIL import Image

from camera_sites.models import Camera
from camera_sites.selectors import snapshots_visible_to
from projects.access import Audience

# The end of a time-lapse with no readable snapshot: it then holds none.
NOTHING_BEFORE = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)

# Each day is cut into per_day groups of equal snapshot count; each group gives its newest
# snapshot. A day of 8,640 snapshots (one per 10 s) thus plays as per_day frames.
_FRAMES_SQL = """
SELECT DISTINCT ON (day, tile) id, captured_at, day::text, image, thumbnail FROM (
    SELECT s.id, s.captured_at, s.image, s.thumbnail, (s.captured_at AT TIME ZONE %(tz)s)::date AS day,
        ntile(%(per_day)s) OVER (PARTITION BY (s.captured_at AT TIME ZONE %(tz)s)::date ORDER BY s.captured_at) AS tile
    FROM camera_sites_snapshot s
    WHERE s.camera_id = %(camera)s AND s.captured_at >= %(since)s AND s.captured_at <= %(until)s
) t
ORDER BY day, tile, captured_at DESC, id DESC
"""


def _frame_rows(*, camera: Camera, until: dt.datetime, days: int, per_day: int) -> list[tuple]:
    params = {"tz": settings.TIME_ZONE, "per_day": per_day, "camera": camera.pk,
              "since": until - dt.timedelta(days=days), "until": until}
    with connection.cursor() as cursor:
        cursor.execute(_FRAMES_SQL, params)
        return cursor.fetchall()


def timelapse_until(*, audience: Audience, camera: Camera) -> dt.datetime:
    """The newest capture this audience may read: its time-lapse ends there (the public's waits out the delay)."""
    newest = snapshots_visible_to(audience=audience, camera=camera).values_list("captured_at", flat=True).first()
    return newest or NOTHING_BEFORE


def timelapse_frames(*, audience: Audience, camera: Camera, days: int = 30, per_day: int = 24) -> list[dict]:
    """Return the time-lapse frames an audience may read, oldest first, grouped by day."""
    rows = _frame_rows(camera=camera, until=timelapse_until(audience=audience, camera=camera), days=days,
                       per_day=per_day)
    return [{"id": pk, "t": captured_at.isoformat(), "day": day,
             "src": reverse("camera-snapshot-image", args=[camera.pk, pk]),
             "thumb": reverse("camera-snapshot-thumbnail", args=[camera.pk, pk])}
            for pk, captured_at, day, _image, _thumb in rows]


@task()
def camera_timelapse_export(camera_id: int, until_iso: str, days: int = 30, per_day: int = 24, *,
                            owner_id: int | None = None) -> str:
    """Render the time-lapse as an animated GIF of thumbnails; return its storage name."""
    camera = Camera.objects.get(pk=camera_id)
    rows = _frame_rows(camera=camera, until=dt.datetime.fromisoformat(until_iso), days=days, per_day=per_day)
    frames = []
    for _pk, _captured_at, _day, image_name, thumbnail_name in rows:
        with default_storage.open(thumbnail_name or image_name, "rb") as handle:
            frames.append(Image.open(handle).convert("RGB").quantize(colors=128))
    if not frames:
        raise ValueError("No snapshots to make a time-lapse from.")
    output = io.BytesIO()
    frames[0].save(output, "GIF", save_all=True, append_images=frames[1:], duration=250, loop=0)
    return default_storage.save(f"exports/timelapse/{camera_id}/{uuid.uuid4().hex}.gif",
                                ContentFile(output.getvalue()))
