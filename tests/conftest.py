"""Shared fixtures: real PostGIS, Kazakhstan's regions, named actors and headless Chromium."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon

from tests import actors

# Playwright's sync API runs an event loop in the test thread; the ORM calls made
# by the same tests are still synchronous, so tell Django that this is intended.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "data" / "kz"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]



@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A test database of this run's own, so runs side by side (two checkouts, helpers) never collide."""
    from django.conf import settings

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_geotrack_{os.getpid()}"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached pages and aggregates never leak between tests."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def load_regions() -> None:
    """Load the 20 regions, using the simplified outline for both boundaries (fast)."""
    from projects.models import Region

    collection = json.loads((DATA_DIR / "kz_adm1_simplified.geojson").read_text())
    regions = []
    for feature in collection["features"]:
        props = feature["properties"]
        geometry = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
        if geometry.geom_type == "Polygon":
            geometry = MultiPolygon(geometry, srid=4326)
        regions.append(Region(
            iso_code=props["iso3166_2"], name_en=props["name_en"], name_ru=props["name_ru"],
            name_kk=props["name_kk"], kind=props["type"], admin_centre=props.get("admin_centre") or "",
            boundary=geometry, boundary_simplified=geometry,
        ))
    Region.objects.bulk_create(regions)


@pytest.fixture
def regions(db):
    load_regions()
    from projects.models import Region

    return {region.iso_code: region for region in Region.objects.all()}


@pytest.fixture
def agency(db):
    from projects.models import Agency

    return Agency.objects.create(code="min-energy", name_en="Ministry of Energy", name_ru="Министерство энергетики",
                                 name_kk="Энергетика министрлігі", kind=Agency.Kind.MINISTRY)


@pytest.fixture
def people(db, regions):
    """Named actors (after healthchecks' Alice, Bob and Charlie)."""
    return actors.make_people(regions)


@pytest.fixture
def second_connection_refused(monkeypatch):
    """Imports find the server refusing their second connection (projects/imports/writer.py falls back)."""
    from projects.imports import writer

    def refused():
        raise psycopg.OperationalError("connection failed: FATAL:  sorry, too many clients already")

    monkeypatch.setattr(writer, "side_connection", refused)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()
    playwright.stop()


class WatchedPage:
    """A page that records every request, failure and console error."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", lambda request: self.failed.append(f"{request.url} {request.failure}"))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def external_requests(self) -> list[str]:
        local = {"127.0.0.1", "localhost"}
        return [url for url in self.requests
                if urlsplit(url).scheme in {"http", "https", "ws", "wss"} and urlsplit(url).hostname not in local]


@pytest.fixture
def page(browser, live_server, transactional_db):
    # Set up after the live server and the database and torn down before them: a page's late requests
    # (tiles still loading) never reach a server whose database the test has already closed.
    # Playwright's wait_for_function compiles its predicate with eval, which our Content-Security-Policy
    # forbids; behaviour tests bypass the policy, and tests/security/test_stored_script.py loads every
    # page under it and asserts that nothing of ours is blocked.
    context = browser.new_context(locale="en-US", bypass_csp=True)
    watched = WatchedPage(context.new_page())
    yield watched
    context.close()
    _wait_for_requests_in_flight(live_server)


def _wait_for_requests_in_flight(live_server, timeout: float = 30, quiet: float = 0.25) -> None:
    """Let the live server finish the requests the closed page had already sent (a tile still loading).

    Otherwise the database flush after a transactional test (TRUNCATE, an exclusive lock on every table)
    can deadlock with a request thread still reading two tables. socketserver keeps the threads of
    requests in flight (ThreadingMixIn._threads, as block_on_close needs them); each ends by closing its
    connections (Django's ThreadedWSGIServer). A request the browser sent just before its page closed may
    still be waiting in the listening socket's backlog: the server accepts it a moment later, in a new
    thread. So the server must stay idle for `quiet` seconds, not only finish the threads seen at first
    (CI met the deadlock again with the threads of the moment joined).
    """
    server = getattr(getattr(live_server, "thread", None), "httpd", None)
    deadline = time.monotonic() + timeout
    idle_since = time.monotonic()
    while time.monotonic() < deadline:
        alive = [thread for thread in list(getattr(server, "_threads", None) or []) if thread.is_alive()]
        if alive:
            for thread in alive:
                thread.join(max(0.0, deadline - time.monotonic()))
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= quiet:
            return
        else:
            time.sleep(0.02)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: the marker must be there when it looks
def pytest_collection_modifyitems(items):
    """The operations tests restart the local cluster and stop workers: they run alone (make test)."""
    for item in items:
        # test_db_health counts Django's health checks on the one connection: alone it is exact.
        if "/tests/ops/" in str(item.path) or item.path.name == "test_db_health.py":
            item.add_marker(pytest.mark.serial)
