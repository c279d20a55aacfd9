"""Satellite and aerial imagery of project sites, kept as COG files with a footprint in PostGIS.

No RasterField: a raster column on a hot table costs ~110 ms on first use per
backend and is selected on every query (STACK_NOTES). The pixels live in a
Cloud-Optimised GeoTIFF at `cog_uri` (a path under MEDIA_ROOT or any GDAL URI).
"""
from __future__ import annotations

from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import Project, Region, valid_geometry


class Imagery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    title = models.CharField(_("title"), max_length=200)
    acquired_on = models.DateField(_("acquisition date"))
    source = models.CharField(_("source"), max_length=200, help_text=_("Sensor or provider, e.g. Landsat-7 ETM+."))
    synthetic = models.BooleanField(_("synthetic"), default=False,
                                    help_text=_("Generated for the demo, not a real acquisition."))
    cog_uri = models.CharField(_("COG location"), max_length=500, blank=True)
    footprint = models.PolygonField(_("footprint"), srid=4326, null=True, blank=True)
    band_count = models.PositiveSmallIntegerField(_("bands"), default=0)
    band_descriptions = models.JSONField(_("band descriptions"), default=list, blank=True)
    default_bands = models.JSONField(_("default display bands"), default=list, blank=True)
    default_rescale = models.JSONField(_("default rescale range"), default=list, blank=True,
                                       help_text=_("[min, max] of the display stretch, measured at ingest."))
    resolution_m = models.FloatField(_("resolution, metres"), null=True, blank=True)
    dtype = models.CharField(_("data type"), max_length=20, blank=True)
    is_public = models.BooleanField(_("public"), default=False)
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="imagery")
    project = models.ForeignKey(Project, verbose_name=_("project"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="imagery")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-acquired_on", "id"]
        verbose_name = _("imagery")
        verbose_name_plural = _("imagery")
        constraints = [valid_geometry("footprint", "imagery_footprint_valid")]

    def __str__(self) -> str:
        return f"{self.title} ({self.acquired_on})"


class ChangeEvidence(models.Model):
    """A change index measured inside a project's site between two images (layers/change.py)."""

    class Method(models.TextChoices):
        NDVI = "ndvi", _("NDVI difference")
        BRIGHTNESS = "brightness", _("Normalised brightness difference")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="change_evidence")
    before = models.ForeignKey(Imagery, verbose_name=_("before"), on_delete=models.CASCADE, related_name="+")
    after = models.ForeignKey(Imagery, verbose_name=_("after"), on_delete=models.CASCADE, related_name="+")
    index = models.FloatField(_("change index"))
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    pixel_count = models.PositiveIntegerField(_("pixels compared"), default=0)
    progress_before = models.FloatField(_("reported progress at the first date, %"), default=0)
    progress_after = models.FloatField(_("reported progress at the second date, %"), default=0)
    flagged = models.BooleanField(_("check on site"), default=False)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        ordering = ["project_id", "after__acquired_on"]
        verbose_name = _("ground-change evidence")
        verbose_name_plural = _("ground-change evidence")
        constraints = [models.UniqueConstraint(fields=["project", "before", "after"], name="change_evidence_unique")]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.before_id} -> {self.after_id} = {self.index:.3f}"
