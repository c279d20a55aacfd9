"""Pages of roadmap execution: the agency page, the roadmap's new columns and filter, the meeting pages,
what the public never reads, and figures that cost no query per item."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from execution import services
from execution.models import Milestone
from projects.models import RoadmapItem


def report(ex, item, text, *, state):
    made = services.report_create(subject=item, period=ex.past_period, agency_id=item.agency_id, user=None,
                                  data={"text": text, "percent_done": 20}, submit=state != "draft")
    if state == "returned":
        services.report_return(report=made, user=None, comment="COMMENT-TO-FIX")
    if state == "accepted":
        services.report_accept(report=made, user=None)
    return made


@pytest.mark.django_db
def test_the_agency_page_shows_its_items_late_and_returned_reports_and_instructions(ex):
    report(ex, ex.item, "returned text", state="returned")
    meeting = services.meeting_create(data={"held_on": timezone.localdate(), "title": "HQ"}, user=None)
    services.instruction_create(data={"meeting": meeting, "text": "Finish the law", "agency": ex.energy,
                                      "deadline": timezone.localdate() - dt.timedelta(days=3)})
    ministry = Client()
    ministry.force_login(ex.people["energy_ministry"].user)
    page = ministry.get(reverse("agency-page", args=["min-energy"])).content.decode()
    assert "Energy law" in page and "COMMENT-TO-FIX" in page and "Finish the law" in page
    public = Client().get(reverse("agency-page", args=["min-energy"])).content.decode()
    assert "Energy law" in public and "COMMENT-TO-FIX" not in public and "Finish the law" not in public
    akimat = Client().get(reverse("agency-page", args=["akimat-almaty"])).content.decode()
    assert "Energy law" in akimat and "co-executor" in akimat
    assert Client().get(reverse("agency-page", args=["no-such"])).status_code == 404


@pytest.mark.django_db
def test_the_public_reads_accepted_summaries_never_drafts_or_returned_versions(ex):
    report(ex, ex.item, "DRAFT-TEXT", state="draft")
    report(ex, ex.other_item, "ACCEPTED-TEXT", state="accepted")
    page = Client().get(ex.item.get_absolute_url()).content.decode() + \
        Client().get(ex.other_item.get_absolute_url()).content.decode()
    assert "ACCEPTED-TEXT" in page and "DRAFT-TEXT" not in page
    csv = Client().get(reverse("roadmap-report", args=["csv"])).content.decode("utf-8-sig")
    assert "milestone_progress,report_state" in csv.splitlines()[0]
    assert ",accepted" in csv and ",draft" not in csv
    coordinator = Client()
    coordinator.force_login(ex.people["coordinator"].user)
    assert ",draft" in coordinator.get(reverse("roadmap-report", args=["csv"])).content.decode("utf-8-sig")


@pytest.mark.django_db
def test_the_roadmap_filters_items_whose_deadline_moved(ex):
    change = services.deadline_change_request(item=ex.item, deadline=ex.item.deadline + dt.timedelta(days=90),
                                              reason="tender", user=None)
    services.deadline_change_decide(change=change, approve=True, user=None)
    moved = Client().get(reverse("roadmap") + "?moved=1").content.decode()
    assert "Energy law" in moved and "Budget code" not in moved and "moved once" in moved


@pytest.mark.django_db
def test_meeting_pages_are_for_those_who_may_read_the_meeting(ex):
    meeting = services.meeting_create(data={"held_on": timezone.localdate(), "title": "HQ"}, user=None)
    services.instruction_create(data={"meeting": meeting, "text": "Finish", "agency": ex.finance,
                                      "deadline": timezone.localdate()})
    for name in ("meeting-page", "meeting-present"):
        assert Client().get(reverse(name, args=[meeting.pk])).status_code == 404
    finance, energy, coordinator = Client(), Client(), Client()
    finance.force_login(ex.people["finance_ministry"].user)
    energy.force_login(ex.people["energy_ministry"].user)
    coordinator.force_login(ex.people["coordinator"].user)
    assert finance.get(reverse("meeting-page", args=[meeting.pk])).status_code == 200
    assert energy.get(reverse("meeting-page", args=[meeting.pk])).status_code == 404
    assert finance.post(reverse("meeting-agenda-propose", args=[meeting.pk])).status_code == 403
    assert coordinator.post(reverse("meeting-agenda-propose", args=[meeting.pk])).status_code == 302
    assert meeting.agenda.filter(roadmap_item=ex.item).exists()  # behind its straight line: proposed


def _grow(ex, count: int) -> None:
    """Add items with milestones, reports and moves: the pages' query counts must not move."""
    start = RoadmapItem.objects.count()
    for n in range(count):
        item = RoadmapItem.objects.create(number=100 + start + n, title_en=f"Extra {n}", title_ru="Доп", title_kk="Қос",
                                          section="fair_state", agency=ex.energy, start=ex.item.start,
                                          deadline=ex.item.deadline)
        item.co_executors.add(ex.almaty)
        Milestone.objects.create(roadmap_item=item, title_en="m", planned_on=timezone.localdate() - dt.timedelta(days=9))
        report(ex, item, f"extra {n}", state=("accepted", "returned", "draft")[n % 3])
        change = services.deadline_change_request(item=item, deadline=item.deadline + dt.timedelta(days=30),
                                                  reason="r", user=None)
        services.deadline_change_decide(change=change, approve=True, user=None)


@pytest.mark.django_db
def test_the_dashboard_roadmap_and_agency_pages_add_no_query_per_item(ex, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    coordinator = Client()
    coordinator.force_login(ex.people["coordinator"].user)
    urls = [reverse("home"), reverse("roadmap"), reverse("agency-page", args=["min-energy"]),
            reverse("dashboard-api")]

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert coordinator.get(url).status_code == 200
            result.append(len(queries))
        return result

    _grow(ex, 3)
    few = counts()
    _grow(ex, 9)
    assert counts() == few
