"""A citizen's feedback from a phone with no coverage: queued on the device, sent once when back online,
and the private follow link shown when it has gone out."""
from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import Polygon

from citizens.models import Feedback, FeedbackPhoto
from geotrack.site.demo.photos import site_photo
from projects.models import Project
from projects.services import project_save
from tests.phones.pages import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALMATY = (76.93, 43.25)


@pytest.fixture
def school(regions, agency):
    polygon = Polygon.from_bbox((ALMATY[0] - 0.005, ALMATY[1] - 0.005, ALMATY[0] + 0.005, ALMATY[1] + 0.005))
    polygon.srid = 4326
    return project_save(project=Project(title="School in Almaty", sector="education", kind="infrastructure",
                                        agency=agency, geom=polygon, is_public=True, status="implementation"))


def test_feedback_sent_offline_from_a_phone_is_queued_shown_and_sent_once_with_its_follow_link(
        live_server, browser, school, tmp_path):
    photo = tmp_path / "trench.jpg"
    photo.write_bytes(site_photo(31, lon=ALMATY[0], lat=ALMATY[1]))
    context = browser.new_context(bypass_csp=True, locale="en-US", **PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/feedback/new/?project={school.pk}")
    page.wait_for_selector("#feedback-form[data-offline-queue]")
    # The service worker is in charge before the connection goes (it keeps the page and syncs the outbox).
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)") == f"{live_server.url}/sw.js"

    context.set_offline(True)
    page.select_option("#feedback-category", "safety")
    page.fill("#feedback-text", "The trench by the school gate has no fence at night.")
    page.set_input_files("#feedback-photos", str(photo))
    page.click("#feedback-form button[type=submit]")
    waiting = page.locator(".outbox li")
    waiting.first.wait_for()
    assert page.locator(".outbox").is_visible()
    assert waiting.count() == 1
    assert "Report a problem: School in Almaty" in waiting.first.inner_text()
    assert "1 photo(s)" in waiting.first.inner_text()
    assert "Saved on this device" in page.locator(".offline-status").inner_text()
    assert Feedback.objects.count() == 0

    context.set_offline(False)
    page.wait_for_function("document.querySelector('.outbox').hidden === true", timeout=15000)
    follow = page.locator(".offline-status a.offline-follow")
    follow.wait_for(timeout=15000)
    page.wait_for_timeout(1500)  # room for a second sender (Background Sync) to try, and be deduplicated
    feedback = Feedback.objects.get()
    assert (feedback.project_id, feedback.category, feedback.text) == (
        school.pk, "safety", "The trench by the school gate has no fence at night.")
    assert FeedbackPhoto.objects.filter(feedback=feedback).count() == 1
    assert follow.count() == 1 and follow.inner_text() == "Follow your message"
    href = follow.get_attribute("href")
    assert re.search(rf"/feedback/{re.escape(feedback.follow_token)}/$", href), href

    # The link leads to the message's own page; the form's page holds nothing more to send or show.
    follow.click()
    page.wait_for_url(re.compile(r"/feedback/[A-Za-z0-9_-]{40,}/$"))
    assert "Received" in page.inner_text("#feedback-status")
    page.goto(f"{live_server.url}/feedback/new/?project={school.pk}")
    page.wait_for_selector("#feedback-form")
    page.wait_for_timeout(300)
    assert page.locator(".outbox li").count() == 0 and page.locator(".offline-follow").count() == 0
    assert Feedback.objects.count() == 1
    assert errors == []
    context.close()
