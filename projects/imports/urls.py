"""Routes (see CONTRACT.md, API)."""
from django.urls import path

urlpatterns: list = []
