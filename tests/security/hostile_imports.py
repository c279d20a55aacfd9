"""Hostile bulk-import files, and how to send them through every import entry point (tests/security/test_import_*)."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from projects.models import ProgressReport, Project

PASSWD = Path("/etc/passwd").read_text()
PASSWD_FIRST_LINE = PASSWD.splitlines()[0]

# An OGR VRT whose one layer is /etc/passwd read as CSV: GDAL alone would answer each line as a feature.
PASSWD_VRT = ("<OGRVRTDataSource><OGRVRTLayer name=\"passwd\"><SrcDataSource>CSV:/etc/passwd</SrcDataSource>"
              "<SrcLayer>passwd</SrcLayer><GeometryType>wkbNone</GeometryType></OGRVRTLayer></OGRVRTDataSource>")


def network_vrt(url: str) -> str:
    return (f"<OGRVRTDataSource><OGRVRTLayer name=\"x\"><SrcDataSource>/vsicurl/{url}/x.geojson</SrcDataSource>"
            f"</OGRVRTLayer></OGRVRTDataSource>")


def database_vrt() -> str:
    return ("<OGRVRTDataSource><OGRVRTLayer name=\"x\"><SrcDataSource>PG:dbname=postgres host=127.0.0.1"
            "</SrcDataSource><SrcSQL>SELECT usename AS title FROM pg_user</SrcSQL></OGRVRTLayer></OGRVRTDataSource>")


def feature_collection(**extra) -> dict:
    return {"type": "FeatureCollection", **extra, "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [71.43, 51.13]},
        "properties": {"title": "Road", "sector": "energy", "agency": "min-energy"}}]}


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return output.getvalue()


def post(person, name: str, content: bytes, **fields):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {person.token}")
    return api.post("/api/imports/", {"file": SimpleUploadedFile(name, content), **fields}, format="multipart")


def assert_refused_by_the_api(person, name: str, content: bytes, *, codes=(400,), says: str | None = None) -> str:
    response = post(person, name, content, crs="EPSG:4326")
    body = response.content.decode()
    assert response.status_code in codes, (name, response.status_code, body[:300])
    assert PASSWD_FIRST_LINE not in body and "root:" not in body and "nologin" not in body, name
    if says:
        assert says in response.json()["detail"], (name, body[:300])
    return body


def assert_refused_by_the_command(tmp_path: Path, name: str, content: bytes, *, says: str | None = None) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_projects", str(path), "--crs", "EPSG:4326", stdout=out, stderr=err)
    except CommandError as exc:
        message = f"{exc}\n{out.getvalue()}\n{err.getvalue()}"
    else:
        raise AssertionError(f"{name} was imported")
    assert PASSWD_FIRST_LINE not in message and "root:" not in message and "nologin" not in message, name
    if says:
        assert says in message, (name, message[:300])
    return message


def assert_nothing_written(settings) -> None:
    assert not Project.objects.exists() and not ProgressReport.objects.exists()
    assert not Project.history.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def geojson_bytes(document: dict) -> bytes:
    return json.dumps(document).encode()
