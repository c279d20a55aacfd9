"""The bench database geotrack_bench_tiles, grown in steps (300, 100k, 1M projects), and tile maths.

It reuses bench/api_geojson/dataset.py (migrate, regions, agency, the generate_series INSERT and
the point-in-polygon region join) with its database name pointed at our own database.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import psycopg

from bench.api_geojson import dataset, servers

DB_NAME = "geotrack_bench_tiles"
# The colleague's helpers read these module globals at call time; point them at our database.
dataset.DB_NAME = servers.DB_NAME = DB_NAME

CITIES = {"Astana": (71.43, 51.13), "Almaty": (76.89, 43.24), "Karaganda": (73.10, 49.81)}
CITY_SHARE = 0.2  # of every batch, spread uniformly over a box of +-CITY_HALF_DEG around the cities
CITY_HALF_DEG = 0.3


def connect(folder: Path) -> psycopg.Connection:
    """A persistent connection with the options geotrack's Django connection uses (jit off)."""
    return psycopg.connect(host=str(folder), dbname=DB_NAME, user="postgres", autocommit=True,
                           options="-c jit=off")


def create(folder: Path) -> int:
    """Drop and create the database, migrate it, load regions and one agency; return the agency id."""
    started = time.perf_counter()
    dataset.recreate_database(folder)
    dataset.migrate(folder)
    with connect(folder) as conn:
        dataset.load_regions(conn)
        agency = dataset.load_agency(conn)
    print(f"  database {DB_NAME}: created and migrated in {time.perf_counter() - started:.1f} s")
    return agency


def _insert(conn: psycopg.Connection, n: int, agency: int, box: tuple[float, float, float, float]) -> None:
    minlon, minlat, maxlon, maxlat = box
    conn.execute(dataset._PROJECTS_SQL, {
        "n": n, "agency": agency, "sectors": list(dataset.SECTORS), "n_sectors": len(dataset.SECTORS),
        "statuses": list(dataset.STATUSES), "n_statuses": len(dataset.STATUSES),
        "minlon": minlon, "minlat": minlat, "maxlon": maxlon, "maxlat": maxlat,
    })


def grow(folder: Path, agency: int, total: int) -> None:
    """Add projects up to `total` (80% uniform over Kazakhstan, 20% around three cities), relink, analyse."""
    started = time.perf_counter()
    with connect(folder) as conn:
        have = conn.execute("SELECT count(*) FROM projects_project").fetchone()[0]
        add = total - have
        per_city = int(add * CITY_SHARE / len(CITIES))
        _insert(conn, add - per_city * len(CITIES), agency, dataset.KZ_BBOX)
        for lon, lat in CITIES.values():
            _insert(conn, per_city, agency, (lon - CITY_HALF_DEG, lat - CITY_HALF_DEG,
                                             lon + CITY_HALF_DEG, lat + CITY_HALF_DEG))
        generated = time.perf_counter()
        conn.execute("TRUNCATE projects_projectregion")
        conn.execute(dataset._LINK_REGIONS_SQL)  # one point-in-polygon join for every project
        linked = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        count = conn.execute("SELECT count(*) FROM projects_project").fetchone()[0]
    print(f"  {count} projects: {add} generated in {generated - started:.1f} s, regions linked in "
          f"{linked - generated:.1f} s, VACUUM ANALYZE {time.perf_counter() - linked:.1f} s")


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The XYZ (Web Mercator, y down) tile holding a point."""
    n = 2 ** z
    rad = math.radians(lat)
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0 * n)
    return z, x, y


def city_tiles(zooms: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """The tiles holding each city's centre at each zoom, without duplicates, in zoom order."""
    tiles: list[tuple[int, int, int]] = []
    for z in zooms:
        for lon, lat in CITIES.values():
            tile = tile_of(lon, lat, z)
            if tile not in tiles:
                tiles.append(tile)
    return tiles
