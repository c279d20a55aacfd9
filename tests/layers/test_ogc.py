"""OGC API - Features at /ogc/: the JSON and HTML documents, paging, filters and permissions."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from projects.models import Project, RoadmapItem
from projects.services import project_save

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


@pytest.fixture
def world(regions, agency):
    def make(title, lon, lat, public, status="implementation", sector="education"):
        return project_save(project=Project(title=title, sector=sector, kind="infrastructure", agency=agency,
                                            geom=Point(lon, lat, srid=4326), is_public=public, status=status))
    RoadmapItem.objects.create(number=1, title_kk="Салық", title_ru="Налоги", title_en="Taxes", section="fair_economy",
                               agency=agency, deadline="2026-12-31")
    return {
        "school": make("Мектеп", 76.91, 43.25, True),
        "bridge": make("Astana bridge", 71.43, 51.13, True, sector="transport"),
        "plant": make("Astana plant", 71.45, 51.15, True, status="completion", sector="energy"),
        "depot": make("Almaty private depot", 76.95, 43.22, False),
    }


def get(path: str, person=None, **headers):
    api = APIClient()
    if person is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Token {person.token}")
    return api.get(path, **headers)


def rels(document: dict) -> dict[str, dict]:
    return {link["rel"]: link for link in document["links"]}


@pytest.mark.django_db
class TestDocuments:
    def test_the_landing_page_links_service_desc_service_doc_conformance_and_data(self, world):
        links = rels(get("/ogc/").json())
        assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
        assert {"service-doc", "conformance", "data", "self", "alternate"} <= set(links)
        api = get("/ogc/api")
        assert api["Content-Type"].startswith("application/vnd.oai.openapi+json")
        assert "/ogc/collections/{collectionId}/items" in api.json()["paths"]

    def test_conformance_and_collections_answer_with_and_without_a_trailing_slash(self, world):
        for path in ("/ogc/conformance", "/ogc/conformance/"):
            assert CORE in get(path).json()["conformsTo"]
        for path in ("/ogc/collections", "/ogc/collections/"):
            ids = [c["id"] for c in get(path).json()["collections"]]
            assert ids == ["projects", "cameras", "regions", "roadmap-items"]
        projects = get("/ogc/collections/projects").json()
        assert projects["extent"]["spatial"]["bbox"][0] == [46.4, 40.5, 87.4, 55.5]
        assert get("/ogc/collections/nothing").status_code == 404

    def test_answers_are_private_and_vary_by_caller_and_accept(self, world):
        response = get("/ogc/collections/projects/items")
        assert "private" in response["Cache-Control"]
        assert {"Accept", "Cookie", "Authorization"} <= {v.strip() for v in response["Vary"].split(",")}


@pytest.mark.django_db
class TestItems:
    def test_items_are_geojson_with_counts_links_and_a_timestamp(self, world):
        response = get("/ogc/collections/projects/items?limit=2")
        body = response.json()
        assert response["Content-Type"] == "application/geo+json"
        assert body["numberMatched"] == 3 and body["numberReturned"] == 2 and body["timeStamp"]
        links = rels(body)
        assert "offset=2" in links["next"]["href"] and "prev" not in links
        assert links["self"]["type"] == "application/geo+json" and links["alternate"]["type"] == "text/html"
        last = get(links["next"]["href"]).json()
        assert last["numberReturned"] == 1 and "next" not in rels(last) and "offset=0" in rels(last)["prev"]["href"]

    def test_anonymous_clients_see_public_items_and_token_holders_see_more(self, world, people):
        assert get("/ogc/collections/projects/items").json()["numberMatched"] == 3
        assert get("/ogc/collections/projects/items", people["analyst"]).json()["numberMatched"] == 4
        depot = f"/ogc/collections/projects/items/{world['depot'].pk}"
        assert get(depot).status_code == 404
        assert get(depot, people["almaty_akimat"]).json()["properties"]["title"] == "Almaty private depot"

    @pytest.mark.parametrize("query, titles", [
        ("status=completion", {"Astana plant"}),
        ("sector=transport", {"Astana bridge"}),
        ("region=KZ-75", {"Мектеп"}),
        ("bbox=71,51,72,52", {"Astana bridge", "Astana plant"}),
        ("bbox=71,51,0,72,52,100", {"Astana bridge", "Astana plant"}),
        ("datetime=2000-01-01T00:00:00Z/..", {"Мектеп", "Astana bridge", "Astana plant"}),
        ("datetime=../2000-01-01T00:00:00Z", set()),
        ("datetime=2000-01-01/2001-01-01", set()),
    ])
    def test_filters(self, world, query, titles):
        body = get(f"/ogc/collections/projects/items?{query}").json()
        assert {f["properties"]["title"] for f in body["features"]} == titles

    @pytest.mark.parametrize("query", ["limit=0", "limit=x", "offset=-1", "bbox=1,2", "datetime=yesterday",
                                       "status=unknown", "f=xml"])
    def test_bad_parameters_are_a_400_in_the_error_shape(self, world, query):
        response = get(f"/ogc/collections/projects/items?{query}")
        assert response.status_code == 400 and response.json()["detail"]

    def test_a_limit_above_the_cap_is_lowered(self, world, settings):
        settings.GEOTRACK = {**settings.GEOTRACK, "OGC_MAX_LIMIT": 2}
        assert get("/ogc/collections/projects/items?limit=500").json()["numberReturned"] == 2

    def test_one_item_has_links(self, world):
        feature = get(f"/ogc/collections/projects/items/{world['school'].pk}/").json()
        assert feature["type"] == "Feature" and feature["geometry"]["coordinates"] == [76.91, 43.25]
        assert {"self", "alternate", "collection"} <= set(rels(feature))

    def test_regions_cameras_and_roadmap_items_are_collections_too(self, world):
        regions = get("/ogc/collections/regions/items?limit=100&bbox=76.8,43.1,77.0,43.3").json()
        assert "KZ-75" in {f["id"] for f in regions["features"]}
        assert get("/ogc/collections/regions/items/KZ-75").json()["properties"]["name_en"]
        assert get("/ogc/collections/cameras/items").json()["numberMatched"] == 0
        roadmap = get("/ogc/collections/roadmap-items/items").json()
        assert roadmap["features"][0]["geometry"] is None and roadmap["features"][0]["properties"]["title_ru"] == "Налоги"


@pytest.mark.django_db
class TestHtml:
    def test_f_html_and_accept_html_give_a_page_with_a_map_of_the_page_items(self, world):
        for response in (get("/ogc/collections/projects/items?f=html"),
                         get("/ogc/collections/projects/items", HTTP_ACCEPT="text/html,*/*;q=0.8")):
            assert response["Content-Type"].startswith("text/html")
            html = response.content.decode()
            assert 'id="ogc-map"' in html and "vendor/leaflet/leaflet.js" in html and "Мектеп" in html
        assert get("/ogc/", HTTP_ACCEPT="application/json").json()["links"]

    def test_user_text_is_escaped(self, world, agency):
        project_save(project=Project(title="<script>alert(1)</script>", sector="energy", kind="investment",
                                     agency=agency, geom=Point(71.4, 51.1, srid=4326), is_public=True))
        html = get("/ogc/collections/projects/items?f=html&limit=100").content.decode()
        assert "<script>alert(1)</script>" not in html
