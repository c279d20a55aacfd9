"""A subscription made on the page delivers a real SMTP message and a Bot API message, in the user's language;
the one-click unsubscribe link stops the mail; webhooks are signed and retried with backoff."""
from __future__ import annotations

import datetime as dt
import re
import urllib.request

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from geotrack.site.notifications import channels, messages, worker
from geotrack.site.notifications.models import Delivery, Subscription, TelegramLink
from tests.actors import PASSWORD
from tests.notifications.conftest import stale_project


def sign_in(page, live_server, username: str, language: str) -> None:
    page.page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.page.goto(live_server.url + "/accounts/login/?next=/settings/notifications/")
    page.page.fill("input[name=username]", username)
    page.page.fill("input[name=password]", PASSWORD)
    page.page.click("section.narrow form button[type=submit]")
    page.page.wait_for_selector("#subscription-form")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_subscription_made_on_the_page_delivers_mail_and_telegram_in_the_users_language(
        page, live_server, people, agency, notify_settings, smtp, bot):
    notify_settings.SITE_URL = live_server.url
    akimat = people["almaty_akimat"].user
    akimat.email = "aigerim@example.kz"
    akimat.save(update_fields=["email"])
    sign_in(page, live_server, akimat.username, "ru")

    form = page.page.locator("#subscription-form")
    form.locator("select[name=channel]").select_option("email")
    form.locator("select[name=regions]").select_option("KZ-75")
    form.locator("button[type=submit]").click()
    page.page.wait_for_selector("#subscriptions tr")
    form.locator("select[name=channel]").select_option("telegram")
    form.locator("select[name=regions]").select_option("KZ-75")
    form.locator("button[type=submit]").click()
    page.page.wait_for_function("document.querySelectorAll('#subscriptions tr').length === 2")
    page.page.click("#telegram-new-code")
    page.page.wait_for_function("/^\\d{8}$/.test(document.getElementById('telegram-code').textContent)")
    code = page.page.text_content("#telegram-code")
    assert not page.errors, page.errors
    assert not page.external_requests()

    bot.user_writes(5550001, f"/start {code}")
    worker.run_once(alerts=False)
    assert TelegramLink.objects.get(user=akimat).chat_id == 5550001
    assert bot.sent[-1]["chat"]["id"] == 5550001  # the bot answered through sendMessage

    project = stale_project(agency, "Школа №7 (Алматы) — 2.0")  # reserved MarkdownV2 characters in the title
    report = worker.run_once()
    assert report["sent"] == 2, report

    with translation.override("ru"):
        label = str(messages.KIND_LABELS["project_stale"])
    with translation.override("en"):
        assert label != str(messages.KIND_LABELS["project_stale"])  # really Russian
    [mail] = smtp.to("aigerim@example.kz")
    assert mail["Content-Language"] == "ru"
    assert label in mail["Subject"] and project.title in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"{live_server.url}/projects/{project.pk}/" in text and f'href="{live_server.url}/projects/{project.pk}/"' in html
    assert '<html lang="ru">' in html
    unsubscribe = re.search(r"<(\S+)>", str(mail["List-Unsubscribe"])).group(1)
    assert unsubscribe.startswith(live_server.url + "/notifications/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    [message] = [m for m in bot.sent if m["chat"]["id"] == 5550001 and "Алматы" in m["text"]]
    assert message["parse_mode"] == "MarkdownV2"
    assert messages.escape_markdown_v2(label) in message["text"]
    assert "№7 \\(Алматы\\) — 2\\.0" in message["text"]

    # RFC 8058: the mail client POSTs List-Unsubscribe=One-Click to the link, without a session.
    request = urllib.request.Request(unsubscribe, data=b"List-Unsubscribe=One-Click", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    stale_project(agency, "Больница (Алматы)")
    report = worker.run_once()
    assert len(smtp.to("aigerim@example.kz")) == 1  # no more mail
    assert report["sent"] == 1  # Telegram still follows the region
    assert len([m for m in bot.sent if "Больница" in m["text"]]) == 1

    page.page.reload()  # the delivery log on the page, from /api/notifications/
    page.page.wait_for_function("document.querySelectorAll('#delivery-log tr').length === 3")
    log = page.page.text_content("#delivery-log")
    assert "Больница" in log and "отправлено" in log
    assert not page.errors, page.errors


@pytest.mark.django_db(transaction=True)
def test_the_unsubscribe_page_needs_a_click_and_then_stops_the_mail(client, people, agency, notify_settings, smtp):
    subscription = Subscription.objects.create(user=people["analyst"].user, channel="email",
                                               address="dana@example.kz", language="en")
    stale_project(agency, "Road A")
    worker.run_once(poll=False)
    assert len(smtp.to("dana@example.kz")) == 1
    url = re.search(r"<(\S+)>", str(smtp.to("dana@example.kz")[0]["List-Unsubscribe"])).group(1)
    path = url.split("127.0.0.1:8000", 1)[-1]
    assert client.get(path).status_code == 200  # a link scanner's GET unsubscribes nobody
    subscription.refresh_from_db()
    assert subscription.active
    assert client.post(path).status_code == 200
    subscription.refresh_from_db()
    assert not subscription.active
    stale_project(agency, "Road B")
    worker.run_once(poll=False)
    assert len(smtp.to("dana@example.kz")) == 1


@pytest.mark.django_db(transaction=True)
def test_webhooks_are_signed_and_retried_with_backoff_then_marked_failed(people, agency, notify_settings, webhook):
    user = people["analyst"].user
    good = Subscription.objects.create(user=user, channel="webhook", address=webhook.url, secret="s3cret")
    webhook.secret = "s3cret"
    webhook.fail_next = 2
    stale_project(agency, "Bridge")
    now = timezone.now()
    worker.run_once(now_fn=lambda: now, poll=False)
    delivery = Delivery.objects.get(subscription=good)
    assert (delivery.state, delivery.attempts) == ("queued", 1) and "503" in delivery.last_error
    first_wait = delivery.next_attempt_at - now
    worker.run_once(now_fn=lambda: now + dt.timedelta(seconds=5), poll=False, alerts=False)
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1  # not due yet
    later = delivery.next_attempt_at + dt.timedelta(seconds=1)
    worker.run_once(now_fn=lambda: later, poll=False, alerts=False)
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at - later > first_wait  # the wait doubled
    worker.run_once(now_fn=lambda: delivery.next_attempt_at + dt.timedelta(seconds=1), poll=False, alerts=False)
    delivery.refresh_from_db()
    assert delivery.state == "sent" and delivery.attempts == 3
    [received] = webhook.received
    assert received["body"]["events"][0]["kind"] == "project_stale"
    assert received["headers"][channels.DELIVERY_HEADER] == str(delivery.pk)

    webhook.secret = "another"  # every signature is refused from now on: 401, a permanent failure
    stale_project(agency, "Tunnel")
    worker.run_once(poll=False)
    failed = Delivery.objects.exclude(pk=delivery.pk).get(subscription=good)
    assert failed.state == "failed" and "401" in failed.last_error and webhook.refused


@pytest.mark.django_db(transaction=True)
def test_a_broken_bot_api_is_recorded_and_retried_not_raised(people, agency, notify_settings, bot):
    user = people["analyst"].user
    TelegramLink.objects.create(user=user, chat_id=42, code_expires_at=timezone.now())
    bot.chats.add(42)
    Subscription.objects.create(user=user, channel="telegram")
    bot.fail_with = {"error_code": 429, "description": "Too Many Requests: retry after 7",
                     "parameters": {"retry_after": 7}}
    stale_project(agency, "Dam")
    now = timezone.now()
    worker.run_once(now_fn=lambda: now)
    delivery = Delivery.objects.get(user=user)
    assert delivery.state == "queued" and "429" in delivery.last_error
    assert abs((delivery.next_attempt_at - now).total_seconds() - 7) < 1  # Telegram's retry_after honoured
    bot.fail_with = None
    worker.run_once(now_fn=lambda: now + dt.timedelta(seconds=8))
    delivery.refresh_from_db()
    assert delivery.state == "sent"


def test_markdown_v2_escaping_passes_the_bot_apis_parser():
    from tests.notifications.servers import check_markdown_v2

    line = messages.Line(kind="x", label="Check_on*site [1]", title="a.b-c(d)!", text="50% > 10 #tag {x} | ~y~ `z`",
                         url="http://h/p_(1)", region="", escalation="")
    with override_settings(SITE_URL="http://h"):
        check_markdown_v2(messages.telegram([line], language="en"))
        check_markdown_v2(messages.telegram([line, line], language="en"))
    with pytest.raises(ValueError):
        check_markdown_v2("a.b")


@pytest.mark.django_db(transaction=True)
def test_the_bot_links_a_chat_once_by_its_code_and_keeps_its_offset(people, notify_settings, bot):
    from geotrack.site.notifications import telegram_bot

    user = people["analyst"].user
    link = TelegramLink.objects.create(user=user, code="12345678",
                                       code_expires_at=timezone.now() + dt.timedelta(minutes=5))
    bot.user_writes(901, "hello", language="en")
    bot.user_writes(902, "12345678", language="kk")
    assert telegram_bot.poll_updates(timeout=0) == 2
    link.refresh_from_db()
    assert link.chat_id == 902
    answers = {m["chat"]["id"]: m["text"] for m in bot.sent}
    assert r"one\-time code" in answers[901]  # MarkdownV2-escaped, in English
    assert answers[902] != answers[901]  # in Kazakh
    assert telegram_bot.poll_updates(timeout=0) == 0  # the offset confirmed both: nothing is read twice
    bot.user_writes(903, "12345678")  # the code worked once
    telegram_bot.poll_updates(timeout=0)
    link.refresh_from_db()
    assert link.chat_id == 902
