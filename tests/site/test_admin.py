"""The admin: map widgets from local assets, and an invalid geometry refused with a clear error."""
from __future__ import annotations

import re

import pytest

from projects.models import Project
from tests.actors import PASSWORD

BOWTIE = "SRID=4326;POLYGON((71.40 51.10, 71.46 51.16, 71.46 51.10, 71.40 51.16, 71.40 51.10))"


@pytest.mark.django_db
def test_the_admin_refuses_a_self_intersecting_boundary_and_saves_nothing(client, people, agency):
    client.login(username=people["admin"].user.username, password=PASSWORD)
    form = client.get("/admin/projects/project/add/")
    assert form.status_code == 200
    html = form.content.decode()
    assert "/static/vendor/ol/ol.js" in html
    assert not re.search(r"https?://[^\"']*(cdn|unpkg|cloudflare|jsdelivr)", html)
    response = client.post("/admin/projects/project/add/", {
        "title": "Bow tie", "sector": "transport", "kind": "infrastructure", "geom": BOWTIE,
        "agency": agency.pk, "currency": "KZT", "status": "implementation",
        "progress_reports-TOTAL_FORMS": 0, "progress_reports-INITIAL_FORMS": 0,
        "created_at_0": "", "updated_at": "2025-01-01 00:00",
    })
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert Project.objects.count() == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_map_widget_draws_from_local_assets(live_server, page, people, regions):
    missing = []
    page.page.on("response", lambda response: response.status >= 400 and missing.append(response.url))
    page.page.goto(live_server.url + "/admin/login/?next=/admin/projects/project/add/")
    page.page.fill("#id_username", people["admin"].user.username)
    page.page.fill("#id_password", PASSWORD)
    page.page.click("input[type=submit]")
    page.page.wait_for_selector(".ol-viewport")
    page.page.wait_for_load_state("networkidle")
    assert page.external_requests() == []
    assert [failure for failure in page.failed if "ERR_ABORTED" not in failure] == []
    assert missing == []
    assert page.errors == []
