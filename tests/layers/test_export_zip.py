"""The zip writer of the Shapefile export (ISA-L deflate, our own records): read back by zipfile, unzip and GDAL."""
from __future__ import annotations

import os
import subprocess
import zipfile

import pytest

from layers.exports import zipped


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    contents = {"b.dbf": b" " * 300_000 + os.urandom(5_000), "a.shp": os.urandom(3 * zipped.CHUNK + 17),
                "empty.cpg": b"", "парк.prj": 'GEOGCS["WGS 84"]'.encode()}
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return folder, contents


@pytest.mark.parametrize("zip64", [False, True], ids=["classic", "zip64"])
def test_every_member_reads_back_whole_in_name_order(files, tmp_path, monkeypatch, zip64):
    folder, contents = files
    if zip64:  # every size and offset past the limit: the ZIP64 records are written and read
        monkeypatch.setattr(zipped, "ZIP64_LIMIT", 0)
    target = zipped.zip_files(tmp_path / "out.zip", list(folder.iterdir()))
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None  # every member's CRC
        assert archive.namelist() == sorted(contents)
        assert {info.filename: archive.read(info) for info in archive.infolist()} == contents
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        assert archive.getinfo("b.dbf").compress_size < 20_000  # deflated, not stored
    if zip64:
        assert b"PK\x06\x06" in target.read_bytes()[-200:]  # the ZIP64 end record
    assert subprocess.run(["unzip", "-tq", str(target)], capture_output=True, timeout=60).returncode == 0


def test_a_shapefile_zipped_by_it_opens_in_gdal(tmp_path):
    shapes = tmp_path / "shp"
    source = tmp_path / "in.geojson"
    source.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"title":"Мектеп"},'
                      '"geometry":{"type":"Point","coordinates":[76.9,43.2]}}]}', encoding="utf-8")
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", str(shapes), str(source), "-nln", "projects_points",
                    "-lco", "ENCODING=UTF-8"], check=True, capture_output=True, timeout=60)
    target = zipped.zip_files(tmp_path / "projects.shp.zip", list(shapes.iterdir()))
    info = subprocess.run(["ogrinfo", "-ro", "-al", f"/vsizip/{target}"], capture_output=True, text=True, timeout=60)
    assert info.returncode == 0, info.stderr
    assert "Feature Count: 1" in info.stdout and "Мектеп" in info.stdout
