"""Routes of the layers app: vector tiles, imagery API and raster tiles (mounted at the site root)."""
from django.urls import path

from layers import imagery_views, pages
from layers.tile_views import vector_tile

urlpatterns: list = [
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt", vector_tile, name="vector-tile"),
    path("tiles/imagery/<int:pk>/<int:z>/<int:x>/<int:y>.png", imagery_views.imagery_tile,
         name="imagery-tile"),
    path("imagery/<int:pk>/compare/", imagery_views.imagery_compare, name="imagery-compare"),
    path("map/", pages.national_map_page, name="map"),
    path("map/regions/<str:iso>/", pages.region_map_page, name="region-map"),
    path("embed/", pages.national_embed, name="embed"),
    path("embed/regions/<str:iso>/", pages.region_embed, name="region-embed"),
]
