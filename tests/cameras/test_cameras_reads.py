"""Who sees which snapshot: the public delay, private cameras, cache headers, retention, time-lapse."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from camera_sites.models import Snapshot
from camera_sites.services import snapshot_ingest
from tests.cameras_helpers import image_bytes, make_camera


@pytest.fixture
def api():
    return APIClient()


def add_snapshot(camera, captured_at: dt.datetime) -> Snapshot:
    """Ingest as a device would; each call gets its own arrival time, so the rate limit never bites."""
    add_snapshot.clock = getattr(add_snapshot, "clock", timezone.now()) + dt.timedelta(seconds=10)
    camera.refresh_from_db()
    return snapshot_ingest(camera=camera, data=image_bytes(), captured_at=captured_at,
                           now=max(add_snapshot.clock, captured_at))


@pytest.fixture
def delayed(db):
    """A public camera with a one-hour public delay: one snapshot 2 h old, one 10 min old."""
    camera, _token = make_camera("Delayed", delay=60)
    now = timezone.now()
    old, new = add_snapshot(camera, now - dt.timedelta(hours=2)), add_snapshot(camera, now - dt.timedelta(minutes=10))
    return camera, old, new


def test_the_public_sees_snapshots_only_after_the_delay(api, delayed, people):
    camera, old, new = delayed
    listed = api.get(f"/api/cameras/{camera.pk}/snapshots/").json()["results"]
    assert [s["id"] for s in listed] == [old.pk]
    assert api.get(f"/api/cameras/{camera.pk}/snapshots/{new.pk}/image").status_code == 404
    assert api.get(f"/api/cameras/{camera.pk}/snapshots/{new.pk}/thumbnail").status_code == 404
    feature = api.get("/api/cameras/").json()["features"][0]
    assert feature["properties"]["latest_snapshot"]["id"] == old.pk
    old_file = api.get(feature["properties"]["latest_snapshot"]["url"])
    assert old_file.status_code == 200 and old_file["Content-Type"] == "image/jpeg"
    assert old_file["Cache-Control"].startswith("public")
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")
    assert [s["id"] for s in api.get(f"/api/cameras/{camera.pk}/snapshots/").json()["results"]] == [new.pk, old.pk]
    fresh = api.get(f"/api/cameras/{camera.pk}/snapshots/{new.pk}/image")
    assert fresh.status_code == 200 and fresh["Cache-Control"].startswith("private")
    assert "Authorization" in fresh["Vary"]


def test_a_private_cameras_snapshots_are_404_for_the_public(api, people, db):
    camera, _token = make_camera("Private", public=False)
    snapshot = add_snapshot(camera, timezone.now() - dt.timedelta(days=1))
    for path in (f"/api/cameras/{camera.pk}/", f"/api/cameras/{camera.pk}/snapshots/",
                 f"/api/cameras/{camera.pk}/snapshots/{snapshot.pk}/image", f"/cameras/{camera.pk}/"):
        assert api.get(path).status_code == 404, path
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['astana_planner'].token}")
    assert api.get(f"/api/cameras/{camera.pk}/snapshots/{snapshot.pk}/image").status_code == 200
    assert api.get(f"/api/cameras/999999/snapshots/{snapshot.pk}/image").status_code == 404
    other, _token = make_camera("Other")
    assert api.get(f"/api/cameras/{other.pk}/snapshots/{snapshot.pk}/image").status_code == 404


def test_retention_keeps_recent_days_then_one_a_day_and_always_the_latest(db, settings,
                                                                         django_capture_on_commit_callbacks):
    camera, _token = make_camera("Busy")
    quiet, _token = make_camera("Quiet", location=(71.5, 51.2))
    now = timezone.now()
    day = lambda days, hour: (now - dt.timedelta(days=days)).replace(hour=hour, minute=0)  # noqa: E731
    busy = [add_snapshot(camera, day(d, h)) for d in (20, 10) for h in (6, 9, 12)]
    recent = [add_snapshot(camera, now - dt.timedelta(hours=h)) for h in (30, 5, 1)]
    quiet_snaps = [add_snapshot(quiet, day(40, h)) for h in (8, 11)]
    doomed_files = [Path(settings.MEDIA_ROOT) / s.image.name for s in busy if s.captured_at.hour != 12]
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # files go once the deletion commits
        call_command("thin_snapshots", "--keep-days", "3", stdout=out)
    kept = set(Snapshot.objects.values_list("pk", flat=True))
    last_of_day = {s.pk for s in busy if s.captured_at.hour == 12}
    assert kept == last_of_day | {s.pk for s in recent} | {quiet_snaps[-1].pk}
    assert out.getvalue().startswith("Deleted 5 snapshot")
    assert all(not path.exists() for path in doomed_files)
    call_command("thin_snapshots", "--keep-days", "0", stdout=io.StringIO())
    assert quiet_snaps[-1].pk in set(Snapshot.objects.values_list("pk", flat=True))
    assert recent[-1].pk in set(Snapshot.objects.values_list("pk", flat=True))


def test_the_camera_page_hides_the_stream_url_from_the_public(client, db, people):
    camera, _token = make_camera("Gate", stream_url="rtsp://admin:secret@10.0.0.5/live")
    add_snapshot(camera, timezone.now() - dt.timedelta(minutes=1))
    public = client.get(f"/cameras/{camera.pk}/")
    assert public.status_code == 200
    assert b"secret@" not in public.content and b"latest-snapshot" in public.content
    client.force_login(people["astana_planner"].user)
    signed_in = client.get(f"/cameras/{camera.pk}/").content.decode()
    assert 'id="live-rtsp" href="rtsp://admin:secret@10.0.0.5/live"' in signed_in
    assert "Time-lapse" in signed_in


@pytest.mark.django_db(transaction=True)
def test_a_time_lapse_export_runs_in_the_background_and_downloads_as_a_gif(api, regions, people):
    camera, _token = make_camera("Export", delay=60)
    now = timezone.now()
    for hours in (50, 26, 2, 0.2):  # the last one still inside the public delay
        add_snapshot(camera, now - dt.timedelta(hours=hours))
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")
    started = api.post(f"/api/cameras/{camera.pk}/timelapse/")
    assert started.status_code == 202
    status_url = started.json()["status_url"]
    assert api.get(status_url).json()["download_url"] is None
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--interval", "0.1")
    status = api.get(status_url).json()
    assert status["status"] == "SUCCESSFUL", status
    download = api.get(status["download_url"])
    body = b"".join(download.streaming_content)
    assert download.status_code == 200 and body.startswith(b"GIF89a")
    api.credentials()
    assert api.get(status_url).status_code == 404  # made for a signed-in caller: it may hold delayed frames
