"""Progress: the reports of a project, their photos, and the monthly figures the dashboard's charts read."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models.base import percent_range
from projects.models.places import Agency, Region
from projects.models.project import Project


class ProgressReport(models.Model):
    """One report of a project's progress. Append-only: a correction supersedes, never edits."""

    # The index (project, -reported_at) below serves lookups by project: no second one on project alone.
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="progress_reports", db_index=False,
                                db_constraint=False)  # checked per statement: projects/references.py
    reported_at = models.DateTimeField(_("progress as of"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)
    physical = models.DecimalField(_("physical progress, %"), max_digits=5, decimal_places=2)
    financial = models.DecimalField(_("financial progress, %"), max_digits=5, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="progress_reports",
                               db_constraint=False)  # checked per statement: projects/references.py
    supersedes = models.OneToOneField(
        "self", verbose_name=_("corrects"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="superseded_by",
    )

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            percent_range("physical", "progress_report_physical_range"),
            percent_range("financial", "progress_report_financial_range"),
        ]
        indexes = [models.Index(fields=["project", "-reported_at"]), models.Index(fields=["recorded_at"])]

    def __str__(self) -> str:
        return f"{self.project_id} @ {self.reported_at:%Y-%m-%d}: {self.physical}%"


class ProgressPhoto(models.Model):
    """A photo attached to a progress report: decoded, stripped of metadata, with a thumbnail."""

    report = models.ForeignKey(ProgressReport, verbose_name=_("progress report"), on_delete=models.CASCADE,
                               related_name="photos")
    image = models.ImageField(_("photo"), upload_to="progress/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="progress/thumbs/%Y/%m/")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("progress photo")
        verbose_name_plural = _("progress photos")

    def __str__(self) -> str:
        return f"photo {self.pk} of report {self.report_id}"


class ProgressMonthly(models.Model):
    """Mean-progress building blocks per month: rebuilt in the background from the history.

    For each month of the last year and each (primary region, agency, public flag), how many
    live projects had a report by the end of that month, and the sum of their latest physical
    progress. The dashboard's charts read these few thousand rows instead of replaying
    millions of reports on every page load (projects/progress_monthly.py).
    """

    month = models.DateField()
    region = models.ForeignKey(Region, null=True, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    is_public = models.BooleanField()
    project_count = models.PositiveIntegerField()
    physical_sum = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["month"])]
