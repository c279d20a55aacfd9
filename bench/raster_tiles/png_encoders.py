"""PNG encoders for a raster tile: CPU time and size against rio-tiler's default render, same pixels.

In-process, on the tiles bench/raster_tiles/run.py serves (the dev database's first ready public image,
its default bands and range, the footprint's centre at min, middle and max zoom). Each encoder turns the
same rio-tiler ImageData into a PNG; the PNG is decoded (Pillow) and must give the floor's pixels and
mode. Times are CPU time (`time.process_time`) of REPEATS encodes, in ROUNDS interleaved rounds (every
encoder once per round); medians per tile.

The floor is `image.render("PNG")`: GDAL's PNG driver (libpng, zlib level 6). Extra encoders, when they
are importable (from a scratch folder named by CANDIDATES_PATH, not from the project's dependencies):
imagecodecs (libpng / libspng) and fpng.

Run: .venv/bin/python -m bench.raster_tiles.png_encoders   (needs `make demo`)
"""
from __future__ import annotations

import io
import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geotrack.settings")
django.setup()

import numpy as np  # noqa: E402
import rasterio  # noqa: E402
from PIL import Image, features  # noqa: E402
from rio_tiler.io import Reader  # noqa: E402

from bench.raster_tiles.run import demo_tiles  # noqa: E402
from layers import raster_tiles, rasters  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "9"))
FLOOR = "floor: rio-tiler render (GDAL, ZLEVEL 6)"
REPEATS = int(os.environ.get("REPEATS", "20"))
if os.environ.get("CANDIDATES_PATH"):
    sys.path.append(os.environ["CANDIDATES_PATH"])


def _pixels(image) -> np.ndarray:
    """The rows x columns x (bands + alpha) array rio-tiler's PNG carries (uint8 tiles)."""
    return np.ascontiguousarray(np.moveaxis(np.concatenate([image.data, image.mask[None]]), 0, -1))


def _pillow(level: int, optimize: bool = False):
    def encode(image) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(_pixels(image)).save(buffer, format="PNG", compress_level=level, optimize=optimize)
        return buffer.getvalue()
    return encode


def encoders() -> dict:
    found = {FLOOR: lambda image: image.render(img_format="PNG")}
    for level in (3, 4, 5):
        found[f"rio-tiler render, GDAL ZLEVEL={level}"] = lambda image, level=level: image.render(
            img_format="PNG", ZLEVEL=level)
    for level in (3, 4, 5, 6):
        found[f"Pillow (zlib-ng) level {level}"] = _pillow(level)
    found["Pillow optimize (level 9)"] = _pillow(9, optimize=True)
    try:
        import imagecodecs
    except ImportError:
        pass
    else:
        for level in (4, 6):
            found[f"imagecodecs libpng level {level}"] = lambda image, level=level: imagecodecs.png_encode(
                _pixels(image), level=level)
        found["imagecodecs libspng level 4"] = lambda image: imagecodecs.spng_encode(_pixels(image), level=4)
    try:
        import fpng
    except ImportError:
        pass
    else:
        found["fpng"] = lambda image: fpng.from_ndarray(_pixels(image))
    found["geotrack raster_tiles.png_bytes"] = raster_tiles.png_bytes
    return found


def decoded(png: bytes) -> tuple[str, np.ndarray]:
    with Image.open(io.BytesIO(png)) as picture:
        return picture.mode, np.asarray(picture)


def main() -> None:
    imagery, bands, rescale, tiles = demo_tiles()
    print(f"Pillow {Image.__version__}, zlib-ng in Pillow: {features.check_feature('zlib_ng')} "
          f"({features.version_feature('zlib_ng')}); {ROUNDS} rounds x {REPEATS} encodes; load {os.getloadavg()}")
    with rasterio.Env(**rasters.LOCAL_TILE_ENV), Reader(imagery.cog_uri) as cog:
        for name, tile in tiles.items():
            image = cog.tile(tile.x, tile.y, tile.z, indexes=bands)
            if rescale:
                image.rescale(in_range=[tuple(rescale)] * image.count)
            _compare(name, tile, image, encoders())
    print(f"(load average after: {os.getloadavg()})")


def _compare(name: str, tile, image, found: dict) -> None:
    floor = found[FLOOR](image)
    mode, pixels = decoded(floor)
    times = {label: [] for label in found}
    for _ in range(ROUNDS):
        for label, encode in found.items():
            started = time.process_time()
            for _ in range(REPEATS):
                encode(image)
            times[label].append((time.process_time() - started) / REPEATS)
    floor_ms = statistics.median(times[FLOOR]) * 1000
    print(f"\n{name} {tile.z}/{tile.x}/{tile.y}: floor {len(floor)} bytes, {mode}")
    print(f"{'encoder':<42}{'CPU ms':>8}{'x floor':>9}{'bytes':>9}{'size x':>8}{'same pixels':>13}")
    for label, encode in found.items():
        png = encode(image)
        other_mode, other = decoded(png)
        same = other_mode == mode and np.array_equal(other, pixels)
        cpu_ms = statistics.median(times[label]) * 1000
        print(f"{label:<42}{cpu_ms:>8.2f}{cpu_ms / floor_ms:>9.2f}{len(png):>9}{len(png) / len(floor):>8.3f}"
              f"{str(same):>13}")


if __name__ == "__main__":
    main()
