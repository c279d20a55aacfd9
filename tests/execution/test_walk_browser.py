"""The "Done when" walk in Chromium: a ministry reports with a document from the item page, the coordinator
returns it, the ministry resubmits, the coordinator accepts and the page and dashboard move; a deadline
change is requested and approved; a meeting is presented from the keyboard; its protocol renders."""
from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from execution import services
from execution.models import ExecutionReport, Meeting
from tests.actors import PASSWORD
from tests.execution.conftest import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser, live_server, person):
    context = browser.new_context(locale="en-US")  # under the real Content-Security-Policy
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", person.user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    assert "/accounts/login/" not in page.url, page.url
    return context, page, errors


def test_a_report_is_submitted_returned_resubmitted_and_accepted_in_the_browser(live_server, browser, ex, tmp_path):
    item_url = live_server.url + ex.item.get_absolute_url()
    ministry_context, ministry, ministry_errors = sign_in(browser, live_server, ex.people["energy_ministry"])
    ministry.goto(live_server.url + ex.other_item.get_absolute_url())
    assert ministry.locator("#work").count() == 0  # item 8 is not theirs to report on
    ministry.goto(item_url)
    document = tmp_path / "act.pdf"
    document.write_bytes(PDF)
    form = ministry.locator("#report-new")
    form.locator("textarea[name=text]").fill("The draft law was sent to the Government")
    form.locator("input[name=percent_done]").fill("60")
    form.locator("input[name=milestone]").first.check()
    form.locator("input[type=file]").set_input_files(str(document))
    with ministry.expect_navigation():
        form.locator("button[value=submit]").click()
    assert "Submitted" in ministry.locator("#report-timeline").inner_text()
    report = ExecutionReport.objects.get()
    assert report.state == "submitted" and report.documents.count() == 1

    coordinator_context, coordinator, coordinator_errors = sign_in(browser, live_server, ex.people["coordinator"])
    coordinator.goto(item_url)
    decide = coordinator.locator("form.report-decide")
    decide.locator("input[name=comment]").fill("Attach the Government's letter")
    with coordinator.expect_navigation():
        decide.locator("button[value=return]").click()
    assert "Returned" in coordinator.locator("#report-timeline").inner_text()

    ministry.goto(item_url)
    edit = ministry.locator("form.report-edit")
    assert "Attach the Government's letter" in edit.inner_text()
    edit.locator("textarea[name=text]").fill("The draft law and the Government's letter")
    with ministry.expect_navigation():
        edit.locator("button[value=submit]").click()
    assert ExecutionReport.objects.get().version == 2

    coordinator.goto(live_server.url + "/")
    before = coordinator.locator('[data-kpi="items.on_track"]').inner_text()
    coordinator.goto(item_url)
    assert coordinator.locator("#milestone-progress").inner_text() == "0%"
    with coordinator.expect_navigation():
        coordinator.locator("form.report-decide button[value=accept]").click()
    assert coordinator.locator("#milestone-progress").inner_text() == "50%"  # one of two equal milestones
    timeline = coordinator.locator("#report-timeline").inner_text()
    assert "Accepted" in timeline and "version 1" in timeline  # both versions shown
    coordinator.goto(live_server.url + "/")
    assert coordinator.locator('[data-kpi="items.on_track"]').inner_text() != before or \
        coordinator.locator('[data-kpi="items.at_risk"]').inner_text() != "1"

    # a deadline change: requested by the ministry, approved by the coordinator, every move visible
    ministry.goto(item_url)
    request = ministry.locator("#deadline-request")
    new_deadline = ex.item.deadline + dt.timedelta(days=180)
    request.locator("input[name=deadline]").fill(new_deadline.isoformat())
    request.locator("input[name=reason]").fill("The tender failed")
    with ministry.expect_navigation():
        request.locator("button").click()
    coordinator.goto(item_url)
    with coordinator.expect_navigation():
        coordinator.locator("form.deadline-decide button[value=approve]").click()
    deadline = coordinator.locator("#deadline").inner_text()
    assert "moved once" in deadline and new_deadline.strftime("%d.%m.%Y") in deadline
    assert ministry_errors == [] and coordinator_errors == []
    ministry_context.close()
    coordinator_context.close()


def test_a_meeting_is_presented_from_the_keyboard_and_reads_live_data(live_server, browser, ex):
    meeting = services.meeting_create(data={"held_on": timezone.localdate(), "title": "HQ meeting"}, user=None)
    services.agenda_set(meeting=meeting, entries=[
        {"roadmap_item": ex.item, "title": "", "reason": "Behind schedule"},
        {"roadmap_item": ex.other_item, "title": "", "reason": "Report returned"},
        {"title": "Other business"}])
    context, page, errors = sign_in(browser, live_server, ex.people["coordinator"])
    page.goto(live_server.url + reverse("meeting-present", args=[meeting.pk]))
    assert page.locator(".view-title h1").inner_text() == "HQ meeting"
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(".view[data-index='1']")
    assert "Energy law" in page.locator(".view h1").inner_text()
    assert page.locator(".view-map svg").count() == 1 and page.locator(".view-chart svg").count() == 1
    assert "No execution reports yet" in page.locator(".view-report").inner_text()
    # a report accepted during the meeting shows when its view is shown again
    report = services.report_create(subject=ex.item, period=ex.period, agency_id=ex.energy.pk, user=None,
                                    submit=True, data={"text": "Accepted during the meeting", "percent_done": 70})
    services.report_accept(report=report, user=None)
    page.keyboard.press("End")
    page.wait_for_selector(".view[data-index='3']")
    assert page.locator("#position").inner_text() == "4 / 4"
    page.keyboard.press("Home")
    page.wait_for_selector(".view[data-index='0']")
    page.keyboard.press("1")
    page.wait_for_selector(".view[data-index='1']")
    assert "Accepted during the meeting" in page.locator(".view-report").inner_text()
    page.keyboard.press("PageDown")
    page.wait_for_selector(".view[data-index='2']")
    page.keyboard.press("PageUp")
    page.wait_for_selector(".view[data-index='1']")
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector(".view[data-index='0']")
    assert errors == []
    context.close()


def test_the_protocol_renders_in_kazakh_and_russian(ex, client, tmp_path):
    meeting = services.meeting_create(data={"held_on": dt.date(2026, 10, 15), "title": "HQ meeting",
                                            "title_ru": "Заседание штаба", "title_kk": "Штаб отырысы"}, user=None)
    services.agenda_set(meeting=meeting, entries=[{"roadmap_item": ex.item, "decision": "Ускорить"}])
    services.instruction_create(data={"meeting": meeting, "text": "Adopt the law", "text_ru": "Принять закон",
                                      "text_kk": "Заңды қабылдау", "agency": ex.energy, "co_executors": [ex.almaty],
                                      "deadline": dt.date(2026, 12, 31), "roadmap_items": [ex.item]})
    client.force_login(ex.people["coordinator"].user)
    assert Meeting.objects.count() == 1
    for language, words in (("ru", ("ПРОТОКОЛ", "Принять закон", "31.12.2026")),
                            ("kk", ("ХАТТАМА", "Заңды қабылдау", "31.12.2026"))):
        response = client.get(reverse("meeting-protocol", args=[meeting.pk]) + f"?language={language}")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        pdf = tmp_path / f"protocol-{language}.pdf"
        pdf.write_bytes(response.content)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        for word in words:
            assert word in text.upper() if word.isupper() else word in text, (language, word)
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / language)], check=True)
        pages = sorted(tmp_path.glob(f"{language}-*.png"))
        assert pages
        with Image.open(pages[0]) as image:
            low, high = image.convert("L").getextrema()
            assert low < 100 and high > 200  # ink on paper, not a blank page
    assert client.get(reverse("meeting-protocol", args=[meeting.pk])).status_code == 200
    client.force_login(ex.people["finance_ministry"].user)
    assert client.get(reverse("meeting-protocol", args=[meeting.pk])).status_code == 404
