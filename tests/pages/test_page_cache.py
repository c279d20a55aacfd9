"""Rendered pages are cached per audience, user, language and change token, never served to anyone else.

Each response of a cached page gets its own CSP nonce (the one its header names) and a CSRF token that
its own cookie accepts; a project change renders the page anew, a camera heartbeat or snapshot does not.
"""
from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import Point
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.utils import timezone

from camera_sites.models import Snapshot
from camera_sites.services import camera_heartbeat
from geotrack.core.changes import change_version
from geotrack.core.csp import NONCE_PLACEHOLDER
from geotrack.site.page_cache import CSRF_PLACEHOLDER
from projects.models import Project
from projects.services import project_save
from tests.cameras_helpers import make_camera

PAGES = ["/", "/map/", "/roadmap/", "/embed/", "/map/regions/KZ-75/"]
KPI = re.compile(r'data-kpi="projects.projects">(\d+)<')


@pytest.fixture
def two_projects(regions, agency):
    public = project_save(project=Project(title="Public school", sector="education", kind="infrastructure",
                                          agency=agency, geom=Point(76.91, 43.25, srid=4326), is_public=True))
    private = project_save(project=Project(title="Private depot", sector="transport", kind="infrastructure",
                                           agency=agency, geom=Point(76.95, 43.22, srid=4326)))
    return public, private


def kpi(response) -> int:
    return int(KPI.search(response.content.decode()).group(1))


def nonces(response) -> tuple[str, set[str]]:
    header = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    return header, set(re.findall(r'<script nonce="([^"]+)"', response.content.decode()))


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_a_cached_page_gets_a_fresh_nonce_per_response(client, two_projects, path):
    first, second = client.get(path), client.get(path)
    assert first.status_code == second.status_code == 200
    assert first.context is not None and second.context is None  # the second came from the cache
    seen = set()
    for response in (first, second):
        header, in_body = nonces(response)
        assert in_body == ({header} if path != "/roadmap/" else set())  # the roadmap list has no inline script
        body = response.content.decode()
        assert NONCE_PLACEHOLDER not in body and CSRF_PLACEHOLDER not in body
        seen.add(header)
    assert len(seen) == 2


@pytest.mark.django_db
def test_a_cached_page_carries_a_csrf_token_for_its_own_caller(two_projects):
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    alice_page = alice.get("/").content.decode()
    bob_response = bob.get("/")
    assert bob_response.context is None  # served from the cache alice filled
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', bob_response.content.decode())
    assert tokens and not set(tokens) & set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', alice_page))
    # bob's own cookie accepts the token in his cached page: the language switch works
    answer = bob.post("/i18n/setlang/", {"language": "ru", "next": "/", "csrfmiddlewaretoken": tokens[0]})
    assert answer.status_code == 302


@pytest.mark.django_db
def test_no_audience_is_served_another_audiences_page(two_projects, people):
    anonymous = Client()
    assert kpi(anonymous.get("/")) == 1
    planner = Client()
    planner.force_login(people["astana_planner"].user)
    first = planner.get("/")
    assert kpi(first) == 2 and first.context is not None and "bolat" in first.content.decode()
    analyst = Client()  # same audience as the planner ("all"), another user: their own page, their own name
    analyst.force_login(people["analyst"].user)
    page = analyst.get("/")
    assert kpi(page) == 2 and "dana" in page.content.decode() and "bolat" not in page.content.decode()
    akimat = Client()
    akimat.force_login(people["almaty_akimat"].user)
    assert kpi(akimat.get("/")) == 2  # the private depot lies in Almaty
    again = anonymous.get("/")
    assert again.context is None and kpi(again) == 1 and "bolat" not in again.content.decode()
    scoped = planner.get("/?scope=public")  # a signed-in caller asking as the public
    assert kpi(scoped) == 1


@pytest.mark.django_db
def test_each_language_has_its_own_page(client, two_projects):
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    russian = client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
    assert english["Content-Language"] == "en" and russian["Content-Language"] == "ru"
    assert english.content != russian.content and russian.context is not None


@pytest.mark.django_db
def test_a_project_change_renders_the_page_anew(client, two_projects):
    _, private = two_projects
    assert kpi(client.get("/")) == 1
    private.is_public = True
    project_save(project=private)
    page = client.get("/")
    assert page.context is not None and kpi(page) == 2


@pytest.mark.django_db
def test_heartbeats_and_snapshots_keep_project_pages_and_tiles(client, two_projects):
    camera, _ = make_camera()
    camera_heartbeat(camera=camera)
    client.get("/roadmap/"), client.get("/map/"), client.get("/")
    tokens = {topic: change_version([topic]) for topic in ("projects", "imagery", "cameras", "snapshots")}
    camera_heartbeat(camera=camera)  # still online: nothing anyone sees moved
    Snapshot.objects.create(camera=camera, image="snapshots/x.jpg", thumbnail="snapshots/thumbs/x.jpg",
                            captured_at=timezone.now())
    after = {topic: change_version([topic]) for topic in tokens}
    assert after["projects"] == tokens["projects"] and after["imagery"] == tokens["imagery"]
    assert after["cameras"] == tokens["cameras"] and after["snapshots"] != tokens["snapshots"]
    for path in ("/roadmap/", "/map/", "/"):
        assert client.get(path).context is None, path  # still cached


@pytest.mark.django_db
def test_a_page_with_pending_messages_is_neither_served_from_nor_put_in_the_cache(client, people, two_projects):
    client.force_login(people["astana_planner"].user)
    request = HttpRequest()
    storage = CookieStorage(request)
    storage.add(constants.INFO, "Saved: a message for bolat")
    response = client.get("/")  # fills the cache
    assert response.context is not None
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies["messages"] = carrier.cookies["messages"].value
    with_message = client.get("/")
    assert with_message.context is not None and "a message for bolat" in with_message.content.decode()
    after = client.get("/")
    assert after.context is None and "a message for bolat" not in after.content.decode()
