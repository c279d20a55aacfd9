"""Threat: the history shows the public what is private today (SECURITY.md, "History").

Reports and alerts as of a past day took `is_public` and `archived_at` from the history, so a
project private today appeared to anonymous callers as of a day when it was public. Who may read a
project is now always decided on today's row; the history only gives its past fields and progress.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.urls import reverse

from geotrack.site.alerts import alerts_for
from geotrack.site.dashboard import progress_series
from projects.access import Audience
from projects.models import Project, RoadmapItem
from projects.progress_monthly import progress_monthly_rebuild
from projects.selectors import national_kpis, regions_geojson_dict, roadmap_item_status
from projects.services import progress_report_add, project_save

ALMATY = ZoneInfo("Asia/Almaty")
SECRET = "Clinic that went private"


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), tzinfo=ALMATY)


@pytest.fixture
def went_private(regions, agency):
    item = RoadmapItem.objects.create(number=5, title_en="Clinics", title_ru="Клиники", title_kk="Емханалар",
                                      section="fair_society", agency=agency, deadline=dt.date(2025, 3, 1),
                                      start=dt.date(2024, 1, 1))
    project = Project(title=SECRET, sector="health", kind="infrastructure", agency=agency, status="implementation",
                      geom=Point(76.92, 43.25, srid=4326), is_public=True, planned_start=dt.date(2024, 6, 1),
                      planned_end=dt.date(2025, 2, 1), created_at=at("2024-12-01"))
    project._history_effective_at = at("2024-12-01")
    project_save(project=project)
    project.roadmap_items.add(item)
    progress_report_add(project=project, physical=40, financial=20, reported_at=at("2025-01-05"))
    project.is_public = False  # today it is private
    project._history_effective_at = at("2025-06-01")
    project_save(project=project, changed_fields=["is_public"])
    return project


@pytest.mark.django_db(transaction=True)
def test_no_as_of_path_shows_the_public_what_is_private_today(went_private):
    day = "2025-02-10"  # public then, overdue then, with a report a month before
    public = Audience()
    as_of = dt.date.fromisoformat(day)
    assert national_kpis(audience=public, as_of=as_of)["projects"] == 0
    assert all(feature["properties"]["project_count"] == 0
               for feature in regions_geojson_dict(audience=public, as_of=as_of)["features"])
    assert all(state["project_count"] == 0 for state in roadmap_item_status(audience=public, as_of=as_of).values())
    assert not [alert for alert in alerts_for(audience=public, as_of=as_of) if alert["object"]["type"] == "project"]
    client = Client()
    for fmt in ("html", "csv", "xlsx", "pdf"):
        response = client.get(reverse("roadmap-report", args=[fmt]) + f"?as_of={day}&since=2025-01-01")
        assert response.status_code == 200, fmt
        content = response.content
        if fmt == "pdf":
            content = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout
        if fmt == "xlsx":
            continue  # checked through the CSV and the shared report data below
        assert SECRET.encode() not in content, fmt
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("roadmap-report", args=["csv"]) + f"?as_of={day}")
                                           .content.decode("utf-8-sig"))))
    assert rows[0]["project_count"] == "0"
    response = client.get(reverse("alert-list") + f"?as_of={day}")
    assert SECRET not in response.content.decode()
    progress_monthly_rebuild(today=dt.date(2025, 3, 15))
    assert progress_series(audience=public, group="region")["series"] == {}
    # The same day, asked by someone who may read the project today, shows it.
    assert national_kpis(audience=Audience(role="analyst", authenticated=True), as_of=as_of)["projects"] == 1
