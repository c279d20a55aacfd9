"""The dashboard's counters (projects/counts.py): kept by the writes, they never drift from a full recount,
and every figure read from them equals the full query's for the audiences they serve."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from geotrack.core.sql import Sql
from geotrack.site import dashboard
from projects import counts
from projects.access import Audience, audience_for
from projects.models import Agency, Project, RoadmapItem
from projects.selectors import national_kpis, region_figures, roadmap_item_status
from projects.services import progress_report_add, project_save, projects_assign_regions
from projects.tasks import progress_monthly_task

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ALMATY, ASTANA = Point(76.91, 43.25, srid=4326), Point(71.45, 51.17, srid=4326)


def project(agency, item, geom=ALMATY, **fields) -> Project:
    defaults = dict(title="School", sector="education", kind="infrastructure", agency=agency, geom=geom,
                    status="implementation", is_public=True, planned_start=dt.date(2024, 1, 1),
                    planned_end=dt.date(2030, 12, 31), budget=1000)
    saved = project_save(project=Project(**{**defaults, **fields}))
    saved.roadmap_items.add(item)
    return saved


def figures(audience: Audience) -> dict:
    with translation.override("ru"):
        return {"kpis": national_kpis(audience=audience), "regions": region_figures(audience=audience, language="ru"),
                "items": roadmap_item_status(audience=audience), "agencies": dashboard._agencies(audience),
                "statuses": dashboard._statuses(audience)}


@pytest.fixture
def item(agency):
    return RoadmapItem.objects.create(number=1, title_en="Schools", title_ru="Школы", title_kk="Мектептер",
                                      section="fair_society", agency=agency, start=dt.date(2024, 1, 1),
                                      deadline=dt.date(2030, 12, 31))


@pytest.fixture
def mixed(regions, agency, item):
    """Projects written every way the application writes them, after the counters were counted once."""
    counts.dashboard_recount()
    other = Agency.objects.create(code="akimat-75", name_en="Akimat", name_ru="Акимат", name_kk="Әкімдік",
                                  kind=Agency.Kind.AKIMAT, region=regions["KZ-75"])
    late = project(agency, item, planned_end=dt.date(2025, 1, 1), budget=None)
    moved = project(other, item, is_public=False)
    cancelled = project(agency, item, status="cancelled")
    gone = project(other, item)
    for index, target in enumerate((late, moved, gone)):
        progress_report_add(project=target, physical=10 + 30 * index, financial=5 * index)
    moved.geom = ASTANA  # a region move: links replaced, primary region derived again
    project_save(project=moved, changed_fields=["geom"])
    projects_assign_regions(project_ids=[moved.pk])
    late.is_public = False
    project_save(project=late, changed_fields=["is_public"])
    cancelled.status = "implementation"
    project_save(project=cancelled, changed_fields=["status"])
    counts.counts_fold()  # some deltas folded into the buckets, the rest still journalled
    gone.roadmap_items.clear()
    gone.delete()
    Project.objects.filter(pk=late.pk).update(archived_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    Project.objects.filter(pk=moved.pk).update(physical_progress=100)
    call_command("import_projects", str(FIXTURES / "import_valid.geojson"), "--mapping", '{"title": "name"}')
    return {"moved": moved, "late": late}


@pytest.mark.django_db
class TestNeverDrift:
    def test_after_inserts_updates_deletes_moves_flags_and_a_bulk_import_the_counters_equal_a_recount(self, mixed):
        kept = counts.buckets()
        assert counts.dashboard_recount() == len(kept)
        assert kept == counts.buckets()
        counts.counts_fold()
        assert kept == counts.buckets()
        live = Project.objects.filter(archived_at__isnull=True).count()
        assert sum(row[5] for row in kept if row[0] == "agency") == live > 3

    def test_the_worker_folds_the_journal_into_the_buckets_and_readers_see_the_same(self, mixed):
        seen = counts.buckets()
        assert Sql("SELECT count(*) FROM projects_dashboardcountdelta").value() > 0
        progress_monthly_task.call()
        assert Sql("SELECT count(*) FROM projects_dashboardcountdelta").value() == 0
        assert counts.buckets() == seen

    def test_the_command_says_when_the_counters_drifted(self, mixed, capsys):
        call_command("dashboard_recount", "--check")
        with connection.cursor() as cursor:  # as a bulk load that skipped the triggers would leave them
            cursor.execute("DELETE FROM projects_dashboardcount WHERE dimension = 'region'")
        with pytest.raises(Exception, match="drifted"):
            call_command("dashboard_recount", "--check")
        call_command("dashboard_recount", "--check")  # rebuilt by the failed check

    def test_a_new_day_recounts_before_anyone_reads(self, mixed):
        counts.counts_fold()
        kept_before = counts.buckets()
        with connection.cursor() as cursor:
            cursor.execute("UPDATE projects_dashboardcountstate SET day = day - 400")
            cursor.execute("UPDATE projects_dashboardcount SET projects = projects + 1")  # what yesterday counted
        assert counts.buckets() != kept_before
        national_kpis(audience=Audience(role="analyst"))
        assert counts.buckets() == kept_before


@pytest.mark.django_db
class TestSameFigures:
    def test_every_figure_from_the_counters_equals_the_full_query_for_the_public_and_national_roles(
            self, mixed, monkeypatch):
        audiences = [Audience(), Audience(role="analyst", authenticated=True)]
        counted = [figures(audience) for audience in audiences]
        monkeypatch.setattr(Audience, "sql_over_public_flag", lambda self, kind, alias: None)
        full = [figures(audience) for audience in audiences]
        assert counted == full
        assert counted[0]["kpis"] != counted[1]["kpis"]  # the private project counts for the analyst only

    def test_akimats_and_ministries_are_answered_by_the_full_rule(self, people, agency):
        ministry = Audience(role="ministry", agency_ids=(agency.pk,), authenticated=True)
        assert audience_for(people["almaty_akimat"].user).sql_over_public_flag("project", "c") is None
        assert ministry.sql_over_public_flag("project", "c") is None
        assert Audience().sql_over_public_flag("project", "c").text == "c.is_public"
