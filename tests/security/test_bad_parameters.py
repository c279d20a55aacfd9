"""Threat: a query parameter that makes the server fail (SECURITY.md, "Errors").

`/api/projects/?page=99999999999999999999` answered 500 with an HTML page. No parameter of any
endpoint may produce a 5xx: the OpenAPI operations are fuzzed by schemathesis (tests/api/), and the
routes outside the OpenAPI document (pages, tiles, OGC API, reports, exports) by Hypothesis here.
"""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings, strategies as st

from projects.models import Project, RoadmapItem
from projects.services import progress_report_add, project_save
from tests.cameras_helpers import make_camera

HUGE = ["99999999999999999999", "-1", "0", "1e400", "NaN", "inf", "-inf", "1.5", "", " ", "０", "٣", "%00",
        "2025-02-30", "9999-12-31", "0000-01-01", "1,2,3,4", "180,90,-180,-90", "nan,nan,nan,nan",
        "1,2,3", "a,b,c,d", "10000000000,0,0,0", "public", "'; DROP TABLE x; --", "<script>", "../../etc/passwd"]
NAMES = ["page", "page_size", "limit", "offset", "bbox", "datetime", "as_of", "since", "region", "agency",
         "status", "health", "sector", "roadmap_item", "q", "scope", "f", "detail", "bands", "rescale", "kind",
         "deadline_after", "deadline_before", "sort", "before", "after", "flagged", "project", "lang", "v"]
values = st.one_of(st.sampled_from(HUGE), st.text(max_size=40), st.integers().map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr))
queries = st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(min_size=1, max_size=12)), values, max_size=5)


@pytest.fixture
def site(regions, agency):
    item = RoadmapItem.objects.create(number=9, title_en="Roads", title_ru="Дороги", title_kk="Жолдар",
                                      section="fair_economy", agency=agency, deadline="2026-12-31")
    project = project_save(project=Project(title="Bridge", sector="transport", kind="infrastructure", agency=agency,
                                           geom=Point(71.43, 51.13, srid=4326), is_public=True))
    project.roadmap_items.add(item)
    progress_report_add(project=project, physical=20, financial=10)
    camera, _token = make_camera("Gate")
    return {"project": project, "camera": camera, "item": item}


def routes(site) -> list[str]:
    project, camera = site["project"], site["camera"]
    return [reverse("home"), reverse("map"), reverse("region-map", args=["KZ-71"]), reverse("roadmap"),
            reverse("roadmap-item", args=[9]), project.get_absolute_url(), reverse("camera-page", args=[camera.pk]),
            reverse("embed"), reverse("project-embed", args=[project.pk]),
            reverse("roadmap-report", args=["html"]), reverse("roadmap-report", args=["csv"]),
            reverse("vector-tile", args=["projects", 6, 43, 20]), reverse("vector-tile", args=["cameras", 14, 11443, 5328]),
            reverse("vector-tile", args=["regions", 3, 5, 2]), reverse("imagery-tile", args=[1, 10, 700, 330]),
            reverse("ogc-landing"), reverse("ogc-collections"), reverse("ogc-items", args=["projects"]),
            reverse("ogc-items", args=["cameras"]), reverse("ogc-items", args=["regions"]),
            reverse("ogc-items", args=["roadmap-items"]), reverse("ogc-item", args=["projects", project.pk]),
            reverse("export", kwargs={"layer": "projects", "export_format": "geojson"}),
            reverse("project-list"), reverse("camera-list"), reverse("imagery-list"), reverse("alert-list")]


@pytest.mark.django_db
def test_page_numbers_beyond_any_page_are_a_clear_400(site):
    response = Client().get(reverse("project-list") + "?page=99999999999999999999")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert "page" in response.json()["errors"]
    assert Client().get(reverse("ogc-items", args=["cameras"]) + "?offset=99999999999999999999").status_code == 400


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(route=st.integers(min_value=0, max_value=26), query=queries)
def test_no_generated_query_makes_a_route_fail(site, settings, route, query):
    settings.GEOTRACK = {**settings.GEOTRACK, "RATE_LIMITS": {name: (10 ** 6, 60)
                                                              for name in settings.GEOTRACK["RATE_LIMITS"]}}
    path = routes(site)[route]
    response = Client().get(path, query)
    assert response.status_code < 500, (path, query, response.status_code)
    if response.status_code >= 400 and not response["Content-Type"].startswith("text/html"):
        assert response["Content-Type"].startswith("application/json"), (path, query)
