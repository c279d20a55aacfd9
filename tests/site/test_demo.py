"""load_demo: a deterministic, realistic demo, and a clear refusal on a non-empty database."""
from __future__ import annotations

import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from camera_sites.models import Camera
from layers.models import Imagery
from citizens.models import Feedback
from projects.models import Agency, PhotoCheck, ProgressReport, Project, Region, RoadmapItem

FINGERPRINT_SQL = """
SELECT md5(string_agg(concat_ws('|', title, sector, status, ST_AsText(geom, 6), physical_progress,
                                 planned_end, is_public, region_id IS NOT NULL), ';' ORDER BY title, ST_AsText(geom, 6)))
FROM projects_project
"""


def fingerprint() -> str:
    with connection.cursor() as cursor:
        cursor.execute(FINGERPRINT_SQL)
        projects = cursor.fetchone()[0]
        cursor.execute("SELECT md5(string_agg(concat_ws('|', number, title_en, deadline), ';' ORDER BY number)) "
                       "FROM projects_roadmapitem")
        return hashlib.sha1(f"{projects}{cursor.fetchone()[0]}".encode()).hexdigest()


@pytest.mark.django_db
def test_the_demo_is_complete_deterministic_and_never_overwritten_by_accident(capsys):
    call_command("load_demo")
    assert Region.objects.count() == 20
    assert RoadmapItem.objects.count() == 117
    assert Agency.objects.filter(kind="akimat").count() == 20
    assert Project.objects.count() >= 300
    assert Camera.objects.count() >= 60
    assert Imagery.objects.filter(synthetic=True).count() >= 1
    assert ProgressReport.objects.count() > Project.objects.count()
    assert set(Project.objects.values_list("region__iso_code", flat=True)) == set(
        Region.objects.values_list("iso_code", flat=True))
    kinds = set(Project.objects.extra(select={"t": "GeometryType(geom)"}).values_list("t", flat=True))
    assert {"POINT", "LINESTRING", "POLYGON"} <= kinds
    assert Project.objects.filter(source_url__startswith="http").count() >= 30  # the real projects, with sources
    # Citizens: feedback in every state, a photo reused across two projects and one taken far from its site.
    assert set(Feedback.objects.values_list("status", flat=True)) == {"received", "published", "rejected"}
    assert Feedback.objects.filter(status="published").exclude(reply="").exists()
    reused = PhotoCheck.objects.exclude(matches=[])
    assert reused.count() >= 2 and len(set(reused.values_list("project_id", flat=True))) >= 2
    assert PhotoCheck.objects.filter(distance_m__gt=2000).exists()
    first = fingerprint()

    with pytest.raises(CommandError, match="already holds"):
        call_command("load_demo")
    assert fingerprint() == first

    call_command("load_demo", "--if-empty")
    assert "not loaded" in capsys.readouterr().out

    call_command("load_demo", "--force")
    assert fingerprint() == first
