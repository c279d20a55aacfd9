"""Threat: text someone stored runs as script in a visitor's browser (SECURITY.md, "Text").

An image uploaded with source `<img src=x onerror=...>` ran on /map/ for anonymous visitors, because
Leaflet writes layer names and attributions with innerHTML; `javascript:` links from imports and the
API became live links. Now every user-controlled string reaches the page as text, links are http(s)
only, and a Content-Security-Policy with per-response nonces stops any script we did not write.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from camera_sites.models import Camera
from layers.models import Imagery
from projects.models import Project
from projects.services import project_save
from tests.actors import PASSWORD
from tests.conftest import CHROMIUM_ARGS  # noqa: F401 - the browser fixture is shared
from tests.cameras_helpers import make_camera

XSS = '<img src=x onerror="window.__owned=1">'
COLLECT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", function (event) {
    (window.__csp = window.__csp || []).push(event.violatedDirective + " " + event.blockedURI);
});"""


@pytest.fixture
def hostile(regions, agency):
    footprint = Polygon.from_bbox((76.8, 43.1, 77.1, 43.4))
    footprint.srid = 4326
    Imagery.objects.create(title=XSS, source=XSS, acquired_on=dt.date(2025, 6, 1), status="ready",
                           footprint=footprint, is_public=True, region=regions["KZ-75"], band_count=3,
                           default_bands=[1, 2, 3], cog_uri="/nonexistent.tif")
    project = project_save(project=Project(title=XSS, description=XSS, sector="education", kind="infrastructure",
                                           agency=agency, geom=Point(76.92, 43.25, srid=4326), is_public=True,
                                           status="implementation"))
    camera, _token = make_camera(XSS, location=(76.93, 43.24))
    return {"project": project, "camera": camera}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_hostile_image_source_shows_as_text_on_the_public_map(live_server, browser, hostile):
    context = browser.new_context(locale="en-US")  # the real policy: no bypass
    page = context.new_page()
    page.add_init_script(COLLECT_VIOLATIONS)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live_server.url + reverse("region-map", args=["KZ-75"]))
    page.wait_for_selector(".leaflet-control-layers-overlays label")
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any(XSS in label for label in labels)  # the name shows, literally
    page.locator(".leaflet-control-layers-overlays label", has_text="onerror").locator("input").check()
    page.wait_for_timeout(300)
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert XSS in attribution
    assert page.evaluate("window.__owned") is None and dialogs == []
    assert page.locator(".leaflet-control-layers img, .leaflet-control-attribution img").count() == 0
    assert page.evaluate("window.__csp || []") == []
    context.close()


def every_page(hostile) -> list[str]:
    project, camera = hostile["project"], hostile["camera"]
    return [reverse("home"), reverse("map"), reverse("region-map", args=["KZ-75"]), project.get_absolute_url(),
            reverse("embed"), reverse("project-embed", args=[project.pk]), reverse("roadmap"),
            reverse("camera-page", args=[camera.pk]), reverse("roadmap-report", args=["html"]), reverse("login"),
            reverse("api-docs"), reverse("ogc-landing") + "?f=html", reverse("ogc-items", args=["projects"]) + "?f=html",
            reverse("project-new"), reverse("admin:projects_project_change", args=[project.pk]),
            reverse("admin:camera_sites_camera_change", args=[camera.pk]),
            reverse("feedback-new") + f"?project={project.pk}", reverse("feedback-moderation") + "?status=all"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_of_ours_needs_what_the_policy_forbids(live_server, browser, hostile, people):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.add_init_script(COLLECT_VIOLATIONS)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", people["admin"].user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    for path in every_page(hostile):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy.split("style-src")[0]
        assert "unsafe-eval" not in policy and "object-src 'none'" in policy and "base-uri 'self'" in policy
        page.wait_for_load_state("load")  # maps poll for changes, so the network is never idle for long
        if page.locator(".folium-map").count():
            page.wait_for_selector(".leaflet-control-layers, .leaflet-control-zoom")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__csp || []") == [], path
    assert not [error for error in errors if "Content Security Policy" in error], errors
    context.close()


@pytest.mark.django_db
def test_links_we_render_are_http_only_at_every_entry(regions, agency, people):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['astana_planner'].token}")
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [71.4, 51.1]},
               "properties": {"title": "Bridge", "sector": "transport", "kind": "infrastructure",
                              "agency": agency.code, "source_url": "javascript:alert(1)"}}
    response = api.post(reverse("project-list"), feature, format="json")
    assert response.status_code == 400 and "source_url" in response.json()["errors"]
    feature["properties"]["source_url"] = "https://example.org/news/1"
    assert api.post(reverse("project-list"), feature, format="json").status_code == 201
    camera = {"label": "Gate", "location": {"type": "Point", "coordinates": [71.4, 51.1]}, "bearing": 0,
              "stream_url": "javascript:alert(1)"}
    response = api.post(reverse("camera-list"), camera, format="json")
    assert response.status_code == 400 and "stream_url" in response.json()["errors"]
    assert not Camera.objects.exists()
    admin = Client()
    admin.login(username=people["admin"].user.username, password=PASSWORD)
    project = Project.objects.get()
    response = admin.post(reverse("admin:projects_project_change", args=[project.pk]), {
        "title": project.title, "sector": "transport", "kind": "infrastructure", "agency": agency.pk,
        "geom": project.geom.json, "status": "identification", "currency": "KZT", "source_url": "javascript:alert(1)",
        "progress_reports-TOTAL_FORMS": 0, "progress_reports-INITIAL_FORMS": 0})
    assert response.status_code == 200 and "http" in response.content.decode()
    project.refresh_from_db()
    assert project.source_url == "https://example.org/news/1"


@pytest.mark.django_db
def test_an_old_row_with_a_script_link_is_shown_as_text(regions, agency):
    project = project_save(project=Project(title="Old", sector="transport", kind="infrastructure", agency=agency,
                                           geom=Point(71.4, 51.1, srid=4326), is_public=True))
    Project.objects.filter(pk=project.pk).update(source_url="javascript:alert(1)")  # written before the validators
    page = Client().get(project.get_absolute_url()).content.decode()
    assert "javascript:alert(1)" in page and 'href="javascript:' not in page
