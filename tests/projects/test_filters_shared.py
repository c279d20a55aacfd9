"""The FilterSets share their declared filters and form classes between requests, never their state."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.http import QueryDict
from rest_framework.test import APIClient

from projects.filters import ProjectFilter
from projects.models import Project
from projects.services import project_save


@pytest.fixture
def two_regions_projects(regions, agency):
    almaty = project_save(project=Project(title="Almaty school", sector="education", kind="infrastructure",
                                          agency=agency, geom=Point(76.91, 43.25, srid=4326), is_public=True))
    astana = project_save(project=Project(title="Astana road", sector="transport", kind="infrastructure",
                                          agency=agency, geom=Point(71.43, 51.13, srid=4326), is_public=True))
    return almaty, astana


def ids(query: str) -> set[int] | dict:
    filterset = ProjectFilter(QueryDict(query), queryset=Project.objects.all())
    if not filterset.is_valid():
        return dict(filterset.errors)
    return set(filterset.qs.values_list("id", flat=True))


@pytest.mark.django_db
def test_each_request_filters_with_its_own_values(two_regions_projects):
    almaty, astana = two_regions_projects
    assert ids("region=KZ-75") == {almaty.pk}  # a method filter, bound to this FilterSet
    assert ids("region=KZ-71") == {astana.pk}  # the same form class, another value: no state carried over
    assert ids("sector=transport&q=road") == {astana.pk}
    assert ids("q=school") == {almaty.pk}
    assert ids("") == {almaty.pk, astana.pk}


@pytest.mark.django_db
def test_bad_and_empty_values_are_still_named(two_regions_projects):
    assert set(ids("status=")) == {"status"}  # an empty typed filter is a 400, not "no filter"
    assert set(ids("region=KZ-00&sector=transport")) == {"region"}
    assert set(ids("bbox=1,2,3")) == {"bbox"}
    assert ids("q=") == {p.pk for p in two_regions_projects}  # free text may be empty


@pytest.mark.django_db
def test_the_list_and_a_queryset_select_the_same_projects_through_one_sql_condition(two_regions_projects):
    api = APIClient()
    almaty, astana = two_regions_projects
    queries = ["bbox=76,43,77,44", "bbox=71.42,51.12,71.44,51.14", "region=KZ-75&status=identification",
               "region=KZ-75&status=implementation", "q=SCHOOL", "q=sch_ol", "q=%25", "q=Astana%20road&sector=transport", "health=on_track", ""]
    for query in queries:
        listed = {feature["id"] for feature in api.get(f"/api/projects/?{query}").json()["features"]}
        assert listed == ids(query), query
    assert ids("q=SCHOOL") == {almaty.pk}  # case-insensitive
    assert ids("q=sch_ol") == ids("q=%25") == set()  # _ and % are the characters, not LIKE's wildcards
    assert ids("bbox=71.42,51.12,71.44,51.14") == {astana.pk}
