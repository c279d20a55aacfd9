"""Digests at their hour, escalation with a controlled clock, once per person and channel, access and opt-in."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from geotrack.site.notifications import escalation, worker
from geotrack.site.notifications.events import emit
from geotrack.site.notifications.models import AlertState, Delivery, Event, Subscription
from tests.actors import make_person
from tests.notifications.conftest import ASTANA, stale_project

ALMATY_TZ = zoneinfo.ZoneInfo("Asia/Almaty")


def at(hour: int, day: int = 10) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=ALMATY_TZ)


@pytest.mark.django_db(transaction=True)
def test_a_daily_digest_at_its_hour_groups_five_alerts_into_one_message(people, regions, agency, notify_settings, smtp):
    user = people["analyst"].user
    Subscription.objects.create(user=user, channel="email", address="dana@example.kz", mode="daily", digest_hour=9,
                                regions=[regions["KZ-75"].pk], language="en")
    titles = [f"School {n}" for n in range(5)]
    for title in titles:
        stale_project(agency, title)
    worker.run_once(now_fn=lambda: at(6), poll=False)
    assert Delivery.objects.filter(state="queued", digest_at=at(9)).count() == 5
    worker.run_once(now_fn=lambda: at(8, 10) + dt.timedelta(minutes=59), poll=False)
    assert smtp.to("dana@example.kz") == []  # not before its hour
    worker.run_once(now_fn=lambda: at(9), poll=False)
    worker.run_once(now_fn=lambda: at(9) + dt.timedelta(minutes=5), poll=False)
    [digest] = smtp.to("dana@example.kz")
    assert "5 notifications" in digest["Subject"]
    text = digest.get_body(("plain",)).get_content()
    assert all(title in text for title in titles)
    assert text.count("== No progress report ==") == 1  # grouped by kind
    assert "-- Almaty" in text  # then by region
    assert len({d.batch for d in Delivery.objects.filter(state="sent")}) == 1


@pytest.mark.django_db(transaction=True)
def test_an_unacknowledged_alert_escalates_after_its_time_and_an_acknowledged_one_stops(
        client, people, regions, agency, notify_settings, smtp):
    head = make_person("head", "akimat", ["KZ-75"], regions).user
    head.groups.add(Group.objects.create(name="heads"))
    # Profile.role holds 10 characters until the coordinator role lands: here an analyst plays the coordinator.
    ladder = [{"after_days": 3, "step": "head", "to": [{"role": "akimat", "group": "heads", "scope": "region"}]},
              {"after_days": 7, "step": "coordinator", "to": [{"role": "analyst", "group": "coordinators"}]}]
    notify_settings.NOTIFY = {**notify_settings.NOTIFY, "ESCALATION": {"default": ladder}}
    coordinator = make_person("coord", "analyst", [], regions).user
    coordinator.groups.add(Group.objects.create(name="coordinators"))
    for user, address in ((head, "head@example.kz"), (coordinator, "coord@example.kz")):
        user.email = address
        user.save(update_fields=["email"])
    opened = timezone.now() - dt.timedelta(days=1)
    project = stale_project(agency, "Public school", public=True)
    worker.run_once(now_fn=lambda: opened, poll=False)
    state = AlertState.objects.get(object_id=project.pk)
    smtp.messages.clear()

    worker.run_once(now_fn=lambda: opened + dt.timedelta(days=2, hours=23), poll=False)
    assert smtp.messages == []  # the ladder's first step comes after 3 days
    worker.run_once(now_fn=lambda: opened + dt.timedelta(days=3, hours=1), poll=False)
    assert [m["to"] for m in smtp.messages] == [["head@example.kz"]]
    assert "Escalated: open 3 days" in smtp.messages[0]["message"].get_body(("plain",)).get_content()
    seventh = opened + dt.timedelta(days=7, hours=1)
    worker.run_once(now_fn=lambda: seventh, poll=False)
    assert [m["to"] for m in smtp.messages][-1] == ["coord@example.kz"]
    state.refresh_from_db()
    assert state.level == 2
    clock = escalation.clock(state, now=seventh)
    assert clock["text"] == f"open 7 days, escalated to the coordinator on {timezone.localtime(seventh):%d.%m}"

    worker.run_once(now_fn=lambda: seventh + dt.timedelta(days=30), poll=False)
    assert len(smtp.messages) == 2  # the ladder has no more steps; nothing repeats

    client.force_login(head)
    answer = client.get("/api/alerts/").json()["results"]
    assert answer[0]["object"]["id"] == project.pk and answer[0]["state"]["escalated_to"] == "coordinator"
    url = f"/api/alert-states/{state.pk}/acknowledge/"
    assert client.post(url, {"comment": " "}, content_type="application/json").status_code == 400
    answer = client.post(url, {"comment": "Contractor replaced; report due Friday"}, content_type="application/json")
    assert answer.status_code == 200 and "acknowledged on" in answer.json()["text"]
    client.force_login(people["almaty_akimat"].user)
    assert client.get("/").status_code == 200

    other = stale_project(agency, "Second public school", public=True)
    worker.run_once(now_fn=lambda: opened, poll=False)
    second = AlertState.objects.get(object_id=other.pk)
    client.force_login(head)
    client.post(f"/api/alert-states/{second.pk}/acknowledge/", {"comment": "on it"}, content_type="application/json")
    before = len(smtp.messages)
    worker.run_once(now_fn=lambda: opened + dt.timedelta(days=10), poll=False)
    assert len(smtp.messages) == before  # acknowledged: it climbs no further


@pytest.mark.django_db(transaction=True)
def test_one_event_reaches_one_person_once_per_channel_however_many_subscriptions_and_runs(
        people, regions, agency, notify_settings, smtp):
    user = people["analyst"].user
    for follow in ({"regions": [regions["KZ-75"].pk]}, {"agencies": [agency.code]}, {}):
        Subscription.objects.create(user=user, channel="email", address="dana@example.kz", **follow)
    stale_project(agency, "Hospital")
    for _ in range(3):  # a restarted worker, twice
        worker.run_once(poll=False)
    assert len(smtp.to("dana@example.kz")) == 1
    assert Event.objects.count() == 1
    assert emit("project_stale", dedupe_key=Event.objects.get().dedupe_key) is None  # the same key: no new event


@pytest.mark.django_db(transaction=True)
def test_nobody_hears_of_what_they_may_not_read(people, regions, agency, notify_settings, smtp):
    astana = make_person("astana", "akimat", ["KZ-71"], regions).user
    Subscription.objects.create(user=astana, channel="email", address="astana@example.kz")  # follows everything
    Subscription.objects.create(user=people["analyst"].user, channel="email", address="dana@example.kz")
    stale_project(agency, "SECRET Almaty depot")  # private, in Almaty
    stale_project(agency, "Astana depot", where=ASTANA)
    worker.run_once(poll=False)
    assert [m["Subject"] for m in smtp.to("astana@example.kz")] == ["[geotrack] No progress report: Astana depot"]
    assert len(smtp.to("dana@example.kz")) == 2  # the analyst reads everything
    assert emit("report_returned", dedupe_key="r-1", readable=[("execution_report", 1)],
                recipients=[astana.pk]) is not None
    worker.run_once(poll=False, alerts=False)  # a kind without an access rule yet: nobody is told
    assert Delivery.objects.filter(event__kind="report_returned").count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_public_subscribes_by_email_with_double_opt_in(client, people, regions, agency, notify_settings, smtp):
    public = stale_project(agency, "Public park", public=True)
    private = stale_project(agency, "Private depot")
    refused = client.post("/api/subscriptions/", {"channel": "email", "address": "citizen@example.kz",
                                                  "projects": [private.pk]}, content_type="application/json")
    assert refused.status_code == 400 and "projects" in refused.json()["errors"]
    answer = client.post("/api/subscriptions/", {"channel": "email", "address": "citizen@example.kz",
                                                 "projects": [public.pk], "language": "ru"},
                         content_type="application/json")
    assert answer.status_code == 202
    worker.run_once(poll=False)
    assert smtp.to("citizen@example.kz") == []  # the confirmation goes through the django-tasks worker
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--interval", "0.1")
    [confirmation] = smtp.to("citizen@example.kz")
    assert "Подтвердите подписку" in confirmation["Subject"]
    link = confirmation.get_body(("plain",)).get_content().split("/notifications/confirm/")[1].split()[0]
    worker.run_once(poll=False)
    assert len(smtp.to("citizen@example.kz")) == 1  # nothing else until it is confirmed
    assert client.post(f"/notifications/confirm/{link}").status_code == 200
    stale_project(agency, "Unrelated public road", public=True)
    AlertState.objects.all().delete()
    Event.objects.all().delete()
    worker.run_once(poll=False)
    assert [m["Subject"].strip() for m in smtp.to("citizen@example.kz")][1:] == ["[geotrack] Нет отчёта о ходе работ: Public park"]


def test_quiet_hours_postpone_to_their_end_and_weekly_digests_wait_for_their_weekday():
    from geotrack.site.notifications.fanout import after_quiet_hours, next_digest_at

    night = Subscription(quiet_start=dt.time(22, 0), quiet_end=dt.time(7, 30))
    assert after_quiet_hours(night, at(23)) == at(7, 11) + dt.timedelta(minutes=30)  # over midnight
    assert after_quiet_hours(night, at(6)) == at(7, 10) + dt.timedelta(minutes=30)
    assert after_quiet_hours(night, at(12)) == at(12)
    weekly = Subscription(mode="weekly", digest_hour=9, digest_weekday=4)  # Friday; 10.03.2026 is a Tuesday
    assert next_digest_at(weekly, at(10)) == at(9, 13)
    assert next_digest_at(weekly, at(10, 13)) == at(9, 20)
    daily = Subscription(mode="daily", digest_hour=9)
    assert next_digest_at(daily, at(8)) == at(9) and next_digest_at(daily, at(9)) == at(9, 11)
