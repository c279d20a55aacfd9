"""A small world for the access tests: two regions, each with public and private objects of every kind.

Almaty (KZ-75) and Astana (KZ-71) each hold a public and a private project, camera and image; one
private project touches both; one is archived. Snapshots are old (past every delay) and fresh
(inside the public delay). Every private thing in Almaty is named SECRET-..., so that a response can
be searched for it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib.gis.geos import LineString, Point, Polygon
from django.core.files.base import ContentFile
from django.utils import timezone

from camera_sites.models import Camera, Snapshot
from execution import services as execution
from execution.models import Milestone, ReportingPeriod
from citizens.models import Feedback, FeedbackPhoto
from camera_sites.services import camera_save
from layers.models import ChangeEvidence, Imagery
from projects.models import Agency, ProgressMonthly, ProgressPhoto, Project, RoadmapItem
from projects.progress_monthly import progress_monthly_rebuild
from projects.services import progress_report_add, project_save
from tests import actors
from tests.cameras_helpers import image_bytes

ALMATY = (76.93, 43.25)
ASTANA = (71.45, 51.17)


def square(lon: float, lat: float, half: float = 0.01) -> Polygon:
    return Polygon.from_bbox((lon - half, lat - half, lon + half, lat + half))


@dataclass
class World:
    people: dict
    projects: dict = field(default_factory=dict)
    cameras: dict = field(default_factory=dict)
    imagery: dict = field(default_factory=dict)
    item: RoadmapItem | None = None
    execution: dict = field(default_factory=dict)


def _project(agency, item, key: str, geom, *, public: bool, world: World, archived: bool = False) -> Project:
    geom.srid = 4326
    project = project_save(project=Project(
        title=key, sector="education", kind="infrastructure", agency=agency, geom=geom, is_public=public,
        status="implementation", planned_start=dt.date(2024, 1, 1), planned_end=dt.date(2026, 12, 31)))
    project.roadmap_items.add(item)
    report = progress_report_add(project=project, physical=40, financial=20, note=f"note of {key}")
    photo = ProgressPhoto(report=report)
    photo.image.save(f"{key}.jpg", ContentFile(image_bytes()), save=False)
    photo.thumbnail.save(f"{key}-thumb.jpg", ContentFile(image_bytes()), save=False)
    photo.save()
    if archived:
        project.archived_at = timezone.now()
        project_save(project=project, changed_fields=["archived_at"])
    world.projects[key] = project
    return project


def _camera(key: str, location: tuple[float, float], *, public: bool, world: World) -> Camera:
    camera = camera_save(camera=Camera(label=key, location=Point(*location, srid=4326), bearing=0, fov_angle=60,
                                       range_m=500, is_public=public, public_delay_minutes=30,
                                       stream_url=f"https://streams.example/{key}.m3u8"))
    now = timezone.now()
    for age in (dt.timedelta(hours=3), dt.timedelta(minutes=5)):  # one readable by all, one inside the delay
        Snapshot.objects.create(camera=camera, image=f"snapshots/{key}-{age.seconds}.jpg",
                                thumbnail=f"snapshots/{key}-{age.seconds}-t.jpg", captured_at=now - age)
    camera.last_seen_at = now
    camera.save(update_fields=["last_seen_at"])
    world.cameras[key] = camera
    return camera


def _image(key: str, centre: tuple[float, float], *, public: bool, world: World, region=None, project=None,
           acquired_on=dt.date(2025, 6, 1)) -> Imagery:
    footprint = square(*centre, half=0.05)
    footprint.srid = 4326
    image = Imagery.objects.create(title=key, source=f"{key}-source", acquired_on=acquired_on, status="ready",
                                   footprint=footprint, is_public=public, region=region, project=project,
                                   band_count=3, default_bands=[1, 2, 3], cog_uri="/nonexistent.tif")
    world.imagery[key] = image
    return image


def build_world(regions: dict, agency) -> World:
    almaty, astana = regions["KZ-75"], regions["KZ-71"]
    people = actors.make_people(regions)
    people["astana_akimat"] = actors.make_person("asel", "akimat", ["KZ-71"], regions)
    people["almaty_planner"] = actors.make_person("marat", "planner", ["KZ-75"], regions)
    world = World(people=people)
    world.item = RoadmapItem.objects.create(number=7, title_en="Schools", title_ru="Школы", title_kk="Мектептер",
                                            section="fair_society", agency=agency, deadline=dt.date(2026, 12, 31))
    _project(agency, world.item, "public-almaty", square(*ALMATY), public=True, world=world)
    _project(agency, world.item, "SECRET-PROJECT-ALMATY", square(ALMATY[0] + 0.03, ALMATY[1]), public=False,
             world=world)
    _project(agency, world.item, "public-astana", square(*ASTANA), public=True, world=world)
    _project(agency, world.item, "private-astana", square(ASTANA[0] + 0.03, ASTANA[1]), public=False, world=world)
    _project(agency, world.item, "private-both", LineString(ALMATY, ASTANA), public=False, world=world)
    _project(agency, world.item, "archived-public", square(ALMATY[0] - 0.03, ALMATY[1]), public=True,
             world=world, archived=True)
    _camera("public-cam-almaty", (ALMATY[0], ALMATY[1] - 0.012), public=True, world=world)
    _camera("SECRET-CAMERA-ALMATY", (ALMATY[0] + 0.03, ALMATY[1] - 0.012), public=False, world=world)
    _camera("private-cam-astana", (ASTANA[0], ASTANA[1] - 0.012), public=False, world=world)
    _image("public-image-almaty", ALMATY, public=True, world=world, region=almaty)
    secret = _image("SECRET-IMAGE-ALMATY", ALMATY, public=False, world=world, region=almaty,
                    acquired_on=dt.date(2025, 9, 1))
    _image("private-image-astana", ASTANA, public=False, world=world, region=astana)
    _image("private-image-of-project", ASTANA, public=False, world=world,
           project=world.projects["private-astana"])
    _image("public-image-of-a-private-project", ALMATY, public=True, world=world,
           project=world.projects["SECRET-PROJECT-ALMATY"], acquired_on=dt.date(2025, 3, 1))
    ChangeEvidence.objects.create(project=world.projects["SECRET-PROJECT-ALMATY"],
                                  before=world.imagery["public-image-almaty"], after=secret, index=0.01,
                                  method="brightness", progress_before=0, progress_after=40, flagged=True)
    ChangeEvidence.objects.create(project=world.projects["public-almaty"], before=world.imagery["public-image-almaty"],
                                  after=secret, index=0.01, method="brightness", progress_before=0,
                                  progress_after=40, flagged=True)
    _feedback(world)
    progress_monthly_rebuild()
    assert ProgressMonthly.objects.exists()
    build_execution(world, regions, agency)
    return world


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Upload:
    def __init__(self, name: str, data: bytes):
        self.name, self.data, self.size = name, data, len(data)

    def read(self) -> bytes:
        return self.data


def build_execution(world: World, regions: dict, energy) -> None:
    """Roadmap execution: item 7 (energy; the Almaty akimat co-executes) and item 8 (finance), reports in every
    state, documents, deadline changes, a meeting with instructions. Private things of item 8 are SECRET-..."""
    finance = Agency.objects.create(code="min-finance", name_en="Ministry of Finance", name_ru="Минфин",
                                    name_kk="Қаржы министрлігі", kind=Agency.Kind.MINISTRY)
    almaty_akimat = Agency.objects.create(code="akimat-almaty", name_en="Akimat of Almaty", name_ru="Акимат Алматы",
                                          name_kk="Алматы әкімдігі", kind=Agency.Kind.AKIMAT, region=regions["KZ-75"])
    item7 = world.item
    item7.co_executors.add(almaty_akimat)
    item8 = RoadmapItem.objects.create(number=8, title_en="Budget law", title_ru="Закон о бюджете",
                                       title_kk="Бюджет заңы", section="fair_economy", agency=finance,
                                       deadline=dt.date(2026, 12, 31))
    people = world.people
    people["energy_ministry"] = actors.make_person("zhanna", "ministry", [], regions, agencies=[energy])
    people["finance_ministry"] = actors.make_person("timur", "ministry", [], regions, agencies=[finance])
    people["coordinator"] = actors.make_person("saule", "coordinator", [], regions)
    coordinator = people["coordinator"].user
    for item in (item7, item8):
        Milestone.objects.create(roadmap_item=item, position=1, title_en=f"stage of {item.number}",
                                 planned_on=dt.date(2025, 6, 1), weight=2)
    period = ReportingPeriod.objects.create(starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 3, 31),
                                            due_on=dt.date(2025, 4, 10), kind="quarterly")
    accepted = execution.report_create(subject=item7, period=period, agency_id=energy.pk, user=None,
                                       data={"text": "accepted-summary-7", "percent_done": 30})
    execution.document_add(report=accepted, upload=Upload("act.pdf", PDF), user=None)
    execution.report_submit(report=accepted, user=None, if_match=None)
    execution.report_accept(report=accepted, user=coordinator)
    draft = execution.report_create(subject=item7, period=period, agency_id=almaty_akimat.pk, user=None,
                                    data={"text": "akimat-draft-7"})
    execution.document_add(report=draft, upload=Upload("akimat.pdf", PDF), user=None)
    secret = execution.report_create(subject=item8, period=period, agency_id=finance.pk, user=None,
                                     data={"text": "SECRET-REPORT-FINANCE", "percent_done": 10})
    execution.document_add(report=secret, upload=Upload("SECRET-DOC.pdf", PDF), user=None)
    execution.report_submit(report=secret, user=None, if_match=None)
    execution.report_return(report=secret, user=coordinator, comment="SECRET-COMMENT")
    execution.report_submit(report=secret, user=None, if_match=None)
    moved = execution.deadline_change_request(item=item7, deadline=dt.date(2027, 6, 30), reason="public move",
                                              user=None)
    execution.deadline_change_decide(change=moved, approve=True, user=coordinator)
    execution.deadline_change_request(item=item8, deadline=dt.date(2027, 6, 30), reason="SECRET-REASON", user=None)
    meeting = execution.meeting_create(data={"held_on": dt.date(2025, 5, 1), "title": "SECRET-MEETING"},
                                       user=coordinator)
    energy_meeting = execution.meeting_create(data={"held_on": dt.date(2025, 6, 1), "title": "energy meeting"},
                                              user=coordinator)
    execution.instruction_create(data={"meeting": meeting, "text": "SECRET-INSTRUCTION", "agency": finance,
                                       "co_executors": [almaty_akimat], "deadline": dt.date(2025, 9, 1)})
    energy_instruction = execution.instruction_create(data={
        "meeting": energy_meeting, "text": "energy instruction", "agency": energy, "deadline": dt.date(2025, 9, 1)})
    execution.report_create(subject=energy_instruction, period=period, agency_id=energy.pk, user=None, submit=True,
                            data={"text": "instruction report"})
    world.execution.update(item8=item8, finance=finance, almaty_agency=almaty_akimat, period=period,
                           accepted=accepted, draft=draft, secret=secret, meeting=meeting,
                           energy_meeting=energy_meeting, energy_instruction=energy_instruction)

def _feedback(world: World) -> None:
    """Feedback in every state on public and private projects and on the item, each with a photo.

    The contacts of feedback on Almaty's projects only are SECRET: the Astana akimat moderates the rest.
    """
    rows = [("published-on-public-almaty", "public-almaty", None, "published"),
            ("SECRET-FEEDBACK-ALMATY", "public-almaty", None, "received"),
            ("rejected-on-public-almaty", "public-almaty", None, "rejected"),
            ("published-on-secret-project", "SECRET-PROJECT-ALMATY", None, "published"),
            ("received-on-private-astana", "private-astana", None, "received"),
            ("published-on-private-both", "private-both", None, "published"),
            ("published-on-the-item", None, world.item, "published"),
            ("received-on-the-item", None, world.item, "received")]
    for index, (text, project_key, item, state) in enumerate(rows):
        project = world.projects[project_key] if project_key else None
        feedback = Feedback.objects.create(
            project=project, roadmap_item=item, agency=(project or item).agency, category="quality", text=text,
            status=state, reject_reason="spam" if state == "rejected" else "", contact=(f"SECRET-CONTACT-{index}" if project_key in ("public-almaty", "SECRET-PROJECT-ALMATY")
                     else f"contact-{index}"),
            follow_token=f"token-{index}", sender_hash=f"{index:064d}")
        photo = FeedbackPhoto(feedback=feedback)
        photo.image.save(f"fb-{index}.jpg", ContentFile(image_bytes()), save=False)
        photo.thumbnail.save(f"fb-{index}-thumb.jpg", ContentFile(image_bytes()), save=False)
        photo.save()


@pytest.fixture
def world(db, regions, agency) -> World:
    return build_world(regions, agency)


SECRETS = ("SECRET-PROJECT-ALMATY", "SECRET-CAMERA-ALMATY", "SECRET-IMAGE-ALMATY", "SECRET-FEEDBACK-ALMATY",
           "SECRET-CONTACT", "SECRET-REPORT-FINANCE", "SECRET-DOC", "SECRET-COMMENT", "SECRET-REASON",
           "SECRET-MEETING", "SECRET-INSTRUCTION")
