"""Real OGC API - Features clients against a live server: GDAL's OAPIF driver, owslib, and a browser."""
from __future__ import annotations

import os
import re
import subprocess

import pytest
from django.contrib.gis.geos import Point

from projects.models import Project
from projects.services import project_save

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(regions, agency):
    def make(n, public):
        return project_save(project=Project(title=f"Объект {n}", sector="education", kind="infrastructure",
                                            agency=agency, geom=Point(71.40 + n / 100, 51.13, srid=4326),
                                            is_public=public, status="implementation"))
    return [make(n, public=n != 6) for n in range(7)]  # six public, one private


def gdal(command: list[str], token: str | None = None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in {"PROJ_DATA", "PROJ_LIB"}}
    if token:
        env["GDAL_HTTP_HEADERS"] = f"Authorization: Token {token}"
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    return result


def test_ogrinfo_and_ogr2ogr_read_every_page_through_the_oapif_driver(world, people, live_server, tmp_path):
    source = f"OAPIF:{live_server.url}/ogc"
    info = gdal(["ogrinfo", "-ro", "-so", source, "projects"]).stdout
    assert "Feature Count: 6" in info and 'ID["EPSG",4326]' in info and "title: String" in info
    target = tmp_path / "projects.gpkg"
    gdal(["ogr2ogr", "-f", "GPKG", str(target), source, "projects", "-oo", "PAGE_SIZE=2", "-nlt", "POINT"])
    copied = gdal(["ogrinfo", "-ro", "-al", str(target)]).stdout
    assert re.search(r"Feature Count: 6$", copied, re.MULTILINE) and "Объект 5" in copied
    # A token in the headers shows the analyst the private project too, page after page.
    analyst = tmp_path / "analyst.gpkg"
    gdal(["ogr2ogr", "-f", "GPKG", str(analyst), source, "projects", "-oo", "PAGE_SIZE=2"], people["analyst"].token)
    assert "Feature Count: 7" in gdal(["ogrinfo", "-ro", "-so", str(analyst), "projects"]).stdout


def test_owslib_reads_collections_and_items(world, live_server):
    from owslib.ogcapi.features import Features

    client = Features(f"{live_server.url}/ogc")
    assert any("conf/core" in c for c in client.conformance()["conformsTo"])
    assert {c["id"] for c in client.collections()["collections"]} >= {"projects", "regions"}
    page = client.collection_items("projects", limit=4, offset=4)
    assert page["numberMatched"] == 6 and page["numberReturned"] == 2
    assert client.collection_item("projects", str(world[0].pk))["properties"]["title"] == "Объект 0"


@pytest.mark.browser
def test_the_html_items_page_draws_the_page_items_on_a_self_hosted_map(world, live_server, page):
    page.page.goto(f"{live_server.url}/ogc/collections/projects/items?f=html&limit=3")
    page.page.wait_for_selector("#ogc-map[data-ready=true]")
    assert page.page.locator("#ogc-map .leaflet-interactive").count() == 3
    assert page.page.locator("table.ogc-table tbody tr").count() == 3
    assert page.errors == [] and page.failed == [] and page.external_requests() == []
