"""GeoDjango (Debian's GDAL 3.6) and the rasterio/pyogrio wheels (their own GDAL) in one process."""
from __future__ import annotations

import os

import numpy as np
import pyogrio
import rasterio
from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import Point
from rasterio.transform import from_origin
from rasterio.warp import transform as warp_transform


def test_proj_variables_are_not_set():
    assert "PROJ_DATA" not in os.environ and "PROJ_LIB" not in os.environ


def test_both_gdals_agree_on_a_utm_to_wgs84_transform(tmp_path):
    path = tmp_path / "utm43.tif"
    profile = dict(driver="GTiff", width=8, height=8, count=1, dtype="uint8", crs="EPSG:32643",
                   transform=from_origin(630000, 4790000, 30, 30))
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(np.full((1, 8, 8), 7, dtype="uint8"))
    with rasterio.open(path) as dataset:
        (lon,), (lat,) = warp_transform(dataset.crs, "EPSG:4326", [630000], [4790000])
    point = Point(630000, 4790000, srid=32643)
    point.transform(4326)  # Debian's GDAL/PROJ through GeoDjango's ctypes bindings
    assert abs(point.x - lon) < 1e-6 and abs(point.y - lat) < 1e-6


def test_a_geopackage_from_pyogrio_opens_in_geodjango(tmp_path):
    import shapely

    path = tmp_path / "sites.gpkg"
    geometry = shapely.to_wkb(np.array([shapely.Point(71.43, 51.13), shapely.Point(76.91, 43.25)]))
    pyogrio.raw.write(str(path), geometry=geometry, field_data=[np.array(["Астана", "Алматы"], dtype=object)],
                      fields=["name"], geometry_type="Point", crs="EPSG:4326", driver="GPKG")
    layer = DataSource(str(path))[0]
    assert len(layer) == 2
    assert [feature.get("name") for feature in layer] == ["Астана", "Алматы"]
    assert layer.srs.srid == 4326
