"""Imagery: ingest to COG (real Landsat), bad files, raster tiles, overviews and permissions."""
from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import rasterio
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image
from rasterio.transform import from_origin
from rasterio.warp import transform_bounds
from rest_framework.test import APIClient
from rio_tiler.io import Reader

from layers import imagery_services, raster_tiles, rasters
from layers.models import Imagery

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LANDSAT = FIXTURES / "L7_ETMs.tif"  # provenance: data/PROVENANCE.md
CROP = FIXTURES / "l7_crop.tif"


def write_geotiff(path: Path, pixels: np.ndarray, *, crs="EPSG:32642", origin=(500_000.0, 5_670_000.0),
                  pixel_m: float = 10.0, descriptions: list[str] | None = None) -> Path:
    """Write a (bands, rows, cols) array as a plain GeoTIFF in UTM 42N (Astana) unless told otherwise."""
    profile = {"driver": "GTiff", "count": pixels.shape[0], "height": pixels.shape[1], "width": pixels.shape[2],
               "dtype": pixels.dtype.name, "crs": crs, "transform": from_origin(*origin, pixel_m, pixel_m),
               "photometric": "MINISBLACK"}  # else GDAL makes a 4th byte band alpha
    if crs is None:
        profile.pop("crs"), profile.pop("transform")
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(pixels)
        if descriptions:
            dataset.descriptions = tuple(descriptions)
    return path


def ingest(path: Path, **fields) -> Imagery:
    """Stage, validate and convert a file in-process, as the worker would."""
    staged = imagery_services.imagery_stage(upload=path)
    imagery = imagery_services.imagery_submit(staged=staged, filename=path.name,
                                              fields=imagery_services.ImageryFields(**fields))
    return imagery_services.imagery_ingest(imagery_id=imagery.pk, staged=staged)


def png(response) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(response.content)))


def tile_for(imagery: Imagery, lon: float, lat: float, z: int):
    with Reader(imagery.cog_uri) as cog:
        return cog.tms.tile(lon, lat, z)


def drain_worker() -> None:
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--interval", "0.1")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def crop(db, regions) -> Imagery:
    return ingest(CROP, source="Landsat-7 ETM+", is_public=True, region=regions["KZ-71"])


@pytest.mark.django_db
def test_it_ingests_the_real_landsat_scene_with_footprint_at_gdalinfos_corners(regions):
    imagery = ingest(LANDSAT, acquired_on="2002-07-15")
    assert imagery.status == Imagery.Status.READY, imagery.error
    info = json.loads(subprocess.run(["gdalinfo", "-json", str(LANDSAT)], capture_output=True, check=True,
                                     text=True, timeout=60).stdout)
    corners = info["wgs84Extent"]["coordinates"][0][:4]
    vertices = np.array(imagery.footprint.coords[0])
    for lon, lat in corners:
        assert np.min(np.hypot(vertices[:, 0] - lon, vertices[:, 1] - lat)) < 1e-5
    assert imagery.source == "Landsat-7 ETM+" and imagery.band_count == 6 and imagery.dtype == "uint8"
    assert imagery.band_descriptions[2:4] == ["Red", "NIR"] and imagery.default_bands == [3, 2, 1]
    assert imagery.resolution_m == pytest.approx(28.5)
    valid, errors, warnings = rasters.cog_check(imagery.cog_uri)
    assert valid and not errors and not warnings
    with rasterio.open(imagery.cog_uri) as cog:
        assert cog.crs.to_epsg() == 3857 and cog.overviews(1) and cog.block_shapes[0] == (256, 256)


@pytest.mark.django_db
def test_a_tile_is_a_256_px_png_transparent_outside_the_footprint(api, crop):
    z = 15
    west, south, east, north = crop.footprint.extent
    edge = tile_for(crop, west, north, z)
    response = api.get(f"/tiles/imagery/{crop.pk}/{z}/{edge.x}/{edge.y}.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    pixels = png(response)
    assert pixels.shape == (256, 256, 4)
    alpha = pixels[..., 3]
    assert (alpha == 0).any() and (alpha == 255).any()  # the corner of the image: both outside and inside
    centre = tile_for(crop, (west + east) / 2, (south + north) / 2, 17)
    inside = png(api.get(f"/tiles/imagery/{crop.pk}/17/{centre.x}/{centre.y}.png"))
    assert (inside[..., 3] == 255).all()


@pytest.mark.django_db
def test_tiles_outside_the_bounds_are_404_and_parameters_are_checked(api, crop):
    far = tile_for(crop, 71.4, 51.1, 12)
    assert api.get(f"/tiles/imagery/{crop.pk}/12/{far.x}/{far.y}.png").status_code == 404
    west, south, east, north = crop.footprint.extent
    tile = tile_for(crop, (west + east) / 2, (south + north) / 2, 14)
    url = f"/tiles/imagery/{crop.pk}/14/{tile.x}/{tile.y}.png"
    assert api.get(url, {"bands": "7"}).status_code == 400
    assert api.get(url, {"bands": "1,2"}).status_code == 400
    assert api.get(url, {"bands": "../../etc/passwd"}).status_code == 400
    assert api.get(url, {"rescale": "9,1"}).status_code == 400
    false_colour = png(api.get(url, {"bands": "4,3,2", "rescale": "0,255"}))
    true_colour = png(api.get(url))
    grey = png(api.get(url, {"bands": "4"}))
    assert false_colour.shape == true_colour.shape == (256, 256, 4) and grey.shape == (256, 256, 2)
    assert not np.array_equal(false_colour, true_colour)


@pytest.mark.django_db
def test_public_tiles_are_publicly_cacheable_with_an_etag(api, crop):
    west, south, east, north = crop.footprint.extent
    tile = tile_for(crop, (west + east) / 2, (south + north) / 2, 14)
    url = f"/tiles/imagery/{crop.pk}/14/{tile.x}/{tile.y}.png"
    response = api.get(url)
    assert response["Cache-Control"] == "public, max-age=86400" and response["ETag"]
    again = api.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["ETag"] == response["ETag"]
    assert api.get(url, {"bands": "4,3,2"})["ETag"] != response["ETag"]


@pytest.mark.django_db
def test_private_imagery_is_hidden_from_anonymous_callers_and_other_regions(api, people, regions):
    private = ingest(CROP, source="Landsat-7 ETM+", is_public=False, region=regions["KZ-75"])
    west, south, east, north = private.footprint.extent
    tile = tile_for(private, (west + east) / 2, (south + north) / 2, 14)
    url = f"/tiles/imagery/{private.pk}/14/{tile.x}/{tile.y}.png"
    assert api.get(url).status_code == 404
    assert api.get(f"/api/imagery/{private.pk}/").status_code == 404
    assert api.get("/api/imagery/").json()["features"] == []
    for person in ("almaty_akimat", "analyst", "astana_planner"):
        api.credentials(**{"HTTP_AUTHORIZATION": f"Token {people[person].token}"})
        response = api.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-cache" and "Authorization" in response["Vary"]
        assert [f["id"] for f in api.get("/api/imagery/").json()["features"]] == [private.pk]
    private.region = regions["KZ-71"]
    private.save(update_fields=["region"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['almaty_akimat'].token}")
    assert api.get(url).status_code == 404


@pytest.mark.django_db
def test_a_tile_rendered_before_the_access_answer_is_served_only_when_the_answer_allows_it(api, crop):
    west, south, east, north = crop.footprint.extent
    tile = tile_for(crop, (west + east) / 2, (south + north) / 2, 14)
    url = f"/tiles/imagery/{crop.pk}/14/{tile.x}/{tile.y}.png"
    first = api.get(url)  # the image is now known to be public: the next tile is rendered ahead
    again = api.get(url)
    assert again.status_code == 200 and again.content == first.content
    assert api.get(url, {"bands": "4,3,2"}).content != first.content  # ahead with the asked bands
    crop.is_public = False
    crop.save(update_fields=["is_public"])
    hidden = api.get(url)  # rendered ahead from what was public, then refused by the database's answer
    assert hidden.status_code == 404 and hidden["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_only_planners_and_admins_upload(api, people):
    def upload():
        return api.post("/api/imagery/", {"file": SimpleUploadedFile("crop.tif", CROP.read_bytes())},
                        format="multipart")

    assert upload().status_code == 401
    for person in ("almaty_akimat", "analyst"):
        api.credentials(HTTP_AUTHORIZATION=f"Token {people[person].token}")
        assert upload().status_code == 403
    assert not Imagery.objects.exists()


def bad_files(folder: Path) -> dict[str, tuple[Path, int, str]]:
    """Every kind of bad file, with the status and a word of the message it must get."""
    noise = np.random.default_rng(1).integers(0, 255, (3, 64, 64), dtype="uint8")
    good = write_geotiff(folder / "good.tif", noise)
    corrupt = folder / "corrupt.tif"
    corrupt.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    text = folder / "notes.tif"
    text.write_text("this is not a raster\n" * 20)
    return {
        "corrupt": (corrupt, 400, "readable"),
        "not a raster": (text, 400, "readable"),
        "no CRS": (write_geotiff(folder / "nocrs.tif", np.ones((1, 8, 8), dtype="uint8"), crs=None), 400, "CRS"),
        "too wide": (write_geotiff(folder / "wide.tif", np.ones((1, 8, 128), dtype="uint8")), 413, "limit"),
        "too many bands": (write_geotiff(folder / "bands.tif", np.ones((5, 8, 8), dtype="uint8")), 413, "limit"),
        "complex": (write_geotiff(folder / "complex.tif", np.ones((1, 8, 8), dtype="complex64")), 400, "type"),
    }


@pytest.mark.django_db
def test_every_bad_file_gets_a_clear_4xx_and_leaves_nothing_behind(api, people, settings, tmp_path):
    settings.GEOTRACK = {**settings.GEOTRACK, "IMAGERY_MAX_WIDTH": 100, "IMAGERY_MAX_BANDS": 4}
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['astana_planner'].token}")
    for kind, (path, status, word) in bad_files(tmp_path).items():
        response = api.post("/api/imagery/", {"file": SimpleUploadedFile(path.name, path.read_bytes())},
                            format="multipart")
        assert response.status_code == status, kind
        assert word in response.json()["detail"] and str(tmp_path) not in response.json()["detail"], kind
    settings.GEOTRACK = {**settings.GEOTRACK, "IMAGERY_MAX_FILE_BYTES": 100}
    response = api.post("/api/imagery/", {"file": SimpleUploadedFile("crop.tif", CROP.read_bytes())},
                        format="multipart")
    assert response.status_code == 413
    assert not Imagery.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_a_conversion_that_fails_marks_the_row_failed_and_leaves_no_cog(regions, tmp_path):
    source = write_geotiff(tmp_path / "site.tif", np.ones((3, 16, 16), dtype="uint8"))
    staged = imagery_services.imagery_stage(upload=source)
    imagery = imagery_services.imagery_submit(staged=staged, fields=imagery_services.ImageryFields())
    staged.write_bytes(b"truncated in transit")
    imagery = imagery_services.imagery_ingest(imagery_id=imagery.pk, staged=staged)
    assert imagery.status == Imagery.Status.FAILED and "readable" in imagery.error and imagery.cog_uri == ""
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.mark.django_db(transaction=True)
def test_an_upload_answers_202_and_the_worker_makes_it_ready(api, people):
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['astana_planner'].token}")
    response = api.post("/api/imagery/", {"file": SimpleUploadedFile("L7_crop.tif", CROP.read_bytes()),
                                          "acquired_on": "2002-07-15", "region": "KZ-71"}, format="multipart")
    assert response.status_code == 202
    status_url = response.json()["status_url"]
    assert response["Location"] == status_url
    assert api.get(status_url).json()["properties"]["status"] == "pending"
    drain_worker()
    feature = api.get(status_url).json()
    assert feature["properties"]["status"] == "ready" and feature["properties"]["source"] == "Landsat-7 ETM+"
    assert feature["geometry"]["type"] == "Polygon"
    assert rasters.cog_check(Imagery.objects.get().cog_uri)[0]


@pytest.mark.django_db
def test_low_zooms_read_the_overviews(regions, tmp_path):
    generator = np.random.default_rng(6)
    pixels = generator.integers(60, 90, (3, 1024, 1024), dtype="uint8")
    imagery = ingest(write_geotiff(tmp_path / "big.tif", pixels))
    with Reader(imagery.cog_uri) as cog:
        low = cog.tms.tile(*imagery.footprint.centroid.coords, cog.minzoom)
    with_overviews = raster_tiles.tile_bytes_read(imagery.cog_uri, low.z, low.x, low.y, bands=[1, 2, 3], overviews=True)
    without = raster_tiles.tile_bytes_read(imagery.cog_uri, low.z, low.x, low.y, bands=[1, 2, 3], overviews=False)
    assert with_overviews * 10 < without, (with_overviews, without)


def _cog(folder: Path, name: str, value: int) -> str:
    """A small single-value COG in UTM 42N; returns its path."""
    source = write_geotiff(folder / f"{name}-source.tif", np.full((1, 64, 64), value, dtype="uint8"))
    rasters.cog_write(source, str(folder / f"{name}.tif"), workdir=folder)
    return str(folder / f"{name}.tif")


def _centre_tile(uri: str):
    with Reader(uri) as cog:
        west, south, east, north = transform_bounds(cog.crs, "EPSG:4326", *cog.bounds)
        return cog.tms.tile((west + east) / 2, (south + north) / 2, cog.maxzoom)


def _tile_values(uri: str, tile) -> set[int]:
    body = raster_tiles.tile_png(uri, tile.z, tile.x, tile.y, bands=[1], rescale=[0, 255])
    pixels = np.asarray(Image.open(io.BytesIO(body)))
    return set(np.unique(pixels[..., 0][pixels[..., -1] > 0]).tolist())


def test_kept_open_cogs_follow_a_replaced_file_and_close_when_evicted(tmp_path):
    raster_tiles.close_open_cogs()
    uri = _cog(tmp_path, "site", 40)
    tile = _centre_tile(uri)
    assert _tile_values(uri, tile) == {40}
    first = next(iter(raster_tiles._open_cogs.readers.values())).dataset
    os.replace(_cog(tmp_path, "replacement", 200), uri)  # a re-ingest writes the same path anew
    assert _tile_values(uri, tile) == {200}
    assert first.closed and len(raster_tiles._open_cogs.readers) == 1
    others = [_cog(tmp_path, f"other-{n}", 10 + n) for n in range(raster_tiles.OPEN_COGS_PER_THREAD)]
    kept = next(iter(raster_tiles._open_cogs.readers.values())).dataset
    for other in others:
        _tile_values(other, _centre_tile(other))
    assert kept.closed and len(raster_tiles._open_cogs.readers) == raster_tiles.OPEN_COGS_PER_THREAD
    raster_tiles.close_open_cogs()


def test_rendered_tiles_are_kept_within_their_budget_and_a_replaced_cog_renders_anew(tmp_path):
    raster_tiles.close_open_cogs()
    uri = _cog(tmp_path, "site", 40)
    tile = _centre_tile(uri)

    def render(rescale, budget=1 << 20):
        return raster_tiles.tile_png(uri, tile.z, tile.x, tile.y, bands=[1], rescale=rescale, cache_bytes=budget)

    first = render([0, 255])
    assert render([0, 255]) is first  # the same bytes object: answered from the rendered tiles
    assert render([0, 255], budget=0) is not first  # no budget: rendered anew
    os.replace(_cog(tmp_path, "replacement", 200), uri)  # a re-ingest writes the same path anew
    replaced = render([0, 255])
    assert replaced is not first and _tile_values(uri, tile) == {200}
    other = render([0, 100], budget=len(replaced) + 1)  # room for one tile only: the older goes
    assert raster_tiles._rendered_tiles.size <= len(replaced) + 1 and render([0, 100]) is other
    assert render([0, 255]) is not replaced
    raster_tiles.close_open_cogs()
