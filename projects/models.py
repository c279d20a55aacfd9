"""Regions, agencies, roadmap items, projects and their progress history."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.contrib.gis.db.models.functions import IsValid
from django.db.models import Func, Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import In
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from geotrack.core.validators import web_url

ALLOWED_GEOMETRY_TYPES = (
    "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
)


class GeometryType(Func):
    function = "GeometryType"
    output_field = models.CharField()


def valid_geometry(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(IsValid(field)), name=name,
        violation_error_message=_("The geometry is not valid (for example, a ring intersects itself)."),
    )


def percent_range(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 100}), name=name,
        violation_error_message=_("Progress must be between 0 and 100."),
    )


class TranslatedNameMixin:
    """Pick name_kk / name_ru / name_en by the active language, falling back to English."""

    name_field_prefix = "name"

    def localized(self, prefix: str) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"{prefix}_{language}", "") or getattr(self, f"{prefix}_en")

    @property
    def name(self) -> str:
        return self.localized(self.name_field_prefix)


class Region(TranslatedNameMixin, models.Model):
    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        CITY = "city", _("City of republican significance")

    iso_code = models.CharField(_("ISO 3166-2 code"), max_length=6, unique=True)
    kato_code = models.CharField(_("KATO code"), max_length=12, blank=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=120)
    name_ru = models.CharField(_("name (Russian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    admin_centre = models.CharField(_("administrative centre"), max_length=120, blank=True)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)
    boundary_simplified = models.MultiPolygonField(_("simplified boundary"), srid=4326)

    class Meta:
        ordering = ["iso_code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            valid_geometry("boundary", "region_boundary_valid"),
            valid_geometry("boundary_simplified", "region_boundary_simplified_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.iso_code} {self.name}"


class Agency(TranslatedNameMixin, models.Model):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry")
        AKIMAT = "akimat", _("Akimat")
        NATIONAL_COMPANY = "national_company", _("National company or holding")
        OTHER = "other", _("Other state body")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="agencies", help_text=_("For akimats: the region they govern."),
    )

    class Meta:
        ordering = ["kind", "name_en"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class RoadmapItem(TranslatedNameMixin, models.Model):
    class Section(models.TextChoices):
        FAIR_STATE = "fair_state", _("Fair State")
        FAIR_ECONOMY = "fair_economy", _("Fair Economy")
        FAIR_SOCIETY = "fair_society", _("Fair Society")

    name_field_prefix = "title"

    number = models.PositiveIntegerField(_("number"), unique=True)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=400)
    title_ru = models.CharField(_("title (Russian)"), max_length=400)
    title_en = models.CharField(_("title (English)"), max_length=400)
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    agency = models.ForeignKey(Agency, verbose_name=_("responsible agency"), on_delete=models.PROTECT,
                               related_name="roadmap_items")
    co_executors = models.ManyToManyField(Agency, verbose_name=_("co-executor agencies"), blank=True,
                                          related_name="co_executed_items")
    official_name_kk = models.CharField(_("responsible official (Kazakh)"), max_length=200, blank=True, db_default="")
    official_name_ru = models.CharField(_("responsible official (Russian)"), max_length=200, blank=True, db_default="")
    official_name_en = models.CharField(_("responsible official (English)"), max_length=200, blank=True, db_default="")
    official_position_kk = models.CharField(_("official's position (Kazakh)"), max_length=300, blank=True, db_default="")
    official_position_ru = models.CharField(_("official's position (Russian)"), max_length=300, blank=True, db_default="")
    official_position_en = models.CharField(_("official's position (English)"), max_length=300, blank=True, db_default="")
    start = models.DateField(_("start"), default="2023-01-01")
    deadline = models.DateField(_("deadline"))
    # The term first set; `deadline` moves only through an approved deadline change (execution).
    original_deadline = models.DateField(_("original deadline"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("roadmap item")
        verbose_name_plural = _("roadmap items")
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("start")), name="roadmap_item_deadline_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def title(self) -> str:
        return self.localized("title")

    @property
    def official_name(self) -> str:
        return self.localized("official_name")

    @property
    def official_position(self) -> str:
        return self.localized("official_position")

    @property
    def first_deadline(self):
        return self.original_deadline or self.deadline

    def get_absolute_url(self) -> str:
        return reverse("roadmap-item", args=[self.number])


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
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="region_links", db_index=False)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="project_links",
                               db_constraint=False)  # checked per statement: projects/references.py
    share = models.FloatField(default=1.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "region"], name="project_region_unique")]


class ProgressReport(models.Model):
    """One report of a project's progress. Append-only: a correction supersedes, never edits."""

    # The index (project, -reported_at) below serves lookups by project: no second one on project alone.
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="progress_reports", db_index=False)
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


class Profile(models.Model):
    """A user's role and the regions (akimats, regional planners) or agencies (ministries) they are bound to."""

    class Role(models.TextChoices):
        AKIMAT = "akimat", _("Akimat")
        PLANNER = "planner", _("Planner")
        ANALYST = "analyst", _("Analyst")
        ADMIN = "admin", _("Administrator")
        MINISTRY = "ministry", _("Ministry")
        COORDINATOR = "coordinator", _("Coordinator")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    regions = models.ManyToManyField(Region, verbose_name=_("regions"), blank=True, related_name="+")
    # Ministries report for their agencies' roadmap items and instructions (CONTRACT.md, More roles).
    agencies = models.ManyToManyField(Agency, verbose_name=_("agencies"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


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
