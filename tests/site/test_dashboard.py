"""Health at the boundaries, alert rules with a controlled clock, the dashboard and reporting pages."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone
from PIL import Image

from camera_sites.models import Camera, CameraLink
from geotrack.site.alerts import alerts_for
from projects.health import health_expression
from projects.models import ProgressPhoto, ProgressReport, Project, RoadmapItem
from projects.access import Audience, audience_for
from projects.selectors import national_kpis
from projects.services import progress_report_add, project_save
from tests.actors import PASSWORD

TZ = timezone.get_default_timezone()


def make(agency, **fields) -> Project:
    """A project whose creation took effect on 2024-01-01, so that past as-of days see it."""
    defaults = dict(title="Road", sector="transport", kind="infrastructure", agency=agency,
                    geom=Point(76.91, 43.25, srid=4326), status="implementation", is_public=True)
    project = Project(**{**defaults, **fields})
    project._history_effective_at = dt.datetime(2024, 1, 1, tzinfo=TZ)
    return project_save(project=project)


def health_on(project: Project, day: dt.date) -> str | None:
    return Project.objects.annotate(h=health_expression(today=day)).get(pk=project.pk).h


@pytest.mark.django_db
class TestHealthBoundaries:
    def test_the_deadline_day_itself_is_not_overdue_but_the_next_day_is(self, regions, agency):
        project = make(agency, planned_start=dt.date(2025, 1, 1), planned_end=dt.date(2025, 6, 30))
        progress_report_add(project=project, physical=99, financial=50,
                            reported_at=dt.datetime(2025, 6, 29, 12, tzinfo=TZ))
        assert health_on(project, dt.date(2025, 6, 30)) == "on_track"
        assert health_on(project, dt.date(2025, 7, 1)) == "overdue"

    def test_100_percent_is_done_and_0_percent_past_the_line_is_at_risk(self, regions, agency):
        project = make(agency, planned_start=dt.date(2025, 1, 1), planned_end=dt.date(2026, 12, 31))
        progress_report_add(project=project, physical=0, financial=0, reported_at=dt.datetime(2025, 6, 1, tzinfo=TZ))
        assert health_on(project, dt.date(2025, 6, 2)) == "at_risk"  # ~20% expected, 0 done
        assert health_on(project, dt.date(2025, 1, 10)) == "on_track"  # within 15 points of the line
        progress_report_add(project=project, physical=100, financial=90)
        assert health_on(project, dt.date(2027, 6, 1)) == "done"

    def test_cancelled_projects_have_no_health(self, regions, agency):
        assert health_on(make(agency, status="cancelled"), dt.date(2025, 1, 1)) is None


@pytest.mark.django_db
class TestAlertRules:
    def kinds(self, user, as_of=None) -> dict[str, list]:
        found: dict[str, list] = {}
        for alert in alerts_for(audience=audience_for(user), as_of=as_of):
            found.setdefault(alert["kind"], []).append(alert)
        return found

    def test_a_passed_deadline_on_an_unfinished_item(self, regions, agency):
        item = RoadmapItem.objects.create(number=1, title_en="Tax Code", title_ru="НК", title_kk="СК",
                                          section="fair_economy", agency=agency, start=dt.date(2023, 1, 1),
                                          deadline=dt.date(2025, 3, 31))
        make(agency).roadmap_items.add(item)
        found = self.kinds(AnonymousUser(), as_of=dt.date(2025, 4, 2))
        assert found["item_overdue"][0]["url"] == "/roadmap/1/" and "passed 2 days ago" in found["item_overdue"][0]["reason"]
        assert "item_overdue" not in self.kinds(AnonymousUser(), as_of=dt.date(2025, 3, 31))

    def test_a_near_deadline_with_progress_below_the_line(self, regions, agency):
        item = RoadmapItem.objects.create(number=2, title_en="Roads", title_ru="Дороги", title_kk="Жолдар",
                                          section="fair_economy", agency=agency, start=dt.date(2024, 1, 1),
                                          deadline=dt.date(2025, 3, 1))
        project = make(agency, planned_start=dt.date(2024, 1, 1), planned_end=dt.date(2025, 3, 1))
        project.roadmap_items.add(item)
        progress_report_add(project=project, physical=50, financial=40, reported_at=dt.datetime(2025, 1, 20, tzinfo=TZ))
        behind = self.kinds(AnonymousUser(), as_of=dt.date(2025, 2, 1))["item_behind"]
        assert behind[0]["object"]["id"] == 2 and "Deadline in 28 days" in behind[0]["reason"]

    def test_no_report_for_too_long_on_an_active_project(self, regions, agency, settings):
        project = make(agency)
        progress_report_add(project=project, physical=10, financial=5, reported_at=dt.datetime(2025, 1, 1, tzinfo=TZ))
        assert "project_stale" not in self.kinds(AnonymousUser(), as_of=dt.date(2025, 2, 15))
        stale = self.kinds(AnonymousUser(), as_of=dt.date(2025, 3, 15))["project_stale"]
        assert stale[0]["url"] == f"/projects/{project.pk}/" and "73 days" in stale[0]["reason"]

    def test_every_camera_of_an_active_project_offline(self, regions, agency):
        project = make(agency)
        old = timezone.now() - dt.timedelta(days=5)
        for label, seen in (("North", old), ("South", None)):
            camera = Camera.objects.create(label=label, location=Point(76.91, 43.24, srid=4326), last_seen_at=seen)
            CameraLink.objects.create(camera=camera, project=project)
        assert self.kinds(AnonymousUser())["cameras_offline"][0]["object"]["id"] == project.pk
        Camera.objects.filter(label="North").update(last_seen_at=timezone.now())
        assert "cameras_offline" not in self.kinds(AnonymousUser())

    def test_an_as_of_day_ignores_later_reports(self, regions, agency):
        project = make(agency)
        progress_report_add(project=project, physical=30, financial=10, reported_at=dt.datetime(2025, 1, 10, tzinfo=TZ))
        progress_report_add(project=project, physical=80, financial=60, reported_at=dt.datetime(2025, 3, 1, tzinfo=TZ))
        assert national_kpis(audience=Audience(), as_of=dt.date(2025, 2, 1))["mean_progress"] == 30
        assert national_kpis(audience=Audience())["mean_progress"] == 80


@pytest.mark.django_db
def test_the_dashboard_counts_only_public_projects_for_visitors(client, regions, agency):
    make(agency, title="Public")
    make(agency, title="Private", is_public=False)
    summary = client.get("/api/dashboard/").json()
    assert summary["projects"]["projects"] == 1
    assert client.get("/").context["summary"]["projects"]["projects"] == 1


@pytest.mark.django_db
def test_the_dashboard_query_count_does_not_grow_with_roadmap_items(client, regions, agency):
    def queries_with(items: int) -> int:
        for number in range(RoadmapItem.objects.count() + 1, items + 1):
            item = RoadmapItem.objects.create(number=number, title_en=f"Item {number}", title_ru="П", title_kk="Т",
                                              section="fair_state", agency=agency, deadline=dt.date(2024, 1, 1))
            make(agency, title=f"P{number}").roadmap_items.add(item)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    assert queries_with(3) == queries_with(30)
    with CaptureQueriesContext(connection) as captured:
        client.get("/api/alerts/")
    # eight for the project rules, five for roadmap execution's (one per rule), one for the alerts' clocks
    assert len(captured) <= 14


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_an_akimat_reports_progress_with_a_photo_and_a_bad_photo_writes_nothing(client, people, regions, agency):
    from django.core.files.uploadedfile import SimpleUploadedFile
    project = make(agency, is_public=False)
    client.login(username=people["almaty_akimat"].user.username, password=PASSWORD)
    bad = client.post(f"/projects/{project.pk}/report/", {"physical": 40, "financial": 20,
                      "photos": [SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")]})
    assert bad.status_code == 400 and ProgressReport.objects.count() == 0 and ProgressPhoto.objects.count() == 0
    good = client.post(f"/projects/{project.pk}/report/", {"physical": 40, "financial": 20, "note": "Roof done",
                       "photos": [SimpleUploadedFile("roof.jpg", jpeg_bytes(), "image/jpeg")]})
    assert good.status_code == 302
    photo = ProgressPhoto.objects.get()
    assert client.get(f"/projects/{project.pk}/photos/{photo.pk}/thumbnail").status_code == 200
    client.logout()
    assert client.get(f"/projects/{project.pk}/photos/{photo.pk}/image").status_code == 404  # private project


@pytest.mark.django_db
def test_only_akimats_of_the_region_and_admins_may_report(client, people, regions, agency):
    project = make(agency, geom=Point(71.43, 51.13, srid=4326))  # Astana
    client.login(username=people["almaty_akimat"].user.username, password=PASSWORD)
    assert client.get(f"/projects/{project.pk}/report/").status_code == 403
    client.login(username=people["analyst"].user.username, password=PASSWORD)
    assert client.get(f"/projects/{project.pk}/report/").status_code == 403


@pytest.mark.django_db
def test_the_monthly_progress_table_replays_the_history_by_month_end(regions, agency):
    from geotrack.site.dashboard import progress_series
    from projects.progress_monthly import progress_monthly_rebuild

    public = make(agency, title="Public")
    private = make(agency, title="Private", is_public=False)
    at = lambda day: dt.datetime.combine(day, dt.time(12), tzinfo=TZ)  # noqa: E731
    progress_report_add(project=public, physical=10, financial=0, reported_at=at(dt.date(2025, 3, 10)))
    wrong = progress_report_add(project=public, physical=90, financial=0, reported_at=at(dt.date(2025, 5, 5)))
    progress_report_add(project=public, physical=40, financial=0, supersedes=wrong)
    progress_report_add(project=private, physical=70, financial=0, reported_at=at(dt.date(2025, 4, 1)))
    progress_monthly_rebuild(today=dt.date(2025, 6, 15))
    series = progress_series(audience=Audience(), group="region")
    almaty = series["series"][regions["KZ-75"].pk]
    months = series["months"]
    assert months == ["2025-03-01", "2025-04-01", "2025-05-01", "2025-06-01"]
    assert almaty == [10.0, 10.0, 40.0, 40.0]  # the correction counts, the wrong report does not
    everything = progress_series(audience=audience_for(User(is_superuser=True)), group="region")["series"][regions["KZ-75"].pk]
    assert everything == [10.0, 40.0, 55.0, 55.0]  # the private project joins from April
