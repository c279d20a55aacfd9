"""References checked per statement (projects/references.py) hold as the foreign keys they replace did."""
from __future__ import annotations

import re
import threading

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from projects import references
from projects.models import Agency, ProgressReport, Project, ProjectRegion
from projects.services import project_save

MISSING = 2_000_000_000


def a_project(agency, **fields) -> Project:
    return project_save(project=Project(**{"title": "Depot", "sector": "transport", "kind": "infrastructure",
                                           "agency": agency, "geom": Point(76.91, 43.25, srid=4326), **fields}))


def run(statement: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.django_db
class TestWrites:
    def test_a_project_of_a_missing_agency_is_refused(self, agency):
        with pytest.raises(IntegrityError, match="projects_agency"), transaction.atomic():
            Project.objects.create(title="Road", sector="transport", kind="infrastructure", agency_id=MISSING,
                                   geom=Point(71.43, 51.13, srid=4326))
        assert not Project.objects.exists()

    def test_one_missing_region_among_many_links_refuses_the_statement(self, regions, agency):
        project = a_project(agency)
        linked = ProjectRegion.objects.filter(project=project).count()
        with pytest.raises(IntegrityError, match="projects_region"), transaction.atomic():
            run("INSERT INTO projects_projectregion (project_id, region_id, share) "
                "SELECT %s, id, 0 FROM projects_region WHERE id NOT IN (SELECT region_id FROM projects_projectregion) "
                "UNION ALL SELECT %s, %s, 0", [project.pk, project.pk, MISSING])
        assert ProjectRegion.objects.filter(project=project).count() == linked

    def test_moving_a_project_to_a_missing_agency_is_refused_and_other_updates_pass(self, regions, agency):
        project = a_project(agency)
        with pytest.raises(IntegrityError, match="projects_agency"), transaction.atomic():
            Project.objects.filter(pk=project.pk).update(agency_id=MISSING)
        Project.objects.filter(pk=project.pk).update(title="Depot 2", region=None)
        assert Project.objects.get(pk=project.pk).agency_id == agency.pk

    def test_a_report_or_history_row_by_a_missing_user_is_refused(self, regions, agency):
        project = a_project(agency)
        with pytest.raises(IntegrityError, match="auth_user"), transaction.atomic():
            ProgressReport.objects.create(project=project, physical=1, financial=1, author_id=MISSING)
        with pytest.raises(IntegrityError, match="auth_user"), transaction.atomic():
            Project.history.filter(id=project.pk).update(history_user_id=MISSING)

    def test_a_link_or_report_of_a_missing_project_is_refused(self, regions, agency):
        project = a_project(agency)
        region = next(region for region in regions.values() if region.pk != project.region_id)
        with pytest.raises(IntegrityError, match="projects_project"), transaction.atomic():
            run("INSERT INTO projects_projectregion (project_id, region_id, share) VALUES (%s, %s, 0), (%s, %s, 0)",
                [project.pk, region.pk, MISSING, region.pk])
        with pytest.raises(IntegrityError, match="projects_project"), transaction.atomic():
            ProgressReport.objects.create(project_id=MISSING, physical=1, financial=1)
        report = ProgressReport.objects.create(project=project, physical=1, financial=1)
        with pytest.raises(IntegrityError, match="projects_project"), transaction.atomic():
            ProgressReport.objects.filter(pk=report.pk).update(project_id=MISSING)
        assert ProjectRegion.objects.filter(project=project).count() == 1

    def test_a_project_written_and_deleted_by_the_same_transaction_cannot_be_linked(self, regions, agency):
        """A project the statement's own transaction wrote is not locked, but must still be there."""
        with pytest.raises(IntegrityError, match="projects_project"), transaction.atomic(durable=False):
            project = a_project(agency)
            ProjectRegion.objects.filter(project=project).delete()
            ProgressReport.objects.filter(project=project).delete()
            run("DELETE FROM projects_project WHERE id = %s", [project.pk])
            ProgressReport.objects.create(project_id=project.pk, physical=1, financial=1)


@pytest.mark.django_db
class TestDeletes:
    def test_an_agency_with_projects_is_protected_in_django_and_in_sql(self, regions, agency):
        a_project(agency)
        with pytest.raises(ProtectedError), transaction.atomic():
            agency.delete()
        with pytest.raises(IntegrityError, match="projects_project"), transaction.atomic():
            run("DELETE FROM projects_agency WHERE id = %s", [agency.pk])
        with pytest.raises(IntegrityError, match="projects_project"), transaction.atomic():
            run("UPDATE projects_agency SET id = %s WHERE id = %s", [MISSING, agency.pk])
        assert Agency.objects.filter(pk=agency.pk).exists()

    def test_an_agency_without_projects_is_deleted(self, agency):
        agency.delete()
        assert not Agency.objects.exists()

    def test_deleting_a_user_keeps_their_reports_and_history_without_them(self, regions, agency, people):
        user = people["astana_planner"].user
        project = a_project(agency)
        Project.history.filter(id=project.pk).update(history_user=user)
        report = ProgressReport.objects.create(project=project, physical=5, financial=5, author=user)
        user.delete()
        report.refresh_from_db()
        assert report.author is None
        assert list(Project.history.filter(id=project.pk).values_list("history_user_id", flat=True)) == [None]

    def test_a_user_still_named_cannot_be_deleted_in_sql(self, regions, agency, people):
        user = people["astana_planner"].user
        ProgressReport.objects.create(project=a_project(agency), physical=5, financial=5, author=user)
        with pytest.raises(IntegrityError, match="projects_progressreport"), transaction.atomic():
            run("DELETE FROM auth_user WHERE id = %s", [user.pk])
        assert get_user_model().objects.filter(pk=user.pk).exists()

    def test_a_project_with_links_or_reports_is_deleted_in_django_and_refused_in_sql(self, regions, agency):
        kept, gone = a_project(agency), a_project(agency)
        ProgressReport.objects.create(project=kept, physical=5, financial=5)
        ProgressReport.objects.create(project=gone, physical=5, financial=5)
        with pytest.raises(IntegrityError, match="projects_projectregion"), transaction.atomic():
            run("DELETE FROM projects_progressreport WHERE project_id = %s", [kept.pk])
            run("DELETE FROM projects_project WHERE id = %s", [kept.pk])
        with pytest.raises(IntegrityError, match="projects_progressreport"), transaction.atomic():
            run("DELETE FROM projects_projectregion WHERE project_id = %s", [kept.pk])
            run("DELETE FROM projects_project WHERE id = %s", [kept.pk])
        with pytest.raises(IntegrityError, match="projects_(projectregion|progressreport)"), transaction.atomic():
            run("UPDATE projects_project SET id = %s WHERE id = %s", [MISSING, kept.pk])
        gone.delete()
        assert not ProjectRegion.objects.filter(project_id=gone.pk).exists()
        assert not ProgressReport.objects.filter(project_id=gone.pk).exists()
        assert ProjectRegion.objects.filter(project=kept).exists() and kept.progress_reports.exists()

    def test_deleting_a_region_deletes_its_links_in_django(self, regions, agency):
        project = a_project(agency)
        other = next(region for region in regions.values() if region.pk != project.region_id)
        ProjectRegion.objects.create(project=project, region=other, share=0)
        other.delete()
        assert not ProjectRegion.objects.filter(region_id=other.pk).exists()
        assert ProjectRegion.objects.filter(project=project).count() == 1


def raw_connection_params() -> dict:
    """Django's connection settings for a plain psycopg connection of the test's own."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return params


def delete_while_another_writes(write: tuple[str, list], delete: tuple[str, list]) -> dict:
    """Run `write` in an open transaction, then `delete` from a second connection, which must wait for the writer's
    lock; commit the writer and return what became of the delete ({"deleted": True} or {"refused": message})."""
    params = raw_connection_params()
    outcome = {}
    with psycopg.connect(**params) as writer, psycopg.connect(**params, autocommit=True) as deleter:
        writer.execute(*write)

        def run_delete() -> None:
            try:
                deleter.execute(*delete)
                outcome["deleted"] = True
            except psycopg.errors.ForeignKeyViolation as exc:
                outcome["refused"] = str(exc)
        thread = threading.Thread(target=run_delete)
        thread.start()
        thread.join(1.0)
        assert thread.is_alive(), "the delete must wait for the writer's lock"
        writer.commit()
        thread.join(10)
    return outcome


@pytest.mark.django_db(transaction=True)
def test_a_delete_waits_for_a_writer_of_a_reference_and_then_fails(agency):
    """The writer's lock on the agency holds the delete until it commits; the delete then sees its project."""
    outcome = delete_while_another_writes(
        ("INSERT INTO projects_project (title, description, sector, kind, geom, currency, status, physical_progress, "
         "financial_progress, is_public, source_url, created_at, updated_at, version, agency_id) VALUES ('Road', '', "
         "'transport', 'infrastructure', ST_SetSRID(ST_MakePoint(71.4, 51.1), 4326), 'KZT', 'identification', 0, 0, "
         "false, '', now(), now(), 1, %s)", [agency.pk]),
        ("DELETE FROM projects_agency WHERE id = %s", [agency.pk]))
    assert "refused" in outcome and "projects_project" in outcome["refused"]
    assert Agency.objects.filter(pk=agency.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_project_delete_waits_for_a_writer_of_its_report_and_then_fails(regions, agency):
    """A committed project is locked by the statement that reports on it, as its foreign key did."""
    project = a_project(agency)
    ProjectRegion.objects.filter(project=project).delete()
    outcome = delete_while_another_writes(
        ("INSERT INTO projects_progressreport (reported_at, recorded_at, physical, financial, note, project_id) "
         "VALUES (now(), now(), 5, 5, '', %s)", [project.pk]),
        ("DELETE FROM projects_project WHERE id = %s", [project.pk]))
    assert "refused" in outcome and "projects_progressreport" in outcome["refused"]
    assert Project.objects.filter(pk=project.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_agency_still_named_cannot_be_truncated(regions, agency):
    a_project(agency)
    with pytest.raises(IntegrityError, match="projects_project"):
        run("TRUNCATE projects_agency CASCADE")
    assert Agency.objects.filter(pk=agency.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_each_reference_is_looked_up_by_key_when_the_statistics_say_the_table_is_empty(regions, agency):
    """Autovacuum may analyse projects and links while an import's rows are invisible to it, and record them as
    empty (reltuples 0 over many pages): planned on that, a check that joined the whole table with a batch ran
    for 16 minutes in the import bench. Both checks must look each value up by key, whatever the statistics."""
    params = raw_connection_params()
    with psycopg.connect(**params) as writer, psycopg.connect(**params, autocommit=True) as autovacuum:
        writer.execute("INSERT INTO projects_project (title, description, sector, kind, geom, currency, status, "
                       "physical_progress, financial_progress, is_public, source_url, created_at, updated_at, version, "
                       "agency_id) SELECT 'Road ' || i, '', 'transport', 'infrastructure', "
                       "ST_SetSRID(ST_MakePoint(71.4, 51.1), 4326), 'KZT', 'identification', 0, 0, false, '', now(), "
                       "now(), 1, %s FROM generate_series(1, 3000) i", [agency.pk])
        writer.execute("INSERT INTO projects_projectregion (project_id, region_id, share) "
                       "SELECT id, %s, 1 FROM projects_project", [regions["KZ-71"].pk])
        autovacuum.execute("ANALYZE projects_project, projects_projectregion")
        stats = autovacuum.execute("SELECT relname, reltuples, relpages FROM pg_class WHERE relname IN "
                                   "('projects_project', 'projects_projectregion')").fetchall()
        assert all(tuples == 0 and pages > 10 for _name, tuples, pages in stats), stats
        writer.execute("CREATE TEMP TABLE written AS SELECT id AS v FROM projects_project")
        checks = {"projects_project": (references.WRITES_CHECK, ["SELECT v FROM written", "projects_project"]),
                  "projects_projectregion": (references.TARGETS_CHECK,
                                             ["SELECT v FROM written", "projects_projectregion", "project_id"])}
        for table, (template, arguments) in checks.items():
            placeholders = ", ".join(["%s::text"] * (1 + len(arguments)))
            query = writer.execute(f"SELECT format({placeholders})", [template, *arguments]).fetchone()[0]
            plan = "\n".join(row[0] for row in writer.execute("EXPLAIN " + query))
            # Every scan of the table is an index lookup of one value from outside it (a whole scan, even of an
            # index, joined with the batch is the quadratic plan).
            scans = re.findall(rf"Scan[^\n]* on {table} (\w+)[^\n]*\n\s+Index Cond: \((\w+) = (\w+)\.\w+\)", plan)
            assert scans and len(scans) == plan.count(f" on {table} "), plan
            assert all(alias != outer for alias, _column, outer in scans), plan
        writer.rollback()
