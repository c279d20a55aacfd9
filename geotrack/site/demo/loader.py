"""Load the whole demo in one transaction, or refuse when the database already holds data."""
from __future__ import annotations

import time
from dataclasses import dataclass

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from simple_history.utils import bulk_create_with_history

from camera_sites.models import Camera, CameraLink, CameraStatusChange, Snapshot
from citizens.models import BlockedSender, Feedback, FeedbackPhoto
from execution.models import (AgendaEntry, DeadlineChange, ExecutionReport, Instruction, Meeting, Milestone,
                              ReportDocument, ReportingPeriod, ReportVersion)
from geotrack.site.demo.citizens import citizens_create
from geotrack.site.demo.execution import execution_create
from geotrack.site.meetings import agenda_propose
from projects.access import Audience
from layers.models import ChangeEvidence, Imagery
from geotrack.site.demo.cameras import cameras_create
from geotrack.site.demo.common import HISTORY_REASON, SEED
from geotrack.site.demo.imagery import imagery_create
from projects.progress_monthly import progress_monthly_rebuild
from geotrack.site.demo.known import known_plans
from geotrack.site.demo.places import RegionShapes, settlements_load
from geotrack.site.demo.progress import progress_reports_create
from geotrack.site.demo.projects import Context, generated_plans
from geotrack.site.demo.reference import agencies_create, regions_create
from geotrack.site.demo.roadmap import roadmap_items_create
from geotrack.site.demo.schedule import ProjectPlan
from projects.models import (
    Agency, PhotoCheck, ProgressMonthly, ProgressPhoto, ProgressReport, Profile, Project, ProjectRegion, Region,
    RoadmapItem,
)
from projects.services import projects_assign_regions


class DemoNotEmpty(Exception):
    """The database already holds regions or projects."""


@dataclass(frozen=True)
class DemoSummary:
    regions: int
    agencies: int
    roadmap_items: int
    projects: int
    progress_reports: int
    cameras: int
    camera_links: int
    imagery: int
    milestones: int
    execution_reports: int
    feedback: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"Demo loaded in {self.seconds:.1f} s: {self.regions} regions, {self.agencies} agencies, "
            f"{self.roadmap_items} roadmap items, {self.projects} projects, {self.progress_reports} progress "
            f"reports, {self.cameras} cameras ({self.camera_links} project links), {self.imagery} images, "
            f"{self.milestones} milestones, {self.execution_reports} execution reports, "
            f"{self.feedback} citizen feedback messages."
        )


def _history_m2m_model() -> type[Model]:
    return apps.get_model("projects", "HistoricalProject_roadmap_items")


def _cleared_models() -> list[type[Model]]:
    """Return the models the demo fills, children before parents."""
    return [
        ReportDocument, ReportVersion, ExecutionReport, AgendaEntry, Instruction.co_executors.through,
        Instruction.roadmap_items.through, Instruction.projects.through, Instruction.regions.through, Instruction,
        Meeting, DeadlineChange, Milestone, ReportingPeriod, RoadmapItem.co_executors.through,
        FeedbackPhoto, BlockedSender, Feedback, PhotoCheck, ProgressMonthly, Snapshot, CameraStatusChange, CameraLink,
        Camera, ChangeEvidence, Imagery, ProgressPhoto,
        ProgressReport, ProjectRegion,
        Project.roadmap_items.through, _history_m2m_model(), Project.history.model, Project, RoadmapItem,
        Agency, Region,
    ]


def database_is_empty() -> bool:
    """Tell whether the database holds no region and no project."""
    return not Region.objects.exists() and not Project.objects.exists()


def demo_clear() -> dict[int, list[str]]:
    """Delete every row of the demo's tables and restart their ids; return profiles' region bindings.

    Plain DELETEs, children first: no per-row signals or history rows, and a self-referencing
    correction chain goes in one statement. Profiles bound to regions lose the binding here and
    get it back, by ISO code, from demo_restore_bindings.
    """
    through = Profile.regions.through
    bindings: dict[int, list[str]] = {}
    for profile_id, iso in through.objects.values_list("profile_id", "region__iso_code").order_by("id"):
        bindings.setdefault(profile_id, []).append(iso)
    for profile_id, code in Profile.agencies.through.objects.values_list("profile_id", "agency__code").order_by("id"):
        bindings.setdefault(profile_id, []).append("agency:" + code)
    models = [through, Profile.agencies.through, *_cleared_models()]
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        for statement in connection.ops.sequence_reset_sql(no_style(), models[1:]):
            cursor.execute(statement)
    return bindings


def demo_restore_bindings(bindings: dict[int, list[str]]) -> None:
    """Bind profiles again to the reloaded regions with the same ISO codes."""
    regions = dict(Region.objects.values_list("iso_code", "id"))
    Profile.regions.through.objects.bulk_create([
        Profile.regions.through(profile_id=profile_id, region_id=regions[iso])
        for profile_id, codes in bindings.items() for iso in codes if iso in regions
    ])
    agencies = dict(Agency.objects.values_list("code", "id"))
    Profile.agencies.through.objects.bulk_create([
        Profile.agencies.through(profile_id=profile_id, agency_id=agencies[code.removeprefix("agency:")])
        for profile_id, codes in bindings.items() for code in codes
        if code.startswith("agency:") and code.removeprefix("agency:") in agencies
    ])


def projects_save(plans: list[ProjectPlan]) -> None:
    """Create the projects with their first history rows, roadmap links and regions."""
    projects = [plan.project for plan in plans]
    for project in projects:
        project._history_date = project.created_at
    bulk_create_with_history(projects, Project, default_change_reason=HISTORY_REASON)
    through = Project.roadmap_items.through
    links = through.objects.bulk_create([
        through(project_id=plan.project.pk, roadmapitem_id=item.pk) for plan in plans for item in plan.roadmap
    ])
    history_ids = dict(
        Project.history.model.objects.filter(id__in=[p.pk for p in projects], history_change_reason=HISTORY_REASON)
        .order_by("history_id").values_list("id", "history_id")
    )
    _history_m2m_model().objects.bulk_create([
        _history_m2m_model()(id=link.pk, history_id=history_ids[link.project_id], project_id=link.project_id,
                             roadmapitem_id=link.roadmapitem_id)
        for link in links
    ])
    projects_assign_regions(project_ids=[project.pk for project in projects], keep_given=False)


def _load(started: float) -> DemoSummary:
    regions = regions_create()
    agencies = agencies_create(regions)
    roadmap = roadmap_items_create(agencies)
    ctx = Context(settlements_load(), RegionShapes(), agencies, roadmap)
    known = known_plans(ctx)
    plans = known + generated_plans(ctx, known)
    projects_save(plans)
    reports = progress_reports_create(plans)
    cameras, links = cameras_create(plans)
    images = imagery_create()
    execution = execution_create(roadmap=roadmap, agencies=agencies)
    feedback = citizens_create()
    progress_monthly_rebuild()  # the dashboard's charts, at once rather than at the worker's next run
    agenda_propose(meeting=execution["meetings"][1], audience=Audience(role=Profile.Role.ADMIN, authenticated=True))
    return DemoSummary(
        regions=len(regions), agencies=len(agencies), roadmap_items=sum(len(v) for v in roadmap.values()),
        projects=len(plans), progress_reports=reports, cameras=cameras, camera_links=links, imagery=images,
        milestones=execution["milestones"], execution_reports=execution["reports"], feedback=feedback,
        seconds=time.monotonic() - started,
    )


def load_demo(*, force: bool = False) -> DemoSummary:
    """Load the demo data set in one transaction.

    Raise DemoNotEmpty, changing nothing, when regions or projects exist, unless force:
    then the demo's tables are emptied first, in the same transaction.
    """
    started = time.monotonic()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEED])
        bindings: dict[int, list[str]] = {}
        if not database_is_empty():
            if not force:
                raise DemoNotEmpty("the database already holds regions or projects")
            bindings = demo_clear()
        summary = _load(started)
        demo_restore_bindings(bindings)
    return summary
