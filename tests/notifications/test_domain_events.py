"""Domain events of execution and citizens become notification events, once, after commit, to readers only."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from citizens.services import Submission, feedback_submit, sender_hash
from execution import services as ex_services
from execution.models import DeadlineChange, Meeting
from geotrack.site.notifications import worker
from geotrack.site.notifications.domain_events import emit_report_returned
from geotrack.site.notifications.fanout import fan_out
from geotrack.site.notifications.models import Delivery, Event, Subscription
from tests.actors import make_person
from tests.execution.conftest import ex  # noqa: F401 - the execution world fixture
from tests.notifications.conftest import stale_project


def submitted(world, capture, who="energy_ministry"):
    user = world.people[who].user
    with capture(execute=True):
        report = ex_services.report_create(subject=world.item, period=world.period, agency_id=world.energy.pk,
                                           data={"text": "Draft law sent to parliament"}, user=user, submit=True)
    return report




def delivered_to(event: Event) -> set[int]:
    for user in get_user_model().objects.filter(email=""):
        user.email = f"{user.username}@example.kz"
        user.save(update_fields=["email"])
    fan_out(event, now=timezone.now())
    return set(Delivery.objects.filter(event=event).values_list("user_id", flat=True))


def test_a_submitted_report_is_one_report_waiting_event_for_the_coordinator(
        ex, django_capture_on_commit_callbacks):  # noqa: F811
    report = submitted(ex, django_capture_on_commit_callbacks)
    [event] = Event.objects.filter(kind="report_waiting")
    assert event.readable == [["execution_report", report.pk]]
    assert event.recipients == [ex.people["coordinator"].user.pk]
    assert event.agency_codes == [ex.energy.code] and event.item_numbers == [7]
    assert delivered_to(event) == {ex.people["coordinator"].user.pk}
    assert event.payload["url"] == report.get_absolute_url()
    assert event.payload["title"]["ru"] == "7. Закон об энергетике"


def test_a_returned_report_reaches_its_author_and_the_agencys_subscribers_who_may_read_it(
        ex, django_capture_on_commit_callbacks):  # noqa: F811
    report = submitted(ex, django_capture_on_commit_callbacks)
    author, finance = ex.people["energy_ministry"].user, ex.people["finance_ministry"].user
    colleague = ex.people["coordinator"].user
    for user in (finance, colleague):  # both follow the energy ministry; finance may not read its reports
        Subscription.objects.create(user=user, channel="email", address=f"{user.username}@example.kz",
                                    agencies=[ex.energy.code])
    with django_capture_on_commit_callbacks(execute=True):
        ex_services.report_return(report=report, user=colleague, comment="Add the budget figures")
    [event] = Event.objects.filter(kind="report_returned")
    assert event.dedupe_key == f"report-returned:{report.pk}:1"
    assert set(event.recipients) == {author.pk, finance.pk, colleague.pk}
    assert event.payload["text"] == "Add the budget figures"
    assert delivered_to(event) == {author.pk, colleague.pk}  # finance may not read another ministry's report
    # Returned again after a resubmission: a second version, a second event; a repeat of the same one is not.
    with django_capture_on_commit_callbacks(execute=True):
        report = ex_services.report_submit(report=report, user=author, if_match=None)
        ex_services.report_return(report=report, user=colleague, comment="Still no figures")
    assert emit_report_returned(report.pk, 2) is None  # the same version again: deduplicated
    assert Event.objects.filter(kind="report_returned").count() == 2
    assert Event.objects.filter(kind="report_waiting").count() == 2


def test_a_new_instruction_tells_its_responsible_and_co_executor_agencies(
        ex, django_capture_on_commit_callbacks):  # noqa: F811
    energy, finance = ex.people["energy_ministry"].user, ex.people["finance_ministry"].user
    almaty, astana = ex.people["almaty_akimat"].user, ex.people["astana_akimat"].user
    for user, codes in ((energy, [ex.energy.code]), (almaty, [ex.almaty.code]), (finance, [ex.finance.code]),
                        (astana, [ex.almaty.code])):
        Subscription.objects.create(user=user, channel="email", address=f"{user.username}@example.kz", agencies=codes)
    meeting = Meeting.objects.create(held_on=timezone.localdate(), title="Headquarters")
    with django_capture_on_commit_callbacks(execute=True):
        instruction = ex_services.instruction_create(data={
            "meeting": meeting, "text": "Prepare the tariff plan", "agency": ex.energy,
            "deadline": timezone.localdate() + dt.timedelta(days=30), "co_executors": [ex.almaty],
            "roadmap_items": [ex.item]})
    [event] = Event.objects.filter(kind="instruction_new")
    assert event.readable == [["instruction", instruction.pk]]
    assert sorted(event.agency_codes) == sorted([ex.energy.code, ex.almaty.code])
    assert set(event.recipients) == {energy.pk, almaty.pk, astana.pk}
    # The Astana akimat follows the Almaty akimat but is not bound to the instruction: it hears nothing.
    assert delivered_to(event) == {energy.pk, almaty.pk}


def test_a_decided_deadline_change_is_one_event_to_the_requester(ex, django_capture_on_commit_callbacks):  # noqa: F811
    requester, coordinator = ex.people["energy_ministry"].user, ex.people["coordinator"].user
    change = ex_services.deadline_change_request(item=ex.item, deadline=ex.item.deadline + dt.timedelta(days=60),
                                                 reason="Parliament recess", user=requester)
    with django_capture_on_commit_callbacks(execute=True):
        ex_services.deadline_change_decide(change=change, approve=False, user=coordinator, comment="Keep the date")
    [event] = Event.objects.filter(kind="deadline_decided")
    assert event.readable == [["deadline_change", change.pk]] and event.recipients == [requester.pk]
    assert event.payload["state"] == DeadlineChange.State.REFUSED
    assert "Keep the date" in event.payload["text"]["en"]
    assert delivered_to(event) == {requester.pk}


def test_a_rolled_back_transaction_emits_nothing(ex, django_capture_on_commit_callbacks):  # noqa: F811
    user = ex.people["energy_ministry"].user
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                ex_services.report_create(subject=ex.item, period=ex.period, agency_id=ex.energy.pk,
                                          data={"text": "Done"}, user=user, submit=True)
                raise RuntimeError("the request failed after submitting")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Event.objects.exists()


def test_feedback_waiting_reaches_only_the_moderators_in_scope(
        regions, agency, people, django_capture_on_commit_callbacks):
    coordinator = make_person("saule", "coordinator", [], regions).user
    astana = make_person("asel", "akimat", ["KZ-71"], regions).user
    project = stale_project(agency, "School 1")  # in Almaty
    with django_capture_on_commit_callbacks(execute=True):
        feedback, new = feedback_submit(submission=Submission(
            project=project, roadmap_item=None, category="other", text="The fence is down", location=None,
            contact="", photos=[]), sender=sender_hash("198.51.100.7"))
    assert new
    [event] = Event.objects.filter(kind="feedback_waiting")
    assert event.readable == [["feedback", feedback.pk]]
    assert event.project_ids == [project.pk] and regions["KZ-75"].pk in event.region_ids
    readers = delivered_to(event)
    assert people["almaty_akimat"].user.pk in readers and coordinator.pk in readers
    assert astana.pk not in readers and people["analyst"].user.pk not in readers


@pytest.mark.django_db(transaction=True)
def test_the_worker_mails_a_returned_report_to_its_author(ex, notify_settings, smtp):  # noqa: F811
    author, coordinator = ex.people["energy_ministry"].user, ex.people["coordinator"].user
    author.email = "zhanna@example.kz"
    author.save(update_fields=["email"])
    report = ex_services.report_create(subject=ex.item, period=ex.period, agency_id=ex.energy.pk,
                                       data={"text": "Draft law sent"}, user=author, submit=True)
    ex_services.report_return(report=report, user=coordinator, comment="Add the budget figures")
    assert Event.objects.filter(kind="report_returned").count() == 1  # committed, so emitted
    now = timezone.now()
    worker.run_once(now_fn=lambda: now, alerts=False, poll=False)
    worker.run_once(now_fn=lambda: now + dt.timedelta(seconds=5), alerts=False, poll=False)
    mails = smtp.to("zhanna@example.kz")
    assert len(mails) == 1
    text = mails[0].get_body(("plain",)).get_content()
    assert "Add the budget figures" in text and "Energy law" in text
    assert report.get_absolute_url() in text
