"""Citizen feedback on projects and roadmap items, its photos, and the senders moderators blocked."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import Agency, Project, RoadmapItem


class Feedback(models.Model):
    """One message from a citizen. Nothing of it is public before a moderator publishes it."""

    class Category(models.TextChoices):
        QUALITY = "quality", _("Quality of work")
        DELAY = "delay", _("Delay")
        SAFETY = "safety", _("Safety")
        MISUSE = "misuse", _("Misuse of funds")
        PRAISE = "praise", _("Praise")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, awaiting moderation")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    class RejectReason(models.TextChoices):
        OFF_TOPIC = "off_topic", _("Not about this project or item")
        ABUSIVE = "abusive", _("Abusive or offensive")
        PERSONAL_DATA = "personal_data", _("Contains personal data")
        DUPLICATE = "duplicate", _("Duplicate of another message")
        SPAM = "spam", _("Spam or advertising")
        UNVERIFIABLE = "unverifiable", _("Cannot be verified")

    project = models.ForeignKey(Project, verbose_name=_("project"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="feedback")
    roadmap_item = models.ForeignKey(RoadmapItem, verbose_name=_("roadmap item"), null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="feedback")
    # The responsible agency (the project's, or the item's): its ministry users moderate.
    agency = models.ForeignKey(Agency, verbose_name=_("responsible agency"), on_delete=models.PROTECT,
                               related_name="+")
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    text = models.TextField(_("text"))
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    contact = models.CharField(_("contact (never public)"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    reject_reason = models.CharField(_("reason for rejection"), max_length=20, choices=RejectReason.choices,
                                     blank=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("replied by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("moderated by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("sent"), default=timezone.now, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signed-in sender"), null=True,
                               blank=True, on_delete=models.SET_NULL, related_name="+")
    # The private follow link's token (secrets.token_urlsafe): a bearer secret, like a password-reset link.
    follow_token = models.CharField(max_length=64, unique=True, editable=False)
    # HMAC-SHA256 of the sender's network address under SECRET_KEY: "block this sender" works on it;
    # the address itself is never stored.
    sender_hash = models.CharField(max_length=64, editable=False, db_index=True)
    # The client's Idempotency-Key (the offline queue resends with the same key) and what it was sent with.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True, editable=False)
    request_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("citizen feedback")
        verbose_name_plural = _("citizen feedback")
        constraints = [
            models.CheckConstraint(condition=Q(project__isnull=False) | Q(roadmap_item__isnull=False),
                                   name="feedback_has_a_subject"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(reject_reason=""),
                                   name="feedback_rejected_has_reason"),
        ]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["project", "status"]),
                   models.Index(fields=["roadmap_item", "status"])]

    def __str__(self) -> str:
        return f"feedback {self.pk} ({self.status})"

    @property
    def answered(self) -> bool:
        return self.status == self.Status.REJECTED or bool(self.reply)


class FeedbackPhoto(models.Model):
    """A photo sent with feedback: decoded, stripped of metadata, with a thumbnail; its check is a PhotoCheck."""

    feedback = models.ForeignKey(Feedback, verbose_name=_("feedback"), on_delete=models.CASCADE,
                                 related_name="photos")
    image = models.ImageField(_("photo"), upload_to="feedback/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="feedback/thumbs/%Y/%m/")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("feedback photo")
        verbose_name_plural = _("feedback photos")

    def __str__(self) -> str:
        return f"photo {self.pk} of feedback {self.feedback_id}"


class BlockedSender(models.Model):
    """A sender a moderator blocked, by the keyed hash of their network address (never the address)."""

    sender_hash = models.CharField(max_length=64, unique=True)
    blocked_at = models.DateTimeField(_("blocked"), default=timezone.now)
    blocked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("blocked by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    feedback = models.ForeignKey(Feedback, verbose_name=_("because of"), null=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta:
        verbose_name = _("blocked sender")
        verbose_name_plural = _("blocked senders")

    def __str__(self) -> str:
        return f"blocked {self.sender_hash[:8]}"
