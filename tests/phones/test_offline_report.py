"""A progress report from a phone with no coverage: queued on the device, sent once when back online."""
from __future__ import annotations

import io

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from PIL import Image

from geotrack.core.models import IdempotencyKey
from projects.models import ProgressPhoto, ProgressReport, Project
from projects.services import project_save
from tests.actors import PASSWORD
from tests.phones.pages import PHONE, sign_in

pytestmark = [pytest.mark.django_db(transaction=True)]


def jpeg(colour=(120, 80, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def school(regions, agency):
    return project_save(project=Project(title="School in Almaty", sector="education", kind="infrastructure",
                                        agency=agency, geom=Point(76.91, 43.25, srid=4326), is_public=True,
                                        status="implementation"))


def signed_in(person) -> Client:
    client = Client()
    assert client.login(username=person.user.username, password=PASSWORD)
    return client


def test_the_same_idempotency_key_saves_one_report_and_replays_the_first_answer(school, people):
    client = signed_in(people["almaty_akimat"])
    url = f"/projects/{school.pk}/report/"
    key = "5f0c7a56-8a0e-4d8e-9d43-3b8c1f0f9b11"
    data = {"physical": "40", "financial": "20", "note": "walls up"}
    first = client.post(url, data, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201
    assert first["Location"] == school.get_absolute_url()
    again = client.post(url, {"physical": "41", "financial": "21"}, HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201 and again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert ProgressReport.objects.filter(project=school).count() == 1
    assert ProgressReport.objects.get(project=school).physical == 40

    # Another caller's key is another record; a new key is a new report; no key, no deduplication.
    admin = signed_in(people["admin"])
    assert admin.post(url, data, HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    assert client.post(url, data, HTTP_IDEMPOTENCY_KEY="another-key-123").status_code == 201
    assert ProgressReport.objects.filter(project=school).count() == 3
    assert IdempotencyKey.objects.count() == 3

    # Invalid data: a JSON 400 naming the field; its replay answers 400 too, and nothing is saved.
    refused = client.post(url, {"physical": "140", "financial": "1"}, HTTP_IDEMPOTENCY_KEY="refused-key-1")
    assert refused.status_code == 400 and "physical" in refused.json()["errors"]
    assert client.post(url, {"physical": "40", "financial": "1"}, HTTP_IDEMPOTENCY_KEY="refused-key-1").status_code == 400
    assert client.post(url, data, HTTP_IDEMPOTENCY_KEY="bad key!").status_code == 400
    assert ProgressReport.objects.filter(project=school).count() == 3


def test_expired_keys_are_forgotten(school, people, settings):
    client = signed_in(people["almaty_akimat"])
    url = f"/projects/{school.pk}/report/"
    assert client.post(url, {"physical": "40", "financial": "20"}, HTTP_IDEMPOTENCY_KEY="key-expires-1").status_code == 201
    IdempotencyKey.objects.update(created_at="2000-01-01T00:00:00Z")
    assert client.post(url, {"physical": "41", "financial": "20"}, HTTP_IDEMPOTENCY_KEY="key-expires-1").status_code == 201
    assert ProgressReport.objects.filter(project=school).count() == 2
    assert IdempotencyKey.objects.count() == 1


def test_the_service_worker_is_served_at_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert body.startswith("self.GEOTRACK = ") and "importScripts" in body and "/static/geotrack/offline.js" in body


@pytest.mark.browser
def test_a_report_made_offline_on_a_phone_is_queued_shown_and_sent_once(live_server, browser, school, people,
                                                                         tmp_path):
    photo = tmp_path / "site.jpg"
    photo.write_bytes(jpeg())
    context = browser.new_context(bypass_csp=True, locale="en-US", **PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, people["almaty_akimat"].user.username)
    page.goto(f"{live_server.url}/projects/{school.pk}/report/")
    camera = page.locator("#id_photos")
    assert camera.get_attribute("accept") == "image/*" and camera.get_attribute("capture") == "environment"

    # What was typed survives a reload.
    page.fill("#id_note", "formwork for the second floor")
    page.reload()
    assert page.input_value("#id_note") == "formwork for the second floor"
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)") == f"{live_server.url}/sw.js"

    context.set_offline(True)
    page.fill("#id_physical", "55")
    page.fill("#id_financial", "30")
    camera.set_input_files(str(photo))
    page.click("#report-form button[type=submit]")
    waiting = page.locator(".outbox li")
    waiting.first.wait_for()
    assert page.locator(".outbox").is_visible()
    assert waiting.count() == 1 and "1" in waiting.first.inner_text()
    assert ProgressReport.objects.filter(project=school).count() == 0

    context.set_offline(False)
    page.wait_for_function("document.querySelector('.outbox').hidden === true", timeout=15000)
    page.wait_for_timeout(1500)  # room for a second sender (Background Sync) to try, and be deduplicated
    reports = ProgressReport.objects.filter(project=school)
    assert reports.count() == 1
    report = reports.get()
    assert (report.physical, report.financial, report.note) == (55, 30, "formwork for the second floor")
    assert ProgressPhoto.objects.filter(report=report).count() == 1
    assert page.locator(".offline-status").inner_text()
    page.reload()
    assert page.locator(".outbox li").count() == 0 and page.input_value("#id_note") == ""
    assert errors == []
    context.close()
