"""From an event to deliveries: who follows it, who may read it, one delivery per person and channel."""
from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from geotrack.core.sql import Sql
from geotrack.site.notifications.models import Channel, Delivery, Event, Subscription
from projects.access import RULES, Audience, audience_for
from projects.models import Region

log = logging.getLogger(__name__)

_MATCH_SQL = """
SELECT s.id, COALESCE('user:' || s.user_id, 'email:' || lower(s.address)) AS recipient FROM notifications_subscription s
WHERE s.active AND (s.user_id IS NOT NULL OR s.confirmed_at IS NOT NULL)
  AND (cardinality(s.alert_kinds) = 0 OR %(kind)s = ANY(s.alert_kinds))
  AND ((cardinality(s.regions) = 0 AND cardinality(s.agencies) = 0 AND cardinality(s.roadmap_items) = 0
        AND cardinality(s.projects) = 0 AND s.user_id IS NOT NULL)
       OR s.regions && %(regions)s::bigint[] OR s.agencies && %(agencies)s::varchar[]
       OR s.roadmap_items && %(items)s::integer[] OR s.projects && %(projects)s::bigint[])
ORDER BY recipient, s.id
"""
CHUNK = 2000
MODE_ORDER = {Subscription.Mode.IMMEDIATE: 0, Subscription.Mode.DAILY: 1, Subscription.Mode.WEEKLY: 2}


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def next_digest_at(subscription: Subscription, now: dt.datetime) -> dt.datetime:
    """The next local digest hour (daily), or that hour on the subscription's weekday (weekly)."""
    local = now.astimezone(local_zone())
    at = local.replace(hour=subscription.digest_hour, minute=0, second=0, microsecond=0)
    if subscription.mode == Subscription.Mode.WEEKLY:
        at += dt.timedelta(days=(subscription.digest_weekday - at.weekday()) % 7)
        if at <= local:
            at += dt.timedelta(days=7)
    elif at <= local:
        at += dt.timedelta(days=1)
    return at


def after_quiet_hours(subscription: Subscription, now: dt.datetime) -> dt.datetime:
    """`now`, or the end of the subscription's quiet hours when now falls inside them (local time)."""
    start, end = subscription.quiet_start, subscription.quiet_end
    if start is None or end is None or start == end:
        return now
    local = now.astimezone(local_zone())
    moment = local.timetz().replace(tzinfo=None)
    inside = start <= moment < end if start < end else (moment >= start or moment < end)
    if not inside:
        return now
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return ends if ends > local else ends + dt.timedelta(days=1)


def _users(user_ids: set[int]) -> dict[int, object]:
    regions = Prefetch("profile__regions", queryset=Region.objects.only("id"))
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True).select_related("profile")
    return {user.pk: user for user in users.prefetch_related(regions)}


def readable_by(audience: Audience, readable: list) -> bool:
    """Whether the audience may read every [kind, id] of an event (kinds without an access rule: nobody)."""
    for kind, pk in readable:
        if kind not in RULES:
            log.warning("a notification names %s %s, which has no access rule: nobody is told", kind, pk)
            return False
        exists = Sql(f"SELECT EXISTS (SELECT 1 FROM {RULES[kind].table} rd WHERE rd.id = %(readable_id)s AND {{c}})",
                     {"readable_id": pk}).format(c=audience.sql(kind, "rd"))
        if not exists.value():
            return False
    return True


class _Readers:
    """Audiences answer once per distinct key: ten thousand akimat users of one region cost one query."""

    def __init__(self, readable: list):
        self.readable = readable
        self.answers: dict[str, bool] = {}

    def may_read(self, audience: Audience) -> bool:
        if not self.readable:
            return True
        if audience.key not in self.answers:
            self.answers[audience.key] = readable_by(audience, self.readable)
        return self.answers[audience.key]


def _candidate_chunks(event: Event):
    """Matching subscriptions in chunks that never split one person's subscriptions (memory stays flat)."""
    if event.recipients is not None:
        subscriptions = list(Subscription.objects.filter(user_id__in=event.recipients, active=True))
        covered = {s.user_id for s in subscriptions}
        # Someone a step of a ladder names, with no subscription at all, hears by e-mail.
        for user_id in set(event.recipients) - covered:
            subscriptions.append(Subscription(user_id=user_id, channel=Channel.EMAIL, mode=Subscription.Mode.IMMEDIATE))
        yield subscriptions
        return
    rows = Sql(_MATCH_SQL, {"kind": event.kind, "regions": event.region_ids, "agencies": event.agency_codes,
                            "items": event.item_numbers, "projects": event.project_ids}).fetchall()
    chunk: list[int] = []
    for index, (pk, recipient) in enumerate(rows):
        chunk.append(pk)
        last = index + 1 == len(rows) or rows[index + 1][1] != recipient
        if last and len(chunk) >= CHUNK:
            yield list(Subscription.objects.filter(pk__in=chunk))
            chunk = []
    if chunk:
        yield list(Subscription.objects.filter(pk__in=chunk))


def subscribers(kind: str, *, region_ids=(), agency_codes=(), item_numbers=(), project_ids=()) -> list[int]:
    """Users whose subscriptions follow this kind and one of these subjects (the matching of the fan-out), for
    events that name recipients and should also reach those who follow the subject (domain_events.py)."""
    rows = Sql(_MATCH_SQL, {"kind": kind, "regions": list(region_ids), "agencies": list(agency_codes),
                            "items": list(item_numbers), "projects": list(project_ids)}).fetchall()
    return sorted({int(recipient.split(":", 1)[1]) for _pk, recipient in rows if recipient.startswith("user:")})


def fan_out(event: Event, *, now: dt.datetime) -> int:
    """Create the event's deliveries (idempotent: one per person and channel); return how many are new."""
    readers = _Readers(event.readable)
    return sum(_fan_out_chunk(event, subscriptions, readers, now=now) for subscriptions in _candidate_chunks(event))


def _fan_out_chunk(event: Event, subscriptions: list[Subscription], readers: _Readers, *, now: dt.datetime) -> int:
    users = _users({s.user_id for s in subscriptions if s.user_id})
    chosen: dict[tuple[str, str], Subscription] = {}
    for subscription in subscriptions:
        user = users.get(subscription.user_id) if subscription.user_id else None
        if subscription.user_id and user is None:
            continue
        if not readers.may_read(audience_for(user) if user else Audience()):
            continue
        key = (_recipient_key(subscription), subscription.channel)
        if key not in chosen or MODE_ORDER[subscription.mode] < MODE_ORDER[chosen[key].mode]:
            chosen[key] = subscription
    deliveries = []
    for (recipient, channel), subscription in chosen.items():
        user = users.get(subscription.user_id)
        address = subscription.address or (user.email if user and channel == Channel.EMAIL else "")
        if channel == Channel.EMAIL and not address:
            continue
        digest = subscription.mode != Subscription.Mode.IMMEDIATE
        deliveries.append(Delivery(
            event=event, subscription=subscription if subscription.pk else None, user=user, recipient_key=recipient,
            channel=channel, address=address, created_at=now,
            next_attempt_at=now if digest else after_quiet_hours(subscription, now),
            digest_at=next_digest_at(subscription, now) if digest else None))
    created = Delivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=2000)
    return len(created)


def _recipient_key(subscription: Subscription) -> str:
    return f"user:{subscription.user_id}" if subscription.user_id else f"email:{subscription.address.lower()}"


def fan_out_pending(*, now: dt.datetime | None = None, limit: int = 50) -> int:
    """Fan out events not yet fanned out, each in its own transaction (a crash redoes it; deliveries stay unique)."""
    now = now or timezone.now()
    done = 0
    for _ in range(limit):
        with transaction.atomic():
            event = (Event.objects.select_for_update(skip_locked=True).filter(fanned_out_at__isnull=True)
                     .order_by("id").first())
            if event is None:
                break
            fan_out(event, now=now)
            event.fanned_out_at = now
            event.save(update_fields=["fanned_out_at"])
            done += 1
    return done
