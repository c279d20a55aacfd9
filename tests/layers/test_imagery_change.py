"""Ground-change evidence on synthetic pairs with known change, the "check on site" flag and its API."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.contrib.gis.geos import Polygon
from rasterio.warp import transform
from rest_framework.test import APIClient

from layers import change
from layers.imagery_services import projects_covered_by
from layers.models import ChangeEvidence
from projects.models import Project
from projects.services import progress_report_add, project_save
from tests.layers.test_imagery import ingest, write_geotiff

SITE = (71.43, 51.13)  # Astana
BEFORE, AFTER = dt.date(2024, 6, 1), dt.date(2025, 6, 1)


def site_project(agency, *, public: bool = True) -> Project:
    lon, lat = SITE
    square = Polygon.from_bbox((lon - 0.002, lat - 0.0012, lon + 0.002, lat + 0.0012))
    square.srid = 4326
    return project_save(project=Project(title="School No. 7", sector="education", kind="infrastructure",
                                        agency=agency, geom=square, is_public=public, status="implementation"))


def scene(tmp_path, name: str, *, bands: int = 3, painted: bool = False, descriptions=None):
    """Write a 128 px, 10 m image centred on the site; `painted` brightens a block over the project."""
    xs, ys = transform("EPSG:4326", "EPSG:32642", [SITE[0]], [SITE[1]])
    pixels = np.random.default_rng(42).integers(70, 110, (bands, 128, 128)).astype("uint8")
    if painted:
        pixels[:, 50:78, 40:88] = 230
        if descriptions:  # NDVI: the red band darkens and NIR brightens, as with new vegetation
            pixels[2, 50:78, 40:88], pixels[3, 50:78, 40:88] = 30, 200
    return write_geotiff(tmp_path / name, pixels, origin=(round(xs[0]) - 640, round(ys[0]) + 640),
                         descriptions=descriptions)


def pair(tmp_path, *, painted: bool, descriptions=None, bands: int = 3):
    before = ingest(scene(tmp_path, "before.tif", bands=bands, descriptions=descriptions), acquired_on=BEFORE,
                    is_public=True)
    after = ingest(scene(tmp_path, "after.tif", bands=bands, painted=painted, descriptions=descriptions),
                   acquired_on=AFTER, is_public=True)
    return before, after


@pytest.mark.django_db
def test_no_change_gives_an_index_of_about_zero(regions, agency, tmp_path):
    project = site_project(agency)
    before, after = pair(tmp_path, painted=False)
    measured = change.change_index(before=before, after=after, site=change.project_site(project=project))
    assert measured.method == "brightness" and measured.pixel_count > 100
    assert measured.index == pytest.approx(0, abs=0.005)


@pytest.mark.django_db
def test_a_painted_block_gives_a_positive_index(regions, agency, tmp_path):
    project = site_project(agency)
    before, after = pair(tmp_path, painted=True)
    measured = change.change_index(before=before, after=after, site=change.project_site(project=project))
    assert measured.index > 0.3


@pytest.mark.django_db
def test_red_and_nir_bands_give_an_ndvi_difference(regions, agency, tmp_path):
    project = site_project(agency)
    names = ["Blue", "Green", "Red", "NIR"]
    still = change.change_index(*(), **dict(zip(("before", "after"), pair(tmp_path, painted=False, bands=4,
                                                                          descriptions=names)),
                                            site=change.project_site(project=project)))
    grown = change.change_index(*(), **dict(zip(("before", "after"), pair(tmp_path, painted=True, bands=4,
                                                                          descriptions=names)),
                                            site=change.project_site(project=project)))
    assert still.method == grown.method == "ndvi"
    assert still.index == pytest.approx(0, abs=0.005) and grown.index > 0.2


@pytest.mark.django_db
def test_a_point_project_is_measured_within_the_buffer(regions, agency, tmp_path, settings):
    settings.GEOTRACK = {**settings.GEOTRACK, "CHANGE_BUFFER_M": 60.0}
    project = site_project(agency)
    project.geom = Polygon.from_bbox((*SITE, SITE[0] + 1e-5, SITE[1] + 1e-5)).centroid
    project.geom.srid = 4326
    project_save(project=project, changed_fields=["geom"])
    before, after = pair(tmp_path, painted=True)
    assert projects_covered_by(imagery=after) == [project.pk]
    measured = change.change_index(before=before, after=after, site=change.project_site(project=project))
    assert 80 < measured.pixel_count < 150  # a 60 m disc on 10 m pixels: about 113


def report(project, day: dt.date, physical: float) -> None:
    progress_report_add(project=project, physical=physical, financial=physical,
                        reported_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC))


@pytest.mark.django_db
def test_progress_that_rose_over_unchanged_ground_is_flagged_check_on_site(regions, agency, people, tmp_path):
    quiet_site = site_project(agency, public=False)
    report(quiet_site, BEFORE - dt.timedelta(days=5), 10)
    report(quiet_site, AFTER - dt.timedelta(days=5), 80)
    pair(tmp_path, painted=False)
    assert change.evidence_refresh(project_ids=[quiet_site.pk]) == 1
    evidence = ChangeEvidence.objects.get()
    assert evidence.flagged and evidence.progress_before == 10 and evidence.progress_after == 80

    api = APIClient()
    assert api.get("/api/imagery/evidence/").json() == []  # a private project
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")
    rows = api.get("/api/imagery/evidence/", {"flagged": "true"}).json()
    assert [(row["project"], row["flag"], row["progress_rise"]) for row in rows] == [
        (quiet_site.pk, "check on site", 70.0)]
    assert api.get("/api/imagery/evidence/", {"flagged": "false"}).json() == []
    assert api.get("/api/imagery/evidence/", {"flagged": "maybe"}).status_code == 400


@pytest.mark.django_db
def test_progress_that_rose_over_changed_ground_is_not_flagged(regions, agency, tmp_path):
    busy_site = site_project(agency)
    report(busy_site, BEFORE - dt.timedelta(days=5), 10)
    report(busy_site, AFTER - dt.timedelta(days=5), 80)
    pair(tmp_path, painted=True)
    change.evidence_refresh(project_ids=[busy_site.pk])
    evidence = ChangeEvidence.objects.get()
    assert not evidence.flagged and evidence.index > 0.3
    assert APIClient().get("/api/imagery/evidence/").json()[0]["flag"] is None
