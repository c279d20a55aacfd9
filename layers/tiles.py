"""Vector tiles built in PostGIS with ST_AsMVT over ST_TileEnvelope, honouring the caller's audience.

Projects below AGGREGATE_BELOW_ZOOM come as grid clusters (count and mean progress
per cell), so a whole-country view never ships every project.
"""
from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings

from camera_sites.selectors import online_sql
from geotrack.core.sql import Sql
from projects.access import Audience
from projects.health import health_sql, health_today

LAYERS = ("projects", "cameras", "regions")
EXTENT = 4096
BUFFER = 64

_BOUNDS = """bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
                              ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326) AS tile4326)"""

_PROJECTS_SQL = """
WITH {bounds}
SELECT ST_AsMVT(t, 'projects', {extent}, 'geom', 'id') FROM (
    SELECT p.id, p.title, {health} AS health, p.status, p.physical_progress::float8 AS progress,
        ST_AsMVTGeom(ST_Simplify(ST_Transform(p.geom, 3857), %(tolerance)s), bounds.tile, {extent}, {buffer}, true)
            AS geom
    FROM projects_project p, bounds
    WHERE p.geom && bounds.tile4326 AND {visible} AND p.status <> 'cancelled'
) t WHERE t.geom IS NOT NULL
"""

# Clusters group the stored Web Mercator anchor of each project (a generated column,
# see projects migration 0005) into square cells of CLUSTER_PX screen pixels.
_PROJECT_CLUSTERS_SQL = """
WITH {bounds},
cells AS (
    SELECT floor(ST_X(p.anchor) / %(cell)s) AS cx, floor(ST_Y(p.anchor) / %(cell)s) AS cy,
        count(*) AS count, avg(ST_X(p.anchor)) AS x, avg(ST_Y(p.anchor)) AS y,
        avg(p.physical_progress)::float8 AS progress,
        count(*) FILTER (WHERE {health} IN ('at_risk', 'overdue')) AS lagging
    FROM projects_project p, bounds
    WHERE p.anchor && bounds.tile AND {visible} AND p.status <> 'cancelled'
    GROUP BY 1, 2
)
SELECT ST_AsMVT(t, 'project_clusters', {extent}, 'geom') FROM (
    SELECT count, round(progress::numeric, 1)::float8 AS progress, lagging,
        ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(x, y), 3857), bounds.tile, {extent}, {buffer}, true) AS geom
    FROM cells, bounds
) t WHERE t.geom IS NOT NULL
"""

_CAMERAS_SQL = """
WITH {bounds}
SELECT ST_AsMVT(t, 'cameras', {extent}, 'geom', 'id') FROM (
    SELECT c.id, c.label, {status} AS status,
        ST_AsMVTGeom(ST_Transform(c.location, 3857), bounds.tile, {extent}, {buffer}, true) AS geom
    FROM camera_sites_camera c, bounds
    WHERE c.location && bounds.tile4326 AND {visible}
) t WHERE t.geom IS NOT NULL
"""

_REGIONS_SQL = """
WITH {bounds}
SELECT ST_AsMVT(t, 'regions', {extent}, 'geom') FROM (
    SELECT r.iso_code, r.name_en, r.name_ru, r.name_kk,
        ST_AsMVTGeom(ST_Simplify(ST_Transform(CASE WHEN %(z)s >= 8 THEN r.boundary ELSE r.boundary_simplified END,
                                               3857), %(tolerance)s), bounds.tile, {extent}, {buffer}, true) AS geom
    FROM projects_region r, bounds
    WHERE r.boundary_simplified && bounds.tile4326
) t WHERE t.geom IS NOT NULL
"""


CLUSTER_PX = 48
WORLD_M = 40075016.68557849


def pixel_size(z: int) -> float:
    """Size of one tile-extent unit in Web Mercator metres at zoom z."""
    return WORLD_M / (2 ** z) / EXTENT


def screen_pixel_size(z: int) -> float:
    """Size of one screen pixel (256 px tiles) in Web Mercator metres at zoom z."""
    return WORLD_M / (2 ** z) / 256


def clustered(layer: str, z: int) -> bool:
    """Whether a tile of this layer and zoom carries clusters (many projects) rather than features."""
    return layer == "projects" and z < settings.GEOTRACK["TILE_AGGREGATE_BELOW_ZOOM"]


def tile_sql(*, layer: str, z: int, x: int, y: int, audience: Audience) -> Sql:
    """The one statement that builds a tile of a layer."""
    tile = {"z": z, "x": x, "y": y}
    if layer == "projects":
        cluster = clustered(layer, z)
        template = _projects_statement(cluster, (audience.role, audience.region_ids, audience.agency_ids,
                                                 audience.authenticated), health_today(), _health_settings())
        scale = {"cell": screen_pixel_size(z) * CLUSTER_PX} if cluster else {"tolerance": pixel_size(z)}
        return Sql(template.text, {**template.params, **tile, **scale})
    constants = {"bounds": Sql(_BOUNDS, tile), "extent": str(EXTENT), "buffer": str(BUFFER)}
    if layer == "cameras":
        return Sql(_CAMERAS_SQL).format(status=online_sql("c", now=audience.now),
                                        visible=audience.sql("camera", "c"), **constants)
    return Sql(_REGIONS_SQL, {**tile, "tolerance": pixel_size(z)}).format(**constants)


def _health_settings() -> tuple:
    return settings.GEOTRACK["AT_RISK_LAG_POINTS"], settings.GEOTRACK["STALE_REPORT_DAYS"], settings.TIME_ZONE


@functools.lru_cache(maxsize=256)
def _projects_statement(cluster: bool, reader: tuple, today: dt.date, health_settings: tuple) -> Sql:
    """The projects' tile statement for one kind of reader and day, without the tile's own values.

    Composing it costs more than running the prepared statement at high zoom, and it changes only with
    the reader (role, regions, agencies, signed in: what the access rule reads; the project rule does
    not read the clock), the day and the health thresholds, which are all in the key. Its tile values
    (z, x, y, and the simplification tolerance or the cluster cell) are zeros that each tile replaces.
    """
    role, region_ids, agency_ids, authenticated = reader
    audience = Audience(role=role, region_ids=region_ids, agency_ids=agency_ids, authenticated=authenticated)
    visible = audience.sql("project", "p")
    if "access_now" in visible.params:
        raise RuntimeError("the project rule reads the clock: its tile statement cannot be kept for the day")
    template = _PROJECT_CLUSTERS_SQL if cluster else _PROJECTS_SQL
    values = {"z": 0, "x": 0, "y": 0, "cell" if cluster else "tolerance": 0.0}  # each tile replaces these
    return Sql(template, values).format(health=health_sql(alias="p", today=today), visible=visible,
                                        bounds=Sql(_BOUNDS, values), extent=str(EXTENT), buffer=str(BUFFER))


def tile_bytes(*, layer: str, z: int, x: int, y: int, audience: Audience) -> bytes:
    """Return one Mapbox Vector Tile for a layer, built entirely in PostGIS."""
    return bytes(tile_sql(layer=layer, z=z, x=x, y=y, audience=audience).value(prepare=True))
