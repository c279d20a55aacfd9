"""Map pages in headless Chromium: local assets only, layers, popups, drawing, embeds, realtime."""
from __future__ import annotations

import re

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from projects.models import Project
from projects.services import progress_report_add, project_save
from tests.actors import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = "<img src=x onerror=alert(1)>"
MAP_JS = "window[document.querySelector('.folium-map').id]"


@pytest.fixture
def sites(regions, agency):
    def make(title, lon, lat, public, **extra):
        return project_save(project=Project(title=title, sector="education", kind="infrastructure", agency=agency,
                                            geom=Point(lon, lat, srid=4326), is_public=public,
                                            status="implementation", **extra))
    sites = {
        "public": make("Almaty public school", 76.91, 43.25, True),
        "private": make("Almaty secret depot", 76.95, 43.22, False),
        "xss": make(XSS, 76.88, 43.27, True),
        "astana": make("Astana bridge", 71.43, 51.13, True),
    }
    progress_report_add(project=sites["public"], physical=30, financial=20)
    return sites


def login(page, live_server, person):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", person.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def wait_for_map(page):
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached")
    page.wait_for_function(f"{MAP_JS} && {MAP_JS}.geotrack")


def real_failures(watched) -> list[str]:
    # Leaflet cancels tile requests it no longer needs while the view settles.
    return [failure for failure in watched.failed if "ERR_ABORTED" not in failure]


def project_pages(sites) -> list[str]:
    public = sites["public"].pk
    return ["/map/", "/map/regions/KZ-75/", f"/projects/{public}/", "/embed/", "/embed/regions/KZ-75/",
            f"/embed/projects/{public}/"]


def test_every_map_page_draws_its_layers_from_local_assets_only(live_server, page, sites):
    for path in project_pages(sites):
        page.requests.clear()
        page.page.goto(live_server.url + path)
        wait_for_map(page.page)
        page.page.wait_for_load_state("networkidle")
        assert page.page.locator(".leaflet-overlay-pane path").count() >= 1, path
        assert page.page.locator(".leaflet-control-layers").count() == 1, path
        assert page.external_requests() == [], path
        assert real_failures(page) == [], path
        assert page.errors == [], path
        assert any("/tiles/projects/" in url for url in page.requests), path


def test_the_layer_control_toggles_the_regions(live_server, page, sites):
    page.page.goto(live_server.url + "/map/regions/KZ-75/")
    wait_for_map(page.page)
    regions = page.page.locator(".leaflet-control-layers-overlays label", has_text="Regions by progress")
    before = page.page.locator(".leaflet-overlay-pane path").count()
    regions.locator("input").uncheck()
    assert page.page.locator(".leaflet-overlay-pane path").count() < before
    regions.locator("input").check()
    assert page.page.locator(".leaflet-overlay-pane path").count() == before


def open_project_popup(page, project):
    """Centre the map on a project at a zoom where tiles carry projects, then click it."""
    page.evaluate(f"{MAP_JS}.setView([{project.geom.y}, {project.geom.x}], 14, {{animate: false}})")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    point = page.evaluate(f"(() => {{ const p = {MAP_JS}.latLngToContainerPoint([{project.geom.y}, {project.geom.x}]);"
                          f" return [p.x, p.y]; }})()")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_selector(".gt-project-popup")
    return page.locator(".gt-project-popup")


def test_a_project_popup_shows_its_facts_and_links_to_the_project(live_server, page, sites):
    page.page.goto(live_server.url + "/map/regions/KZ-75/")
    wait_for_map(page.page)
    popup = open_project_popup(page.page, sites["public"])
    assert "Almaty public school" in popup.inner_text()
    assert popup.locator(".gt-progress").get_attribute("aria-valuenow") == "30.00"
    assert popup.locator("a.gt-popup-link").get_attribute("href") == f"/projects/{sites['public'].pk}/"


def test_a_hostile_title_shows_literally_and_runs_nothing(live_server, page, sites):
    dialogs = []
    page.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.page.goto(live_server.url + "/map/regions/KZ-75/")
    wait_for_map(page.page)
    popup = open_project_popup(page.page, sites["xss"])
    assert XSS in popup.inner_text()
    assert page.page.locator(".gt-project-popup img").count() == 0
    page.page.goto(live_server.url + f"/projects/{sites['xss'].pk}/")
    wait_for_map(page.page)
    assert page.page.locator("h1").inner_text() == XSS
    assert dialogs == []


def test_a_planner_draws_a_new_project_and_it_is_in_postgis(live_server, page, sites, people):
    login(page.page, live_server, people["astana_planner"])
    page.page.goto(live_server.url + "/projects/new/")
    wait_for_map(page.page)
    page.page.evaluate(f"{MAP_JS}.setView([51.13, 71.43], 12, {{animate: false}})")
    page.page.click(".leaflet-draw-draw-polygon")
    box = page.page.locator(".folium-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in [(-60, -40), (60, -40), (60, 40), (-60, 40), (-60, -40)]:
        page.page.mouse.click(cx + dx, cy + dy)
        page.page.wait_for_timeout(150)
    page.page.fill("#f-title", "Drawn in the browser")
    page.page.click("#new-project button[type=submit]")
    page.page.wait_for_url(re.compile(r".*/projects/\d+/$"))
    project = Project.objects.get(title="Drawn in the browser")
    assert project.geom.geom_type == "Polygon" and project.region.iso_code == "KZ-71"
    assert project.geom.contains(Point(71.43, 51.13, srid=4326))


def test_a_rejected_geometry_shows_the_api_message_and_keeps_the_drawing(live_server, page, sites, people):
    login(page.page, live_server, people["astana_planner"])
    page.page.goto(live_server.url + f"/projects/{sites['astana'].pk}/")
    wait_for_map(page.page)
    page.page.wait_for_function(f"{MAP_JS}.geotrackEditor.drawnItems.getLayers().length === 1")
    page.page.evaluate(f"""(() => {{ const editor = {MAP_JS}.geotrackEditor;
        editor.drawnItems.clearLayers();
        editor.drawnItems.addLayer(L.polygon([[48.8, 2.3], [48.9, 2.3], [48.9, 2.4]])); }})()""")
    page.page.click(".gt-save")
    page.page.wait_for_selector("#editor-status.gt-error")
    assert "outside Kazakhstan" in page.page.locator("#editor-status").inner_text()
    assert page.page.evaluate(f"{MAP_JS}.geotrackEditor.drawnItems.getLayers().length") == 1
    sites["astana"].refresh_from_db()
    assert sites["astana"].geom.x == pytest.approx(71.43)


def test_a_conflicting_edit_is_explained_and_offers_a_reload(live_server, page, sites, people):
    login(page.page, live_server, people["astana_planner"])
    page.page.goto(live_server.url + f"/projects/{sites['astana'].pk}/")
    wait_for_map(page.page)
    page.page.wait_for_function(f"{MAP_JS}.geotrackEditor.etag !== null")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {people['admin'].token}")
    assert other.patch(f"/api/projects/{sites['astana'].pk}/", {"properties": {"title": "Changed meanwhile"}},
                       format="json").status_code == 200
    page.page.click(".gt-save")
    page.page.wait_for_selector("#editor-status.gt-conflict")
    assert "Someone else changed" in page.page.locator("#editor-status").inner_text()
    assert page.page.locator("#editor-status button").inner_text() == "Reload"


def test_visitors_and_akimats_get_no_drawing_tools(live_server, page, sites, people):
    page.page.goto(live_server.url + f"/projects/{sites['public'].pk}/")
    wait_for_map(page.page)
    assert page.page.locator(".leaflet-draw").count() == 0
    login(page.page, live_server, people["almaty_akimat"])
    page.page.goto(live_server.url + f"/projects/{sites['public'].pk}/")
    wait_for_map(page.page)
    assert page.page.locator(".leaflet-draw").count() == 0 and page.page.locator(".gt-save").count() == 0


def tile_ids(page, urls) -> set[int]:
    """Fetch tiles inside the page (with its session cookie) and return the project ids they carry."""
    ids = set()
    for url in set(urls):
        body = page.evaluate("url => fetch(url).then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b)))", url)
        for layer in mapbox_vector_tile.decode(bytes(body)).values():
            ids |= {feature["id"] for feature in layer["features"] if "id" in feature}
    return ids


def test_an_embed_never_shows_a_private_project_even_to_a_signed_in_planner(live_server, page, sites, people):
    login(page.page, live_server, people["astana_planner"])
    regions = []
    page.page.on("response", lambda r: "/api/regions/" in r.url and regions.append(r.json()))
    response = page.page.goto(live_server.url + "/embed/regions/KZ-75/")
    assert "x-frame-options" not in response.headers
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors *" in policy and "script-src 'self' 'nonce-" in policy
    wait_for_map(page.page)
    page.page.evaluate(f"{MAP_JS}.setView([43.25, 76.92], 12, {{animate: false}})")
    page.page.wait_for_load_state("networkidle")
    tiles = [url for url in page.requests if "/tiles/projects/12/" in url]
    assert tiles and all(url.endswith("scope=public") for url in tiles)
    ids = tile_ids(page.page, tiles)
    assert sites["public"].pk in ids and sites["private"].pk not in ids
    almaty = next(f for f in regions[-1]["features"] if f["id"] == "KZ-75")
    assert almaty["properties"]["project_count"] == 2  # the public school and the public XSS site
    map_page = page.page.goto(live_server.url + "/map/")
    assert map_page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in map_page.headers["content-security-policy"]
    # The same tiles without scope=public are the planner's own view: the private depot is there.
    assert sites["private"].pk in tile_ids(page.page, [url.replace("?scope=public", "") for url in tiles])


def test_a_new_progress_report_reaches_an_open_map_without_a_reload(live_server, page, sites, people):
    page.page.goto(live_server.url + "/map/regions/KZ-75/")
    wait_for_map(page.page)
    page.page.wait_for_function(f"{MAP_JS}.geotrack.version !== null")
    page.page.evaluate("window.__regions = []; document.addEventListener('geotrack:regions', e => window.__regions.push(e.detail))")
    akimat = APIClient()
    akimat.credentials(HTTP_AUTHORIZATION=f"Token {people['almaty_akimat'].token}")
    assert akimat.post(f"/api/projects/{sites['public'].pk}/progress/", {"physical": 90, "financial": 50},
                       format="json").status_code == 201
    page.page.wait_for_function(
        "window.__regions.some(fc => fc.features.find(f => f.id === 'KZ-75').properties.mean_progress === 45)",
        timeout=8000)


def test_a_camera_popup_shows_its_snapshot_status_and_watched_project(live_server, page, sites, settings):
    from camera_sites.services import camera_links_refresh, snapshot_ingest
    from tests.cameras_helpers import image_bytes, make_camera

    camera, _token = make_camera(f"Gate camera {XSS}", location=(76.91, 43.2495), bearing=0)
    camera_links_refresh(camera_ids=[camera.pk])
    snapshot_ingest(camera=camera, data=image_bytes(size=(320, 240)))
    dialogs = []
    page.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.page.goto(live_server.url + "/map/regions/KZ-75/")
    wait_for_map(page.page)
    page.page.evaluate(f"{MAP_JS}.setView([43.2495, 76.91], 16, {{animate: false}})")
    page.page.wait_for_selector(".gt-camera-icon")
    page.page.locator(".gt-camera-icon").first.click()
    popup = page.page.locator(".gt-camera-popup")
    popup.wait_for()
    page.page.wait_for_function("document.querySelector('.gt-camera-popup img.gt-snapshot').naturalWidth > 0")
    assert XSS in popup.locator(".gt-popup-title").inner_text()
    assert popup.locator(".gt-badge").inner_text() == "online"
    assert popup.locator(f"a[href='/projects/{sites['public'].pk}/']").count() == 1
    assert page.page.locator(".leaflet-overlay-pane path.leaflet-interactive, .leaflet-overlay-pane path").count() > 1
    assert dialogs == [] and page.errors == []


def test_the_measure_tool_measures_a_distance(live_server, page, sites):
    page.page.goto(live_server.url + "/map/regions/KZ-75/")
    wait_for_map(page.page)
    page.page.hover(".leaflet-control-measure-toggle", force=True)  # the control opens on hover
    page.page.click(".leaflet-control-measure .js-start")
    box = page.page.locator(".folium-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx in (-150, 150):
        page.page.mouse.click(cx + dx, cy)
        page.page.wait_for_timeout(200)
    page.page.click(".leaflet-control-measure .js-finish")
    result = page.page.locator(".leaflet-popup-content").inner_text()
    assert "km" in result or "Kilometers" in result
    assert page.errors == []
