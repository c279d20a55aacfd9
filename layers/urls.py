"""Routes of the layers app: vector tiles, imagery API and raster tiles (mounted at the site root)."""
from django.urls import path

from layers import pages
from layers.tile_views import VectorTile

urlpatterns: list = [
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt", VectorTile.as_view(), name="vector-tile"),
    path("map/", pages.national_map_page, name="map"),
    path("map/regions/<str:iso>/", pages.region_map_page, name="region-map"),
    path("embed/", pages.national_embed, name="embed"),
    path("embed/regions/<str:iso>/", pages.region_embed, name="region-embed"),
]
