"""HTML pages of cameras (mounted at the site root)."""
from django.urls import path

urlpatterns: list = []
