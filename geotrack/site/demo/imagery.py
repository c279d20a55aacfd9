"""Synthetic before/after imagery of one project site, written as web-optimised COGs.

No package reachable offline ships imagery of Kazakhstan, so the demo paints a plausible
steppe texture (fields, tracks, a town edge) with a seeded numpy generator; the later image
shows earthworks and buildings inside the project outline. Both are labelled "(synthetic)".
"""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from PIL import Image
from rasterio.crs import CRS
from rasterio.features import rasterize
from rasterio.io import MemoryFile
from rasterio.transform import Affine, from_origin
from rasterio.warp import transform, transform_geom
from shapely.geometry import box, mapping
from rio_cogeo.cogeo import cog_translate
from rio_cogeo.profiles import cog_profiles

from layers.change import evidence_refresh
from layers.models import Imagery
from geotrack.site.demo.common import SEED
from projects.models import GeometryType, Project

SIZE = 512
PIXEL_M = 10.0
BANDS = ["Red", "Green", "Blue"]
SOURCE = "Synthetic demo imagery"
DATES = (dt.date(2023, 6, 12), dt.date(2026, 9, 18))
BUILDING_SECTORS = (Project.Sector.HOUSING, Project.Sector.HEALTH, Project.Sector.EDUCATION)
PALETTE = np.array([(150, 140, 100), (95, 122, 62), (112, 92, 70), (188, 170, 122), (132, 146, 88)], dtype=float)


@dataclass(frozen=True)
class Grid:
    crs: CRS
    transform: Affine


def _grid(lon: float, lat: float) -> Grid:
    """Return a SIZE x SIZE grid of PIXEL_M centred on (lon, lat), in the point's UTM zone."""
    crs = CRS.from_epsg(32600 + int((lon + 180) // 6) + 1)
    xs, ys = transform("EPSG:4326", crs, [lon], [lat])
    half = SIZE * PIXEL_M / 2
    return Grid(crs, from_origin(round(xs[0] - half), round(ys[0] + half), PIXEL_M, PIXEL_M))


def _smooth_noise(generator: np.random.Generator, cells: int) -> np.ndarray:
    """Return SIZE x SIZE low-frequency noise in [-1, 1], upsampled from a coarse random grid."""
    coarse = generator.uniform(-1, 1, (cells, cells)).astype(np.float32)
    return np.asarray(Image.fromarray(coarse, mode="F").resize((SIZE, SIZE), Image.Resampling.BICUBIC))


def _fields(generator: np.random.Generator) -> np.ndarray:
    """Return an RGB float image of rectangular field parcels with soil and crop tones."""
    cols = np.cumsum(generator.integers(35, 95, 12))
    rows = np.cumsum(generator.integers(30, 90, 12))
    col_id = np.searchsorted(cols, np.arange(SIZE))
    row_id = np.searchsorted(rows, np.arange(SIZE))
    tones = generator.integers(0, len(PALETTE), (len(rows) + 1, len(cols) + 1))
    image = PALETTE[tones[row_id[:, None], col_id[None, :]]]
    edges = np.zeros((SIZE, SIZE), dtype=bool)
    edges[:, np.clip(cols, 0, SIZE - 1)] = True
    edges[np.clip(rows, 0, SIZE - 1), :] = True
    image[edges] = (165, 155, 125)  # field margins and tracks
    return image


def _roads_and_town(generator: np.random.Generator, image: np.ndarray) -> None:
    """Paint two roads and a block of houses along one edge of the image, in place."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    slope = generator.uniform(-0.6, 0.6)
    image[np.abs(yy - (SIZE * 0.35 + slope * (xx - SIZE / 2))) < 2.2] = (128, 128, 126)
    image[np.abs(xx - generator.integers(60, SIZE - 60)) < 1.6] = (140, 136, 128)
    for _ in range(90):
        y, x = generator.integers(4, 110), generator.integers(4, SIZE - 16)
        h, w = generator.integers(3, 7), generator.integers(3, 9)
        image[y:y + h, x:x + w] = generator.choice([(170, 90, 80), (200, 200, 205), (120, 120, 130)])


def ground(seed: int) -> np.ndarray:
    """Return the base RGB float image of the site: fields, roads, a town edge, texture."""
    generator = np.random.default_rng(seed)
    image = _fields(generator)
    _roads_and_town(generator, image)
    brightness = 14 * _smooth_noise(generator, 8) + 6 * _smooth_noise(generator, 40)
    grain = generator.normal(0, 5, (SIZE, SIZE, 3))
    return image + brightness[..., None] + grain


def _construction(generator: np.random.Generator, image: np.ndarray, footprint: np.ndarray, share: float) -> None:
    """Paint bare soil inside the project outline and buildings on a share of it, in place."""
    image[footprint] = (204, 184, 150) + generator.normal(0, 6, (int(footprint.sum()), 3))
    rows, cols = np.nonzero(footprint)
    top, bottom, left, right = rows.min(), rows.max(), cols.min(), cols.max()
    for y in range(top + 4, bottom - 8, 14):
        for x in range(left + 4, right - 10, 16):
            block = np.zeros_like(footprint)
            block[y:y + 8, x:x + 11] = True
            if (block & footprint).sum() == block.sum() and generator.random() < share:
                image[block] = generator.choice([(224, 224, 228), (96, 104, 118), (176, 178, 182)])


def _footprint_mask(project: Project, grid: Grid) -> np.ndarray:
    """Return a boolean mask of the project outline on the grid."""
    geom = transform_geom("EPSG:4326", grid.crs, json.loads(project.geom.geojson))
    return rasterize([(geom, 1)], out_shape=(SIZE, SIZE), transform=grid.transform, fill=0, dtype="uint8") > 0


def write_cog(pixels: np.ndarray, grid: Grid, path: Path) -> None:
    """Write an RGB uint8 array as a web-optimised, deflate-compressed COG at path."""
    profile = {"driver": "GTiff", "width": SIZE, "height": SIZE, "count": 3, "dtype": "uint8",
               "crs": grid.crs, "transform": grid.transform}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.tif")
    with rasterio.Env(), MemoryFile() as memory:
        with memory.open(**profile) as dataset:
            dataset.write(np.moveaxis(pixels, -1, 0))
            dataset.write_mask(np.full((SIZE, SIZE), 255, dtype=np.uint8))  # so the reprojected margin is masked
            dataset.descriptions = tuple(BANDS)
        with memory.open() as source:
            cog_translate(source, partial, cog_profiles.get("deflate"), web_optimized=True, add_mask=True,
                          zoom_level_strategy="upper", resampling="bilinear", overview_resampling="average",
                          quiet=True, in_memory=True)
    os.replace(partial, path)


def _footprint(grid: Grid) -> GEOSGeometry:
    """Return the generated raster's bounds in EPSG:4326, densified so the UTM edges stay exact."""
    west, north = grid.transform * (0, 0)
    east, south = grid.transform * (SIZE, SIZE)
    outline = box(west, south, east, north).segmentize(SIZE * PIXEL_M / 16)
    return GEOSGeometry(json.dumps(transform_geom(grid.crs, "EPSG:4326", mapping(outline))), srid=4326)


def _record(project: Project, grid: Grid, path: Path, acquired_on: dt.date, label: str) -> Imagery:
    """Describe one written COG as an Imagery row (not saved)."""
    with rasterio.Env(), rasterio.open(path) as dataset:
        count, dtype, descriptions = dataset.count, dataset.dtypes[0], list(dataset.descriptions)
    return Imagery(
        title=f"{project.title} — {label}, {acquired_on:%d.%m.%Y} (synthetic)", acquired_on=acquired_on,
        source=SOURCE, synthetic=True, cog_uri=str(path), footprint=_footprint(grid),
        band_count=count, band_descriptions=[d or name for d, name in zip(descriptions, BANDS, strict=False)],
        default_bands=[1, 2, 3], resolution_m=PIXEL_M, dtype=dtype, is_public=True,
        status=Imagery.Status.READY, project=project, region=project.region,
        created_at=dt.datetime.combine(acquired_on + dt.timedelta(days=3), dt.time(12), tzinfo=dt.UTC),
    )


def imagery_site() -> Project | None:
    """Choose the imaged project: a building site under way in Astana, else Almaty, else any polygon."""
    polygons = Project.objects.annotate(kind_of_geom=GeometryType("geom")).filter(kind_of_geom="POLYGON")
    under_way = {"status": Project.Status.IMPLEMENTATION}
    buildings = {**under_way, "sector__in": BUILDING_SECTORS}
    for scope in ({**buildings, "region__iso_code": "KZ-71"}, {**buildings, "region__iso_code": "KZ-75"},
                  {**under_way, "region__iso_code": "KZ-71"}, {**under_way, "region__iso_code": "KZ-75"}, {}):
        if project := polygons.filter(**scope).select_related("region").order_by("id").first():
            return project
    return None


def imagery_create() -> int:
    """Create the before and after images of one project site; return how many."""
    project = imagery_site()
    if project is None:
        return 0
    centre = project.geom.centroid
    grid = _grid(centre.x, centre.y)
    before = ground(SEED)
    after = ground(SEED) + np.array([6, -4, -6])  # late-summer tones
    share = max(float(project.physical_progress) / 100, 0.35)
    _construction(np.random.default_rng(SEED + 1), after, _footprint_mask(project, grid), share)
    folder = Path(settings.MEDIA_ROOT) / "imagery" / "demo"
    records = []
    for image, acquired_on, label in ((before, DATES[0], "before works"), (after, DATES[1], "works under way")):
        path = folder / f"project-site-{acquired_on:%Y%m%d}.tif"
        write_cog(np.clip(image, 0, 255).astype(np.uint8), grid, path)
        records.append(_record(project, grid, path, acquired_on, label))
    Imagery.objects.bulk_create(records)
    # Measure the ground change between the two dates now, so the evidence exists in the demo.
    evidence_refresh(project_ids=[project.pk])
    return len(records)
