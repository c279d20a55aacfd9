"""Threat: an upload that turns GDAL or Pillow against the server (SECURITY.md, "Uploads").

A raster VRT is XML that names other files (`/etc/passwd` as raw pixels), network URLs or databases;
GDAL would open it by its content whatever the file is called. Every entry point for imagery (API,
admin, command) must refuse it before GDAL sees it, store nothing, and never echo the file. Images
(snapshots, progress photos) are decoded only by the decoder their name declares.
"""
from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from layers import imagery_services, rasters
from layers.models import Imagery
from tests.actors import PASSWORD
from tests.cameras_helpers import image_bytes, make_camera

PASSWD_VRT = """<VRTDataset rasterXSize="64" rasterYSize="8">
  <SRS>EPSG:4326</SRS><GeoTransform>60, 0.1, 0, 50, 0, -0.1</GeoTransform>
  <VRTRasterBand dataType="Byte" band="1" subClass="VRTRawRasterBand">
    <SourceFilename relativetoVRT="0">/etc/passwd</SourceFilename>
    <ImageOffset>0</ImageOffset><PixelOffset>1</PixelOffset><LineOffset>64</LineOffset>
  </VRTRasterBand>
</VRTDataset>"""


def network_vrt(url: str) -> str:
    return (f'<VRTDataset rasterXSize="8" rasterYSize="8"><VRTRasterBand dataType="Byte" band="1">'
            f"<SimpleSource><SourceFilename>/vsicurl/{url}/x.tif</SourceFilename><SourceBand>1</SourceBand>"
            f"</SimpleSource></VRTRasterBand></VRTDataset>")


class Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        Recorder.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args):
        return


@pytest.fixture
def listener():
    """A loopback HTTP server that records any request GDAL might make."""
    Recorder.requests = []
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def hostile_rasters(folder: Path, url: str) -> dict[str, Path]:
    files = {}
    for suffix in (".tif", ".tiff", ""):
        path = folder / f"passwd{suffix or '-noname'}"
        path.write_text(PASSWD_VRT)
        files[f"raw VRT as {suffix or 'no suffix'}"] = path
    network = folder / "network.tif"
    network.write_text(network_vrt(url))
    files["network VRT"] = network
    jpeg = folder / "photo.tif"
    jpeg.write_bytes(image_bytes())  # a real image, but not the GeoTIFF it claims to be
    files["JPEG named .tif"] = jpeg
    return files


def assert_nothing_stored(settings) -> None:
    assert not Imagery.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_the_api_refuses_a_raster_that_names_other_files(people, settings, tmp_path, listener):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['astana_planner'].token}")
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    for kind, path in hostile_rasters(tmp_path, listener).items():
        response = api.post("/api/imagery/", {"file": SimpleUploadedFile(path.name, path.read_bytes())},
                            format="multipart")
        assert response.status_code == 400, kind
        body = response.content.decode()
        assert "GeoTIFF" in response.json()["detail"] and passwd not in body and "passwd" not in body, kind
    response = api.post("/api/imagery/", {"file": SimpleUploadedFile("scene.jp2", b"\x00\x00\x00\x0cjP  ")},
                        format="multipart")
    assert response.status_code == 400 and ".tif" in response.json()["detail"]
    assert Recorder.requests == []
    assert_nothing_stored(settings)


@pytest.mark.django_db
def test_the_admin_refuses_it_too(people, settings, tmp_path, listener):
    client = Client()
    client.login(username=people["admin"].user.username, password=PASSWORD)
    for kind, path in hostile_rasters(tmp_path, listener).items():
        with path.open("rb") as handle:
            response = client.post("/admin/layers/imagery/add/", {
                "title": "x", "acquired_on": "2025-01-01", "source": "x", "upload": handle})
        assert response.status_code == 200, kind  # the form again, with the error
        assert "GeoTIFF" in response.content.decode(), kind
    assert Recorder.requests == []
    assert_nothing_stored(settings)


@pytest.mark.django_db
def test_the_command_refuses_it_too(settings, tmp_path, listener, regions):
    for kind, path in hostile_rasters(tmp_path, listener).items():
        with pytest.raises(CommandError, match="GeoTIFF"):
            call_command("ingest_imagery", str(path), stdout=io.StringIO())
    assert Recorder.requests == []
    assert_nothing_stored(settings)


def test_the_one_driver_refuses_a_vrt_even_past_the_signature_check(tmp_path):
    """Two locks: the signature check, and rasterio's allowed-driver list of GTiff alone."""
    import rasterio

    hostile = tmp_path / "passwd.tif"
    hostile.write_text(PASSWD_VRT)
    with pytest.raises(rasterio.errors.RasterioIOError):
        with rasterio.Env(**rasters.UPLOAD_ENV), rasterio.open(hostile, driver=rasters.UPLOAD_DRIVER):
            pass
    with rasterio.open(hostile) as unprotected:  # what GDAL alone would have done
        assert unprotected.driver == "VRT" and bytes(unprotected.read(1)[0][:5]) == b"root:"
    assert rasters.UPLOAD_ENV["GDAL_DISABLE_READDIR_ON_OPEN"] == "EMPTY_DIR"
    assert imagery_services.ACCEPTED_SUFFIXES == (".tif", ".tiff")


def png_named_jpeg() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(output, "PNG")
    return output.getvalue()


@pytest.mark.django_db
def test_a_snapshot_must_be_what_its_name_says(regions, settings):
    camera, token = make_camera("Gate")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    for name, content in (("frame.jpg", png_named_jpeg()), ("frame.gif", image_bytes()),
                          ("frame.jpg", PASSWD_VRT.encode())):
        response = api.post(f"/api/cameras/{camera.pk}/snapshots/", {"image": SimpleUploadedFile(name, content)},
                            format="multipart")
        assert response.status_code == 400, name
    assert not camera.snapshots.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
