"""The database itself rejects bad geometry, wrong SRIDs and progress outside 0-100."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point, Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from projects.models import ProgressReport, Project

BOWTIE = Polygon(((71.40, 51.10), (71.46, 51.16), (71.46, 51.10), (71.40, 51.16), (71.40, 51.10)), srid=4326)


def make_project(agency, **fields) -> Project:
    defaults = dict(title="Road", sector="transport", kind="infrastructure", agency=agency,
                    geom=Point(71.43, 51.13, srid=4326))
    return Project(**{**defaults, **fields})


@pytest.mark.django_db
class TestProjectConstraints:
    def test_it_rejects_a_self_intersecting_polygon_in_validation(self, agency):
        with pytest.raises(ValidationError) as excinfo:
            make_project(agency, geom=BOWTIE).full_clean()
        assert "not valid" in str(excinfo.value)
        assert Project.objects.count() == 0

    def test_it_rejects_a_self_intersecting_polygon_in_the_database(self, agency):
        with pytest.raises(IntegrityError, match="project_geom_valid"), transaction.atomic():
            make_project(agency, geom=BOWTIE).save()
        assert Project.objects.count() == 0

    def test_it_rejects_a_geometry_collection(self, agency):
        collection = GEOSGeometry("SRID=4326;GEOMETRYCOLLECTION(POINT(71.4 51.1))")
        with pytest.raises(IntegrityError, match="project_geom_type"), transaction.atomic():
            make_project(agency, geom=collection).save()

    def test_the_column_refuses_another_srid(self, agency):
        project = make_project(agency)
        project.save()
        with pytest.raises(Exception, match="SRID"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE projects_project SET geom = ST_SetSRID(ST_MakePoint(7900000, 6600000), 3857)")
        project.refresh_from_db()
        assert project.geom.srid == 4326 and project.geom.x == pytest.approx(71.43)

    @pytest.mark.parametrize("value", [-1, 101])
    def test_it_rejects_progress_outside_0_to_100(self, agency, value):
        project = make_project(agency)
        project.save()
        with pytest.raises(IntegrityError, match="progress"), transaction.atomic():
            Project.objects.filter(pk=project.pk).update(physical_progress=value)
        with pytest.raises(IntegrityError, match="progress_report_physical_range"), transaction.atomic():
            ProgressReport.objects.create(project=project, physical=value, financial=0)
        assert ProgressReport.objects.count() == 0

    def test_it_rejects_an_end_before_the_start(self, agency):
        project = make_project(agency, planned_start="2025-01-01", planned_end="2024-01-01")
        with pytest.raises(ValidationError, match="planned end"):
            project.full_clean()


# Kept, never searched by place (projects/asof.py reads history by id and date): no GiST index, which every
# history row paid for (migration projects/0013_import_indexes).
NOT_SEARCHED_BY_PLACE = {("projects_historicalproject", "geom")}


def test_every_geometry_column_has_a_spatial_index(db):
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT f_table_name, f_geometry_column FROM geometry_columns gc
            WHERE f_table_schema = 'public' AND NOT EXISTS (
                SELECT 1 FROM pg_indexes i
                WHERE i.tablename = gc.f_table_name AND i.indexdef ILIKE '%%USING gist%%'
                  AND i.indexdef LIKE '%%' || gc.f_geometry_column || '%%')
        """)
        missing = [row for row in cursor.fetchall() if row not in NOT_SEARCHED_BY_PLACE]
    assert missing == []
