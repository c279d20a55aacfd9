"""Raster tiles: geotrack over HTTP against the raster floor, plus the overview evidence.

The floor is in-process rio-tiler on the same COG with the same bands and rescale:
`reader.tile(x, y, z, indexes=...)`, `.rescale(...)`, `.render("PNG")`, where `reader` is a rio-tiler
`Reader` over a rasterio dataset opened ONCE and kept open across tiles, inside the same rasterio.Env
(GDAL settings) geotrack reads tiles with. geotrack keeps each worker's recently read COGs open too
(layers/raster_tiles.py, _OpenCogs), so this is the like-for-like floor; until issue 17 geotrack opened the
COG per tile and the floor did as well (`with Reader(cog) as reader` per tile). The floor renders with
rio-tiler's defaults (GDAL's PNG driver, zlib level 6); geotrack renders the same image at zlib level 4
(layers/raster_tiles.py, png_bytes), so the bytes differ but the decoded image must not (the "same pixels"
column: PNG header and GDAL-decoded pixels equal); both sizes and their ratio are printed. Target: <= 1.2x
at every zoom. geotrack runs under gunicorn
(2 sync workers, 127.0.0.1) against the dev database's first ready public image (the demo's
synthetic COGs, written by rio-cogeo's Python call with 512 px blocks; ingested COGs use 256 px).
Tiles: the footprint's centre at the COG's min zoom, middle zoom and max zoom, interleaved
(HTTP, floor, HTTP, floor ...), warm, ROUNDS rounds; medians and ratios are printed.

Run: .venv/bin/python -m bench.raster_tiles.run   (needs `make run`'s database with the demo)
"""
from __future__ import annotations

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geotrack.settings")
django.setup()

import warnings  # noqa: E402

import numpy as np  # noqa: E402
import rasterio  # noqa: E402
from rasterio.errors import NotGeoreferencedWarning  # noqa: E402
from rasterio.io import MemoryFile  # noqa: E402
from rio_tiler.io import Reader  # noqa: E402

from bench.common import REPO, VENV_BIN, free_port, http_get, interleaved, median, start_server, stop_server  # noqa: E402
from layers import raster_tiles, rasters  # noqa: E402
from layers.models import Imagery  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "9"))


TARGET = 1.2
# Two servers in turn: every tile rendered (no rendered-tile cache), then geotrack as configured by default,
# where a tile asked again is answered from the worker's rendered PNGs. The floor renders every time in both.
RUNS = (("cold: every request renders its tile", "0"),
        ("repeated request: the worker's rendered-tile cache (default budget)",
         os.environ.get("RASTER_TILE_CACHE_MB", "32")))


def floor_tile(cog: Reader, z: int, x: int, y: int, bands: list[int], rescale: list[float] | None) -> bytes:
    with rasterio.Env(**rasters.LOCAL_TILE_ENV):
        image = cog.tile(x, y, z, indexes=bands)
    if rescale:
        image.rescale(in_range=[tuple(rescale)] * image.count)
    return image.render(img_format="PNG")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def same_pixels(png: bytes, floor: bytes) -> bool:
    """The same image: equal PNG headers (size, bit depth, colour type) and equal pixels as GDAL decodes them."""
    if png[:26] != floor[:26]:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile(png) as ours, ours.open() as image, MemoryFile(floor) as theirs, theirs.open() as expected:
            return bool(np.array_equal(image.read(), expected.read()))


def run_server(label: str, cache_mb: str, imagery, tiles, floor_reader, bands, rescale) -> None:
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG"}}
    env.update(DEBUG="0", PYTHONPATH=str(REPO), DJANGO_SETTINGS_MODULE="geotrack.settings",
               RASTER_TILE_CACHE_MB=cache_mb)
    port = free_port()
    argv = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "sync",
            "--timeout", "60", "--log-level", "warning", "geotrack.wsgi:application"]
    server = start_server("raster-tiles", argv, port=port, env=env, ready_path="/healthz", timeout=60)
    try:
        print(f"\n{label} (RASTER_TILE_CACHE_MB={cache_mb}; load average {_load()})")
        print(f"{'zoom':<8}{'tile':<18}{'HTTP ms':>9}{'floor ms':>10}{'ratio':>7}{'target':>8}"
              f"{'same pixels':>13}{'PNG bytes':>11}{'floor bytes':>13}{'size':>7}")
        for name, tile in tiles.items():
            path = f"/tiles/imagery/{imagery.pk}/{tile.z}/{tile.x}/{tile.y}.png"
            reply = http_get(server.url(path))
            floor_png = floor_tile(floor_reader, tile.z, tile.x, tile.y, bands, rescale)
            identical = reply.status == 200 and same_pixels(reply.body, floor_png)

            def over_http(path=path) -> float:
                return http_get(server.url(path)).seconds

            def in_process(tile=tile) -> float:
                started = time.perf_counter()
                floor_tile(floor_reader, tile.z, tile.x, tile.y, bands, rescale)
                return time.perf_counter() - started

            times = interleaved({"http": over_http, "floor": in_process}, rounds=ROUNDS)
            http_ms, floor_ms = median(times["http"]) * 1000, median(times["floor"]) * 1000
            print(f"{name:<8}{f'{tile.z}/{tile.x}/{tile.y}':<18}{http_ms:>9.2f}{floor_ms:>10.2f}"
                  f"{http_ms / floor_ms:>7.2f}{f'<= {TARGET}':>8}{str(identical):>13}{len(reply.body):>11}"
                  f"{len(floor_png):>13}{len(reply.body) / len(floor_png):>7.3f}")
    finally:
        stop_server(server)


def demo_tiles() -> tuple[Imagery, list[int], list[float] | None, dict]:
    """The dev database's first ready public image, its bands and range, and the tiles at its centre at the
    COG's low, middle and high zoom (also png_encoders.py's tiles)."""
    imagery = Imagery.objects.filter(status="ready", is_public=True).order_by("id").first()
    if imagery is None:
        sys.exit("No ready public imagery in the dev database: run `make demo` first.")
    lon, lat = imagery.footprint.centroid.coords
    with rasterio.Env(**rasters.LOCAL_TILE_ENV), Reader(imagery.cog_uri) as cog:
        zooms = {"low": cog.minzoom, "middle": (cog.minzoom + cog.maxzoom) // 2, "high": cog.maxzoom}
        tiles = {name: cog.tms.tile(lon, lat, z) for name, z in zooms.items()}
    return imagery, list(imagery.default_bands), imagery.default_rescale or None, tiles


def main() -> None:
    imagery, bands, rescale, tiles = demo_tiles()
    with rasterio.Env(**rasters.LOCAL_TILE_ENV):
        floor_dataset = rasterio.open(imagery.cog_uri, driver=rasters.UPLOAD_DRIVER)
    floor_reader = Reader(imagery.cog_uri, dataset=floor_dataset)
    print(f"image {imagery.pk}: {imagery.title} ({imagery.cog_uri}), bands {bands}, rescale {rescale}")
    try:
        for label, cache_mb in RUNS:
            run_server(label, cache_mb, imagery, tiles, floor_reader, bands, rescale)
    finally:
        floor_dataset.close()
    print("\nOverviews: distinct bytes of the COG read for one tile (bands as above)")
    print(f"{'zoom':<8}{'with overviews':>16}{'without':>12}{'saving':>9}")
    for name, tile in tiles.items():
        with_overviews, without = (raster_tiles.tile_bytes_read(imagery.cog_uri, tile.z, tile.x, tile.y, bands=bands,
                                                                overviews=overviews) for overviews in (True, False))
        print(f"{name:<8}{with_overviews:>16}{without:>12}{without / with_overviews:>8.1f}x")
    print(f"({ROUNDS} interleaved rounds after 2 warm-up rounds; medians; load average now {_load()})")


if __name__ == "__main__":
    main()
