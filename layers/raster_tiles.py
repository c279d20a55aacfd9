"""Raster tiles: the PNG of one web tile of our COGs, and what reading one costs.

Local COGs that tiles read stay open per thread in a small LRU (_OpenCogs, closed on eviction), beside
the PNGs of tiles rendered (_RenderedTiles, when the caller gives them a budget). GDAL opens them with
the one driver (GTiff) and, for local files, follows no references (layers.rasters.LOCAL_TILE_ENV).
The PNG holds the pixels rio-tiler's default render gives (png_bytes). Nothing here reads Django
settings: callers pass the budget in.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import rasterio
from rio_tiler import errors as rio_tiler_errors
from rio_tiler.io import Reader
from rio_tiler.models import ImageData

from layers.rasters import GDAL_READ_ENV, LOCAL_TILE_ENV, TILE_ENV, UPLOAD_DRIVER, TileOutsideBounds

# zlib level of the tiles' PNGs. GDAL's default, 6, spends 2-3 times the CPU of level 4 for the same
# size on our tiles (level 4 is zlib's first with lazy matching; 1-3 give 12-25% larger PNGs):
# bench/raster_tiles/README.md, "PNG encoding".
PNG_ZLEVEL = 4


def png_bytes(image: ImageData) -> bytes:
    """Return the PNG of a tile: rio-tiler's render (GDAL's PNG driver) at PNG_ZLEVEL.

    The pixels are those of rio-tiler's default render, whatever the bands and data type: the same
    call does the same post-processing (the mask or alpha band as alpha, 16-bit or rescaled to 8-bit);
    only the zlib level differs.
    """
    return image.render(img_format="PNG", ZLEVEL=PNG_ZLEVEL)


def tile_png(uri: str, z: int, x: int, y: int, *, bands: Sequence[int], rescale: Sequence[float] | None,
             cache_bytes: int = 0) -> bytes:
    """Return a 256 px PNG tile; pixels outside the data (mask or nodata) are transparent.

    cache_bytes > 0: keep the PNGs of local COGs rendered here, up to that many bytes per process
    (_RenderedTiles), and answer a tile rendered before from them. The caller checks access first.
    """
    key = None
    if cache_bytes > 0 and not uri.startswith("/vsi"):
        stat = os.stat(uri)
        key = (uri, stat.st_ino, stat.st_mtime_ns, stat.st_size, z, x, y, tuple(bands),
               tuple(rescale) if rescale else None)
        if (png := _rendered_tiles.get(key)) is not None:
            return png
    with _tile_reader(uri) as cog:
        try:
            image = cog.tile(x, y, z, indexes=list(bands))
        except rio_tiler_errors.TileOutsideBounds:
            raise TileOutsideBounds(f"Tile {z}/{x}/{y} lies outside the image.") from None
    if rescale:
        image.rescale(in_range=[tuple(rescale)] * image.count)
    png = png_bytes(image)
    if key is not None:
        _rendered_tiles.put(key, png, max_bytes=cache_bytes)
    return png


class _RenderedTiles:
    """PNG tiles this process rendered, least recently used out beyond a byte budget.

    Keyed by the COG's path and file identity (inode, mtime, size), the tile and the bands and range:
    a COG replaced on disk gets new keys, and its old tiles age out. What a TiTiler deployment gets
    from a tile cache in front of it; the access rule is checked before a tile is asked for, as ever.
    """

    def __init__(self) -> None:
        self.tiles: OrderedDict[tuple, bytes] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self.lock:
            png = self.tiles.get(key)
            if png is not None:
                self.tiles.move_to_end(key)
            return png

    def put(self, key: tuple, png: bytes, *, max_bytes: int) -> None:
        with self.lock:
            if key in self.tiles:
                self.size -= len(self.tiles.pop(key))
            self.tiles[key] = png
            self.size += len(png)
            while self.size > max_bytes and self.tiles:
                self.size -= len(self.tiles.popitem(last=False)[1])

    def clear(self) -> None:
        with self.lock:
            self.tiles.clear()
            self.size = 0


_rendered_tiles = _RenderedTiles()


class _OpenCogs(threading.local):
    """The COGs this thread read tiles from last, kept open: a tile would otherwise pay for an open and
    a header parse, and lose the blocks GDAL had cached for the dataset.

    Keyed by path and file identity (inode, mtime, size), so a COG replaced on disk is opened afresh;
    the least recently used is closed beyond OPEN_COGS_PER_THREAD. One cache per thread: a rasterio
    dataset must not be read from two threads at once (gunicorn's sync workers have one thread).
    """

    def __init__(self) -> None:
        self.readers: OrderedDict[tuple, Reader] = OrderedDict()


OPEN_COGS_PER_THREAD = 8
_open_cogs = _OpenCogs()


@contextmanager
def _tile_reader(uri: str) -> Iterator[Reader]:
    """Yield a rio-tiler Reader of one of our COGs, GTiff driver only, inside its rasterio.Env.

    Local COGs stay open between tiles (_OpenCogs); object-store URIs (/vsis3/) are opened per tile.
    """
    if uri.startswith("/vsi"):
        with rasterio.Env(**TILE_ENV), rasterio.open(uri, driver=UPLOAD_DRIVER) as dataset, \
                Reader(uri, dataset=dataset) as cog:
            yield cog
        return
    with rasterio.Env(**LOCAL_TILE_ENV):
        yield _kept_open(uri)


def _kept_open(uri: str) -> Reader:
    stat = os.stat(uri)
    key = (uri, stat.st_ino, stat.st_mtime_ns, stat.st_size)
    readers = _open_cogs.readers
    cog = readers.pop(key, None)
    if cog is None:
        for stale in [other for other in readers if other[0] == uri]:
            readers.pop(stale).dataset.close()
        cog = Reader(uri, dataset=rasterio.open(uri, driver=UPLOAD_DRIVER))
    readers[key] = cog
    while len(readers) > OPEN_COGS_PER_THREAD:
        readers.popitem(last=False)[1].dataset.close()
    return cog


def close_open_cogs() -> None:
    """Close the COGs this thread keeps open and forget the rendered tiles (tests; a worker's go when it exits)."""
    while _open_cogs.readers:
        _open_cogs.readers.popitem()[1].dataset.close()
    _rendered_tiles.clear()


class _CountingFile:
    """A file object that records the byte ranges GDAL reads through it (rasterio's opener)."""

    def __init__(self, path: str, ranges: list[tuple[int, int]]):
        self._file = open(path, "rb")  # noqa: SIM115 (closed through close() or __exit__)
        self._ranges = ranges

    def read(self, size: int = -1) -> bytes:
        start = self._file.tell()
        chunk = self._file.read(size)
        self._ranges.append((start, start + len(chunk)))
        return chunk

    def __getattr__(self, name):
        return getattr(self._file, name)

    def __enter__(self) -> _CountingFile:
        return self

    def __exit__(self, *exc_info) -> None:
        self._file.close()


def _distinct_bytes(ranges: list[tuple[int, int]]) -> int:
    """Return the size of the union of byte ranges (GDAL may read a range more than once)."""
    total, reach = 0, 0
    for start, end in sorted(ranges):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def tile_bytes_read(uri: str, z: int, x: int, y: int, *, bands: Sequence[int], overviews: bool) -> int:
    """Return how many distinct bytes of a local COG one tile read touches, with or without overviews.

    OVERVIEW_LEVEL=NONE hides the overviews from GDAL, so the tile is decimated from
    full resolution: the difference is what the overviews save.
    """
    ranges: list[tuple[int, int]] = []
    options = {} if overviews else {"OVERVIEW_LEVEL": "NONE"}
    with rasterio.Env(**GDAL_READ_ENV), rasterio.open(
            uri, opener=lambda path, mode="rb": _CountingFile(path, ranges), **options) as dataset:
        with Reader(uri, dataset=dataset) as cog:
            cog.tile(x, y, z, indexes=list(bands))
    return _distinct_bytes(ranges)
