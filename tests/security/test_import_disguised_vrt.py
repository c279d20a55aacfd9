"""Threat: a bulk import whose content is an OGR VRT (or another format than it declares).

GDAL picks a driver from the content: a `.json` upload holding a VRT over `CSV:/etc/passwd` once
answered with every line of the file in the row errors. Every import entry point must check the
content against the declared format, open it with that format's driver only, answer 400 naming the
accepted formats, echo nothing of the file and write nothing (SECURITY.md, "Uploads").
"""
from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyogrio
import pytest

from geotrack.core.uploads import IMPORT_DRIVERS, driver_alone
from projects.imports.reader import iter_tables, open_import
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


def _files_of_each_format(tmp_path) -> dict[str, str]:
    """One small file per import format but the zipped Shapefile, written by Debian's ogr2ogr."""
    source = tmp_path / "src.geojson"
    source.write_bytes(geojson_bytes(feature_collection()))
    files = {"geojson": str(source)}
    for declared, driver, suffix in (("flatgeobuf", "FlatGeobuf", ".fgb"), ("gpkg", "GPKG", ".gpkg")):
        target = tmp_path / f"roads{suffix}"
        subprocess.run(["ogr2ogr", "-f", driver, str(target), str(source)], check=True, capture_output=True, timeout=60)
        files[declared] = str(target)
    return files


def test_an_upload_is_opened_with_its_declared_driver_alone(tmp_path):
    """pyogrio names no driver to GDAL: while an upload is opened, GDAL holds the declared format's driver alone,
    so content of another format does not open, whichever import driver would have taken it."""
    files = _files_of_each_format(tmp_path)
    for declared, path in files.items():
        assert pyogrio.read_info(path)["driver"] == IMPORT_DRIVERS[declared]  # any of the five opens it
        with driver_alone(IMPORT_DRIVERS[declared]):
            assert set(pyogrio.list_drivers()) == {IMPORT_DRIVERS[declared]}
            assert pyogrio.read_info(path)["driver"] == IMPORT_DRIVERS[declared]
        for other in set(IMPORT_DRIVERS) - {declared}:
            with driver_alone(IMPORT_DRIVERS[other]), pytest.raises(pyogrio.errors.DataSourceError):
                pyogrio.read_info(path)
    assert set(pyogrio.list_drivers()) == set(IMPORT_DRIVERS.values())


def test_opens_of_other_formats_take_turns(tmp_path):
    """Threads opening different formats at once each get their own driver (none fails for want of it), and a
    stream opened before keeps reading while another upload is being opened."""
    files = _files_of_each_format(tmp_path)
    opened = {declared: open_import(Path(path)) for declared, path in files.items()}
    streamed = {declared: sum(len(table) for table in iter_tables(item, 4326, batch_size=1))
                for declared, item in opened.items()}

    def open_many(declared: str) -> list[int]:
        found = []
        for _ in range(25):
            with driver_alone(IMPORT_DRIVERS[declared]):
                found.append(pyogrio.read_info(files[declared])["features"])
            found.append(sum(len(table) for table in iter_tables(opened[declared], 4326, batch_size=1)))
        return found

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(open_many, [*files, *files]))
    for declared, found in zip([*files, *files], results):
        assert set(found) == {streamed[declared]} and streamed[declared] >= 1, (declared, found)
    assert set(pyogrio.list_drivers()) == set(IMPORT_DRIVERS.values())
