"""The evidence check of a photo, from any source."""
from __future__ import annotations

from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models.project import Project
from projects.models.roadmap import RoadmapItem


class PhotoCheck(models.Model):
    """The evidence check of one photo, from any source: where and when it was taken, and whether it is reused.

    Keyed by the photo's source (progress report photos here, execution report images and citizen
    feedback photos on the floors above) and its id there; projects/photo_checks.py fills it in.
    """

    class Source(models.TextChoices):
        PROGRESS_PHOTO = "progress_photo", _("progress report photo")
        EXECUTION_IMAGE = "execution_image", _("execution report image")
        FEEDBACK_PHOTO = "feedback_photo", _("citizen feedback photo")

    source_kind = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_id = models.BigIntegerField(_("photo id"))
    # What the photo belongs to (a progress report, an execution report, a feedback message), for reasons.
    parent_id = models.BigIntegerField(_("report id"), null=True, blank=True)
    project = models.ForeignKey(Project, verbose_name=_("project"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    roadmap_item = models.ForeignKey(RoadmapItem, verbose_name=_("roadmap item"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    phash = models.BigIntegerField(_("perceptual hash"))
    phash_centre = models.BigIntegerField(_("perceptual hash of the centre"), default=0)
    taken_at = models.DateTimeField(_("taken (from the photo)"), null=True, blank=True)
    location = models.PointField(_("location (from the photo)"), srid=4326, null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"))
    report_date = models.DateField(_("report date"), null=True, blank=True)
    distance_m = models.FloatField(_("distance from the site, m"), null=True, blank=True)
    matches = models.JSONField(_("near-identical photos"), default=list, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), default=100)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)

    class Meta:
        verbose_name = _("photo evidence check")
        verbose_name_plural = _("photo evidence checks")
        constraints = [models.UniqueConstraint(fields=["source_kind", "source_id"], name="photo_check_source_unique")]
        indexes = [models.Index(fields=["project"]), models.Index(fields=["score"])]

    def __str__(self) -> str:
        return f"{self.source_kind} {self.source_id}: {self.score}"
