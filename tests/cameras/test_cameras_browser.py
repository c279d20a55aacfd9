"""The camera page in headless Chromium: the snapshot loads, the live view plays a real HLS stream."""
from __future__ import annotations

import datetime as dt
import functools
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django.utils import timezone

from camera_sites.services import snapshot_ingest
from tests.cameras_helpers import image_bytes, make_camera


class CorsHandler(SimpleHTTPRequestHandler):
    """Serve the HLS files to the page on another port (hls.js fetches them cross-origin)."""

    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hls_stream(tmp_path):
    """A 6-second H.264 test pattern as HLS, made by ffmpeg and served on 127.0.0.1."""
    folder = tmp_path / "hls"
    folder.mkdir()
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc=size=320x240:rate=10", "-t", "6", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-f", "hls", "-hls_time", "2", "-hls_list_size", "0", str(folder / "out.m3u8")],
                   check=True, timeout=60)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(CorsHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/out.m3u8"
    server.shutdown()
    server.server_close()


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                                    "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_camera_page_shows_the_snapshot_and_plays_the_live_stream(live_server, page, regions, people,
                                                                      hls_stream):
    camera, _token = make_camera("Live gate", stream_url=hls_stream)
    for minutes in (90, 30, 1):
        now = timezone.now() - dt.timedelta(minutes=minutes)
        camera.refresh_from_db()
        snapshot_ingest(camera=camera, data=image_bytes(size=(320, 240)), captured_at=now, now=now)
    sign_in(page, live_server, people["astana_planner"].user)
    page.page.goto(f"{live_server.url}/cameras/{camera.pk}/")
    page.page.wait_for_function("document.getElementById('latest-snapshot').complete && "
                                "document.getElementById('latest-snapshot').naturalWidth > 0", timeout=10_000)
    page.page.wait_for_function("document.getElementById('live-video').currentTime > 1", timeout=20_000)
    assert page.page.eval_on_selector(".timelapse-slider", "el => Number(el.max)") == 2
    page.page.click(".timelapse-play")
    page.page.wait_for_function("document.querySelector('.timelapse-slider').value === '0'", timeout=5_000)
    page.page.wait_for_function("document.querySelector('.timelapse-frame').complete && "
                                "document.querySelector('.timelapse-frame').naturalWidth > 0", timeout=5_000)
    assert page.errors == [] and page.failed == []
    assert page.external_requests() == []
