"""The vocabulary of rules, and RULES: who may read each kind of object (the rule in words: projects.access)."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from geotrack.core.sql import Sql
from projects.models import Profile, ProjectRegion, Region


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
