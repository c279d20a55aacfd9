"""Writes of citizen feedback: sending (with photos and their evidence checks), moderation, blocking."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from geotrack.core.photos import PreparedPhoto
from projects.models import PhotoCheck, Project, RoadmapItem
from projects.photo_checks import photo_check_record

from citizens import signals
from citizens.models import BlockedSender, Feedback, FeedbackPhoto


class SenderBlocked(Exception):
    """A moderator blocked this sender's network address."""


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before for a different message."""


class WrongState(Exception):
    """The feedback is not in a state that allows this change."""


def sender_hash(address: str) -> str:
    """A keyed hash (HMAC-SHA256 under SECRET_KEY) of a network address: stable, and not reversible."""
    return hmac.new(settings.SECRET_KEY.encode(), f"feedback-sender:{address}".encode(), hashlib.sha256).hexdigest()


def request_digest(parts: list) -> str:
    """A fingerprint of what was sent, to tell a resend (same key, same message) from a key reused."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def is_blocked(sender: str) -> bool:
    return BlockedSender.objects.filter(sender_hash=sender).exists()


@dataclass(frozen=True)
class Submission:
    project: Project | None
    roadmap_item: RoadmapItem | None
    category: str
    text: str
    location: Point | None
    contact: str
    photos: list[PreparedPhoto]


def _replay(idempotency_key: str | None, digest: str) -> Feedback | None:
    if not idempotency_key:
        return None
    earlier = Feedback.objects.filter(idempotency_key=idempotency_key).first()
    if earlier is not None and earlier.request_digest != digest:
        raise IdempotencyConflict()
    return earlier


def feedback_submit(*, submission: Submission, sender: str, author=None, idempotency_key: str | None = None,
                    digest: str = "") -> tuple[Feedback, bool]:
    """Store a message and its photos (each checked for evidence); all or nothing.

    Returns the feedback and whether it is new: a resend with the same Idempotency-Key and the
    same content returns the first one unchanged.
    """
    earlier = _replay(idempotency_key, digest)
    if earlier is not None:
        return earlier, False
    if is_blocked(sender):
        raise SenderBlocked()
    try:
        return _store(submission, sender=sender, author=author, idempotency_key=idempotency_key, digest=digest), True
    except IntegrityError:  # the same key arrived twice at once: the other request stored it
        earlier = _replay(idempotency_key, digest)
        if earlier is None:
            raise
        return earlier, False


@transaction.atomic
def _store(submission: Submission, *, sender: str, author, idempotency_key: str | None, digest: str) -> Feedback:
    project, item = submission.project, submission.roadmap_item
    agency_id = project.agency_id if project is not None else item.agency_id
    feedback = Feedback.objects.create(
        project=project, roadmap_item=item, agency_id=agency_id, category=submission.category,
        text=submission.text, location=submission.location, contact=submission.contact,
        author=author if author is not None and author.is_authenticated else None,
        follow_token=secrets.token_urlsafe(32), sender_hash=sender, idempotency_key=idempotency_key or None,
        request_digest=digest)
    for index, photo in enumerate(submission.photos, start=1):
        record = FeedbackPhoto(feedback=feedback)
        record.image.save(f"feedback-{feedback.pk}-{index}.{photo.image.extension}", ContentFile(photo.image.content),
                          save=False)
        record.thumbnail.save(f"feedback-{feedback.pk}-{index}-thumb.jpg", ContentFile(photo.image.thumbnail),
                              save=False)
        record.save()
        photo_check_record(source_kind=PhotoCheck.Source.FEEDBACK_PHOTO, source_id=record.pk, parent_id=feedback.pk,
                           facts=photo.facts, project=project, roadmap_item=item, uploaded_at=record.uploaded_at,
                           report_date=timezone.localdate(feedback.created_at))
    signals.feedback_received.send(sender=Feedback, feedback=feedback)
    return feedback


@transaction.atomic
def feedback_publish(*, feedback: Feedback, user) -> Feedback:
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback.status != Feedback.Status.RECEIVED:
        raise WrongState()
    feedback.status, feedback.moderated_at, feedback.moderated_by = Feedback.Status.PUBLISHED, timezone.now(), user
    feedback.save(update_fields=["status", "moderated_at", "moderated_by"])
    return feedback


@transaction.atomic
def feedback_reject(*, feedback: Feedback, user, reason: str) -> Feedback:
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback.status != Feedback.Status.RECEIVED:
        raise WrongState()
    feedback.status, feedback.reject_reason = Feedback.Status.REJECTED, reason
    feedback.moderated_at, feedback.moderated_by = timezone.now(), user
    feedback.save(update_fields=["status", "reject_reason", "moderated_at", "moderated_by"])
    return feedback


@transaction.atomic
def feedback_reply(*, feedback: Feedback, user, text: str) -> Feedback:
    """A reply follows a decision (published or rejected); a later reply replaces the earlier one."""
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback.status == Feedback.Status.RECEIVED:
        raise WrongState()
    feedback.reply, feedback.replied_at, feedback.replied_by = text, timezone.now(), user
    feedback.save(update_fields=["reply", "replied_at", "replied_by"])
    return feedback


def sender_block(*, feedback: Feedback, user) -> BlockedSender:
    """Block the sender of this feedback from sending more (by the stored hash of their address)."""
    blocked, _created = BlockedSender.objects.get_or_create(
        sender_hash=feedback.sender_hash, defaults={"blocked_by": user, "feedback": feedback})
    return blocked
