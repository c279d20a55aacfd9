"""Raster tiles: a tile's PNG decodes to exactly the pixels of rio-tiler's default render.

geotrack writes tile PNGs at another zlib level than rio-tiler's default (layers/raster_tiles.py,
png_bytes); the bytes differ, the image may not: same PNG colour type and bit depth, same pixels,
alpha (from the COG's mask or nodata) included.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import rasterio
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from rest_framework.test import APIClient
from rio_tiler.errors import InvalidDatatypeWarning
from rio_tiler.io import Reader

from layers import raster_tiles
from layers.models import Imagery
from tests.layers.test_imagery import ingest, write_geotiff

SIZE = 512


def decoded(png: bytes) -> tuple[tuple[int, int], np.ndarray]:
    """Return the PNG's (bit depth, colour type) from its header and its pixels as GDAL decodes them."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile(png) as memory, memory.open() as image:
            return (png[24], png[25]), image.read()


def has_hole(alpha: np.ndarray) -> bool:
    """Whether some row has transparent pixels between opaque ones: nodata inside the image, not its margin."""
    for row in alpha:
        opaque = np.flatnonzero(row)
        if opaque.size and (row[opaque[0]:opaque[-1]] == 0).any():
            return True
    return False


def scene(folder, name: str, dtype: str, bands: int, nodata: float | None) -> Imagery:
    """Ingest a public image of noise with a square of nodata (when given) in its middle."""
    generator = np.random.default_rng(17)
    info = np.finfo(dtype) if np.dtype(dtype).kind == "f" else np.iinfo(dtype)
    low, high = (0, 1000) if np.dtype(dtype).kind == "f" else (max(info.min, 1), min(info.max, 3000))
    pixels = generator.uniform(low, high, (bands, SIZE, SIZE)).astype(dtype)
    pixels[:, 40:80, :] = np.linspace(low, high, SIZE, dtype="float64").astype(dtype)  # a smooth band too
    path = write_geotiff(folder / f"{name}.tif", pixels)
    if nodata is not None:
        with rasterio.open(path, "r+") as dataset:
            dataset.nodata = nodata
            block = dataset.read()
            block[:, 200:330, 180:320] = nodata
            dataset.write(block)
    imagery = ingest(path, is_public=True)
    assert imagery.status == Imagery.Status.READY, imagery.error
    return imagery


def centre_tile(imagery: Imagery, zoom_offset: int = 0):
    with Reader(imagery.cog_uri) as cog:
        return cog.tms.tile(*imagery.footprint.centroid.coords, cog.minzoom + zoom_offset)


def rio_tiler_default(imagery: Imagery, tile, bands: list[int], rescale: list[float] | None) -> bytes:
    """The floor: rio-tiler's tile, rescale and default render("PNG"), as its docs show."""
    with Reader(imagery.cog_uri) as cog:
        image = cog.tile(tile.x, tile.y, tile.z, indexes=bands)
    if rescale:
        image.rescale(in_range=[tuple(rescale)] * image.count)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InvalidDatatypeWarning)
        return image.render(img_format="PNG")


@pytest.mark.django_db
@pytest.mark.parametrize(("dtype", "bands", "nodata", "header"), [
    ("uint8", 3, None, (8, 6)),  # RGB + alpha, the mask from the margin the warp adds
    ("uint16", 1, 0, (8, 4)),  # grey + alpha: rescaled to 8 bits, nodata inside the image
    ("float32", 1, -9999.0, (8, 4)),
])
def test_a_tile_decodes_to_the_pixels_of_rio_tilers_default_render(regions, tmp_path, dtype, bands, nodata,
                                                                  header):
    imagery = scene(tmp_path, dtype, dtype, bands, nodata)
    api = APIClient()
    for zoom_offset, query in ((0, {}), (1, {}), (0, {"rescale": "100,900"})):
        tile = centre_tile(imagery, zoom_offset)
        response = api.get(f"/tiles/imagery/{imagery.pk}/{tile.z}/{tile.x}/{tile.y}.png", query)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        rescale = [100.0, 900.0] if query else imagery.default_rescale
        expected = rio_tiler_default(imagery, tile, list(imagery.default_bands), rescale)
        (got_header, got), (expected_header, pixels) = decoded(response.content), decoded(expected)
        assert got_header == expected_header == header
        assert got.shape == pixels.shape == (bands + 1, 256, 256) and np.array_equal(got, pixels)
        alpha = pixels[-1]
        assert (alpha == 0).any() and (alpha == 255).any()  # the margin (or the hole) and the data
        if nodata is not None and zoom_offset == 0:
            assert has_hole(alpha)


@pytest.mark.django_db
def test_tiles_without_a_display_range_keep_rio_tilers_pixels_at_16_bits_and_from_floats(regions, tmp_path):
    for dtype, header in (("uint16", (16, 4)), ("float32", (8, 4))):
        imagery = scene(tmp_path, dtype, dtype, 1, 0)
        tile = centre_tile(imagery)
        expected = rio_tiler_default(imagery, tile, [1], None)
        with Reader(imagery.cog_uri) as cog:
            image = cog.tile(tile.x, tile.y, tile.z, indexes=[1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InvalidDatatypeWarning)
            ours = raster_tiles.png_bytes(image)
        (got_header, got), (expected_header, pixels) = decoded(ours), decoded(expected)
        assert got_header == expected_header == header, dtype
        assert np.array_equal(got, pixels) and has_hole(pixels[-1]), dtype
