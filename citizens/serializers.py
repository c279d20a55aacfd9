"""What a citizen sends, and what each reader sees of feedback (contact and evidence to moderators only)."""
from __future__ import annotations

import json

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from projects.geometry import GeometryError, parse_project_geometry
from projects.photo_checks import check_payload

from citizens.models import Feedback


class FeedbackInputSerializer(serializers.Serializer):
    """POST /api/feedback/ as multipart (with `photos`, repeated) or JSON (without photos)."""

    project = serializers.IntegerField(required=False, min_value=1, max_value=2 ** 53,
                                       help_text="A public project's id (or send roadmap_item).")
    roadmap_item = serializers.IntegerField(required=False, min_value=1, max_value=2 ** 31,
                                            help_text="A roadmap item's number (or send project).")
    category = serializers.ChoiceField(choices=Feedback.Category.choices)
    text = serializers.CharField(help_text="Plain text; FEEDBACK_TEXT_MIN to FEEDBACK_TEXT_MAX characters.")
    location = serializers.JSONField(required=False, allow_null=True,
                                     help_text='A GeoJSON Point, e.g. {"type": "Point", "coordinates": [76.9, 43.2]}'
                                               " (in multipart: that JSON as a string).")
    contact = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                    help_text="How to reach you (never public).")
    website = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                    help_text="Leave empty (a field only robots fill in).")
    # Documented here; the view reads the files itself and decodes each only with its declared decoder.
    photos = serializers.ListField(child=serializers.FileField(), required=False,
                                   help_text="Up to FEEDBACK_MAX_PHOTOS (3) JPEG or PNG photos (multipart only).")

    def validate_text(self, value: str) -> str:
        value = value.strip()
        low, high = settings.GEOTRACK["FEEDBACK_TEXT_MIN"], settings.GEOTRACK["FEEDBACK_TEXT_MAX"]
        if not low <= len(value) <= high:
            raise serializers.ValidationError(f"Write between {low} and {high} characters (this has {len(value)}).")
        return value

    def validate_location(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise serializers.ValidationError("Send a GeoJSON Point.") from exc
        if not isinstance(value, dict) or value.get("type") != "Point":
            raise serializers.ValidationError("Send a GeoJSON Point.")
        try:
            return parse_project_geometry(value)
        except GeometryError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate_website(self, value: str) -> str:
        if value:
            raise serializers.ValidationError("This field must stay empty.")
        return value

    def validate(self, attrs):
        if ("project" in attrs) == ("roadmap_item" in attrs):
            raise serializers.ValidationError({"project": ["Send either project or roadmap_item, not both or neither."]})
        return attrs


class ReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Feedback.RejectReason.choices)


def photo_payload(feedback: Feedback, photo, *, checks: dict | None) -> dict:
    payload = {"id": photo.pk,
               "image": reverse("feedback-photo", args=[feedback.pk, photo.pk, "image"]),
               "thumbnail": reverse("feedback-photo", args=[feedback.pk, photo.pk, "thumbnail"])}
    if checks is not None:
        payload["evidence"] = check_payload(checks.get(photo.pk))
    return payload


def feedback_payload(feedback: Feedback, *, moderator: bool, checks: dict | None = None,
                     follow_url: str | None = None) -> dict:
    """One message as a reader sees it: moderators also get contact, rejection reason and evidence per photo."""
    published = feedback.status == Feedback.Status.PUBLISHED
    payload = {
        "id": feedback.pk,
        "project": feedback.project_id,
        "roadmap_item": feedback.roadmap_item.number if feedback.roadmap_item_id else None,
        "category": feedback.category,
        "text": feedback.text,
        "status": feedback.status,
        "created_at": feedback.created_at.isoformat(),
        "published_at": feedback.moderated_at.isoformat() if published and feedback.moderated_at else None,
        "location": ({"type": "Point", "coordinates": [round(feedback.location.x, 6), round(feedback.location.y, 6)]}
                     if feedback.location else None),
        "reply": ({"text": feedback.reply, "replied_at": feedback.replied_at.isoformat()}
                  if feedback.reply and feedback.replied_at else None),
        "photos": [photo_payload(feedback, photo, checks=checks if moderator else None)
                   for photo in feedback.photos.all()],
    }
    if moderator:
        payload.update({"contact": feedback.contact, "reject_reason": feedback.reject_reason or None,
                        "may_moderate": True})
    if follow_url:
        payload["follow_url"] = follow_url
    return payload


class FeedbackOutputSerializer(serializers.Serializer):
    """The documented shape of a feedback answer (built by feedback_payload)."""

    id = serializers.IntegerField()
    project = serializers.IntegerField(allow_null=True)
    roadmap_item = serializers.IntegerField(allow_null=True)
    category = serializers.ChoiceField(choices=Feedback.Category.choices)
    text = serializers.CharField()
    status = serializers.ChoiceField(choices=Feedback.Status.choices)
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    location = serializers.JSONField(allow_null=True)
    reply = serializers.JSONField(allow_null=True, help_text='{"text", "replied_at"} once a moderator replied')
    photos = serializers.JSONField(help_text="[{id, image, thumbnail, evidence (moderators only)}]")
    follow_url = serializers.CharField(required=False, help_text="Only in the answer to the POST that sent it")
    contact = serializers.CharField(required=False, help_text="Moderators only")
    reject_reason = serializers.CharField(required=False, allow_null=True, help_text="Moderators only")
