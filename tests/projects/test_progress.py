"""Progress is an append-only history; a correction supersedes and both stay."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError

from projects.models import ProgressReport, Project
from projects.services import progress_report_add, project_save

ALMATY = dt.timezone(dt.timedelta(hours=5))


@pytest.fixture
def project(regions, agency):
    return project_save(project=Project(title="School", sector="education", kind="infrastructure",
                                        agency=agency, geom=Point(76.91, 43.25, srid=4326)))


def when(day: int) -> dt.datetime:
    return dt.datetime(2025, 3, day, 10, tzinfo=ALMATY)


@pytest.mark.django_db
class TestProgressHistory:
    def test_the_current_progress_is_the_latest_report(self, project):
        progress_report_add(project=project, physical=10, financial=5, reported_at=when(1))
        progress_report_add(project=project, physical=30, financial=20, reported_at=when(20))
        progress_report_add(project=project, physical=20, financial=10, reported_at=when(10))  # late, older
        project.refresh_from_db()
        assert project.physical_progress == Decimal("30")
        assert project.financial_progress == Decimal("20")
        assert project.last_report_at == when(20)

    def test_a_correction_supersedes_and_both_stay(self, project):
        wrong = progress_report_add(project=project, physical=80, financial=10, reported_at=when(5))
        fixed = progress_report_add(project=project, physical=40, financial=10, supersedes=wrong)
        project.refresh_from_db()
        assert project.physical_progress == Decimal("40")
        assert fixed.reported_at == wrong.reported_at
        assert set(ProgressReport.objects.filter(project=project)) == {wrong, fixed}
        wrong.refresh_from_db()
        assert wrong.superseded_by == fixed

    def test_a_report_cannot_be_superseded_twice(self, project):
        wrong = progress_report_add(project=project, physical=80, financial=10, reported_at=when(5))
        progress_report_add(project=project, physical=40, financial=10, supersedes=wrong)
        with pytest.raises(ValidationError):
            progress_report_add(project=project, physical=41, financial=10, supersedes=wrong)
        assert ProgressReport.objects.count() == 2

    def test_progress_reports_do_not_change_the_project_version(self, project):
        progress_report_add(project=project, physical=10, financial=5)
        project.refresh_from_db()
        assert project.version == 1
        assert project.history.count() == 1

    def test_it_rejects_progress_over_100(self, project):
        with pytest.raises(ValidationError):
            progress_report_add(project=project, physical=140, financial=5)
        assert ProgressReport.objects.count() == 0
