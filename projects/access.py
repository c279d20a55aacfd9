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
- ministries and akimats read what concerns a roadmap item or an instruction for which one of
  their agencies is responsible or co-executor (an akimat's agency is the akimat of its region),
  and the projects linked to such items or run by those agencies;
- the coordinator (the headquarters' secretariat) reads everything, as planners do;
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
from django.db.models.expressions import RawSQL
from django.utils import timezone

from geotrack.core.sql import TRUE, Sql
from projects.models import Agency, Profile, Project, ProjectRegion, Region

NATIONAL_ROLES = frozenset({Profile.Role.PLANNER, Profile.Role.ANALYST, Profile.Role.ADMIN,
                            Profile.Role.COORDINATOR})
AGENCY_ROLES = frozenset({Profile.Role.MINISTRY, Profile.Role.AKIMAT})
COORDINATOR = Profile.Role.COORDINATOR
MINISTRY = Profile.Role.MINISTRY


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


# An item or instruction is "bound" to an agency that is responsible for it or one of its co-executors.
_ITEM_IDS = ("SELECT bi.id FROM projects_roadmapitem bi WHERE bi.agency_id = ANY(%(access_agencies)s) "
             "OR EXISTS (SELECT 1 FROM projects_roadmapitem_co_executors bc WHERE bc.roadmapitem_id = bi.id "
             "AND bc.agency_id = ANY(%(access_agencies)s))")
_INSTRUCTION_IDS = ("SELECT bn.id FROM execution_instruction bn WHERE bn.agency_id = ANY(%(access_agencies)s) "
                    "OR EXISTS (SELECT 1 FROM execution_instruction_co_executors bx WHERE bx.instruction_id = bn.id "
                    "AND bx.agency_id = ANY(%(access_agencies)s))")
BOUND_IDS = {
    # the column holds a roadmap item's id
    "item": _ITEM_IDS,
    # the column holds an instruction's id
    "instruction": _INSTRUCTION_IDS,
    # the column holds a meeting's id: a meeting that issued an instruction bound to the agency
    "meeting": f"SELECT bm.meeting_id FROM execution_instruction bm WHERE bm.id IN ({_INSTRUCTION_IDS})",
    # the column holds a project's id: a project linked to an item bound to the agency
    "project": f"SELECT bl.project_id FROM projects_project_roadmap_items bl WHERE bl.roadmapitem_id IN ({_ITEM_IDS})",
}


@dataclass(frozen=True)
class BoundAgencies:
    """The object concerns a roadmap item, instruction, meeting or project bound to the caller's agencies.

    `via` names what `column` holds (a key of BOUND_IDS). Both forms use the same SQL text (for projects, the
    SQL form says the same as a correlated EXISTS on the item links).
    only_role: the link reads for this role only (akimats read projects by their regions, as before).
    """

    column: str
    via: str
    only_role: str | None = None

    def ids(self, agency_ids: list[int]) -> Sql:
        return Sql(BOUND_IDS[self.via], {"access_agencies": agency_ids})

    def q(self, prefix: str, agency_ids: list[int]) -> Q:
        return Q(**{f"{prefix}{self.column}__in": RawSQL(*self.ids(agency_ids).positional_form())})

    def sql(self, alias: str, agency_ids: list[int]) -> Sql:
        if self.via == "project":
            # The same set as BOUND_IDS["project"], as a correlated EXISTS: the planner may then probe a row's
            # few item links by index instead of hashing every link of the bound items first (it may still
            # hash when many rows ask); an IN list under OR is always hashed whole.
            link = f"{alias}_bl"
            return Sql(f"EXISTS (SELECT 1 FROM projects_project_roadmap_items {link} WHERE {link}.project_id = "
                       f"{alias}.{self.column} AND {link}.roadmapitem_id IN ({{ids}}))").format(
                ids=BoundAgencies(self.column, via="item").ids(agency_ids))
        return Sql(f"{alias}.{self.column} IN ({{ids}})").format(ids=self.ids(agency_ids))


@dataclass(frozen=True)
class AgencyColumn:
    """The object names its agency in a column (a project run by the agency)."""

    column: str
    only_role: str | None = None

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
    agencies: how the object relates to a ministry's or an akimat's agencies (BoundAgencies, AgencyColumn);
    parents: objects it belongs to, which must be readable;
    delay: the public waits before it sees the object.
    With neither `public` nor `regions` nor `agencies`, the parents alone decide.
    """

    table: str
    live: str | None = None
    public: str | ColumnIs | None = None
    regions: tuple = ()
    agencies: tuple = ()
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
                    regions=(LinkedRegions(key="id"),),
                    agencies=(AgencyColumn("agency_id", only_role=Profile.Role.MINISTRY),
                              BoundAgencies("id", via="project", only_role=Profile.Role.MINISTRY))),
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
    # Roadmap execution (execution/): items are public, and so are their milestones.
    "milestone": Rule(table="execution_milestone"),
    # Reports: the public reads an accepted report on an item (its public summary, `is_public`), never a
    # draft, a returned one or a report on an instruction; agencies read the reports on what is bound to them.
    "execution_report": Rule(table="execution_executionreport", public="is_public", agencies=(
        BoundAgencies("roadmap_item_id", via="item"), BoundAgencies("instruction_id", via="instruction"))),
    # Every version is kept: the public reads only the accepted version of a readable report.
    "report_version": Rule(table="execution_reportversion", public="is_public", agencies=(
        BoundAgencies("roadmap_item_id", via="item"), BoundAgencies("instruction_id", via="instruction")),
        parents=(Parent("execution_report", "report_id", "report"),)),
    # Documents are never public: the report's agencies and national roles only.
    "report_document": Rule(table="execution_reportdocument", agencies=(
        BoundAgencies("roadmap_item_id", via="item"), BoundAgencies("instruction_id", via="instruction")),
        parents=(Parent("execution_report", "report_id", "report"),)),
    # An approved deadline change is public (the item shows every move); requests and refusals are not.
    "deadline_change": Rule(table="execution_deadlinechange", public="is_public",
                            agencies=(BoundAgencies("roadmap_item_id", via="item"),)),
    # Headquarters meetings and their instructions are internal: the agencies bound to an instruction
    # read it and the meeting that issued it.
    "meeting": Rule(table="execution_meeting", agencies=(BoundAgencies("id", via="meeting"),)),
    "instruction": Rule(table="execution_instruction", agencies=(BoundAgencies("id", via="instruction"),)),
    # Citizen feedback (citizens/): public once published; its moderators read all of it in their scope
    # (akimats by the project's regions, ministry users by the responsible agency, national roles and the
    # coordinator everywhere). agency_id is the project's agency, or the roadmap item's without a project.
    "feedback": Rule(table="citizens_feedback", public=ColumnIs("status", "published"),
                     regions=(LinkedRegions(key="project_id"),),
                     agencies=(AgencyColumn("agency_id", only_role=Profile.Role.MINISTRY),),
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
    if profile and "regions" in getattr(profile, "_prefetched_objects_cache", {}):
        return sorted(region.pk for region in profile.regions.all())  # users fetched in bulk (notifications)
    return sorted(profile.regions.values_list("id", flat=True)) if profile else []


def user_agency_ids(user) -> list[int]:
    """The agencies a ministry or akimat user acts for: its own, and for akimats the akimats of its regions."""
    profile = getattr(user, "profile", None) if getattr(user, "pk", None) else None
    if profile is None or user_role(user) not in AGENCY_ROLES:
        return []
    ids = set(profile.agencies.values_list("id", flat=True))
    if profile.role == Profile.Role.AKIMAT:
        ids |= set(Agency.objects.filter(kind=Agency.Kind.AKIMAT, region__in=profile.regions.all())
                   .values_list("id", flat=True))
    return sorted(ids)


@dataclass(frozen=True)
class Audience:
    """What one caller may read. Build it with audience_of(request) or audience_for(user)."""

    role: str | None = None
    region_ids: tuple[int, ...] = ()
    agency_ids: tuple[int, ...] = ()
    authenticated: bool = False
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
        who = "akimat-" + "-".join(map(str, self.region_ids)) if self.regional else "public"
        if self.agency_ids:
            who += "+agencies-" + "-".join(map(str, self.agency_ids))
        return who + ("+signed-in" if self.authenticated else "")

    def agency_links(self, rule: Rule) -> list:
        """The rule's agency links that read for this audience."""
        if not self.agency_ids:
            return []
        return [link for link in rule.agencies if link.only_role in (None, self.role)]

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
        if self.sees_everything or (rule.public is None and not rule.regions and not rule.agencies):
            return condition
        readers = rule.public_q(prefix) if rule.public else Q(**{f"{prefix}pk__in": []})
        if self.regional:
            for link in rule.regions:
                readers |= link.q(prefix, list(self.region_ids))
        for link in self.agency_links(rule):
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
        if not (self.sees_everything or (rule.public is None and not rule.regions and not rule.agencies)):
            readers = [rule.public_sql(alias)] if rule.public else []
            if self.regional:
                readers += [link.sql(alias, list(self.region_ids)) for link in rule.regions]
            readers += [link.sql(alias, list(self.agency_ids)) for link in self.agency_links(rule)]
            parts.append(Sql("({r})").format(r=Sql.join(" OR ", readers)) if readers else Sql("FALSE"))
        return Sql.join(" AND ", parts) if parts else TRUE

    def sql_over_public_flag(self, kind: str, alias: str) -> Sql | None:
        """The rule of `kind` on rows that carry only its public flag (counters kept per flag, projects/counts.py).

        TRUE for national roles, the flag for the public; None when this audience reads more than the flag
        says (an akimat's linked regions, an agency's projects and items): then only the full rule answers.
        Archived objects are left out of such counters by whoever keeps them.
        """
        rule = RULES[kind]
        if rule.parents or rule.delay:
            return None
        if self.sees_everything or (rule.public is None and not rule.regions and not rule.agencies):
            return TRUE
        if (self.regional and rule.regions) or self.agency_links(rule):
            return None
        return rule.public_sql(alias) if rule.public else Sql("FALSE")

    def sql_over_links(self, kind: str, alias: str) -> Sql | None:
        """The rule of `kind` on rows that carry its public flag and its links as columns (projects/counts.py).

        The row at `alias` has `is_public`, `agency_id`, `region_ids` (the regions it is linked to, an array)
        and `item_ids` (the roadmap items it is linked to, an array): what the project rule's reader parts
        read. A link column that is NULL reads for nobody (a bucket of the counters that does not know its
        projects' links): the condition is then NULL, never true, unless the flag alone lets the row through.
        None when the rule needs more than these columns. Archived objects are left out by whoever keeps
        such rows.
        """
        rule = RULES[kind]
        if rule.parents or rule.delay or isinstance(rule.public, ColumnIs):
            return None
        if self.sees_everything or (rule.public is None and not rule.regions and not rule.agencies):
            return TRUE
        readers = [rule.public_sql(alias)] if rule.public else []
        if self.regional:
            for link in rule.regions:
                if not (isinstance(link, LinkedRegions) and link.key == "id"):
                    return None
                readers.append(Sql(f"{alias}.region_ids && %(access_regions)s::bigint[]",
                                   {"access_regions": list(self.region_ids)}))
        for link in self.agency_links(rule):
            if isinstance(link, AgencyColumn) and link.column == "agency_id":
                readers.append(link.sql(alias, list(self.agency_ids)))
            elif isinstance(link, BoundAgencies) and link.via == "project" and link.column == "id":
                # linked to an item bound to the agencies: the items' ids, from the same text as BOUND_IDS
                readers.append(Sql(f"{alias}.item_ids && ARRAY({{ids}})").format(
                    ids=BoundAgencies("id", via="item").ids(list(self.agency_ids))))
            else:
                return None
        return Sql("({r})").format(r=Sql.join(" OR ", readers)) if readers else Sql("FALSE")

    def sql_per_row(self, kind: str, id_sql: str, *, alias: str | None = None) -> Sql:
        """Whether the object of `kind` whose id is `id_sql` is readable, as a scalar subquery (NULL without one).

        The same answer as sql_exists, in a form the planner never turns into a join: it runs once per row
        that reaches it, and a link the rule reads (an akimat's regions) is probed by its index for that row
        rather than hashed whole first. For filters applied to the few rows an index walk reads before its
        LIMIT (the oldest stale projects).
        """
        alias = alias or f"row_{kind}"
        table = RULES[kind].table
        return Sql(f"(SELECT {{c}} FROM {table} {alias} WHERE {alias}.id = {id_sql})").format(c=self.sql(kind, alias))

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
    return Audience(role=role, region_ids=regions, agency_ids=tuple(user_agency_ids(user)), authenticated=True,
                    user=user)


def readable_by_public(queryset: QuerySet, kind: str) -> bool:
    """Whether everyone may read this object (a queryset of one): only then may its bytes be cached publicly."""
    return Audience().filter(queryset, kind).exists()


def public_sql(kind: str, alias: str) -> Sql:
    """Whether everyone may read the row of `kind` at alias: readable_by_public as a SQL condition."""
    return Audience().sql(kind, alias)


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
