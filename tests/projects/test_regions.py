"""A project's regions come from a spatial join in PostGIS."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import LineString, Point, Polygon

from projects.models import Project
from projects.services import project_save


def save(agency, geom, **fields) -> Project:
    project = Project(title="Site", sector="transport", kind="infrastructure", agency=agency, geom=geom, **fields)
    return project_save(project=project)


@pytest.mark.django_db
class TestRegionDerivation:
    def test_a_point_takes_the_region_that_contains_it(self, regions, agency):
        project = save(agency, Point(76.91, 43.25, srid=4326))  # Almaty city centre
        assert project.region.iso_code == "KZ-75"
        assert [r.iso_code for r in project.regions.all()] == ["KZ-75"]

    def test_a_line_across_regions_keeps_the_longest_share_and_lists_the_others(self, regions, agency):
        # From Astana (KZ-71) far into Akmola region (KZ-11): most of its length is in Akmola.
        line = LineString((71.43, 51.13), (70.30, 52.20), (69.40, 53.28), srid=4326)
        project = save(agency, line)
        touched = {r.iso_code for r in project.regions.all()}
        assert project.region.iso_code == "KZ-11"
        assert {"KZ-11", "KZ-71"} <= touched

    def test_a_polygon_takes_the_region_with_the_largest_area(self, regions, agency):
        square = Polygon.from_bbox((76.80, 43.20, 76.95, 43.30))
        square.srid = 4326
        assert save(agency, square).region.iso_code == "KZ-75"

    def test_an_offshore_project_takes_the_nearest_region(self, regions, agency):
        caspian = Point(50.3, 44.2, srid=4326)  # at sea, west of the Mangystau coast
        project = save(agency, caspian)
        assert project.region.iso_code == "KZ-47"

    def test_a_region_given_explicitly_is_kept(self, regions, agency):
        project = save(agency, Point(76.91, 43.25, srid=4326), region=regions["KZ-19"])
        assert project.region.iso_code == "KZ-19"
        assert [r.iso_code for r in project.regions.all()] == ["KZ-75"]

    def test_moving_the_geometry_derives_the_region_again(self, regions, agency):
        project = save(agency, Point(76.91, 43.25, srid=4326))
        project.geom = Point(71.43, 51.13, srid=4326)
        project_save(project=project, changed_fields=["geom"])
        assert project.region.iso_code == "KZ-71"
        assert project.version == 2
