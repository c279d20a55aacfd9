"""Cameras installed at project sites, what they see, and what they send."""
from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geotrack.core.validators import stream_url as stream_url_validator
from projects.models import Project, valid_geometry


class Camera(models.Model):
    label = models.CharField(_("label"), max_length=200)
    location = models.PointField(_("location"), srid=4326)
    bearing = models.FloatField(_("bearing, degrees from north"), default=0)
    fov_angle = models.FloatField(_("field-of-view angle, degrees"), default=60)
    range_m = models.FloatField(_("range, metres"), default=300)
    # The geodesic cone computed from location, bearing, angle and range.
    fov = models.PolygonField(_("field of view"), srid=4326, null=True, blank=True)
    stream_url = models.CharField(_("stream URL"), max_length=500, blank=True, validators=[stream_url_validator],
                                  help_text=_("HLS (.m3u8) plays in the page; RTSP is shown as a link."))
    is_public = models.BooleanField(_("public"), default=False)
    public_delay_minutes = models.PositiveIntegerField(_("public delay, minutes"), default=0)
    token_hash = models.CharField(_("device token hash"), max_length=128, blank=True, editable=False)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # The status last recorded in CameraStatusChange, so a sweep can find who crossed the threshold.
    online = models.BooleanField(_("online (last recorded)"), default=False, editable=False)
    # The per-camera snapshot rate limit is kept here, so it holds across every server process.
    last_snapshot_at = models.DateTimeField(_("last snapshot received"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    projects = models.ManyToManyField(Project, verbose_name=_("projects watched"), through="CameraLink",
                                      related_name="cameras", blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        constraints = [
            models.CheckConstraint(condition=Q(bearing__gte=0, bearing__lt=360), name="camera_bearing_range"),
            models.CheckConstraint(condition=Q(fov_angle__gt=0, fov_angle__lte=360), name="camera_fov_angle_range"),
            models.CheckConstraint(condition=Q(range_m__gt=0, range_m__lte=50000), name="camera_range_positive"),
            valid_geometry("fov", "camera_fov_valid"),
        ]

    def __str__(self) -> str:
        return self.label


class CameraLink(models.Model):
    """A camera watching a project: found by cone intersection, or set by hand (which wins)."""

    class Source(models.TextChoices):
        AUTO = "auto", _("Field of view")
        MANUAL = "manual", _("Set by hand")

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="links")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="camera_links")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.AUTO)
    # A manual link with active=False hides a link the cone would otherwise make.
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["camera", "project"], name="camera_link_unique")]


class Snapshot(models.Model):
    camera = models.ForeignKey(Camera, verbose_name=_("camera"), on_delete=models.CASCADE, related_name="snapshots")
    image = models.ImageField(_("image"), upload_to="snapshots/%Y/%m/%d/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="snapshots/thumbs/%Y/%m/%d/", blank=True)
    captured_at = models.DateTimeField(_("captured"), default=timezone.now)
    received_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-captured_at", "-id"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        indexes = [models.Index(fields=["camera", "-captured_at"])]

    def __str__(self) -> str:
        return f"{self.camera_id} @ {self.captured_at:%Y-%m-%d %H:%M}"


class CameraStatusChange(models.Model):
    """An online/offline transition, so the history shows outages."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="status_changes")
    online = models.BooleanField()
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["camera", "-changed_at"])]
