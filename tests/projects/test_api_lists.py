"""Roadmap items, agencies and cameras: JSON lists with filters, scoped by role."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from rest_framework.test import APIClient

from camera_sites.models import Camera, CameraLink
from projects.models import Project, RoadmapItem
from projects.services import project_save


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def roadmap(agency, regions):
    overdue = RoadmapItem.objects.create(number=1, title_en="Tax Code", title_ru="Налоговый кодекс",
                                         title_kk="Салық кодексі", section="fair_economy", agency=agency,
                                         deadline=dt.date(2024, 12, 31))
    done = RoadmapItem.objects.create(number=2, title_en="Schools", title_ru="Школы", title_kk="Мектептер",
                                      section="fair_society", agency=agency, deadline=dt.date(2029, 12, 31))
    school = project_save(project=Project(title="School", sector="education", kind="infrastructure", agency=agency,
                                          geom=Point(76.91, 43.25, srid=4326), is_public=True, status="completion"))
    school.roadmap_items.add(done)
    return overdue, done


@pytest.mark.django_db
def test_roadmap_items_carry_health_and_filter_by_it(api, roadmap):
    items = {item["number"]: item for item in api.get("/api/roadmap-items/").json()["results"]}
    assert items[1]["health"] == "overdue" and items[2]["health"] == "done"
    assert items[2]["project_count"] == 1
    assert [i["number"] for i in api.get("/api/roadmap-items/?health=overdue").json()["results"]] == [1]
    assert [i["number"] for i in api.get("/api/roadmap-items/?deadline_after=2025-01-01").json()["results"]] == [2]
    assert api.get("/api/roadmap-items/?health=bad").status_code == 400


@pytest.mark.django_db
def test_roadmap_titles_follow_the_language(api, roadmap):
    items = api.get("/api/roadmap-items/", HTTP_ACCEPT_LANGUAGE="ru").json()["results"]
    assert items[0]["title"] == "Налоговый кодекс"


@pytest.mark.django_db
def test_agencies_filter_by_kind(api, agency):
    assert [a["code"] for a in api.get("/api/agencies/?kind=ministry").json()["results"]] == ["min-energy"]
    assert api.get("/api/agencies/?kind=akimat").json()["results"] == []


@pytest.mark.django_db
def test_cameras_show_status_and_hide_private_ones_and_stream_urls(api, regions, agency, people):
    now = timezone.now()
    site = project_save(project=Project(title="Bridge", sector="transport", kind="infrastructure", agency=agency,
                                        geom=Point(71.43, 51.13, srid=4326), is_public=True))
    online = Camera.objects.create(label="North gate", location=Point(71.43, 51.12, srid=4326), is_public=True,
                                   stream_url="rtsp://user:secret@10.0.0.5/stream", last_seen_at=now)
    Camera.objects.create(label="Private", location=Point(71.44, 51.12, srid=4326), last_seen_at=now - dt.timedelta(hours=2))
    CameraLink.objects.create(camera=online, project=site)
    public = api.get("/api/cameras/").json()["features"]
    assert [c["properties"]["label"] for c in public] == ["North gate"]
    assert public[0]["properties"]["status"] == "online" and public[0]["properties"]["stream_url"] is None
    assert public[0]["properties"]["projects"] == [site.pk]
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")
    cameras = {c["properties"]["label"]: c["properties"] for c in api.get("/api/cameras/").json()["features"]}
    assert cameras["Private"]["status"] == "offline"
    assert cameras["North gate"]["stream_url"].startswith("rtsp://")


@pytest.mark.django_db
def test_the_openapi_schema_and_self_hosted_docs(api, db):
    schema = api.get("/api/schema/?format=json").json()
    assert "/api/projects/" in schema["paths"] and "/api/projects/{id}/" in schema["paths"]
    docs = api.get("/api/docs/").content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert "jsdelivr" not in docs and "unpkg" not in docs
