"""The dashboard's counters (projects/counts/): kept by the writes, they never drift from a full recount,
and every figure read from them equals the full query's for the audiences they serve."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.contrib.gis.geos import LineString, Point
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import translation

from geotrack.core.sql import Sql
from geotrack.site import dashboard
from projects import counts
from projects.access import Audience, audience_for
from projects.models import Agency, Project, ProjectRegion, RoadmapItem
from projects.selectors import national_kpis, region_figures, roadmap_item_status
from projects.services import progress_report_add, project_save, projects_assign_regions
from projects.tasks import progress_monthly_task

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ALMATY, ASTANA = Point(76.91, 43.25, srid=4326), Point(71.45, 51.17, srid=4326)
# From Almaty city (KZ-75) out into the Almaty region (KZ-19): a project linked to two regions.
ACROSS = LineString((76.91, 43.25), (77.6, 43.6), srid=4326)


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
    """Projects written every way the application writes them, after the counters were counted once.

    Private projects too: on two regions at once, on an item another ministry co-executes, made public and
    private again, moved out of and into an akimat's regions, cancelled, deleted, archived.
    """
    counts.dashboard_recount()
    other = Agency.objects.create(code="akimat-75", name_en="Akimat", name_ru="Акимат", name_kk="Әкімдік",
                                  kind=Agency.Kind.AKIMAT, region=regions["KZ-75"])
    finance = Agency.objects.create(code="min-finance", name_en="Finance", name_ru="Финансы", name_kk="Қаржы",
                                    kind=Agency.Kind.MINISTRY)
    shared = RoadmapItem.objects.create(number=2, title_en="Roads", title_ru="Дороги", title_kk="Жолдар",
                                        section="fair_economy", agency=other, start=dt.date(2024, 1, 1),
                                        deadline=dt.date(2029, 12, 31))
    shared.co_executors.add(finance)
    late = project(agency, item, planned_end=dt.date(2025, 1, 1), budget=None)
    moved = project(other, item, is_public=False)
    cancelled = project(agency, item, status="cancelled")
    gone = project(other, item)
    across = project(other, shared, geom=ACROSS, is_public=False, budget=None)  # two regions, one project
    across_too = project(agency, item, geom=ACROSS, is_public=False)
    away = project(other, item, is_public=False)  # leaves the akimat's regions
    flipped = project(agency, shared, geom=ASTANA, is_public=False, status="cancelled")
    for index, target in enumerate((late, moved, gone, across, away)):
        progress_report_add(project=target, physical=10 + 20 * index, financial=5 * index)
    moved.geom = ASTANA  # a region move: links replaced, primary region derived again
    project_save(project=moved, changed_fields=["geom"])
    projects_assign_regions(project_ids=[moved.pk])
    late.is_public = False
    project_save(project=late, changed_fields=["is_public"])
    cancelled.status = "implementation"
    project_save(project=cancelled, changed_fields=["status"])
    flipped.is_public, flipped.status = True, "implementation"
    project_save(project=flipped, changed_fields=["is_public", "status"])
    counts.counts_fold()  # some deltas folded into the buckets, the rest still journalled
    flipped.is_public = False
    project_save(project=flipped, changed_fields=["is_public"])
    away.geom = ASTANA
    project_save(project=away, changed_fields=["geom"])
    projects_assign_regions(project_ids=[away.pk])
    across_too.roadmap_items.add(shared)
    gone.roadmap_items.clear()
    gone.delete()
    Project.objects.filter(pk=late.pk).update(archived_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    Project.objects.filter(pk=moved.pk).update(physical_progress=100)
    Project.objects.filter(pk=across_too.pk).update(status="completion")
    call_command("import_projects", str(FIXTURES / "import_valid.geojson"), "--mapping", '{"title": "name"}')
    Project.objects.filter(title="Park").update(is_public=False)  # an imported project made private
    assert ProjectRegion.objects.filter(project=across).count() >= 2
    return {"moved": moved, "late": late, "across": across, "other": other, "finance": finance}


def role_audiences(mixed, regions, agency) -> dict[str, Audience]:
    """The roles the counters serve: the public, a national role, an akimat of two regions, two ministries
    (one reads by its projects, the other only through an item it co-executes)."""
    akimat_regions = tuple(sorted((regions["KZ-75"].pk, regions["KZ-19"].pk)))
    return {"public": Audience(), "analyst": Audience(role="analyst", authenticated=True),
            "akimat": Audience(role="akimat", region_ids=akimat_regions, agency_ids=(mixed["other"].pk,),
                               authenticated=True),
            "ministry": Audience(role="ministry", agency_ids=(agency.pk,), authenticated=True),
            "co-executor": Audience(role="ministry", agency_ids=(mixed["finance"].pk,), authenticated=True)}


def counters_off(monkeypatch) -> None:
    """Every audience answered by the full queries."""
    monkeypatch.setattr(Audience, "sql_over_public_flag", lambda self, kind, alias: None)
    monkeypatch.setattr(Audience, "sql_over_links", lambda self, kind, alias: None)


@pytest.mark.django_db
class TestNeverDrift:
    def test_after_inserts_updates_deletes_moves_flags_and_a_bulk_import_the_counters_equal_a_recount(self, mixed):
        kept = counts.buckets()
        assert counts.dashboard_recount() == sum(1 for row in kept if row[0] != "private")
        assert kept == counts.buckets()
        private = [row[1] for row in kept if row[0] == "private"]
        assert private == list(Project.objects.filter(is_public=False, archived_at__isnull=True)
                               .order_by("pk").values_list("pk", flat=True))
        assert mixed["across"].pk in private
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


def private_import_file(folder: Path, agency) -> Path:
    """Private projects on one region and across two, a public one, a cancelled one; progress on some."""
    across = [list(point) for point in ACROSS.coords]
    rows = [("Depot", {"type": "Point", "coordinates": [76.91, 43.25]}, {"is_public": False, "physical_progress": 30}),
            ("Bypass", {"type": "LineString", "coordinates": across}, {"is_public": False, "budget": 5000}),
            ("Square", {"type": "Point", "coordinates": [71.45, 51.17]}, {"is_public": True, "financial_progress": 10}),
            ("Halted", {"type": "Point", "coordinates": [71.46, 51.18]}, {"is_public": False, "status": "cancelled"})]
    features = [{"type": "Feature", "geometry": geometry,
                 "properties": {"title": title, "sector": "transport", "agency": agency.code, **extra}}
                for title, geometry, extra in rows]
    path = folder / "private.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.mark.django_db
class TestBulkImport:
    """An import counts each batch in the statement that inserts it (projects/counts/triggers.py, counted_insert)."""

    @pytest.mark.parametrize("second_connection", [True, False], ids=["two connections", "second refused"])
    def test_private_projects_imported_across_regions_count_as_a_recount_does(self, regions, agency, tmp_path,
                                                                              request, second_connection):
        if not second_connection:  # regions derived on the import's own connection (projects/imports/writer.py)
            request.getfixturevalue("second_connection_refused")
        counts.dashboard_recount()
        call_command("import_projects", str(private_import_file(tmp_path, agency)))
        bypass = Project.objects.get(title="Bypass")
        assert ProjectRegion.objects.filter(project=bypass).count() == 2
        kept = counts.buckets()
        private = {row[1]: row for row in kept if row[0] == "private"}
        assert set(private) == set(Project.objects.filter(is_public=False).values_list("pk", flat=True))
        counts.dashboard_recount()
        assert counts.buckets() == kept

    def test_a_project_written_after_an_import_in_the_same_transaction_is_counted(self, regions, agency, item,
                                                                                   tmp_path):
        counts.dashboard_recount()
        with transaction.atomic():
            call_command("import_projects", str(private_import_file(tmp_path, agency)))
            late = project(agency, item, is_public=False)
        kept = counts.buckets()
        assert late.pk in {row[1] for row in kept if row[0] == "private"}
        counts.dashboard_recount()
        assert counts.buckets() == kept


@pytest.mark.django_db
class TestSameFigures:
    def test_every_figure_from_the_counters_equals_the_full_query_for_every_role(
            self, mixed, regions, agency, monkeypatch):
        audiences = role_audiences(mixed, regions, agency)
        assert all(counts.counted_source(audience, "agency") is not None for audience in audiences.values())
        counted = {name: figures(audience) for name, audience in audiences.items()}
        with counts.shared_reads():  # as one dashboard recompute reads them: private buckets fetched once
            shared = {name: figures(audience) for name, audience in audiences.items()}
        assert shared == counted
        counters_off(monkeypatch)
        full = {name: figures(audience) for name, audience in audiences.items()}
        assert counted == full
        assert counted["public"]["kpis"] != counted["analyst"]["kpis"]  # the private projects count for some only
        for name in ("akimat", "ministry", "co-executor"):
            assert counted[name]["kpis"] != counted["public"]["kpis"], name

    def test_a_private_project_on_two_of_an_akimats_regions_counts_once(self, mixed, regions, agency):
        audiences = role_audiences(mixed, regions, agency)
        akimat = audiences["akimat"]
        readable = akimat.projects().exclude(status="cancelled")
        assert readable.filter(pk=mixed["across"].pk).exists()
        assert national_kpis(audience=akimat)["projects"] == readable.count()
        # ... and once in each region it touches
        by_region = {r["iso_code"]: r["project_count"] for r in region_figures(audience=akimat)}
        for iso in ("KZ-75", "KZ-19"):
            assert by_region[iso] == readable.filter(regions__iso_code=iso).distinct().count(), iso

    def test_the_rule_over_links_reads_the_same_projects_as_the_full_rule(self, mixed, regions, agency, people):
        audiences = {**role_audiences(mixed, regions, agency),
                     "almaty akimat": audience_for(people["almaty_akimat"].user)}
        rows = """(SELECT p.id, p.is_public, p.agency_id,
            ARRAY(SELECT k.region_id FROM projects_projectregion k WHERE k.project_id = p.id) AS region_ids,
            ARRAY(SELECT k.roadmapitem_id FROM projects_project_roadmap_items k WHERE k.project_id = p.id) AS item_ids
            FROM projects_project p WHERE p.archived_at IS NULL) c"""
        for name, audience in audiences.items():
            over_links = audience.sql_over_links("project", "c")
            ids = Sql(f"SELECT c.id FROM {rows} WHERE {{visible}} ORDER BY 1").format(visible=over_links).fetchall()
            expected = sorted(audience.projects().values_list("id", flat=True))
            assert [pk for (pk,) in ids] == expected, name
            per_row = Sql("SELECT p.id FROM projects_project p WHERE {visible} ORDER BY 1").format(
                visible=audience.sql_per_row("project", "p.id")).fetchall()  # the stale alerts' form
            assert [pk for (pk,) in per_row] == expected, name

    def test_akimats_and_ministries_read_the_public_buckets_and_their_private_projects(self, people, agency):
        ministry = Audience(role="ministry", agency_ids=(agency.pk,), authenticated=True)
        akimat = audience_for(people["almaty_akimat"].user)
        assert akimat.sql_over_public_flag("project", "c") is None
        assert ministry.sql_over_public_flag("project", "c") is None
        assert "c.region_ids &&" in akimat.sql_over_links("project", "c").text
        assert "c.item_ids &&" in ministry.sql_over_links("project", "c").text
        assert Audience().sql_over_public_flag("project", "c").text == "c.is_public"
        assert ministry.sql_over_links("progress_report", "c") is None  # a rule with parents needs more
