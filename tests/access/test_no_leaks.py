"""No page and no API answer names an object outside the caller's audience.

Every private object in Almaty is named SECRET-...; an akimat of Astana, an anonymous visitor and a
national admin asking with ?scope=public read every page and list of the site, and none may name
them: not in titles, ids, layer controls, tiles, exports or filters that take an id.
"""
from __future__ import annotations

import json
import re

import mapbox_vector_tile
import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from morecantile import tms

from tests.access.conftest import ALMATY, SECRETS, build_world
from tests.actors import PASSWORD

PAGES = [("home", []), ("map", []), ("region-map", ["KZ-75"]), ("roadmap", []), ("roadmap-item", [7]),
         ("embed", []), ("region-embed", ["KZ-75"]), ("roadmap-report", ["html"]), ("roadmap-report", ["csv"]),
         ("roadmap-item", [8]), ("agency-page", ["min-finance"]), ("agency-page", ["akimat-almaty"])]
API = ["project-list", "region-list", "camera-list", "imagery-list", "imagery-evidence", "alert-list",
       "dashboard-api", "roadmap-item-list", "export-oc4ids", "feedback-list", "meeting-list", "instruction-list",
       "reporting-period-list"]
EXPORTS = [("projects", "geojson"), ("cameras", "geojson"), ("regions", "csv")]
OGC = ["projects", "cameras", "roadmap-items"]
WEB_MERCATOR = tms.get("WebMercatorQuad")


def callers(world):
    """(name, client, query) triples: each reads as someone who may not see Almaty's private objects."""
    astana = Client()
    astana.force_login(world.people["astana_akimat"].user)
    admin = APIClient()
    admin.credentials(HTTP_AUTHORIZATION=f"Token {world.people['admin'].token}")
    return [("anonymous", Client(), ""), ("astana akimat", astana, ""), ("admin with scope=public", admin,
                                                                           "?scope=public")]


def secret_ids(world) -> dict[str, int]:
    return {"project": world.projects["SECRET-PROJECT-ALMATY"].pk, "camera": world.cameras["SECRET-CAMERA-ALMATY"].pk,
            "imagery": world.imagery["SECRET-IMAGE-ALMATY"].pk}


def assert_unnamed(body: bytes, where: str) -> None:
    text = body.decode("utf-8", "replace")
    for secret in SECRETS:
        assert secret not in text, f"{where} names {secret}"


def feature_ids(body: bytes) -> set:
    return {feature["id"] for feature in json.loads(body)["features"]}


@pytest.mark.django_db
def test_no_page_and_no_list_names_what_the_caller_may_not_read(regions, agency):
    world = build_world(regions, agency)
    ids = secret_ids(world)
    for who, client, query in callers(world):
        for name, args in PAGES:
            response = client.get(reverse(name, args=args) + query)
            assert response.status_code == 200, (who, name)
            assert_unnamed(response.content, f"{name} for {who}")
        for name in API:
            response = client.get(reverse(name) + query)
            assert response.status_code == 200, (who, name)
            body = b"".join(response.streaming_content) if response.streaming else response.content  # OC4IDS streams
            assert_unnamed(body, f"{name} for {who}")
        for layer, fmt in EXPORTS:
            response = client.get(reverse("export", kwargs={"layer": layer, "export_format": fmt}) + query)
            assert_unnamed(b"".join(response.streaming_content), f"{layer}.{fmt} for {who}")
        for collection in OGC:
            response = client.get(reverse("ogc-items", args=[collection]) + query + ("&" if query else "?")
                                  + "limit=1000")
            assert_unnamed(response.content, f"ogc {collection} for {who}")
        assert ids["project"] not in feature_ids(client.get(reverse("project-list") + query).content)
        cameras = json.loads(client.get(reverse("camera-list") + query).content)["features"]
        assert ids["camera"] not in {camera["id"] for camera in cameras}
        assert all(ids["project"] not in camera["properties"]["projects"] for camera in cameras)
        imagery = json.loads(client.get(reverse("imagery-list") + query).content)["features"]
        assert ids["imagery"] not in {image["id"] for image in imagery}
        assert all(image["properties"]["project"] != ids["project"] for image in imagery)
        if who != "astana akimat":  # the public never learns which private project an image shows
            assert all(image["properties"]["project"] is None for image in imagery)


def tiles_over_almaty() -> list[tuple[int, int, int]]:
    """Tiles holding the Almaty objects: project features at z10 and z14, clusters at z6."""
    tiles = [WEB_MERCATOR.tile(ALMATY[0] + dx, ALMATY[1] + dy, z) for z in (6, 10, 14)
             for dx, dy in ((0, 0), (0.03, 0), (0.03, -0.012))]
    return sorted({(tile.z, tile.x, tile.y) for tile in tiles}, key=lambda t: (t[0], t[1], t[2]))


@pytest.mark.django_db
def test_tiles_carry_nothing_the_caller_may_not_read(regions, agency):
    world = build_world(regions, agency)
    for who, client, query in callers(world):
        for layer in ("projects", "cameras"):
            for z, x, y in tiles_over_almaty():
                response = client.get(reverse("vector-tile", args=[layer, z, x, y]) + query)
                assert response.status_code == 200, (who, layer)
                decoded = mapbox_vector_tile.decode(response.content)
                names = {feature["properties"].get("title") or feature["properties"].get("label")
                         for part in decoded.values() for feature in part["features"]}
                assert not names & set(SECRETS), (who, layer, z)
        z, x, y = tiles_over_almaty()[0]
        tile = client.get(reverse("imagery-tile", args=[world.imagery["SECRET-IMAGE-ALMATY"].pk, z, x, y]) + query)
        assert tile.status_code == 404, who


@pytest.mark.django_db
def test_a_filter_naming_a_private_project_answers_as_for_a_project_that_does_not_exist(regions, agency):
    world = build_world(regions, agency)
    secret, missing = secret_ids(world)["project"], 10 ** 9
    for who, client, query in callers(world):
        joiner = "&" if query else "?"
        for name in ("camera-list", "imagery-list", "imagery-evidence"):
            hidden = client.get(f"{reverse(name)}{query}{joiner}project={secret}")
            unknown = client.get(f"{reverse(name)}{query}{joiner}project={missing}")
            assert hidden.status_code == unknown.status_code == 200, (who, name)
            assert hidden.content == unknown.content, (who, name)


@pytest.mark.django_db
def test_a_private_camera_asked_for_with_scope_public_is_a_404_for_everyone(regions, agency):
    world = build_world(regions, agency)
    admin = APIClient()
    admin.credentials(HTTP_AUTHORIZATION=f"Token {world.people['admin'].token}")
    camera = world.cameras["SECRET-CAMERA-ALMATY"]
    assert admin.get(reverse("camera-detail", args=[camera.pk])).status_code == 200
    response = admin.get(reverse("camera-detail", args=[camera.pk]) + "?scope=public")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json") and response.json()["detail"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_map_layer_control_names_only_images_the_caller_may_read(live_server, page, regions, agency):
    world = build_world(regions, agency)

    def overlay_names(person) -> list[str]:
        page.page.context.clear_cookies()
        if person is not None:
            page.page.goto(live_server.url + reverse("login"))
            page.page.fill("#id_username", person.user.username)
            page.page.fill("#id_password", PASSWORD)
            page.page.click("form.stacked button[type=submit]")
            page.page.wait_for_url(re.compile(r".*/$"))
        page.page.goto(live_server.url + reverse("region-map", args=["KZ-75"]))
        page.page.wait_for_selector(".leaflet-control-layers-overlays label")
        return page.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()

    astana_akimat = overlay_names(world.people["astana_akimat"])
    assert any("public-image-almaty-source" in name for name in astana_akimat)
    assert not any("SECRET" in name for name in astana_akimat)
    assert not any("SECRET" in name for name in overlay_names(None))
    almaty_akimat = overlay_names(world.people["almaty_akimat"])
    assert any("SECRET-IMAGE-ALMATY-source" in name for name in almaty_akimat)
