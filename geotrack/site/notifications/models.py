"""Subscriptions, events, deliveries, Telegram links and the state of open alerts (escalation)."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    return secrets.token_urlsafe(24)


def new_code() -> str:
    return f"{secrets.randbelow(10**8):08d}"


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    TELEGRAM = "telegram", _("Telegram")
    WEBHOOK = "webhook", _("webhook")


class Subscription(models.Model):
    """What one person (a user, or a confirmed anonymous e-mail address) follows, on which channel.

    The lists of what to follow are alternatives (a region OR an agency OR ...); an empty list of every
    kind follows everything the recipient may read. `alert_kinds` narrows by kind (empty: every kind).
    """

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", _("immediately")
        DAILY = "daily", _("daily digest")
        WEEKLY = "weekly", _("weekly digest")

    class Origin(models.TextChoices):
        USER = "user", _("chosen")
        ROLE = "role", _("role default")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="notification_subscriptions")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=500, blank=True)
    regions = ArrayField(models.BigIntegerField(), default=list, blank=True)
    agencies = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    roadmap_items = ArrayField(models.PositiveIntegerField(), default=list, blank=True)
    projects = ArrayField(models.BigIntegerField(), default=list, blank=True)
    alert_kinds = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    digest_hour = models.PositiveSmallIntegerField(_("digest hour"), default=8)
    digest_weekday = models.PositiveSmallIntegerField(_("digest weekday"), default=0)  # Monday
    quiet_start = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet until"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=5, default="en")
    origin = models.CharField(max_length=5, choices=Origin.choices, default=Origin.USER)
    confirmed_at = models.DateTimeField(null=True, blank=True)  # anonymous e-mail: double opt-in
    confirm_token = models.CharField(max_length=64, default=new_token, unique=True)
    unsubscribe_token = models.CharField(max_length=64, default=new_token, unique=True)
    secret = models.CharField(max_length=64, blank=True)  # webhook HMAC key
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        indexes = [models.Index(fields=["active", "mode"])]
        constraints = [models.CheckConstraint(
            condition=models.Q(user__isnull=False) | models.Q(channel="email"), name="anonymous_email_only")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address or self.user_id}"

    @property
    def recipient_key(self) -> str:
        """Who the subscription reaches: one person, however many subscriptions they hold."""
        return f"user:{self.user_id}" if self.user_id else f"email:{self.address.lower()}"


class Event(models.Model):
    """Something worth telling: a new alert, a returned report, a new instruction ...

    `dedupe_key` is unique: emitting the same thing twice (a worker restart, two sweeps) makes no new event.
    `readable` lists [kind, id] pairs of projects/access/rules.py RULES: a recipient hears of the event only when
    they may read every one of them.
    """

    kind = models.CharField(max_length=40)
    dedupe_key = models.CharField(max_length=200, unique=True)
    region_ids = ArrayField(models.BigIntegerField(), default=list)
    agency_codes = ArrayField(models.CharField(max_length=60), default=list)
    item_numbers = ArrayField(models.PositiveIntegerField(), default=list)
    project_ids = ArrayField(models.BigIntegerField(), default=list)
    readable = models.JSONField(default=list)
    recipients = ArrayField(models.BigIntegerField(), null=True, blank=True)  # explicit user ids
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["fanned_out_at"], name="notif_event_pending",
                                condition=models.Q(fanned_out_at__isnull=True))]

    def __str__(self) -> str:
        return self.dedupe_key


class Delivery(models.Model):
    """One event to one recipient on one channel: unique, so it is never sent twice.

    States: queued -> claimed (a worker took it; nothing sent yet) -> sending (the network call is under
    way, committed before it starts) -> sent, or back to queued
    with a later `next_attempt_at`, or failed after the last attempt. A digest delivery waits in
    `queued` with `digest_at` and is sent with the others of its recipient and channel in one message.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        CLAIMED = "claimed", _("claimed")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, null=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    recipient_key = models.CharField(max_length=300)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    digest_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    batch = models.CharField(max_length=40, blank=True)  # the digest message it went out in
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "recipient_key", "channel"],
                                               name="one_delivery_per_person_and_channel")]
        indexes = [models.Index(fields=["next_attempt_at"], name="notif_delivery_due",
                                condition=models.Q(state="queued")),
                   models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.event_id}->{self.recipient_key} ({self.channel}, {self.state})"


class TelegramLink(models.Model):
    """A user's Telegram chat, linked by sending the bot a one-time code shown on the settings page."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_link")
    code = models.CharField(max_length=16, default=new_code, unique=True)
    code_expires_at = models.DateTimeField()
    chat_id = models.BigIntegerField(null=True, blank=True)
    linked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"telegram:{self.user_id}"


class BotState(models.Model):
    """The Bot API's getUpdates offset, kept across worker restarts (one row per bot)."""

    bot = models.CharField(max_length=64, unique=True)
    offset = models.BigIntegerField(default=0)


class RoleDefaultsApplied(models.Model):
    """A user's role defaults were created once; deleting them afterwards is the user's choice."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    applied_at = models.DateTimeField(default=timezone.now)


class AlertState(models.Model):
    """An alert while it is open: when it opened, acknowledgement, and how far up its ladder it climbed.

    alerts.py computes alerts afresh on every read; this row remembers one opening of one alert
    (kind + object). When the alert no longer appears it is resolved; if it appears again, a new row opens.
    """

    key = models.CharField(max_length=200)  # kind:object_type:object_id
    kind = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=400, blank=True)
    region_ids = ArrayField(models.BigIntegerField(), default=list)
    agency_codes = ArrayField(models.CharField(max_length=60), default=list)
    opened_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    ack_comment = models.TextField(blank=True)
    level = models.PositiveSmallIntegerField(default=0)  # 0: the responsible; n: the ladder's n-th step
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalations = models.JSONField(default=list)  # [{"step": name, "at": iso}]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], condition=models.Q(resolved_at__isnull=True),
                                               name="one_open_alert_per_key")]

    def __str__(self) -> str:
        return self.key
