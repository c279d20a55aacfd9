"""Vector tiles honour the caller's role, cluster at low zoom, and carry ETags."""
from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point

from projects.models import Project
from projects.services import project_save


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


@pytest.fixture
def depots(regions, agency):
    def make(title, public):
        return project_save(project=Project(title=title, sector="transport", kind="infrastructure", agency=agency,
                                            geom=Point(76.91, 43.25, srid=4326), is_public=public))
    return make("Public depot", True), make("Private depot", False)


def ids(response) -> set[int]:
    layers = mapbox_vector_tile.decode(response.content)
    return {feature["id"] for layer in layers.values() for feature in layer["features"] if "id" in feature}


@pytest.mark.django_db
def test_a_private_project_is_only_in_the_tiles_of_those_who_may_see_it(client, depots, people):
    public, private = depots
    url = "/tiles/projects/%d/%d/%d.mvt" % tile_of(76.91, 43.25, 12)
    anonymous = client.get(url)
    assert anonymous["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert ids(anonymous) == {public.pk}
    assert "private" in anonymous["Cache-Control"] and "Authorization" in anonymous["Vary"]
    analyst = client.get(url, HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")
    assert ids(analyst) == {public.pk, private.pk}
    assert client.get(url + "?scope=public", HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")[
        "Cache-Control"].startswith("public")
    assert ids(client.get(url + "?scope=public", HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")) == {public.pk}
    assert client.get(url, HTTP_AUTHORIZATION="Token wrong").status_code == 401


@pytest.mark.django_db
def test_low_zooms_carry_clusters_not_projects(client, depots):
    layers = mapbox_vector_tile.decode(client.get("/tiles/projects/%d/%d/%d.mvt" % tile_of(76.91, 43.25, 5)).content)
    assert list(layers) == ["project_clusters"]
    assert sum(feature["properties"]["count"] for feature in layers["project_clusters"]["features"]) == 1


@pytest.mark.django_db
def test_tiles_answer_304_to_their_etag_and_404_outside_the_grid(client, depots):
    url = "/tiles/projects/%d/%d/%d.mvt" % tile_of(76.91, 43.25, 12)
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/tiles/projects/3/9/1.mvt").status_code == 404
    assert client.get("/tiles/secrets/3/1/1.mvt").status_code == 404
