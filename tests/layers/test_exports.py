"""Layer exports: six formats written by GDAL, opened by GDAL's ogrinfo (never by our own code)."""
from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.contrib.gis.geos import LineString, Point, Polygon
from rest_framework.test import APIClient

from projects.models import Project
from projects.services import project_save

FORMATS = ("geojson", "gpkg", "shp.zip", "kml", "csv", "fgb")
# ogr2ogr reads the database from its own connection: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(regions, agency):
    def make(title, geometry, public, status="implementation"):
        return project_save(project=Project(title=title, sector="education", kind="infrastructure", agency=agency,
                                            geom=geometry, is_public=public, status=status,
                                            physical_progress=42.5))
    return {
        "school": make("Мектеп Алматы", Point(76.91, 43.25, srid=4326), True),
        "road": make("Road", LineString((71.40, 51.10), (71.50, 51.20), srid=4326), True),
        "park": make("Парк", Polygon(((71.4, 51.1), (71.5, 51.1), (71.5, 51.2), (71.4, 51.1)), srid=4326), True),
        "depot": make("Almaty private depot", Point(76.95, 43.22, srid=4326), False),
        "astana_secret": make("Astana private works", Point(71.45, 51.15, srid=4326), False),
    }


def download(api: APIClient, url: str, folder: Path, person=None) -> Path:
    if person is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Token {person.token}")
    response = api.get(url)
    assert response.status_code == 200, response.content[:500]
    path = folder / url.rsplit("/", 1)[1].split("?")[0]
    path.write_bytes(b"".join(response.streaming_content))
    return path


def ogrinfo(path: Path, *layers: str) -> str:
    source = f"/vsizip/{path}" if path.suffix == ".zip" else str(path)
    result = subprocess.run(["ogrinfo", "-ro", "-al", source, *layers], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def feature_counts(info: str) -> list[int]:
    return [int(n) for n in re.findall(r"^Feature Count: (\d+)", info, re.MULTILINE)]


@pytest.mark.parametrize("export_format", FORMATS)
def test_every_format_opens_in_gdal_with_public_features_crs_and_cyrillic(world, tmp_path, export_format):
    path = download(APIClient(), f"/api/exports/projects.{export_format}", tmp_path)
    info = ogrinfo(path)
    assert sum(feature_counts(info)) == 3  # the anonymous caller gets the three public projects
    assert "Мектеп Алматы" in info and "Парк" in info and "private" not in info
    assert re.search(r"phys_prog \([A-Za-z]+\) = 42\.5", info)
    if export_format != "csv":  # CSV carries no CRS by design: its WKT and lon/lat are EPSG:4326
        assert 'ID["EPSG",4326]' in info


def test_a_shapefile_zip_holds_one_layer_per_geometry_type_each_with_a_utf8_cpg(world, tmp_path):
    path = download(APIClient(), "/api/exports/projects.shp.zip", tmp_path)
    names = set(zipfile.ZipFile(path).namelist())
    for part in ("points", "lines", "polygons"):
        assert {f"projects_{part}.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")} <= names
        assert zipfile.ZipFile(path).read(f"projects_{part}.cpg").strip() == b"UTF-8"
    info = ogrinfo(path)
    assert "Geometry: Point" in info and "Geometry: Line String" in info and "Geometry: Polygon" in info
    # Field names are our short ones, so the Shapefile never truncates them.
    assert "plan_start" in info and "fin_prog" in info


def test_the_csv_has_a_bom_wkt_and_the_lon_lat_of_a_point_on_the_surface(world, tmp_path):
    path = download(APIClient(), "/api/exports/projects.csv?sector=education&bbox=76,43,77,44", tmp_path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert header[0] == "WKT" and "lon" in header and "lat" in header
    assert "POINT (76.91 43.25)" in text and "Мектеп Алматы" in text and "Road" not in text


@pytest.mark.parametrize("actor, expected", [("analyst", 5), ("admin", 5), ("astana_planner", 5), ("almaty_akimat", 4)])
def test_roles_are_scoped_like_the_api(world, people, tmp_path, actor, expected):
    path = download(APIClient(), "/api/exports/projects.gpkg", tmp_path, person=people[actor])
    assert feature_counts(ogrinfo(path)) == [expected]


def test_cameras_and_regions_export_too(world, tmp_path):
    regions = ogrinfo(download(APIClient(), "/api/exports/regions.fgb?detail=simplified", tmp_path))
    assert feature_counts(regions) == [20] and "Алматы" in regions
    cameras = ogrinfo(download(APIClient(), "/api/exports/cameras.geojson", tmp_path))
    assert feature_counts(cameras) == [0]


def test_bad_filters_are_a_400_and_unknown_layers_a_404(world):
    api = APIClient()
    assert api.get("/api/exports/projects.gpkg?bbox=1,2").status_code == 400
    assert api.get("/api/exports/projects.gpkg?status=unknown").json()["errors"]["status"]
    assert api.get("/api/exports/roads.gpkg").status_code == 404
    assert api.get("/api/exports/projects.docx").status_code == 404


def test_a_large_export_runs_in_the_background_with_a_download_link(world, people, tmp_path, settings):
    from django.core.management import call_command

    settings.GEOTRACK = {**settings.GEOTRACK, "EXPORT_SYNC_MAX": 2}
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")
    queued = api.get("/api/exports/projects.gpkg")
    assert queued.status_code == 202
    status_url = queued.json()["status_url"]
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--interval", "0.1")
    state = api.get(status_url).json()
    assert state["status"] == "successful"
    assert APIClient().get(status_url).status_code == 404  # someone else's job is never revealed
    path = download(api, state["download_url"], tmp_path)
    assert feature_counts(ogrinfo(path)) == [5]
