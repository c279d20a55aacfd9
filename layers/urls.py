"""Routes of the layers app: vector tiles, imagery API and raster tiles (mounted at the site root)."""
from django.urls import path

urlpatterns: list = []
