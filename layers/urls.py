"""Tiles (mounted at the site root): vector tiles of every layer and raster tiles of imagery."""
from django.urls import path

from layers import imagery_views
from layers.tile_views import vector_tile

urlpatterns: list = [
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt", vector_tile, name="vector-tile"),
    path("tiles/imagery/<int:pk>/<int:z>/<int:x>/<int:y>.png", imagery_views.imagery_tile, name="imagery-tile"),
]
