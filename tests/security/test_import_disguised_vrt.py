"""Threat: a bulk import whose content is an OGR VRT (or another format than it declares).

GDAL picks a driver from the content: a `.json` upload holding a VRT over `CSV:/etc/passwd` once
answered with every line of the file in the row errors. Every import entry point must check the
content against the declared format, open it with that format's driver only, answer 400 naming the
accepted formats, echo nothing of the file and write nothing (SECURITY.md, "Uploads").
"""
from __future__ import annotations

import subprocess

import pyogrio
import pytest

from geotrack.core.uploads import IMPORT_DRIVERS
from tests.security.hostile_imports import (PASSWD_VRT, assert_nothing_written, assert_refused_by_the_api,
                                            assert_refused_by_the_command, database_vrt, feature_collection,
                                            geojson_bytes, post)

DISGUISES = ("passwd.json", "passwd.geojson", "passwd.csv", "passwd.gpkg", "passwd.zip", "passwd.fgb")


@pytest.mark.django_db
@pytest.mark.parametrize("name", DISGUISES)
def test_the_api_refuses_a_vrt_under_any_import_name(people, agency, settings, name):
    for content in (PASSWD_VRT, "\ufeff  \n" + PASSWD_VRT, database_vrt()):
        assert_refused_by_the_api(people["admin"], name, content.encode(), says="GeoJSON")
    assert_nothing_written(settings)


@pytest.mark.django_db
@pytest.mark.parametrize("name", DISGUISES)
def test_the_command_refuses_it_too(agency, settings, tmp_path, name):
    assert_refused_by_the_command(tmp_path, name, PASSWD_VRT.encode(), says="GeoJSON")
    assert_nothing_written(settings)


@pytest.mark.django_db
def test_a_gpkg_or_flatgeobuf_must_carry_its_own_signature(people, agency, settings, tmp_path):
    sqlite_not_gpkg = b"SQLite format 3\x00" + b"\x00" * 84  # a SQLite file without GeoPackage's application_id
    for name, content in (("x.gpkg", sqlite_not_gpkg), ("x.fgb", b"fgb\x02" + b"\x00" * 8),
                          ("x.geojson", b'{"type": "Feature", "properties": {}}'), ("x.csv", b"a,b\n\x00\x01")):
        assert_refused_by_the_api(people["admin"], name, content)
        assert_refused_by_the_command(tmp_path, name, content)
    assert_nothing_written(settings)


def test_the_processs_gdal_keeps_only_the_import_drivers(tmp_path):
    """The second lock, past the signature check: GDAL itself no longer knows VRT (or any network driver)."""
    assert set(pyogrio.list_drivers()) == set(IMPORT_DRIVERS.values())
    hostile = tmp_path / "passwd.vrt"
    hostile.write_text(PASSWD_VRT)
    with pytest.raises(pyogrio.errors.DataSourceError):
        pyogrio.read_info(str(hostile))


@pytest.mark.django_db
def test_each_format_opens_with_its_own_driver(people, agency, settings, tmp_path):
    """The locks leave every accepted format working: FlatGeobuf (new) and GeoPackage written by Debian's ogr2ogr."""
    source = tmp_path / "src.geojson"
    source.write_bytes(geojson_bytes(feature_collection()))
    for driver, suffix in (("FlatGeobuf", ".fgb"), ("GPKG", ".gpkg"), ("GeoJSON", ".json")):
        target = tmp_path / f"roads{suffix}"
        subprocess.run(["ogr2ogr", "-f", driver, str(target), str(source)], check=True, capture_output=True, timeout=60)
        response = post(people["admin"], target.name, target.read_bytes(), dry_run="true")
        assert response.status_code == 200 and response.json()["rows"] == 1, (driver, response.content[:300])
    assert_nothing_written(settings)
