"""Bulk import of projects: four formats, foreign CRSs, a column mapping, all or nothing, row-by-row reports."""
from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from projects.imports import services as import_services
from projects.models import ProgressReport, Project

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MAPPING = json.dumps({"title": "name"})


def ogr2ogr(source: Path, target: Path, *options: str) -> Path:
    """Write a test input with Debian's GDAL: an independent writer, not our own code."""
    subprocess.run(["ogr2ogr", *options, str(target), str(source)], check=True, capture_output=True, timeout=60)
    return target


def zipped_shapefile(source: Path, folder: Path, *, keep_prj: bool, epsg: int) -> Path:
    shapes = folder / "shapes"
    shapes.mkdir()
    ogr2ogr(source, shapes / "points.shp", "-f", "ESRI Shapefile", "-t_srs", f"EPSG:{epsg}", "-where",
            "OGR_GEOMETRY = 'POINT'", "-lco", "ENCODING=UTF-8")
    archive = folder / "points.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for member in shapes.iterdir():
            if keep_prj or member.suffix != ".prj":
                handle.write(member, member.name)
    return archive


@pytest.mark.django_db
class TestCommand:
    def test_a_valid_geojson_imports_with_mapping_regions_progress_and_history(self, regions, agency):
        call_command("import_projects", str(FIXTURES / "import_valid.geojson"), "--mapping", MAPPING)
        school = Project.objects.get(title="Мектеп Алматы")
        assert school.region.iso_code == "KZ-75" and school.physical_progress == 40 and school.is_public
        assert list(school.region_links.values_list("region__iso_code", flat=True)) == ["KZ-75"]
        assert ProgressReport.objects.filter(project=school, physical=40, financial=30).exists()
        assert school.history.count() == 1
        park = Project.objects.get(title="Park")
        assert park.region.iso_code == "KZ-71" and park.agency == agency and park.budget == 1_000_000

    def test_one_bad_row_rejects_the_file_with_a_row_by_row_report_and_nothing_is_written(self, regions, agency,
                                                                                            capsys):
        with pytest.raises(CommandError, match="5 of 6 rows are invalid"):
            call_command("import_projects", str(FIXTURES / "import_invalid.geojson"))
        report = {row["row"]: row["errors"] for row in json.loads(capsys.readouterr().err)["rows"]}
        assert set(report) == {2, 3, 4, 5, 6}
        assert "self-intersects" in report[2]["geometry"][0]
        assert "KZ-99" in report[3]["region"][0]
        assert report[4]["physical_progress"] == ["Progress must be between 0 and 100."]
        assert "ministry-of-magic" in report[5]["agency"][0]
        assert "outside Kazakhstan" in report[6]["geometry"][0] and report[6]["sector"]
        assert Project.objects.count() == 0

    def test_batches_written_ahead_are_rolled_back_when_a_later_batch_has_a_bad_row(self, regions, agency, capsys,
                                                                                     monkeypatch, tmp_path):
        monkeypatch.setattr(import_services, "BATCH_ROWS", 1)  # every row its own batch, written before the next
        collection = json.loads((FIXTURES / "import_valid.geojson").read_text())
        bad = {**collection["features"][2], "properties": {"name": "Late", "sector": "transport", "agency": "nobody"}}
        source = tmp_path / "late_error.geojson"
        source.write_text(json.dumps({**collection, "features": [*collection["features"], bad]}))
        with pytest.raises(CommandError, match="1 of 4 rows are invalid"):
            call_command("import_projects", str(source), "--mapping", MAPPING)
        assert [row["row"] for row in json.loads(capsys.readouterr().err)["rows"]] == [4]
        assert not (Project.objects.exists() or ProgressReport.objects.exists() or Project.history.exists())
        call_command("import_projects", str(FIXTURES / "import_valid.geojson"), "--mapping", MAPPING)
        assert Project.history.count() == Project.objects.count() == 3
        assert Project.objects.get(title="Park").region.iso_code == "KZ-71"

    def test_when_the_server_refuses_a_second_connection_the_import_derives_regions_on_its_own(
            self, regions, agency, second_connection_refused, monkeypatch, caplog):
        monkeypatch.setattr(import_services, "BATCH_ROWS", 1)  # each batch through the same temporary tables
        for _ in range(2):  # the second import meets no temporary table left by the first
            call_command("import_projects", str(FIXTURES / "import_valid.geojson"), "--mapping", MAPPING)
        assert "too many clients" in caplog.text
        assert Project.objects.count() == Project.history.count() == 6
        schools = list(Project.objects.filter(title="Мектеп Алматы"))
        assert len(schools) == 2
        for school in schools:
            assert school.region.iso_code == "KZ-75" and school.physical_progress == 40
            assert list(school.region_links.values_list("region__iso_code", flat=True)) == ["KZ-75"]
            assert ProgressReport.objects.filter(project=school, physical=40, financial=30).exists()
        assert {park.region.iso_code for park in Project.objects.filter(title="Park")} == {"KZ-71"}

    def test_a_dry_run_checks_everything_and_writes_nothing(self, regions, agency, capsys):
        call_command("import_projects", str(FIXTURES / "import_valid.geojson"), "--mapping", MAPPING, "--dry-run")
        assert "All 3 rows are valid" in capsys.readouterr().out
        assert Project.objects.count() == 0

    def test_a_geopackage_in_utm_43n_is_transformed_to_wgs84(self, regions, agency, tmp_path):
        source = ogr2ogr(FIXTURES / "import_valid.geojson", tmp_path / "utm.gpkg", "-f", "GPKG",
                         "-t_srs", "EPSG:32643")
        call_command("import_projects", str(source), "--mapping", MAPPING)
        school = Project.objects.get(title="Мектеп Алматы")
        assert school.geom.coords == pytest.approx((76.91, 43.25), abs=1e-7)
        assert Project.objects.count() == 3

    def test_a_zipped_shapefile_without_a_crs_is_refused_unless_one_is_given(self, regions, agency, tmp_path):
        archive = zipped_shapefile(FIXTURES / "import_valid.geojson", tmp_path, keep_prj=False, epsg=32642)
        with pytest.raises(CommandError, match="no CRS"):
            call_command("import_projects", str(archive), "--mapping", MAPPING)
        call_command("import_projects", str(archive), "--mapping", MAPPING, "--crs", "EPSG:32642")
        assert Project.objects.get().geom.coords == pytest.approx((76.91, 43.25), abs=1e-7)

    def test_a_zipped_shapefile_in_utm_42n_keeps_its_cyrillic(self, regions, agency, tmp_path):
        archive = zipped_shapefile(FIXTURES / "import_valid.geojson", tmp_path, keep_prj=True, epsg=32642)
        call_command("import_projects", str(archive), "--mapping", MAPPING)
        assert Project.objects.get().title == "Мектеп Алматы"

    def test_csv_with_wkt_or_lon_lat_columns(self, regions, agency):
        with pytest.raises(CommandError, match="no CRS"):
            call_command("import_projects", str(FIXTURES / "import_wkt.csv"))
        call_command("import_projects", str(FIXTURES / "import_wkt.csv"), "--crs", "EPSG:4326")
        call_command("import_projects", str(FIXTURES / "import_lonlat.csv"), "--crs", "EPSG:4326",
                     "--mapping", json.dumps({"title": "name", "lon": "longitude", "lat": "latitude"}))
        assert sorted(Project.objects.values_list("title", flat=True)) == ["Bridge", "Road", "Мектеп", "Мектеп"]
        assert Project.objects.get(title="Road").geom.geom_type == "LineString"

    def test_an_unknown_crs_or_mapping_field_is_refused(self, regions, agency):
        with pytest.raises(CommandError, match="Unsupported CRS"):
            call_command("import_projects", str(FIXTURES / "import_wkt.csv"), "--crs", "EPSG:2154")
        with pytest.raises(CommandError, match="colour"):
            call_command("import_projects", str(FIXTURES / "import_wkt.csv"), "--mapping", '{"colour": "x"}')


def post(person, path: Path, **fields):
    api = APIClient()
    if person is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Token {person.token}")
    with open(path, "rb") as handle:
        return api.post("/api/imports/", {"file": handle, **fields}, format="multipart")


@pytest.mark.django_db
class TestApi:
    def test_only_planners_and_admins_may_import(self, people):
        source = FIXTURES / "import_valid.geojson"
        assert post(None, source).status_code == 401
        assert post(people["almaty_akimat"], source).status_code == 403
        assert post(people["analyst"], source).status_code == 403

    def test_a_planner_imports_and_a_dry_run_writes_nothing(self, people, agency):
        source = FIXTURES / "import_valid.geojson"
        dry = post(people["astana_planner"], source, mapping=MAPPING, dry_run="true")
        assert dry.status_code == 200 and dry.json()["dry_run"] is True and Project.objects.count() == 0
        created = post(people["astana_planner"], source, mapping=MAPPING)
        assert created.status_code == 201 and created.json()["created"] == 3 and Project.objects.count() == 3

    def test_errors_come_row_by_row_in_the_error_shape(self, people, agency):
        response = post(people["admin"], FIXTURES / "import_invalid.geojson")
        body = response.json()
        assert response.status_code == 400 and body["detail"].startswith("5 of 6 rows")
        assert [row["row"] for row in body["errors"]["rows"]] == [2, 3, 4, 5, 6]
        assert Project.objects.count() == 0

    def test_file_level_problems_name_the_input(self, people, agency, tmp_path):
        no_crs = post(people["admin"], FIXTURES / "import_wkt.csv")
        assert no_crs.status_code == 400 and "crs" in no_crs.json()["errors"]
        odd = tmp_path / "projects.docx"
        odd.write_bytes(b"not a map")
        assert "file" in post(people["admin"], odd).json()["errors"]

    def test_a_regional_planner_cannot_import_outside_their_regions(self, people, regions, agency):
        from projects.models import Profile

        Profile.objects.get(user=people["astana_planner"].user).regions.set([regions["KZ-71"]])
        response = post(people["astana_planner"], FIXTURES / "import_valid.geojson", mapping=MAPPING)
        assert response.status_code == 400 and [r["row"] for r in response.json()["errors"]["rows"]] == [1]
        assert Project.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_large_import_runs_in_the_background_with_a_status_url(people, agency, settings):
    settings.GEOTRACK = {**settings.GEOTRACK, "IMPORT_SYNC_MAX_ROWS": 1}
    queued = post(people["admin"], FIXTURES / "import_valid.geojson", mapping=MAPPING)
    assert queued.status_code == 202
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--interval", "0.1")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['admin'].token}")
    state = api.get(queued.json()["status_url"]).json()
    assert state["status"] == "successful" and state["report"]["created"] == 3
    assert Project.objects.count() == 3
