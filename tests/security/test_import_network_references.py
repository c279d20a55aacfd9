"""Threat: an import that makes the server reach out: `/vsicurl/` URLs, CRS links, `PG:` connections.

GDAL keeps only the five import drivers in every process (no VRT, no database or web-service driver),
`/vsicurl/` opens nothing (CPL_VSIL_CURL_ALLOWED_EXTENSIONS) and any other HTTP request goes to a
closed port (GDAL_HTTP_PROXY). A loopback listener records whatever GDAL might still ask for.
"""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from projects.models import Project
from tests.security.hostile_imports import (assert_nothing_written, assert_refused_by_the_api,
                                            assert_refused_by_the_command, feature_collection, geojson_bytes,
                                            network_vrt, post)
from tests.security.test_hostile_uploads import Recorder, listener  # noqa: F401 - the fixture


def hostile_geojsons(url: str) -> dict[str, bytes]:
    return {
        "crs named by a /vsicurl/ URL": geojson_bytes(feature_collection(
            crs={"type": "name", "properties": {"name": f"/vsicurl/{url}/crs.prj"}})),
        "crs as a link": geojson_bytes(feature_collection(
            crs={"type": "link", "properties": {"href": f"{url}/crs.wkt", "type": "ogcwkt"}})),
        "crs as a URL": geojson_bytes(feature_collection(
            crs={"type": "name", "properties": {"name": f"{url}/epsg/4326"}})),
    }


@pytest.mark.django_db
def test_a_geojson_naming_urls_makes_no_request(people, agency, settings, tmp_path, listener):  # noqa: F811
    for kind, content in hostile_geojsons(listener).items():
        response = post(people["admin"], "x.geojson", content, dry_run="true")
        assert response.status_code in (200, 400), kind  # read as plain WGS 84, or refused for its CRS
        path = tmp_path / "x.geojson"
        path.write_bytes(content)
        try:
            call_command("import_projects", str(path), "--dry-run", stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError:
            pass
    assert Recorder.requests == []
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_a_network_vrt_makes_no_request(people, agency, settings, tmp_path, listener):  # noqa: F811
    for name in ("x.json", "x.geojson", "x.csv", "x.gpkg", "x.fgb"):
        assert_refused_by_the_api(people["admin"], name, network_vrt(listener).encode())
        assert_refused_by_the_command(tmp_path, name, network_vrt(listener).encode())
    assert Recorder.requests == []
    assert_nothing_written(settings)


@pytest.mark.django_db
def test_a_csv_naming_a_database_is_only_text(people, agency, settings, tmp_path):
    """A CSV is read by the CSV driver only: `PG:` in it is a header or a cell, never a connection."""
    for content in (b"PG:dbname=postgres host=127.0.0.1 user=postgres\n",
                    b"title,sector,agency,wkt\nPG:dbname=postgres,energy,min-energy,POINT (71.4 51.1)\n",
                    b"CSV:/etc/passwd\n"):
        body = assert_refused_by_the_api(people["admin"], "x.csv", content) if b"wkt" not in content else None
        if body is None:
            response = post(people["admin"], "x.csv", content, crs="EPSG:4326", dry_run="true")
            assert response.status_code == 200 and "postgres" not in str(response.json().get("errors", ""))
        else:
            assert "usename" not in body and "root" not in body
            assert_refused_by_the_command(tmp_path, "x.csv", content)
    assert_nothing_written(settings)
