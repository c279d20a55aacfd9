"""Threat: a zipped Shapefile that unpacks to much more than it weighs, names paths outside itself, or
carries something GDAL would follow (a .vrt) beside the Shapefile (SECURITY.md, "Uploads").

Every zip is checked before GDAL reads it (through `/vsizip/`, never unpacked to disk): entry count and
unpacked size within limits (413/400 naming the setting), plain relative names, and exactly one .shp
with its .shx and .dbf and nothing but a Shapefile's parts.
"""
from __future__ import annotations

import subprocess

import pytest

from tests.security.hostile_imports import (PASSWD_VRT, assert_nothing_written, assert_refused_by_the_api,
                                            assert_refused_by_the_command, post, zip_bytes)


@pytest.fixture
def shapefile_parts(tmp_path) -> dict[str, bytes]:
    source = tmp_path / "src.geojson"
    source.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", '
                      '"coordinates": [71.43, 51.13]}, "properties": {"title": "Road", "sector": "energy", '
                      '"agency": "min-energy"}}]}')
    folder = tmp_path / "shp"
    folder.mkdir()
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", str(folder / "roads.shp"), str(source)], check=True,
                   capture_output=True, timeout=60)
    return {path.name: path.read_bytes() for path in folder.iterdir()}


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_naming_the_limit(people, agency, settings, tmp_path, shapefile_parts):
    settings.GEOTRACK = {**settings.GEOTRACK, "IMPORT_MAX_UNZIPPED_BYTES": 1024 * 1024}
    bomb = zip_bytes({**shapefile_parts, "roads.dbf": b"\x00" * (20 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024  # 20 MB unpacked from a few kB
    assert_refused_by_the_api(people["admin"], "roads.zip", bomb, codes=(413,), says="IMPORT_MAX_UNZIPPED_BYTES")
    assert_refused_by_the_command(tmp_path, "roads.zip", bomb, says="IMPORT_MAX_UNZIPPED_BYTES")
    many = zip_bytes({**shapefile_parts, **{f"roads{i}.sbn": b"" for i in range(40)}})
    assert_refused_by_the_api(people["admin"], "roads.zip", many, says="IMPORT_MAX_ZIP_ENTRIES")
    assert_nothing_written(settings)


@pytest.mark.django_db
def test_entries_outside_the_zip_are_refused(people, agency, settings, tmp_path, shapefile_parts):
    for outside in ("../roads.prj", "/etc/roads.prj", "a/../../roads.prj", "..\\roads.prj"):
        hostile = zip_bytes({**shapefile_parts, outside: b"x"})
        assert_refused_by_the_api(people["admin"], "roads.zip", hostile, says="zip")
        assert_refused_by_the_command(tmp_path, "roads.zip", hostile, says="zip")
    assert_nothing_written(settings)


@pytest.mark.django_db
def test_a_vrt_or_a_second_layer_in_the_zip_is_refused(people, agency, settings, tmp_path, shapefile_parts):
    cases = {
        "vrt beside": {**shapefile_parts, "roads.vrt": PASSWD_VRT.encode()},
        "vrt alone": {"passwd.vrt": PASSWD_VRT.encode()},
        "vrt as .shp": {"roads.shp": PASSWD_VRT.encode(), "roads.shx": b"", "roads.dbf": b""},
        "two layers": {**shapefile_parts, **{name.replace("roads", "more"): data
                                             for name, data in shapefile_parts.items()}},
        "no .dbf": {name: data for name, data in shapefile_parts.items() if not name.endswith(".dbf")},
    }
    for kind, entries in cases.items():
        assert_refused_by_the_api(people["admin"], "roads.zip", zip_bytes(entries))
        assert_refused_by_the_command(tmp_path, "roads.zip", zip_bytes(entries))
    assert_nothing_written(settings)


@pytest.mark.django_db
def test_a_plain_zipped_shapefile_still_imports(people, agency, settings, shapefile_parts):
    response = post(people["admin"], "roads.zip", zip_bytes(shapefile_parts), dry_run="true")
    assert response.status_code == 200, response.content[:300]
