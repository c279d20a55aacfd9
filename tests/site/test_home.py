"""The home page: a folium map of the regions, every asset served by geotrack."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from projects.models import Project
from projects.services import progress_report_add, project_save


@pytest.fixture
def almaty_projects(regions, agency):
    public = project_save(project=Project(title="Public school", sector="education", kind="infrastructure",
                                          agency=agency, geom=Point(76.91, 43.25, srid=4326), is_public=True))
    private = project_save(project=Project(title="Private depot", sector="transport", kind="infrastructure",
                                           agency=agency, geom=Point(76.95, 43.22, srid=4326)))
    progress_report_add(project=public, physical=50, financial=40)
    progress_report_add(project=private, physical=10, financial=10)
    return public, private


@pytest.mark.django_db
def test_anonymous_kpis_count_only_public_projects(client, almaty_projects):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["summary"]["projects"]["projects"] == 1
    regions = client.get("/api/regions/").json()["features"]
    almaty = next(r["properties"] for r in regions if r["id"] == "KZ-75")
    assert almaty["project_count"] == 1 and almaty["mean_progress"] == 50
    assert response["Cache-Control"].startswith("private")


@pytest.mark.django_db
def test_a_planner_sees_every_project_in_the_aggregates(client, people, almaty_projects):
    client.force_login(people["astana_planner"].user)
    assert client.get("/").context["summary"]["projects"]["projects"] == 2
    regions = client.get("/api/regions/").json()["features"]
    almaty = next(r["properties"] for r in regions if r["id"] == "KZ-75")
    assert almaty["project_count"] == 2 and almaty["mean_progress"] == 30


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_home_map_draws_the_regions_from_local_assets_only(live_server, page, almaty_projects):
    page.page.goto(live_server.url + "/")
    page.page.wait_for_selector(".leaflet-overlay-pane path", state="attached")
    drawn = page.page.locator(".leaflet-overlay-pane path").count()
    assert drawn >= 20  # one outline per region (a few regions have several parts)
    assert page.external_requests() == []
    assert page.failed == []
    assert page.errors == []
    legends = page.page.locator(".geotrack-legend").all_inner_texts()
    assert any(text.startswith("Mean physical progress") for text in legends)
    assert any(text.startswith("Project health") for text in legends)


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_does_not(client, db):
    from django.db import connection

    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["HOST"] = "/nonexistent"
    connection.settings_dict["NAME"] = "nowhere"
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
