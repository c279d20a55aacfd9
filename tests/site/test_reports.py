"""The roadmap report (/reports/roadmap.<html|pdf|csv|xlsx> and manage.py roadmap_report), from the history."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import zipfile
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from rest_framework.test import APIClient

from projects.models import Project, RoadmapItem
from projects.services import progress_report_add, project_save

pytestmark = [pytest.mark.django_db]

ALMATY = ZoneInfo("Asia/Almaty")
ALMATY_POINTS = [(76.91, 43.25), (76.95, 43.22)]
ASTANA_POINT = (71.43, 51.13)


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=ALMATY)


def make_project(agency, title, lon_lat, *, public=True, since="2024-12-01", items=()):
    project = Project(title=title, sector="education", kind="infrastructure", agency=agency, status="implementation",
                      geom=Point(*lon_lat, srid=4326), is_public=public, planned_start="2024-06-01",
                      planned_end="2026-12-31", created_at=at(since))
    project._history_effective_at = at(since)
    project_save(project=project)
    project.roadmap_items.set(items)
    return project


@pytest.fixture
def roadmap(regions, agency):
    """Items 41, 57 and 117; item 57 has a public and a private project in Almaty and a public one in Astana."""
    def item(number, title_en, title_kk):
        return RoadmapItem.objects.create(number=number, title_en=title_en, title_ru=f"Пункт {number}",
                                          title_kk=title_kk, section="fair_society", agency=agency,
                                          deadline="2029-12-31")
    items = {41: item(41, "Schools", "Мектептер"), 57: item(57, "Hospitals", "Ауруханалар"),
             117: item(117, "Roads", "Жолдар")}
    projects = {
        "school": make_project(agency, "School", ALMATY_POINTS[0], items=[items[41]]),
        "almaty_public": make_project(agency, "Almaty clinic", ALMATY_POINTS[0], items=[items[57]]),
        "almaty_private": make_project(agency, "Almaty private clinic", ALMATY_POINTS[1], public=False,
                                       items=[items[57]]),
        "astana_public": make_project(agency, "Astana hospital", ASTANA_POINT, items=[items[57]]),
    }
    progress_report_add(project=projects["almaty_public"], physical=40, financial=30, reported_at=at("2025-01-05"))
    progress_report_add(project=projects["almaty_private"], physical=60, financial=50, reported_at=at("2025-01-05"))
    progress_report_add(project=projects["astana_public"], physical=20, financial=10, reported_at=at("2025-01-05"))
    return {"items": items, "projects": projects}


@pytest.fixture
def history(roadmap):
    """The school: 30% on 10 January 2025, completed on 15 March (recorded today), 80% on 1 March."""
    school = roadmap["projects"]["school"]
    progress_report_add(project=school, physical=30, financial=20, reported_at=at("2025-01-10"))
    school.status = "completion"
    school._history_effective_at = at("2025-03-15")
    project_save(project=school, changed_fields=["status"])
    progress_report_add(project=school, physical=80, financial=70, reported_at=at("2025-03-01"))
    return roadmap


def rows_of(content: bytes) -> dict[int, dict]:
    assert content.startswith("\ufeff".encode())
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    return {int(row["number"]): row for row in reader}


def get(client, fmt, **query):
    return client.get(f"/reports/roadmap.{fmt}", query)


class TestAsOf:
    def test_a_past_day_ignores_later_reports_and_later_field_changes(self, history):
        client = APIClient()
        then = rows_of(get(client, "csv", as_of="2025-02-01").content)[41]
        assert then["progress"] == "30.0" and then["health"] == "on_track" and then["project_count"] == "1"
        later = rows_of(get(client, "csv", as_of="2025-03-20").content)[41]
        assert later["progress"] == "80.0" and later["health"] == "done"
        assert rows_of(get(client, "csv").content)[41]["health"] == "done"  # today: the live tables

    def test_what_changed_compares_the_two_days_and_lists_the_window_reports(self, history):
        row = rows_of(get(APIClient(), "csv", as_of="2025-03-20", since="2025-02-01").content)[41]
        assert (row["health_since"], row["progress_since"], row["progress_delta"]) == ("on_track", "30.0", "50.0")
        page = get(APIClient(), "html", as_of="2025-02-01").content.decode()
        assert 'data-change="41"' in page and "30.0" in page
        assert "80.0" not in page  # the 1 March report is after as_of
        workbook = openpyxl.load_workbook(io.BytesIO(get(APIClient(), "xlsx", as_of="2025-02-01").content))
        reports = list(workbook["New reports"].iter_rows(min_row=2, values_only=True))
        projects = history["projects"]
        assert [(r[0].date(), r[1], r[5]) for r in reports] == [  # newest first; the private one is not public
            (dt.date(2025, 1, 10), projects["school"].pk, 30.0), (dt.date(2025, 1, 5), projects["astana_public"].pk, 20),
            (dt.date(2025, 1, 5), projects["almaty_public"].pk, 40)]

    def test_the_command_writes_the_same_report_for_a_day(self, history, people, tmp_path):
        target = tmp_path / "report.csv"
        call_command("roadmap_report", "--as-of", "2025-02-01", "--format", "csv", "--output", str(target),
                     "--language", "en", stdout=io.StringIO())
        assert target.read_bytes() == get(APIClient(), "csv", as_of="2025-02-01").content
        call_command("roadmap_report", "--as-of", "2025-02-01", "--format", "csv", "--user", "dana",
                     "--output", str(target), stdout=io.StringIO())
        assert rows_of(target.read_bytes())[57]["project_count"] == "3"  # the analyst sees the private one


class TestFormats:
    def test_the_same_inputs_give_the_same_bytes(self, history):
        client = APIClient()
        for fmt in ("csv", "xlsx"):
            first = get(client, fmt, as_of="2025-02-01", region="KZ-75").content
            assert first == get(client, fmt, as_of="2025-02-01", region="KZ-75").content
        archive = zipfile.ZipFile(io.BytesIO(first))
        assert {info.date_time[:3] for info in archive.infolist()} == {(2025, 2, 1)}
        assert b"2025-02-01T00:00:00" in archive.read("docProps/core.xml")

    def test_csv_and_xlsx_round_trip_with_the_expected_items(self, history):
        client = APIClient()
        rows = rows_of(get(client, "csv", as_of="2025-02-01").content)
        assert sorted(rows) == [41, 57, 117] and rows[57]["title"] == "Hospitals" and rows[57]["agency"] == "min-energy"
        response = get(client, "xlsx", as_of="2025-02-01")
        assert response["Content-Disposition"] == 'attachment; filename="roadmap-2025-02-01.xlsx"'
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames == ["Items", "Changes", "Alerts", "New reports"]
        items = workbook["Items"]
        assert items.freeze_panes == "A2" and items["A1"].font.b and items.column_dimensions["B"].width == 60
        assert [row[0] for row in items.iter_rows(min_row=2, values_only=True)] == [41, 57, 117]
        assert items["H3"].value == 2 and items["G3"].value == 30.0  # item 57: two public projects, (40+20)/2

    def test_the_pdf_renders_with_every_item_number_in_kazakh(self, history, tmp_path):
        response = APIClient().get("/reports/roadmap.pdf", {"as_of": "2025-02-01"}, HTTP_ACCEPT_LANGUAGE="kk")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(response.content)
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
        assert list(tmp_path.glob("page-*.png"))
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        for number in (41, 57, 117):
            assert re.search(rf"(?m)^\s*{number}\s*$|\b{number}\b", text), number
        assert "Ауруханалар" in text
        fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
        assert "DejaVu-Sans" in fonts or "DejaVuSans" in fonts

    def test_the_page_has_a_form_links_and_a_map(self, history):
        response = get(APIClient(), "html", as_of="2025-02-01", region="KZ-75")
        page = response.content.decode()
        assert response.status_code == 200 and response["Cache-Control"] == "private, no-cache"
        assert 'name="as_of" value="2025-02-01"' in page and '<option value="KZ-75" selected>' in page
        assert "/reports/roadmap.pdf?as_of=2025-02-01&amp;since=2025-01-01&amp;region=KZ-75" in page
        assert page.count("<path d=") == 20 and 'data-item="57"' in page and 'data-item="117"' not in page


class TestScope:
    def test_anonymous_counts_only_public_projects(self, history, people):
        anonymous = rows_of(get(APIClient(), "csv", as_of="2025-02-01").content)[57]
        assert (anonymous["project_count"], anonymous["progress"]) == ("2", "30.0")
        for name in ("analyst", "almaty_akimat"):
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {people[name].token}")
            row = rows_of(get(client, "csv", as_of="2025-02-01").content)[57]
            assert (row["project_count"], row["progress"]) == ("3", "40.0")

    def test_region_and_agency_filter_items_and_progress(self, history, people):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")
        almaty = rows_of(get(client, "csv", as_of="2025-02-01", region="KZ-75").content)
        assert sorted(almaty) == [41, 57] and almaty[57]["progress"] == "50.0"  # (40+60)/2, not Astana's 20
        assert rows_of(get(client, "csv", as_of="2025-02-01", agency="min-energy").content).keys() == {41, 57, 117}

    def test_alerts_are_those_of_the_day_and_the_region(self, history):
        def alerts(**query):
            workbook = openpyxl.load_workbook(io.BytesIO(get(APIClient(), "xlsx", **query).content))
            return {(row[0], row[3]) for row in workbook["Alerts"].iter_rows(min_row=2, values_only=True)}
        stale = "No recent progress report"
        assert alerts(as_of="2025-02-01") == set()
        assert alerts(as_of="2025-06-01") == {(stale, "Almaty clinic"), (stale, "Astana hospital")}
        assert alerts(as_of="2025-06-01", region="KZ-75") == {(stale, "Almaty clinic")}

    def test_the_private_project_is_not_in_the_anonymous_pdf_or_xlsx(self, history):
        workbook = openpyxl.load_workbook(io.BytesIO(get(APIClient(), "xlsx", as_of="2025-02-01").content))
        titles = {row[2] for row in workbook["New reports"].iter_rows(min_row=2, values_only=True)}
        assert "Almaty private clinic" not in titles


class TestErrors:
    @pytest.mark.parametrize("query, field", [
        ({"as_of": "2025-13-01"}, "as_of"), ({"as_of": "2999-01-01"}, "as_of"), ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "2025-02-01", "since": "2025-03-01"}, "since"), ({"region": "KZ-99"}, "region"),
        ({"agency": "nobody"}, "agency"),
    ])
    def test_bad_parameters_are_400_json(self, roadmap, query, field):
        response = get(APIClient(), "pdf", **query)
        assert response.status_code == 400 and response["Content-Type"] == "application/json"
        assert field in response.json()["errors"] and response.json()["detail"]

    def test_an_unknown_format_is_404_json(self, roadmap):
        response = APIClient().get("/reports/roadmap.docx", HTTP_ACCEPT="application/pdf")
        assert response.status_code == 404 and response.json() == {
            "detail": "No such report format: use html, pdf, csv or xlsx.", "errors": {},
            "request_id": response["X-Request-ID"]}

    def test_the_command_refuses_a_bad_day(self, roadmap):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="as_of"):
            call_command("roadmap_report", "--as-of", "2025-02-30", "--format", "csv", "--output", "-")
