"""Who may read what: the one access rule of geotrack (CONTRACT.md, Roles).

A request is resolved once into an ``Audience`` (``audience_of``), ``?scope=public``
included: embeds ask as the public does, whoever is signed in. Every read path (API,
pages, tiles, raster tiles, exports, OGC, OC4IDS, reports, alerts, the dashboard and
its cache key) asks the audience, and the audience answers from ``RULES`` below in
two forms built from the same definition:

- ``audience.filter(queryset, kind)``: a queryset filter (Django ``Q`` objects);
- ``audience.sql(kind, alias)``: a SQL condition with named parameters, for the
  statements that build GeoJSON, tiles and aggregates in PostGIS.

tests/access/test_one_rule.py checks that both return exactly the same rows for
every kind and every role. Nothing outside this module decides who sees what.

The rule, in words:
- planners, analysts and admins read everything that is live;
- akimats read what is public, and what relates to one of their regions;
- everyone else (anonymous callers, embeds, signed-in users without a role) reads what
  is public; snapshots only once the camera's public delay has passed;
- citizen feedback is public only once a moderator published it (and only on what the public
  reads); its moderators read all of it in their scope: akimats on projects touching their regions,
  ministry users on their agencies' projects and items, the coordinator everywhere.
Objects that belong to another (a snapshot to its camera, a photo to its report) are
readable only when what they belong to is readable too.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from geotrack.core.sql import TRUE, Sql
from projects.models import Profile, Project, ProjectRegion, Region

NATIONAL_ROLES = frozenset({Profile.Role.PLANNER, Profile.Role.ANALYST, Profile.Role.ADMIN})
# Roles of the roadmap-execution extension (CONTRACT.md, "More roles"), named by string so that this
# rule holds before and after those roles join Profile.Role.
COORDINATOR = "coordinator"
MINISTRY = "ministry"


# --- the vocabulary of rules -------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkedRegions:
    """The object touches a region through a link table (projects_projectregion)."""

    key: str  # the object's column holding the project id ("id" for a project itself)

    def q(self, prefix: str, region_ids: list[int]) -> Q:
        links = ProjectRegion.objects.filter(project_id=OuterRef(prefix + self.key), region_id__in=region_ids)
        return Q(Exists(links))

    def sql(self, alias: str, region_ids: list[int]) -> Sql:
        return Sql(f"EXISTS (SELECT 1 FROM projects_projectregion {alias}_lr WHERE {alias}_lr.project_id = "
                   f"{alias}.{self.key} AND {alias}_lr.region_id = ANY(%(access_regions)s))",
                   {"access_regions": region_ids})


@dataclass(frozen=True)
class RegionColumn:
    """The object names its region in a column."""

    column: str

    def q(self, prefix: str, region_ids: list[int]) -> Q:
        return Q(**{f"{prefix}{self.column}__in": region_ids})

    def sql(self, alias: str, region_ids: list[int]) -> Sql:
        return Sql(f"{alias}.{self.column} = ANY(%(access_regions)s)", {"access_regions": region_ids})


@dataclass(frozen=True)
class InsideRegions:
    """The object's location lies in one of the regions (cameras)."""

    column: str

    def q(self, prefix: str, region_ids: list[int]) -> Q:
        inside = Region.objects.filter(pk__in=region_ids, boundary__intersects=OuterRef(prefix + self.column))
        return Q(Exists(inside))

    def sql(self, alias: str, region_ids: list[int]) -> Sql:
        return Sql(f"EXISTS (SELECT 1 FROM projects_region {alias}_ir WHERE {alias}_ir.id = ANY(%(access_regions)s) "
                   f"AND ST_Intersects({alias}_ir.boundary, {alias}.{self.column}))", {"access_regions": region_ids})


@dataclass(frozen=True)
class AgencyColumn:
    """The object names its responsible agency in a column (read by that agency's ministry users)."""

    column: str

    def q(self, prefix: str, agency_ids: list[int]) -> Q:
        return Q(**{f"{prefix}{self.column}__in": agency_ids})

    def sql(self, alias: str, agency_ids: list[int]) -> Sql:
        return Sql(f"{alias}.{self.column} = ANY(%(access_agencies)s)", {"access_agencies": agency_ids})


@dataclass(frozen=True)
class ColumnIs:
    """The object is public while a column holds one value (feedback: status = 'published')."""

    column: str
    value: str

    def q(self, prefix: str) -> Q:
        return Q(**{f"{prefix}{self.column}": self.value})

    def sql(self, alias: str) -> Sql:
        name = f"access_{self.column}_is"
        return Sql(f"{alias}.{self.column} = %({name})s", {name: self.value})


@dataclass(frozen=True)
class Parent:
    """The object belongs to another kind, which must be readable too.

    optional: the foreign key may be empty (feedback on a roadmap item has no project); then
    only the other parts decide.
    """

    kind: str
    column: str  # the foreign key column
    path: str  # the same relation for querysets
    optional: bool = False


@dataclass(frozen=True)
class PublicDelay:
    """The public sees the object only `delay_column` minutes after `time_column` (on the parent)."""

    parent: Parent
    time_column: str
    delay_column: str


@dataclass(frozen=True)
class Rule:
    """Who may read one kind of object. Every part must hold (AND); the reader parts are alternatives (OR).

    live: a column that is NULL while the object is live (archived objects are read by nobody);
    public: a boolean column, or a ColumnIs: everyone may read the object;
    regions: how the object relates to an akimat's regions;
    agencies: how it relates to a ministry user's agencies;
    everything: roles (by name) that read every row of this kind, beyond the national roles;
    parents: objects it belongs to, which must be readable;
    delay: the public waits before it sees the object.
    With neither `public` nor `regions`, the parents alone decide.
    """

    table: str
    live: str | None = None
    public: str | ColumnIs | None = None
    regions: tuple = ()
    agencies: tuple[AgencyColumn, ...] = ()
    everything: frozenset[str] = frozenset()
    parents: tuple[Parent, ...] = ()
    delay: PublicDelay | None = None

    def public_q(self, prefix: str) -> Q:
        if isinstance(self.public, ColumnIs):
            return self.public.q(prefix)
        return Q(**{f"{prefix}{self.public}": True})

    def public_sql(self, alias: str) -> Sql:
        if isinstance(self.public, ColumnIs):
            return self.public.sql(alias)
        return Sql(f"{alias}.{self.public}")


RULES: dict[str, Rule] = {
    "project": Rule(table="projects_project", live="archived_at", public="is_public",
                    regions=(LinkedRegions(key="id"),)),
    "progress_report": Rule(table="projects_progressreport", parents=(Parent("project", "project_id", "project"),)),
    # The dashboard charts' monthly building blocks, per primary region, agency and public flag. An akimat
    # reads the rows of its regions: a private project that only touches its region counts elsewhere.
    "progress_monthly": Rule(table="projects_progressmonthly", public="is_public",
                             regions=(RegionColumn("region_id"),)),
    "progress_photo": Rule(table="projects_progressphoto",
                           parents=(Parent("progress_report", "report_id", "report"),)),
    "camera": Rule(table="camera_sites_camera", public="is_public", regions=(InsideRegions("location"),)),
    "snapshot": Rule(table="camera_sites_snapshot", parents=(Parent("camera", "camera_id", "camera"),),
                     delay=PublicDelay(Parent("camera", "camera_id", "camera"), time_column="captured_at",
                                       delay_column="public_delay_minutes")),
    "imagery": Rule(table="layers_imagery", public="is_public",
                    regions=(RegionColumn("region_id"), LinkedRegions(key="project_id"))),
    "evidence": Rule(table="layers_changeevidence", parents=(
        Parent("project", "project_id", "project"), Parent("imagery", "before_id", "before"),
        Parent("imagery", "after_id", "after"))),
    # Citizen feedback (citizens/): public once published; its moderators read all of it in their scope.
    # agency_id is the responsible agency (the project's, or the roadmap item's when there is no project).
    "feedback": Rule(table="citizens_feedback", public=ColumnIs("status", "published"),
                     regions=(LinkedRegions(key="project_id"),), agencies=(AgencyColumn("agency_id"),),
                     everything=frozenset({COORDINATOR}),
                     parents=(Parent("project", "project_id", "project", optional=True),)),
    "feedback_photo": Rule(table="citizens_feedbackphoto", parents=(Parent("feedback", "feedback_id", "feedback"),)),
}


# --- who is asking --------------------------------------------------------------------------------

def user_role(user) -> str | None:
    """Return the contract role of a user: None for anonymous callers and users without a role."""
    if user is None or not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False):
        return Profile.Role.ADMIN
    profile = getattr(user, "profile", None) if getattr(user, "pk", None) else None
    return profile.role if profile else None


def user_region_ids(user) -> list[int]:
    profile = getattr(user, "profile", None) if getattr(user, "pk", None) else None
    return sorted(profile.regions.values_list("id", flat=True)) if profile else []


def user_agency_ids(user) -> list[int]:
    """A ministry user's agencies (the profile's `agencies`, once the ministry role has them)."""
    profile = getattr(user, "profile", None) if getattr(user, "pk", None) else None
    agencies = getattr(profile, "agencies", None) if profile else None
    return sorted(agencies.values_list("id", flat=True)) if agencies is not None else []


@dataclass(frozen=True)
class Audience:
    """What one caller may read. Build it with audience_of(request) or audience_for(user)."""

    role: str | None = None
    region_ids: tuple[int, ...] = ()
    authenticated: bool = False
    agency_ids: tuple[int, ...] = ()
    now: dt.datetime = field(default_factory=timezone.now, compare=False)
    user: Any = field(default_factory=AnonymousUser, compare=False, repr=False)

    @property
    def sees_everything(self) -> bool:
        return self.role in NATIONAL_ROLES

    @property
    def regional(self) -> bool:
        return self.role == Profile.Role.AKIMAT

    @property
    def reviews_evidence(self) -> bool:
        """Signed-in callers with a role see photos' evidence checks beside the photos they read."""
        return self.authenticated and self.role is not None

    @property
    def key(self) -> str:
        """Callers with the same key read the same things: the cache key of shared aggregates."""
        if self.sees_everything:
            return "all"
        if self.role in (COORDINATOR, MINISTRY):
            who = f"{self.role}-" + "-".join(map(str, self.agency_ids))
        else:
            who = "akimat-" + "-".join(map(str, self.region_ids)) if self.regional else "public"
        return who + ("+signed-in" if self.authenticated else "")

    def _reads_all(self, rule: Rule) -> bool:
        return self.sees_everything or self.role in rule.everything

    # -- querysets ------------------------------------------------------------------------------
    def q(self, kind: str, prefix: str = "") -> Q:
        """The queryset filter of one kind of object; prefix is the path to it from the queried model."""
        rule = RULES[kind]
        condition = Q()
        if rule.live:
            condition &= Q(**{f"{prefix}{rule.live}__isnull": True})
        for parent in rule.parents:
            readable = self.q(parent.kind, f"{prefix}{parent.path}__")
            if parent.optional:
                readable = Q(**{f"{prefix}{parent.path}__isnull": True}) | readable
            condition &= readable
        if rule.delay and not self.authenticated:
            delay = rule.delay
            minutes = F(f"{prefix}{delay.parent.path}__{delay.delay_column}") * Value(dt.timedelta(minutes=1))
            cutoff = ExpressionWrapper(Value(self.now) - minutes, output_field=DateTimeField())
            condition &= Q(**{f"{prefix}{delay.time_column}__lte": cutoff})
        if self._reads_all(rule) or (rule.public is None and not rule.regions):
            return condition
        readers = rule.public_q(prefix) if rule.public else Q(**{f"{prefix}pk__in": []})
        if self.regional:
            for link in rule.regions:
                readers |= link.q(prefix, list(self.region_ids))
        if self.role == MINISTRY:
            for link in rule.agencies:
                readers |= link.q(prefix, list(self.agency_ids))
        return condition & readers

    def filter(self, queryset: QuerySet, kind: str) -> QuerySet:
        """Keep the objects of a queryset of `kind` that this audience may read."""
        return queryset.filter(self.q(kind))

    def projects(self) -> QuerySet[Project]:
        """The live projects this audience may read."""
        return self.filter(Project.objects.all(), "project")

    # -- SQL ------------------------------------------------------------------------------------
    def sql(self, kind: str, alias: str) -> Sql:
        """The same rule as a SQL condition on a table alias of `kind`, with named parameters."""
        rule = RULES[kind]
        parts: list[Sql] = []
        if rule.live:
            parts.append(Sql(f"{alias}.{rule.live} IS NULL"))
        for parent in rule.parents:
            readable = self.sql_exists(parent.kind, f"{alias}.{parent.column}", alias=f"{alias}_{parent.path}")
            if parent.optional:
                readable = Sql(f"({alias}.{parent.column} IS NULL OR {{r}})").format(r=readable)
            parts.append(readable)
        if rule.delay and not self.authenticated:
            delay, owner = rule.delay, f"{alias}_delay"
            parts.append(Sql(
                f"EXISTS (SELECT 1 FROM {RULES[delay.parent.kind].table} {owner} WHERE {owner}.id = "
                f"{alias}.{delay.parent.column} AND {alias}.{delay.time_column} <= %(access_now)s - "
                f"make_interval(mins => {owner}.{delay.delay_column}))", {"access_now": self.now}))
        if not (self._reads_all(rule) or (rule.public is None and not rule.regions)):
            readers = [rule.public_sql(alias)] if rule.public else []
            if self.regional:
                readers += [link.sql(alias, list(self.region_ids)) for link in rule.regions]
            if self.role == MINISTRY:
                readers += [link.sql(alias, list(self.agency_ids)) for link in rule.agencies]
            parts.append(Sql("({r})").format(r=Sql.join(" OR ", readers)) if readers else Sql("FALSE"))
        return Sql.join(" AND ", parts) if parts else TRUE

    def sql_exists(self, kind: str, id_sql: str, *, alias: str | None = None) -> Sql:
        """Whether the object of `kind` whose id is `id_sql` is readable (for rows that only carry the id)."""
        alias = alias or f"access_{kind}"
        table = RULES[kind].table
        return Sql(f"EXISTS (SELECT 1 FROM {table} {alias} WHERE {alias}.id = {id_sql} AND {{c}})").format(
            c=self.sql(kind, alias))


def audience_for(user) -> Audience:
    """The audience of a user (anonymous callers included)."""
    if user is None or not user.is_authenticated:
        return Audience(user=user or AnonymousUser())
    role = user_role(user)
    regions = tuple(user_region_ids(user)) if role == Profile.Role.AKIMAT else ()
    agencies = tuple(user_agency_ids(user)) if role == MINISTRY else ()
    return Audience(role=role, region_ids=regions, authenticated=True, user=user, agency_ids=agencies)


def readable_by_public(queryset: QuerySet, kind: str) -> bool:
    """Whether everyone may read this object (a queryset of one): only then may its bytes be cached publicly."""
    return Audience().filter(queryset, kind).exists()


def is_public_scope(request) -> bool:
    return request.GET.get("scope") == "public"


def audience_from(user, query) -> Audience:
    """The audience of a user asking with these query parameters (for work done later, in the worker)."""
    return Audience() if query.get("scope") == "public" else audience_for(user)


def audience_of(request) -> Audience:
    """Resolve a request into its audience, once: ?scope=public answers as the public, whoever asks.

    A DRF request authenticates on first access to .user; the audience is kept on the
    request for the user it was built for, so later calls reuse it.
    """
    user = request.user
    cached = getattr(request, "_geotrack_audience", None)
    if cached is not None and cached[0] is user:
        return cached[1]
    audience = audience_from(user, request.GET)
    request._geotrack_audience = (user, audience)
    return audience
