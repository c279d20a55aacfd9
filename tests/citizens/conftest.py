"""A public and a private project in Almaty, one in Astana, a roadmap item; photo helpers."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from geotrack.site.demo.photos import site_photo
from projects.models import Project, RoadmapItem
from projects.services import project_save

ALMATY = (76.93, 43.25)
ASTANA = (71.45, 51.17)


def square(lon: float, lat: float, half: float = 0.005) -> Polygon:
    polygon = Polygon.from_bbox((lon - half, lat - half, lon + half, lat + half))
    polygon.srid = 4326
    return polygon


def make_project(agency, title: str, centre, *, public: bool = True) -> Project:
    return project_save(project=Project(title=title, sector="education", kind="infrastructure", agency=agency,
                                        geom=square(*centre), is_public=public, status="implementation"))


@pytest.fixture
def site(db, regions, agency):
    item = RoadmapItem.objects.create(number=12, title_en="Schools", title_ru="Школы", title_kk="Мектептер",
                                      section="fair_society", agency=agency, deadline=dt.date(2027, 12, 31))
    projects = {"school": make_project(agency, "School in Almaty", ALMATY),
                "clinic": make_project(agency, "Clinic in Almaty", (ALMATY[0] + 0.05, ALMATY[1])),
                "secret": make_project(agency, "SECRET school", (ALMATY[0] - 0.05, ALMATY[1]), public=False),
                "astana": make_project(agency, "Bridge in Astana", ASTANA)}
    for project in projects.values():
        project.roadmap_items.add(item)
    return {"item": item, **projects}


def upload(name: str, seed: int = 1, **exif) -> SimpleUploadedFile:
    exif.setdefault("taken_at", timezone.now() - dt.timedelta(hours=2))
    return SimpleUploadedFile(name, site_photo(seed, **exif), "image/jpeg")
