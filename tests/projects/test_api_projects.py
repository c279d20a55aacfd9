"""The projects API: GeoJSON reads, filters, pagination, safe writes and the error shape."""
from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from projects.models import ProgressReport, Project, RoadmapItem
from projects.services import progress_report_add, project_save

ASTANA_POINT = {"type": "Point", "coordinates": [71.43, 51.13]}


def feature(geometry=None, **properties) -> dict:
    props = {"title": "Ring road", "sector": "transport", "kind": "infrastructure", "agency": "min-energy",
             "status": "implementation", **properties}
    return {"type": "Feature", "geometry": geometry or ASTANA_POINT, "properties": props}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def world(regions, agency):
    """Public and private projects in Almaty (KZ-75) and Astana (KZ-71)."""
    def make(title, lon, lat, public):
        return project_save(project=Project(title=title, sector="education", kind="infrastructure", agency=agency,
                                            geom=Point(lon, lat, srid=4326), is_public=public,
                                            status="implementation", description="Школа на 1200 мест"))
    return {
        "almaty_public": make("Almaty public school", 76.91, 43.25, True),
        "almaty_private": make("Almaty private depot", 76.95, 43.22, False),
        "astana_public": make("Astana public bridge", 71.43, 51.13, True),
        "astana_private": make("ҚАЗАҚСТАН private works", 71.45, 51.15, False),
    }


def as_(api, person):
    if person is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Token {person.token}")
    return api


def ids(response) -> set[int]:
    return {f["id"] for f in response.json()["features"]}


@pytest.mark.django_db
class TestReads:
    def test_the_list_is_a_feature_collection_with_six_decimals(self, api, world):
        response = api.get("/api/projects/")
        body = response.json()
        assert response["Content-Type"] == "application/geo+json"
        assert body["type"] == "FeatureCollection" and body["count"] == 2 and body["count_is_estimate"] is False
        assert ids(response) == {world["almaty_public"].pk, world["astana_public"].pk}
        lon, lat = body["features"][0]["geometry"]["coordinates"]
        assert len(str(lon).split(".")[1]) <= 6
        assert body["features"][0]["properties"]["health"] in {"on_track", "at_risk", "overdue", "done"}

    def test_filters_by_bbox_region_and_cyrillic_text(self, api, world, people):
        as_(api, people["analyst"])
        assert ids(api.get("/api/projects/", {"bbox": "76,43,77.5,44"})) == {world["almaty_public"].pk,
                                                                             world["almaty_private"].pk}
        assert ids(api.get("/api/projects/", {"region": "KZ-71"})) == {world["astana_public"].pk,
                                                                      world["astana_private"].pk}
        assert ids(api.get("/api/projects/", {"q": "қазақстан"})) == {world["astana_private"].pk}
        assert len(ids(api.get("/api/projects/", {"q": "ШКОЛА"}))) == 4

    def test_filters_by_health_agency_and_roadmap_item(self, api, world, agency):
        item = RoadmapItem.objects.create(number=7, title_en="Schools", title_ru="Школы", title_kk="Мектептер",
                                          section="fair_society", agency=agency, deadline="2029-12-31")
        world["almaty_public"].roadmap_items.add(item)
        assert ids(api.get("/api/projects/", {"roadmap_item": 7})) == {world["almaty_public"].pk}
        assert len(ids(api.get("/api/projects/", {"agency": "min-energy"}))) == 2
        healths = {f["properties"]["health"] for f in api.get("/api/projects/").json()["features"]}
        for health in healths:
            assert ids(api.get("/api/projects/", {"health": health}))

    def test_pagination_links_and_cap(self, api, world):
        first = api.get("/api/projects/", {"page_size": 1}).json()
        assert first["count"] == 2 and len(first["features"]) == 1 and first["previous"] is None
        second = api.get(first["next"]).json()
        assert second["next"] is None and second["previous"] is not None
        assert {first["features"][0]["id"], second["features"][0]["id"]} == ids(api.get("/api/projects/"))
        assert api.get("/api/projects/", {"page_size": 10001}).status_code == 400

    def test_one_project_has_its_links_latest_progress_and_an_etag(self, api, world):
        project = world["almaty_public"]
        progress_report_add(project=project, physical=42, financial=30)
        response = api.get(f"/api/projects/{project.pk}/")
        assert response.status_code == 200 and response["ETag"] == f'"{project.pk}-1"'
        props = response.json()["properties"]
        assert props["agency"]["code"] == "min-energy" and props["latest_progress"]["physical"] == "42.00"
        assert props["regions"] == ["KZ-75"]
        assert api.get(f"/api/projects/{project.pk}/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304

    def test_regions_carry_aggregates_over_what_the_caller_may_see(self, api, world, people):
        almaty = next(f for f in api.get("/api/regions/").json()["features"] if f["id"] == "KZ-75")
        assert almaty["properties"]["project_count"] == 1
        as_(api, people["analyst"])
        almaty = next(f for f in api.get("/api/regions/?detail=full").json()["features"] if f["id"] == "KZ-75")
        assert almaty["properties"]["project_count"] == 2

    def test_private_responses_vary_by_caller(self, api, world):
        response = api.get("/api/projects/")
        assert "private" in response["Cache-Control"]
        assert "Authorization" in response["Vary"] and "Cookie" in response["Vary"]


@pytest.mark.django_db
class TestWrites:
    def test_a_planner_creates_a_project_with_its_region_derived_and_history(self, api, people, world):
        as_(api, people["astana_planner"])
        response = api.post("/api/projects/", feature(), format="json")
        assert response.status_code == 201, response.json()
        project = Project.objects.get(pk=response.json()["id"])
        assert project.region.iso_code == "KZ-71"
        record = project.history.get()
        assert record.history_user == people["astana_planner"].user and record.history_effective_at

    def test_put_replaces_and_patch_changes_with_if_match(self, api, people, world):
        as_(api, people["astana_planner"])
        project = world["astana_public"]
        etag = api.get(f"/api/projects/{project.pk}/")["ETag"]
        response = api.patch(f"/api/projects/{project.pk}/", {"properties": {"status": "completion"}},
                             format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200 and response["ETag"] == f'"{project.pk}-2"'
        stale = api.patch(f"/api/projects/{project.pk}/", {"properties": {"title": "Lost edit"}},
                          format="json", HTTP_IF_MATCH=etag)
        assert stale.status_code == 412 and "detail" in stale.json()
        project.refresh_from_db()
        assert project.title == "Astana public bridge" and project.version == 2
        put = api.put(f"/api/projects/{project.pk}/", feature(title="Replaced"), format="json",
                      HTTP_IF_MATCH=f'W/"{project.pk}-2"')
        assert put.status_code == 200 and put.json()["properties"]["title"] == "Replaced"

    def test_delete_archives_and_keeps_the_history(self, api, people, world):
        as_(api, people["astana_planner"])
        project = world["astana_public"]
        assert api.delete(f"/api/projects/{project.pk}/").status_code == 204
        assert api.get(f"/api/projects/{project.pk}/").status_code == 404
        project.refresh_from_db()
        assert project.archived_at is not None and project.history.count() == 2

    def test_an_akimat_adds_progress_and_a_correction_keeps_both(self, api, people, world):
        as_(api, people["almaty_akimat"])
        url = f"/api/projects/{world['almaty_private'].pk}/progress/"
        first = api.post(url, {"physical": 80, "financial": 10}, format="json")
        assert first.status_code == 201, first.json()
        fix = api.post(url, {"physical": 40, "financial": 10, "supersedes": first.json()["id"]}, format="json")
        assert fix.status_code == 201
        history = api.get(url).json()["results"]
        assert [r["physical"] for r in history] == ["40.00", "80.00"]
        assert history[1]["superseded_by"] == fix.json()["id"]
        world["almaty_private"].refresh_from_db()
        assert world["almaty_private"].physical_progress == 40 and world["almaty_private"].version == 1


# role x action x object: the status each role gets (CONTRACT.md, Roles).
# objects: A = Almaty (the akimat's region), B = Astana; pub/priv.
MATRIX = {
    #  role            object        read  update delete progress
    ("anonymous", "A_pub"): (200, 401, 401, 401),
    ("anonymous", "A_priv"): (404, 404, 404, 404),
    ("anonymous", "B_priv"): (404, 404, 404, 404),
    ("almaty_akimat", "A_pub"): (200, 403, 403, 201),
    ("almaty_akimat", "A_priv"): (200, 403, 403, 201),
    ("almaty_akimat", "B_pub"): (200, 403, 403, 403),
    ("almaty_akimat", "B_priv"): (404, 404, 404, 404),
    ("astana_planner", "A_priv"): (200, 200, 204, 403),
    ("astana_planner", "B_priv"): (200, 200, 204, 403),
    ("analyst", "A_priv"): (200, 403, 403, 403),
    ("analyst", "B_pub"): (200, 403, 403, 403),
    ("admin", "B_priv"): (200, 200, 204, 201),
}
OBJECTS = {"A_pub": "almaty_public", "A_priv": "almaty_private", "B_pub": "astana_public", "B_priv": "astana_private"}


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "obj"), list(MATRIX))
def test_the_role_matrix(api, people, world, role, obj):
    person = people.get(role)
    as_(api, person)
    project = world[OBJECTS[obj]]
    url = f"/api/projects/{project.pk}/"
    read, update, delete, progress = MATRIX[(role, obj)]
    assert api.get(url).status_code == read
    assert (project.pk in ids(api.get("/api/projects/"))) == (read == 200)
    assert api.patch(url, {"properties": {"title": "Changed"}}, format="json").status_code == update
    assert api.post(f"{url}progress/", {"physical": 5, "financial": 5}, format="json").status_code == progress
    assert api.delete(url).status_code == delete
    created = api.post("/api/projects/", feature(), format="json").status_code
    assert created == {"anonymous": 401, "almaty_akimat": 403, "analyst": 403}.get(role, 201)


GEOJSON_READS = ["/api/projects/", "/api/projects/{pk}/", "/api/regions/", "/api/cameras/", "/api/imagery/"]


@pytest.mark.django_db
class TestGeoJSONMediaType:
    """GDAL, QGIS and OGC clients send `Accept: application/geo+json`: answered, not 406."""

    @pytest.mark.parametrize("path", GEOJSON_READS)
    @pytest.mark.parametrize("person", [None, "analyst"])
    def test_reads_answer_the_geojson_media_type(self, api, people, world, path, person):
        as_(api, people.get(person))
        url = path.format(pk=world["astana_public"].pk)
        asked = api.get(url, HTTP_ACCEPT="application/geo+json")
        assert asked.status_code == 200, asked.content
        assert asked["Content-Type"] == "application/geo+json"
        assert asked.json() == api.get(url).json()  # the same body as without an Accept header

    def test_private_projects_stay_hidden_under_either_media_type(self, api, world):
        listed = api.get("/api/projects/", HTTP_ACCEPT="application/geo+json")
        assert ids(listed) == {world["almaty_public"].pk, world["astana_public"].pk}
        hidden = api.get(f"/api/projects/{world['astana_private'].pk}/", HTTP_ACCEPT="application/geo+json")
        assert hidden.status_code == 404 and hidden["Content-Type"] == "application/json"

    def test_an_error_asked_as_geojson_is_plain_json_naming_the_parameter(self, api, world):
        response = api.get("/api/projects/", {"bbox": "10,10,5,5"}, HTTP_ACCEPT="application/geo+json")
        assert response.status_code == 400 and response["Content-Type"] == "application/json"
        assert "bbox" in response.json()["errors"]

    def test_a_planner_creates_with_the_geojson_media_type(self, api, people, world):
        as_(api, people["astana_planner"])
        response = api.post("/api/projects/", feature(), format="json", HTTP_ACCEPT="application/geo+json")
        assert response.status_code == 201 and response["Content-Type"] == "application/geo+json"
        assert response.json()["properties"]["title"] == "Ring road"

    def test_a_media_type_the_api_does_not_make_is_406(self, api, world):
        response = api.get("/api/projects/", HTTP_ACCEPT="text/csv")
        detail = response.json()["detail"]
        assert response.status_code == 406 and "text/csv" in detail and "application/geo+json" in detail


@pytest.mark.django_db
def test_anonymous_callers_never_count_private_projects(api, world):
    regions = {f["id"]: f["properties"] for f in api.get("/api/regions/").json()["features"]}
    assert regions["KZ-75"]["project_count"] == 1 and regions["KZ-71"]["project_count"] == 1


@pytest.mark.django_db
def test_a_regional_planner_cannot_move_a_project_out_of_their_regions(api, regions, world):
    from tests.actors import make_person

    planner = make_person("gulnar", "planner", ["KZ-71"], regions)
    as_(api, planner)
    url = f"/api/projects/{world['astana_public'].pk}/"
    response = api.patch(url, {"geometry": {"type": "Point", "coordinates": [76.91, 43.25]}}, format="json")
    assert response.status_code == 403
    world["astana_public"].refresh_from_db()
    assert world["astana_public"].geom.x == pytest.approx(71.43)
    assert api.patch(f"/api/projects/{world['almaty_public'].pk}/", {"properties": {"title": "x"}},
                     format="json").status_code == 403


BAD_GEOMETRIES = [
    ({"type": "GeometryCollection", "geometries": []}, "coordinates"),
    ({"type": "Circle", "coordinates": [71.4, 51.1]}, "not allowed"),
    ({"type": "Polygon", "coordinates": [[[71.40, 51.10], [71.46, 51.16], [71.46, 51.10], [71.40, 51.16],
                                          [71.40, 51.10]]]}, "self-intersects at 71.43 51.13"),
    ({"type": "Point", "coordinates": [71.4, 95]}, "out of range"),
    ({"type": "Point", "coordinates": [2.35, 48.86]}, "outside Kazakhstan"),
]


@pytest.mark.django_db
class TestBadInput:
    @pytest.fixture(autouse=True)
    def planner(self, api, people, world):
        as_(api, people["astana_planner"])
        self.api = api
        self.before = (Project.objects.count(), ProgressReport.objects.count())

    def unchanged(self) -> bool:
        return (Project.objects.count(), ProgressReport.objects.count()) == self.before

    @pytest.mark.parametrize(("geometry", "message"), BAD_GEOMETRIES)
    def test_bad_geometry_is_a_400_naming_the_problem(self, geometry, message):
        response = self.api.post("/api/projects/", feature(geometry), format="json")
        assert response.status_code == 400
        assert message in json.dumps(response.json()["errors"]["geom"])
        assert response.json()["detail"]
        assert self.unchanged()

    def test_malformed_json(self):
        response = self.api.post("/api/projects/", "{not json", content_type="application/json")
        assert response.status_code == 400 and "JSON" in response.json()["detail"]
        assert self.unchanged()

    def test_unknown_fields(self):
        response = self.api.post("/api/projects/", feature(colour="red"), format="json")
        assert response.status_code == 400 and "colour" in response.json()["errors"]
        assert self.unchanged()

    def test_a_10_mb_body_is_413(self):
        body = json.dumps(feature(description="x" * (10 * 1024 * 1024)))
        response = self.api.post("/api/projects/", body, content_type="application/json")
        assert response.status_code == 413 and "limit" in response.json()["detail"]
        assert self.unchanged()

    @pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "10,10,5,5"])
    def test_a_bad_bbox(self, bbox):
        response = self.api.get("/api/projects/", {"bbox": bbox})
        assert response.status_code == 400 and "bbox" in response.json()["errors"]

    def test_an_unknown_region(self):
        response = self.api.get("/api/projects/", {"region": "KZ-99"})
        assert response.status_code == 400 and "region" in response.json()["errors"]

    def test_sql_in_q_is_just_text(self):
        response = self.api.get("/api/projects/", {"q": "'; DROP TABLE projects_project; --"})
        assert response.status_code == 200 and response.json()["count"] == 0
        assert self.unchanged()

    @pytest.mark.parametrize("value", [-1, 101])
    def test_progress_outside_0_to_100(self, api, people, world, value):
        as_(api, people["admin"])
        response = api.post(f"/api/projects/{world['almaty_public'].pk}/progress/",
                            {"physical": value, "financial": 5}, format="json")
        assert response.status_code == 400 and "physical" in response.json()["errors"]
        assert self.unchanged()
