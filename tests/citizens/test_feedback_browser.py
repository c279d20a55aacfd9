"""In Chromium: a citizen on a phone-sized page sends feedback with a photo; an akimat publishes and replies."""
from __future__ import annotations

import re

import pytest
from django.test import Client

from citizens.models import Feedback, FeedbackPhoto
from geotrack.site.demo.photos import site_photo
from projects.models import PhotoCheck
from tests.citizens.conftest import ALMATY

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def sign_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_citizen_on_a_phone_reports_a_problem_and_follows_the_moderators_reply(live_server, browser, site, people,
                                                                                 tmp_path):
    photo = tmp_path / "fence.jpg"
    photo.write_bytes(site_photo(21, lon=ALMATY[0], lat=ALMATY[1]))
    phone = browser.new_context(locale="en-US", bypass_csp=True, **PHONE)
    citizen = phone.new_page()
    errors = []
    citizen.on("pageerror", lambda error: errors.append(str(error)))
    citizen.goto(f"{live_server.url}/projects/{site['school'].pk}/")
    citizen.click("#report-a-problem")
    citizen.wait_for_selector("#feedback-form[data-offline-queue]")
    assert citizen.get_attribute("#feedback-photos", "capture") == "environment"
    citizen.select_option("#feedback-category", "safety")
    citizen.fill("#feedback-text", "The trench by the school gate has no fence <b>at night</b>.")
    citizen.set_input_files("#feedback-photos", str(photo))
    citizen.click("#feedback-map")  # a tap on the map marks the place
    assert '"Point"' in citizen.input_value("#feedback-location")
    # The form itself fits the phone (the site's header is the phone-layout work's own).
    assert citizen.evaluate("document.getElementById('feedback-form').getBoundingClientRect().right") <= 390
    citizen.focus("#feedback-form button[type=submit]")
    citizen.keyboard.press("Enter")
    citizen.wait_for_url(re.compile(r"/feedback/[A-Za-z0-9_-]{40,}/$"))
    follow_url = citizen.url
    assert "Received" in citizen.inner_text("#feedback-status")
    feedback = Feedback.objects.get()
    assert feedback.location is not None and FeedbackPhoto.objects.filter(feedback=feedback).count() == 1
    assert PhotoCheck.objects.filter(source_kind="feedback_photo").count() == 1

    desk = browser.new_context(locale="en-US", bypass_csp=True)
    sign_in(desk, live_server, people["almaty_akimat"].user)
    moderator = desk.new_page()
    moderator.goto(f"{live_server.url}/feedback/moderate/")
    card = moderator.locator(f"#feedback-{feedback.pk}")
    assert "<b>at night</b>" in card.inner_text()  # shown as text, never as markup
    assert "Evidence" in card.inner_text() and "taken inside the site" in card.inner_text()
    card.get_by_role("button", name="Publish").click()
    moderator.goto(f"{live_server.url}/feedback/moderate/?status=published")
    card = moderator.locator(f"#feedback-{feedback.pk}")
    card.locator("textarea").fill("A fence goes up tomorrow morning.")
    card.get_by_role("button", name="Send the reply").click()
    moderator.wait_for_load_state()

    citizen.goto(follow_url)
    assert "Published" in citizen.inner_text("#feedback-status")
    assert "A fence goes up tomorrow morning." in citizen.inner_text("#feedback-reply")
    citizen.goto(f"{live_server.url}/projects/{site['school'].pk}/")
    published = citizen.inner_text(".feedback-published")
    assert "has no fence <b>at night</b>" in published and "A fence goes up tomorrow morning." in published
    assert errors == []
    phone.close()
    desk.close()
