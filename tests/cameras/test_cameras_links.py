"""Cameras see what their cone covers: geometry, links that follow edits, and manual links that win."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from camera_sites.geometry import fov_cone
from camera_sites.models import CameraLink
from camera_sites.services import camera_links_refresh
from projects.services import project_save
from tests.cameras_helpers import ASTANA, make_camera, make_project, square_at


def linked(camera) -> set[int]:
    return set(CameraLink.objects.filter(camera=camera, active=True).values_list("project_id", flat=True))


@pytest.fixture
def site(regions, agency):
    lon, lat = ASTANA
    return {
        "north": make_project(agency, "North school", square_at(lon, lat, 0, 300)),
        "south": make_project(agency, "South depot", square_at(lon, lat, 180, 300)),
        "far": make_project(agency, "Far bridge", square_at(lon, lat, 90, 5000)),
    }


def test_a_cone_facing_north_covers_the_north_and_not_the_south():
    lon, lat = ASTANA
    cone = fov_cone(lon, lat, 0, 60, 500)
    north, south = square_at(lon, lat, 0, 300), square_at(lon, lat, 180, 300)
    from shapely import wkt

    assert cone.intersects(wkt.loads(north.wkt))
    assert not cone.intersects(wkt.loads(south.wkt))
    assert max(y for _x, y in cone.exterior.coords) > lat + 0.004  # ~500 m north


@pytest.mark.django_db
def test_a_new_camera_facing_north_is_linked_to_the_project_north_of_it(site):
    camera, _token = make_camera(bearing=0)
    assert linked(camera) == {site["north"].pk}
    assert CameraLink.objects.get(camera=camera).source == CameraLink.Source.AUTO


@pytest.mark.django_db
def test_turning_a_camera_through_the_api_moves_its_links(site, people):
    camera, _token = make_camera(bearing=0)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['astana_planner'].token}")
    response = api.patch(f"/api/cameras/{camera.pk}/", {"bearing": 180}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["properties"]["projects"] == [site["south"].pk]
    assert linked(camera) == {site["south"].pk}


@pytest.mark.django_db
def test_moving_a_camera_moves_its_links(site, people):
    camera, _token = make_camera(bearing=0)
    lon, lat = ASTANA
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['admin'].token}")
    far = site["far"].geom.centroid
    response = api.patch(f"/api/cameras/{camera.pk}/", {"location": {"type": "Point",
                                                                     "coordinates": [far.x, far.y - 0.002]}},
                         format="json")
    assert response.status_code == 200, response.content
    assert linked(camera) == {site["far"].pk}


@pytest.mark.django_db
def test_changing_a_projects_geometry_relinks_it(site):
    camera, _token = make_camera(bearing=0)
    south = site["south"]
    lon, lat = ASTANA
    south.geom = square_at(lon, lat, 10, 250)  # the depot moves into the cone
    project_save(project=south, changed_fields=["geom"])
    assert linked(camera) == {site["north"].pk, south.pk}
    north = site["north"]
    north.geom = square_at(lon, lat, 200, 400)  # the school moves out of it
    project_save(project=north, changed_fields=["geom"])
    assert linked(camera) == {south.pk}


@pytest.mark.django_db
def test_a_manual_link_wins_over_the_cone(site):
    camera, _token = make_camera(bearing=0)
    CameraLink.objects.filter(camera=camera, project=site["north"]).update(source="manual", active=False)
    CameraLink.objects.create(camera=camera, project=site["far"], source="manual", active=True)
    camera_links_refresh(camera_ids=[camera.pk])
    camera_links_refresh(project_ids=[site["north"].pk, site["far"].pk])
    camera_links_refresh()
    assert linked(camera) == {site["far"].pk}
    assert CameraLink.objects.get(camera=camera, project=site["north"]).active is False


@pytest.mark.django_db
def test_only_planners_and_admins_create_cameras_and_the_token_is_shown_once(site, people):
    api = APIClient()
    body = {"label": "Gate", "location": {"type": "Point", "coordinates": list(ASTANA)}, "bearing": 0,
            "stream_url": "rtsp://user:secret@10.0.0.9/s1", "is_public": True}
    assert api.post("/api/cameras/", body, format="json").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['almaty_akimat'].token}")
    assert api.post("/api/cameras/", body, format="json").status_code == 403
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['astana_planner'].token}")
    created = api.post("/api/cameras/", body, format="json")
    assert created.status_code == 201, created.content
    feature = created.json()
    assert feature["properties"]["projects"] == [site["north"].pk]
    token = feature["properties"]["device_token"]
    assert "device_token" not in api.get(f"/api/cameras/{feature['id']}/").json()["properties"]
    api.credentials()
    assert api.get(f"/api/cameras/{feature['id']}/").json()["properties"]["stream_url"] is None
    beat = api.post(f"/api/cameras/{feature['id']}/heartbeat/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert beat.status_code == 204


@pytest.mark.django_db
def test_removing_a_link_in_the_admin_keeps_it_removed(site, people, client):
    camera, _token = make_camera(bearing=0)
    link = CameraLink.objects.get(camera=camera)
    client.force_login(people["admin"].user)
    page = client.get(f"/admin/camera_sites/camera/{camera.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if key in {"label", "bearing", "fov_angle", "range_m",
                                                                        "stream_url", "public_delay_minutes"}}
    data.update({"location": camera.location.ewkt, "is_public": "on",
                 "links-TOTAL_FORMS": "1", "links-INITIAL_FORMS": "1", "links-MIN_NUM_FORMS": "0",
                 "links-MAX_NUM_FORMS": "1000", "links-0-id": str(link.pk), "links-0-camera": str(camera.pk),
                 "links-0-project": str(site["north"].pk), "links-0-active": "on", "links-0-DELETE": "on",
                 "status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0",
                 "status_changes-MIN_NUM_FORMS": "0", "status_changes-MAX_NUM_FORMS": "0"})
    response = client.post(f"/admin/camera_sites/camera/{camera.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    link.refresh_from_db()
    assert (link.source, link.active) == ("manual", False)
    camera_links_refresh()
    assert linked(camera) == set()
