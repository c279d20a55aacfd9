"""Imagery API routes, mounted at /api/imagery/."""
from django.urls import path

urlpatterns: list = []
