"""The dashboard in Chromium: local assets, charts drawn, and a new report shown without a reload."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from projects.models import Project
from projects.services import progress_report_add, project_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_progress_report_reaches_the_open_dashboard_within_seconds(live_server, page, regions, agency, people):
    project = project_save(project=Project(title="School", sector="education", kind="infrastructure", agency=agency,
                                           geom=Point(76.91, 43.25, srid=4326), is_public=True,
                                           status="implementation"))
    progress_report_add(project=project, physical=20, financial=10)
    page.page.goto(live_server.url + "/")
    page.page.wait_for_selector("#chart-region", state="attached")
    assert page.page.locator('[data-kpi="projects.mean_progress"]').inner_text() == "20.0"
    page.page.wait_for_function("window[document.querySelector('.folium-map').id].geotrack.version !== null")
    akimat = APIClient()
    akimat.credentials(HTTP_AUTHORIZATION=f"Token {people['almaty_akimat'].token}")
    assert akimat.post(f"/api/projects/{project.pk}/progress/", {"physical": 65, "financial": 30},
                       format="json").status_code == 201
    page.page.wait_for_function(
        "document.querySelector('[data-kpi=\"projects.mean_progress\"]').textContent === '65.0'", timeout=8000)
    assert page.external_requests() == []
    assert page.errors == []
