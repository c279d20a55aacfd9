"""Roadmap execution: milestones, reporting periods, execution reports with their versions and documents,
deadline changes, headquarters meetings with their agenda and instructions (CONTRACT.md, Roadmap execution).

Who may read these is decided in projects/access/rules.py (kinds milestone, execution_report, report_version,
report_document, deadline_change, meeting, instruction); who may change them in execution/permissions.py.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from geotrack.core.params import end_of_day, local_today
from projects.models import Agency, Project, Region, RoadmapItem, percent_range


def localized_text(obj, prefix: str = "text") -> str:
    """The text in the active language when given, else the text as written."""
    language = (get_language() or "en")[:2]
    return getattr(obj, f"{prefix}_{language}", "") or getattr(obj, prefix)


class Milestone(models.Model):
    """One ordered stage of a roadmap item; the item's milestone progress is the weighted share done."""

    roadmap_item = models.ForeignKey(RoadmapItem, verbose_name=_("roadmap item"), on_delete=models.CASCADE,
                                     related_name="milestones")
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=300, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300)
    planned_on = models.DateField(_("planned"))
    done_on = models.DateField(_("done"), null=True, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)

    class Meta:
        ordering = ["roadmap_item", "position", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [models.CheckConstraint(condition=Q(weight__gte=1), name="milestone_weight_positive")]
        indexes = [models.Index(fields=["roadmap_item", "position"])]

    def __str__(self) -> str:
        return f"{self.roadmap_item_id}.{self.position} {self.title}"

    @property
    def title(self) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"title_{language}", "") or self.title_en

    @property
    def overdue(self) -> bool:
        return self.done_on is None and self.planned_on < local_today()


class ReportingPeriod(models.Model):
    """A period the coordinator opens; each bound agency reports per item by its due day (in TIME_ZONE)."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MONTHLY)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    due_on = models.DateField(_("due"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="period_ends_after_start"),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("starts_on")), name="period_due_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def due_at(self) -> dt.datetime:
        """The last instant of the due day in TIME_ZONE: a report submitted after it is late."""
        return end_of_day(self.due_on)


class Meeting(models.Model):
    """A headquarters meeting: its date, agenda, decisions and the instructions it issued."""

    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=300)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=300, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=300, blank=True)
    chair = models.CharField(_("chair"), max_length=300, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("headquarters meeting")
        verbose_name_plural = _("headquarters meetings")

    def __str__(self) -> str:
        return f"{self.held_on:%d.%m.%Y} {self.title}"

    @property
    def localized_title(self) -> str:
        return localized_text(self, "title")

    def get_absolute_url(self) -> str:
        return reverse("meeting-page", args=[self.pk])


class Instruction(models.Model):
    """An instruction issued at a meeting: reported on, accepted and returned like an item."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT,
                                related_name="instructions")
    number = models.PositiveSmallIntegerField(_("number"), default=1)
    text = models.TextField(_("text"))
    text_kk = models.TextField(_("text (Kazakh)"), blank=True)
    text_ru = models.TextField(_("text (Russian)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    agency = models.ForeignKey(Agency, verbose_name=_("responsible agency"), on_delete=models.PROTECT,
                               related_name="instructions")
    co_executors = models.ManyToManyField(Agency, verbose_name=_("co-executor agencies"), blank=True,
                                          related_name="co_executed_instructions")
    deadline = models.DateField(_("deadline"))
    roadmap_items = models.ManyToManyField(RoadmapItem, verbose_name=_("roadmap items"), blank=True,
                                           related_name="instructions")
    projects = models.ManyToManyField(Project, verbose_name=_("projects"), blank=True, related_name="+")
    regions = models.ManyToManyField(Region, verbose_name=_("regions"), blank=True, related_name="+")
    # Set when the responsible agency's report saying 100% is accepted.
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["meeting", "number", "id"]
        verbose_name = _("instruction")
        verbose_name_plural = _("instructions")
        indexes = [models.Index(fields=["deadline"])]

    def __str__(self) -> str:
        return f"{self.meeting_id}/{self.number}"

    @property
    def localized(self) -> str:
        return localized_text(self)

    @property
    def overdue(self) -> bool:
        return self.done_at is None and self.deadline < local_today()


class AgendaEntry(models.Model):
    """One point of a meeting's agenda: an item, an instruction or a region, proposed from alerts or by hand."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    roadmap_item = models.ForeignKey(RoadmapItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    instruction = models.ForeignKey(Instruction, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=400, blank=True)
    reason = models.TextField(_("why it is on the agenda"), blank=True)
    decision = models.TextField(_("decision"), blank=True)

    class Meta:
        ordering = ["meeting", "position", "id"]
        verbose_name = _("agenda entry")
        verbose_name_plural = _("agenda entries")

    def __str__(self) -> str:
        return f"{self.meeting_id}#{self.position}"


class ExecutionReport(models.Model):
    """What one agency reports on one item (or instruction) for one period; every submission is a version."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    period = models.ForeignKey(ReportingPeriod, verbose_name=_("reporting period"), on_delete=models.PROTECT,
                               related_name="reports")
    roadmap_item = models.ForeignKey(RoadmapItem, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="execution_reports")
    instruction = models.ForeignKey(Instruction, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reports")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    revision = models.PositiveIntegerField(default=1)  # moves with every edit: the ETag of a draft
    text = models.TextField(_("what was done"), blank=True)
    text_kk = models.TextField(_("what was done (Kazakh)"), blank=True)
    text_ru = models.TextField(_("what was done (Russian)"), blank=True)
    percent_done = models.DecimalField(_("done, %"), max_digits=5, decimal_places=2, default=0)
    milestone_updates = models.JSONField(default=list, blank=True)
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("coordinator's comment"), blank=True)
    is_public = models.BooleanField(default=False)  # accepted and on an item: its public summary
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-period__starts_on", "id"]
        verbose_name = _("execution report")
        verbose_name_plural = _("execution reports")
        constraints = [
            models.CheckConstraint(condition=Q(roadmap_item__isnull=True) ^ Q(instruction__isnull=True),
                                   name="report_item_or_instruction"),
            models.UniqueConstraint(fields=["period", "roadmap_item", "agency"], condition=Q(roadmap_item__isnull=False),
                                    name="report_one_per_item_period_agency"),
            models.UniqueConstraint(fields=["period", "instruction", "agency"], condition=Q(instruction__isnull=False),
                                    name="report_one_per_instruction_period_agency"),
            percent_range("percent_done", "report_percent_range"),
        ]
        indexes = [models.Index(fields=["state"]), models.Index(fields=["roadmap_item", "state"])]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.state})"

    @property
    def late(self) -> bool:
        """Not submitted by the end of its period's due day in TIME_ZONE."""
        submitted = self.first_submitted_at or timezone.now()
        return submitted > self.period.due_at

    @property
    def localized_text(self) -> str:
        return localized_text(self)

    def get_absolute_url(self) -> str:
        return reverse("execution-report-detail", args=[self.pk])


class ReportVersion(models.Model):
    """A submitted version of a report, kept for ever: its state is where the coordinator's decision left it."""

    report = models.ForeignKey(ExecutionReport, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=10, choices=ExecutionReport.State.choices)
    text = models.TextField(_("what was done"), blank=True)
    text_kk = models.TextField(blank=True)
    text_ru = models.TextField(blank=True)
    percent_done = models.DecimalField(_("done, %"), max_digits=5, decimal_places=2)
    milestone_updates = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    comment = models.TextField(_("coordinator's comment"), blank=True)
    is_public = models.BooleanField(default=False)
    # Copied from the report for the access rule (a report never changes its item or instruction).
    roadmap_item = models.ForeignKey(RoadmapItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    instruction = models.ForeignKey(Instruction, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["report", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="report_version_unique")]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.number} ({self.state})"


def document_path(document: "ReportDocument", filename: str) -> str:
    return f"execution/{timezone.now():%Y/%m}/{document.report_id}-{filename}"


class ReportDocument(models.Model):
    """A document attached to a report: stored privately, served only through a permission-checked view."""

    report = models.ForeignKey(ExecutionReport, on_delete=models.CASCADE, related_name="documents")
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=document_path)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)
    roadmap_item = models.ForeignKey(RoadmapItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    instruction = models.ForeignKey(Instruction, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["report", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("report-document", args=[self.report_id, self.pk])


class DeadlineChange(models.Model):
    """A request to move an item's deadline, with a reason; only the coordinator approves or refuses it."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    roadmap_item = models.ForeignKey(RoadmapItem, on_delete=models.PROTECT, related_name="deadline_changes")
    previous_deadline = models.DateField(_("deadline before"))
    deadline = models.DateField(_("new deadline"))
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("coordinator's comment"), blank=True)
    is_public = models.BooleanField(default=False)  # approved: every move of a deadline stays visible

    class Meta:
        ordering = ["roadmap_item", "requested_at", "id"]
        verbose_name = _("deadline change")
        verbose_name_plural = _("deadline changes")
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"{self.roadmap_item_id}: {self.previous_deadline} -> {self.deadline} ({self.state})"
