"""Threat: anyone makes the server work without end (SECURITY.md, "Abuse").

Anonymous callers could queue a time-lapse job per request, ask for exports and packages without
limit, and generated files were never deleted. Now expensive reads are rate-limited per caller,
only signed-in users start background jobs (a few at a time each), synchronous exports share a few
slots over all processes, and generated files go after their retention period.
"""
from __future__ import annotations

import datetime as dt
import os
import time
import zlib
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from geotrack.core.concurrency import slot
from geotrack.site.retention import generated_files_sweep
from tests.cameras_helpers import make_camera


def limits(settings, **overrides) -> None:
    settings.GEOTRACK = {**settings.GEOTRACK, "RATE_LIMITS": {**settings.GEOTRACK["RATE_LIMITS"], **overrides}}


@pytest.mark.django_db
def test_anonymous_callers_start_no_background_job(regions, people, settings):
    camera, _token = make_camera("Gate")
    assert APIClient().post(reverse("camera-timelapse", args=[camera.pk])).status_code == 401
    settings.GEOTRACK = {**settings.GEOTRACK, "EXPORT_SYNC_MAX": 0}
    make_camera("Second")
    response = APIClient().get(reverse("export", kwargs={"layer": "cameras", "export_format": "geojson"}))
    assert response.status_code == 401
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_a_user_has_a_few_jobs_at_once_and_a_start_rate(regions, people, settings):
    camera, _token = make_camera("Gate")
    settings.GEOTRACK = {**settings.GEOTRACK, "MAX_JOBS_PER_USER": 2}
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")
    url = reverse("camera-timelapse", args=[camera.pk])
    assert [api.post(url).status_code for _ in range(3)] == [202, 202, 429]
    refused = api.post(url)
    assert refused.status_code == 429 and refused["Retry-After"] and "2" in refused.json()["detail"]
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {people['astana_planner'].token}")
    assert other.post(url).status_code == 202  # the cap is per user
    DBTaskResult.objects.update(status="SUCCESSFUL", finished_at=timezone.now())
    limits(settings, jobs=(5, 3600))  # every attempt counts against the start rate, refused ones too
    assert api.post(url).status_code == 202  # jobs done: room again, the fifth attempt within the rate
    refused = api.post(url)
    assert refused.status_code == 429 and "Too many background jobs" in refused.json()["detail"]


@pytest.mark.django_db
def test_expensive_reads_are_rate_limited_per_caller(regions, people, settings):
    limits(settings, oc4ids=(2, 3600), **{"report-pdf": (1, 3600), "as-of": (2, 3600)})
    anonymous = APIClient()
    package = reverse("export-oc4ids")
    statuses = [anonymous.get(package).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")
    assert signed_in.get(package).status_code == 200  # each caller has its own budget
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    alerts = reverse("alert-list") + f"?as_of={yesterday}"
    assert [anonymous.get(alerts).status_code for _ in range(3)] == [200, 200, 429]
    assert anonymous.get(reverse("alert-list")).status_code == 200  # today's alerts are not limited
    report = anonymous.get(reverse("roadmap-report", args=["pdf"]))
    assert report.status_code == 200
    refused = anonymous.get(reverse("roadmap-report", args=["pdf"]))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0 and refused.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_synchronous_exports_share_a_few_slots_over_all_processes(regions, settings):
    make_camera("Gate")
    settings.GEOTRACK = {**settings.GEOTRACK, "EXPORT_CONCURRENCY": 1}
    url = reverse("export", kwargs={"layer": "cameras", "export_format": "geojson"})
    database = connection.settings_dict
    holder = psycopg.connect(host=database["HOST"], dbname=database["NAME"], user=database["USER"],
                             password=database.get("PASSWORD") or None, port=database.get("PORT") or None,
                             autocommit=True)
    try:
        with slot("sync-export", 1):  # a slot can be taken and given back
            pass
        holder.execute("SELECT pg_advisory_lock(%s, 0)", [zlib.crc32(b"sync-export") & 0x7FFFFFFF])
        busy = APIClient().get(url)  # another process holds the only slot
        assert busy.status_code == 429 and busy["Retry-After"] and "busy" in busy.json()["detail"]
    finally:
        holder.close()
    assert APIClient().get(url).status_code == 200  # the holder went away: its slot is free


@pytest.mark.django_db
def test_generated_files_go_after_their_retention(settings):
    media = Path(settings.MEDIA_ROOT)
    old_export, new_export = media / "exports" / "old" / "x.gpkg", media / "exports" / "new" / "y.gpkg"
    staged = media / "imagery" / "incoming" / "abc" / "upload.tif"
    for path in (old_export, new_export, staged):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    long_ago = time.time() - 8 * 24 * 3600
    for path in (old_export, staged):
        os.utime(path, (long_ago, long_ago))
        os.utime(path.parent, (long_ago, long_ago))
    DBTaskResult.objects.create(task_path="x.y", args_kwargs={"args": [], "kwargs": {}}, status="SUCCESSFUL",
                                finished_at=timezone.now() - dt.timedelta(days=8), run_after=timezone.now(),
                                backend_name="default", queue_name="default", priority=0)
    removed = generated_files_sweep()
    assert removed["files"] == 2 and removed["jobs"] == 1
    assert not old_export.exists() and not staged.exists() and new_export.exists()
