"""geotrack's settings with the plain DRF-GIS URLconf, for the benchmark's third server only."""
from __future__ import annotations

from geotrack.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.api_geojson.plain_drf"
