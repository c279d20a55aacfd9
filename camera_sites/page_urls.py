"""HTML pages of cameras (mounted at the site root)."""
from django.urls import path

from camera_sites import pages

urlpatterns: list = [path("cameras/<int:pk>/", pages.camera_page, name="camera-page")]
