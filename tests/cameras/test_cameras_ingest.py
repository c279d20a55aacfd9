"""Devices report in: token scoping, every bad upload refused with nothing stored, status over time."""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from camera_sites.models import CameraStatusChange, Snapshot
from camera_sites.selectors import camera_outages
from camera_sites.services import camera_heartbeat, camera_status_sweep
from tests.cameras_helpers import image_bytes, make_camera

T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def cameras(db):
    (a, token_a), (b, token_b) = make_camera("A"), make_camera("B", location=(71.5, 51.2))
    return {"a": a, "token_a": token_a, "b": b, "token_b": token_b}


def post_snapshot(api, camera_id: int, token: str | None, data: bytes, name: str = "s.jpg", **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return api.post(f"/api/cameras/{camera_id}/snapshots/", {"image": SimpleUploadedFile(name, data), **extra},
                    format="multipart", **headers)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def assert_nothing_stored(settings):
    assert Snapshot.objects.count() == 0
    assert stored_files(settings) == []


def test_a_device_posts_a_snapshot_that_is_cleaned_stored_and_thumbnailed(api, cameras, settings):
    response = post_snapshot(api, cameras["a"].pk, cameras["token_a"], image_bytes(exif=True, size=(800, 600)))
    assert response.status_code == 201, response.content
    snapshot = Snapshot.objects.get()
    with snapshot.image.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
    assert image.format == "JPEG" and image.size == (800, 600)
    assert not image.getexif()  # Make and Software are gone
    with snapshot.thumbnail.open("rb") as handle:
        assert max(Image.open(handle).size) == 320
    cameras["a"].refresh_from_db()
    assert cameras["a"].last_seen_at is not None and cameras["a"].online
    assert response.json()["url"] == f"/api/cameras/{cameras['a'].pk}/snapshots/{snapshot.pk}/image"
    assert len(stored_files(settings)) == 2


def test_a_png_stays_a_png(api, cameras):
    assert post_snapshot(api, cameras["a"].pk, cameras["token_a"], image_bytes("PNG"), "s.png").status_code == 201
    assert Snapshot.objects.get().image.name.endswith(".png")


@pytest.mark.parametrize("case", ["missing", "wrong", "malformed", "old_after_rotation"])
def test_a_wrong_or_missing_token_gets_401_and_stores_nothing(api, cameras, settings, case):
    token = {"missing": None, "wrong": f"{cameras['a'].pk}.not-the-secret", "malformed": "nonsense",
             "old_after_rotation": cameras["token_a"]}[case]
    if case == "old_after_rotation":
        call_command("camera_token", str(cameras["a"].pk), stdout=io.StringIO())
    response = post_snapshot(api, cameras["a"].pk, token, image_bytes())
    assert response.status_code == 401
    assert response.json()["detail"]
    assert "Bearer" in response["WWW-Authenticate"]
    assert api.post(f"/api/cameras/{cameras['a'].pk}/heartbeat/",
                    **({"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {})).status_code == 401
    assert_nothing_stored(settings)


def test_camera_token_prints_a_new_token_that_works(api, cameras):
    out = io.StringIO()
    call_command("camera_token", str(cameras["a"].pk), stdout=out)
    token = out.getvalue().strip()
    assert token != cameras["token_a"] and token.startswith(f"{cameras['a'].pk}.")
    assert api.post(f"/api/cameras/{cameras['a'].pk}/heartbeat/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 204


def test_camera_as_token_cannot_post_to_camera_b(api, cameras, settings):
    assert post_snapshot(api, cameras["b"].pk, cameras["token_a"], image_bytes()).status_code == 404
    assert api.post(f"/api/cameras/{cameras['b'].pk}/heartbeat/",
                    HTTP_AUTHORIZATION=f"Bearer {cameras['token_a']}").status_code == 404
    assert_nothing_stored(settings)
    cameras["b"].refresh_from_db()
    assert cameras["b"].last_seen_at is None


@pytest.mark.parametrize("payload,name", [
    (b"GIF89a" + bytes(100), "s.gif"),
    (b"%PDF-1.4 not an image", "s.jpg"),
    (image_bytes()[:200], "s.jpg"),  # a truncated JPEG
    (image_bytes("GIF"), "s.gif"),  # a real image, but not JPEG or PNG
    (image_bytes("BMP"), "s.bmp"),
])
def test_anything_but_a_whole_jpeg_or_png_is_refused(api, cameras, settings, payload, name):
    response = post_snapshot(api, cameras["a"].pk, cameras["token_a"], payload, name)
    assert response.status_code == 400, response.content
    assert "image" in response.json()["errors"]
    assert_nothing_stored(settings)


def test_a_capture_time_in_the_future_is_refused(api, cameras, settings):
    future = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat()
    response = post_snapshot(api, cameras["a"].pk, cameras["token_a"], image_bytes(), captured_at=future)
    assert response.status_code == 400
    assert_nothing_stored(settings)


def test_an_oversized_body_gets_413(api, cameras, settings):
    settings.GEOTRACK = {**settings.GEOTRACK, "BODY_LIMITS": {**settings.GEOTRACK["BODY_LIMITS"],
                                                              "camera-snapshots": 20_000}}
    response = post_snapshot(api, cameras["a"].pk, cameras["token_a"], image_bytes("PNG", (300, 300)) + bytes(30_000))
    assert response.status_code == 413
    assert_nothing_stored(settings)


def test_too_many_pixels_gets_413(api, cameras, settings):
    settings.GEOTRACK = {**settings.GEOTRACK, "SNAPSHOT_MAX_PIXELS": 100_000}
    response = post_snapshot(api, cameras["a"].pk, cameras["token_a"], image_bytes("PNG", (1000, 1000)), name="s.png")
    assert response.status_code == 413
    assert "pixels" in response.json()["detail"]
    assert_nothing_stored(settings)


def test_a_burst_beyond_the_rate_gets_429_with_retry_after(api, cameras, settings):
    settings.GEOTRACK = {**settings.GEOTRACK, "SNAPSHOT_MIN_INTERVAL_S": 30}
    assert post_snapshot(api, cameras["a"].pk, cameras["token_a"], image_bytes()).status_code == 201
    files = stored_files(settings)
    for _ in range(3):
        response = post_snapshot(api, cameras["a"].pk, cameras["token_a"], image_bytes())
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 30
    assert Snapshot.objects.count() == 1 and stored_files(settings) == files
    # The limit is per camera: B is not slowed down by A.
    assert post_snapshot(api, cameras["b"].pk, cameras["token_b"], image_bytes()).status_code == 201


def test_a_heartbeat_costs_one_update_and_no_row(api, cameras):
    url, auth = f"/api/cameras/{cameras['a'].pk}/heartbeat/", f"Bearer {cameras['token_a']}"
    api.post(url, HTTP_AUTHORIZATION=auth)  # the first beat records the camera coming online
    changes = CameraStatusChange.objects.count()
    with CaptureQueriesContext(connection) as queries:
        assert api.post(url, HTTP_AUTHORIZATION=auth).status_code == 204
    statements = [query["sql"].lstrip().split()[0].upper() for query in queries.captured_queries]
    assert statements == ["SELECT", "WITH"]  # the token check, then one statement holding the UPDATE
    assert sum("UPDATE" in query["sql"] for query in queries.captured_queries) == 1
    assert CameraStatusChange.objects.count() == changes


@pytest.mark.django_db
def test_status_changes_are_recorded_over_a_controlled_clock(cameras, settings):
    camera = cameras["a"]
    settings.GEOTRACK = {**settings.GEOTRACK, "CAMERA_OFFLINE_AFTER_SECONDS": 300}
    camera_heartbeat(camera=camera, now=T0)
    camera_heartbeat(camera=camera, now=T0 + dt.timedelta(seconds=100))
    assert camera_status_sweep(now=T0 + dt.timedelta(seconds=399)) == 0
    assert camera_status_sweep(now=T0 + dt.timedelta(seconds=401)) == 1
    assert camera_status_sweep(now=T0 + dt.timedelta(seconds=900)) == 0  # already recorded
    camera_heartbeat(camera=camera, now=T0 + dt.timedelta(seconds=1000))
    history = [(c.online, c.changed_at) for c in CameraStatusChange.objects.filter(camera=camera).order_by("changed_at")]
    assert history == [(True, T0), (False, T0 + dt.timedelta(seconds=400)), (True, T0 + dt.timedelta(seconds=1000))]
    assert camera_outages(camera=camera) == [{"started_at": T0 + dt.timedelta(seconds=400),
                                             "ended_at": T0 + dt.timedelta(seconds=1000),
                                             "duration": dt.timedelta(seconds=600)}]
    assert CameraStatusChange.objects.filter(camera=cameras["b"]).count() == 0  # never seen, never online


def test_the_sweep_command_records_offline_cameras(cameras):
    camera_heartbeat(camera=cameras["a"], now=T0)
    out = io.StringIO()
    call_command("camera_status_sweep", stdout=out)
    assert out.getvalue().startswith("1 camera")
    assert CameraStatusChange.objects.filter(camera=cameras["a"], online=False).exists()


@pytest.mark.django_db(transaction=True)
def test_the_simulator_plays_devices_over_http(live_server, regions):
    (a, old_token), (b, _token) = make_camera("A"), make_camera("B", location=(71.5, 51.2))
    out = io.StringIO()
    call_command("simulate_cameras", "--count", "2", "--interval", "2.5", "--url", live_server.url,
                 "--duration", "4", "--offline-rate", "0", "--sweep-every", "1", stdout=out)
    sent = int(re.search(r"snapshots: (\d+) sent \([\d.]+/s\), 0 errors", out.getvalue())[1])
    assert sent >= 2 and Snapshot.objects.count() == sent
    assert Snapshot.objects.filter(camera=a).exists() and Snapshot.objects.filter(camera=b).exists()
    a.refresh_from_db()
    assert a.online and a.token_hash  # a fresh token was issued: the creation-time one is dead
    assert APIClient().post(f"/api/cameras/{a.pk}/heartbeat/", HTTP_AUTHORIZATION=f"Bearer {old_token}").status_code == 401
