"""Projects, their history and the regions they touch."""
from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import In
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from geotrack.core.validators import web_url
from projects.models.base import ALLOWED_GEOMETRY_TYPES, GeometryType, percent_range, valid_geometry
from projects.models.places import Agency, Region
from projects.models.roadmap import RoadmapItem


class EffectiveAtHistory(models.Model):
    """Extra column of each project history row: when the change took effect.

    history_date says when a change was recorded; a planner may record a change
    that took effect earlier, and as-of reports need both.
    """

    history_effective_at = models.DateTimeField(_("took effect"), null=True, blank=True)

    class Meta:
        abstract = True


class Project(models.Model):
    class Status(models.TextChoices):
        # OC4IDS projectStatus codes.
        IDENTIFICATION = "identification", _("Identification")
        PREPARATION = "preparation", _("Preparation")
        IMPLEMENTATION = "implementation", _("Implementation")
        COMPLETION = "completion", _("Completion")
        MAINTENANCE = "maintenance", _("Maintenance")
        DECOMMISSIONING = "decommissioning", _("Decommissioning")
        DECOMMISSIONED = "decommissioned", _("Decommissioned")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        INVESTMENT = "investment", _("Investment")
        INFRASTRUCTURE = "infrastructure", _("Infrastructure")

    class Sector(models.TextChoices):
        TRANSPORT = "transport", _("Transport and roads")
        ENERGY = "energy", _("Energy")
        WATER = "water", _("Water supply and irrigation")
        HOUSING = "housing", _("Housing and utilities")
        HEALTH = "health", pgettext_lazy("sector", "Health")
        EDUCATION = "education", _("Education")
        INDUSTRY = "industry", _("Industry and manufacturing")
        MINING = "mining", _("Mining and metallurgy")
        OIL_GAS = "oil_gas", _("Oil, gas and petrochemicals")
        AGRICULTURE = "agriculture", _("Agriculture and food")
        DIGITAL = "digital", _("Digital and communications")
        SOCIAL = "social", _("Culture, sport and social")

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    geom = models.GeometryField(_("geometry"), srid=4326)
    region = models.ForeignKey(
        Region, verbose_name=_("primary region"), on_delete=models.PROTECT, related_name="primary_projects",
        null=True, blank=True, help_text=_("Derived from the geometry when left empty."),
        db_constraint=False,  # checked per statement: projects/references.py
    )
    regions = models.ManyToManyField(
        Region, verbose_name=_("regions touched"), through="ProjectRegion", related_name="projects", blank=True,
    )
    agency = models.ForeignKey(Agency, verbose_name=_("responsible agency"), on_delete=models.PROTECT,
                               related_name="projects", db_constraint=False)  # projects/references.py
    roadmap_items = models.ManyToManyField(RoadmapItem, verbose_name=_("roadmap items"),
                                           related_name="projects", blank=True)
    budget = models.DecimalField(_("budget"), max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="KZT")
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IDENTIFICATION)
    # The latest report's values, kept here by services.progress_report_add so that
    # lists, tiles and aggregates need no subquery. ProgressReport is the record.
    physical_progress = models.DecimalField(_("physical progress, %"), max_digits=5, decimal_places=2, default=0)
    financial_progress = models.DecimalField(_("financial progress, %"), max_digits=5, decimal_places=2, default=0)
    last_report_at = models.DateTimeField(_("last progress report"), null=True, blank=True)
    is_public = models.BooleanField(_("public"), default=False)
    source_url = models.URLField(_("source"), max_length=500, blank=True, validators=[web_url])
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1)

    history = HistoricalRecords(
        bases=[EffectiveAtHistory],
        m2m_fields=[roadmap_items],
        excluded_fields=["physical_progress", "financial_progress", "last_report_at"],
        # No query looks history rows up by agency or region (projects/asof.py reads them by id and date):
        # their indexes only cost every history row written.
        no_db_index=["agency", "region"],
        user_db_constraint=False,  # checked per statement: projects/references.py
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            valid_geometry("geom", "project_geom_valid"),
            models.CheckConstraint(
                condition=In(GeometryType("geom"), ALLOWED_GEOMETRY_TYPES), name="project_geom_type",
                violation_error_message=_("Only points, lines and polygons (and their Multi forms) are allowed."),
            ),
            percent_range("physical_progress", "project_physical_progress_range"),
            percent_range("financial_progress", "project_financial_progress_range"),
            models.CheckConstraint(condition=Q(budget__gte=0) | Q(budget__isnull=True), name="project_budget_positive"),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")) | Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True),
                name="project_planned_end_after_start",
                violation_error_message=_("The planned end must not be before the planned start."),
            ),
        ]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["sector"]),
            # No index of its own on region: the foreign key's index (projects_project_region_id_...) is the same
            # btree on region_id; a second copy only cost every insert.
            models.Index(fields=["updated_at"]),  # the realtime change token reads max(updated_at)
            # Stale-project alerts read the oldest active projects first (geotrack/site/alerts.py).
            models.Index(Coalesce("last_report_at", "created_at"), name="project_stale_idx",
                         condition=Q(status="implementation", archived_at__isnull=True)),
            # Trigram indexes serve the case-insensitive `q` search (ILIKE '%...%').
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="project_title_trgm"),
            GinIndex(fields=["description"], opclasses=["gin_trgm_ops"], name="project_description_trgm"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("project-page", args=[self.pk])


# The history's geometry is kept, not searched by place (projects/asof.py rebuilds past projects from their
# attributes; maps and tiles read projects_project): no GiST index on it, which every history row paid for.
Project.history.model._meta.get_field("geom").spatial_index = False


class ProjectRegion(models.Model):
    """A region a project touches, with its share (area, length, or 1 for a point)."""

    # project_region_unique (project, region) is the index for lookups by project: no second one on project alone.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="region_links", db_index=False,
                                db_constraint=False)  # checked per statement: projects/references.py
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="project_links",
                               db_constraint=False)  # checked per statement: projects/references.py
    share = models.FloatField(default=1.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "region"], name="project_region_unique")]
