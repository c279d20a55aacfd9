"""The worker's sending: claim due deliveries, send each once, retry with backoff, recover after a crash.

State machine (models.Delivery): queued -> claimed -> sending -> sent | queued (later) | failed.
- Claiming is an UPDATE over SELECT ... FOR UPDATE SKIP LOCKED, so two workers never take the same row.
- `sending` is committed just before the network call. A worker killed after that point leaves the row in
  `sending`; when its lease expires the row is marked failed ("interrupted") instead of sent again, because
  the message may have gone out: nobody gets anything twice. Webhooks are the exception: they carry
  X-Geotrack-Delivery, by which receivers drop a repeat, so an interrupted webhook is queued again.
- A row only `claimed` when its worker died never touched the network and simply returns to the queue.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from geotrack.core.sql import Sql
from geotrack.site.notifications import channels, messages
from geotrack.site.notifications.models import Channel, Delivery, Event, Subscription, TelegramLink

log = logging.getLogger(__name__)

_CLAIM_SQL = """
UPDATE notifications_delivery SET state = 'claimed', claimed_until = %(until)s
WHERE id IN (SELECT id FROM notifications_delivery
             WHERE state = 'queued' AND digest_at IS NULL AND next_attempt_at <= %(now)s AND channel = %(channel)s
             ORDER BY next_attempt_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED)
RETURNING id
"""
_CLAIM_DIGEST_SQL = """
WITH one AS (SELECT recipient_key, channel FROM notifications_delivery
             WHERE state = 'queued' AND digest_at <= %(now)s AND next_attempt_at <= %(now)s
             ORDER BY digest_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE notifications_delivery d SET state = 'claimed', claimed_until = %(until)s
FROM one WHERE d.recipient_key = one.recipient_key AND d.channel = one.channel AND d.state = 'queued'
  AND d.digest_at <= %(now)s
RETURNING d.id
"""
_RECOVER_SQL = """
UPDATE notifications_delivery SET state = CASE
    WHEN state = 'claimed' OR channel = 'webhook' THEN 'queued'
    ELSE 'failed' END,
  last_error = CASE WHEN state = 'sending' AND channel <> 'webhook'
    THEN 'interrupted while sending; not repeated, so that nobody receives it twice' ELSE last_error END,
  claimed_until = NULL
WHERE state IN ('claimed', 'sending') AND claimed_until < %(now)s
"""


def recover(*, now: dt.datetime) -> int:
    """Return claims of dead workers to the queue (or fail those whose message may have gone out)."""
    return Sql(_RECOVER_SQL, {"now": now}).execute()


def _lease(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=settings.NOTIFY["SEND_LEASE_SECONDS"])


def _claim(sql: str, *, now: dt.datetime, **params) -> list[Delivery]:
    with transaction.atomic():
        ids = [row[0] for row in Sql(sql, {"now": now, "until": _lease(now), **params}).fetchall()]
    return list(Delivery.objects.filter(pk__in=ids).select_related("event", "subscription", "user")
                .order_by("event__created_at", "id"))


class Pacer:
    """At most RATE_PER_SECOND messages per second per channel from this worker (sleeps between sends)."""

    def __init__(self):
        self.last: dict[str, float] = {}

    def wait(self, channel: str) -> None:
        interval = 1.0 / max(settings.NOTIFY["RATE_PER_SECOND"].get(channel, 10.0), 0.001)
        pause = self.last.get(channel, 0.0) + interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self.last[channel] = time.monotonic()


def _language(deliveries: list[Delivery]) -> str:
    subscription = deliveries[0].subscription
    return messages.language_of(subscription.language if subscription else None)


def _unsubscribe_url(deliveries: list[Delivery]) -> str:
    subscription = next((d.subscription for d in deliveries if d.subscription), None)
    if subscription is None:
        return messages.absolute(reverse("notification-settings"))
    return messages.absolute(reverse("notifications-unsubscribe", args=[subscription.unsubscribe_token]))


def _send(deliveries: list[Delivery], connection_holder: dict) -> None:
    """Send one message carrying these deliveries (one, or a digest's several) on their channel."""
    first = deliveries[0]
    language = _language(deliveries)
    lines = [messages.line(d.event, language) for d in deliveries]
    if first.channel == Channel.EMAIL:
        if "mail" not in connection_holder:
            connection_holder["mail"] = channels.mail_connection()
        mail = messages.mail(lines, language=language, unsubscribe_url=_unsubscribe_url(deliveries),
                             settings_url=messages.absolute(reverse("notification-settings")))
        channels.send_mail(connection_holder["mail"], address=first.address, mail=mail, language=language,
                           unsubscribe_url=_unsubscribe_url(deliveries), message_id=f"d{first.pk}")
    elif first.channel == Channel.TELEGRAM:
        chat_id = TelegramLink.objects.filter(user_id=first.user_id, chat_id__isnull=False).values_list(
            "chat_id", flat=True).first()
        if chat_id is None:
            raise channels.SendError(_("no Telegram chat is linked"), permanent=True)
        channels.send_telegram(chat_id=chat_id, text=messages.telegram(lines, language=language))
    else:
        secret = first.subscription.secret if first.subscription else ""
        channels.send_webhook(url=first.address, secret=secret, delivery_id=first.pk,
                              body=messages.webhook_body([d.event for d in deliveries],
                                                         delivery_ids=[d.pk for d in deliveries]))


def _mark(ids: list[int], **fields) -> None:
    Delivery.objects.filter(pk__in=ids).update(**fields)


def _deliver(deliveries: list[Delivery], *, now_fn, pacer: Pacer, holder: dict) -> bool:
    ids = [d.pk for d in deliveries]
    channel = deliveries[0].channel
    pacer.wait(channel)
    now = now_fn()
    _mark(ids, state=Delivery.State.SENDING, claimed_until=_lease(now))  # committed before the network call
    try:
        _send(deliveries, holder)
    except channels.SendError as exc:
        attempts = deliveries[0].attempts + 1
        final = exc.permanent or attempts >= settings.NOTIFY["MAX_ATTEMPTS"]
        delay = exc.retry_after or settings.NOTIFY["BACKOFF_SECONDS"] * 2 ** (attempts - 1)
        _mark(ids, state=Delivery.State.FAILED if final else Delivery.State.QUEUED, attempts=attempts,
              last_error=str(exc)[:2000], claimed_until=None, next_attempt_at=now + dt.timedelta(seconds=delay))
        if channel == Channel.EMAIL:
            holder.pop("mail", None)  # a broken connection is not reused
        return False
    batch = uuid.uuid4().hex[:16] if len(ids) > 1 else ""
    _mark(ids, state=Delivery.State.SENT, attempts=deliveries[0].attempts + 1, sent_at=now_fn(), last_error="",
          claimed_until=None, batch=batch)
    return True


def send_due(*, now_fn=timezone.now, limit: int | None = None) -> int:
    """Send immediate deliveries that are due, channel by channel, in claimed batches for at most PASS_SECONDS
    (so the rest of the pass, digests and Telegram polling, still runs); return how many went out."""
    limit = limit or settings.NOTIFY["BATCH"]
    sent, pacer, holder = 0, Pacer(), {}
    started = time.monotonic()
    try:
        for channel in Channel.values:
            while time.monotonic() - started < settings.NOTIFY["PASS_SECONDS"]:
                claimed = _claim(_CLAIM_SQL, now=now_fn(), channel=channel, limit=limit)
                for delivery in claimed:
                    sent += _deliver([delivery], now_fn=now_fn, pacer=pacer, holder=holder)
                if len(claimed) < limit:
                    break
    finally:
        if "mail" in holder:
            holder["mail"].close()
    return sent


def send_digests(*, now_fn=timezone.now, limit: int = 100) -> int:
    """Send each recipient's due digest on each channel as one message (grouped by kind and region)."""
    sent, pacer, holder = 0, Pacer(), {}
    try:
        for _ in range(limit):
            deliveries = _claim(_CLAIM_DIGEST_SQL, now=now_fn())
            if not deliveries:
                break
            sent += _deliver(deliveries, now_fn=now_fn, pacer=pacer, holder=holder)
            Subscription.objects.filter(pk__in={d.subscription_id for d in deliveries if d.subscription_id}).update(
                last_digest_at=now_fn())
    finally:
        if "mail" in holder:
            holder["mail"].close()
    return sent


def send_confirmation(subscription: Subscription) -> None:
    """The double opt-in message for an anonymous address: the only thing sent before it is confirmed."""
    language = messages.language_of(subscription.language)
    confirm_url = messages.absolute(reverse("notifications-confirm", args=[subscription.confirm_token]))
    unsubscribe_url = messages.absolute(reverse("notifications-unsubscribe", args=[subscription.unsubscribe_token]))
    line = messages.Line(kind="confirm", label=messages.kind_label("confirm", {"label": {
        code: _confirm_label(code) for code in messages.LANGUAGES}}, language),
        title=_confirm_label(language), text="", url=confirm_url, region="", escalation="")
    mail = messages.mail([line], language=language, unsubscribe_url=unsubscribe_url,
                         settings_url=confirm_url)
    connection = channels.mail_connection()
    try:
        channels.send_mail(connection, address=subscription.address, mail=mail, unsubscribe_url=unsubscribe_url,
                           language=language, message_id=f"c{subscription.pk}")
    finally:
        connection.close()


def _confirm_label(language: str) -> str:
    with messages.translation.override(language):
        return _("Confirm your subscription to geotrack notifications")


def events_of(deliveries: list[Delivery]) -> list[Event]:
    return [d.event for d in deliveries]
