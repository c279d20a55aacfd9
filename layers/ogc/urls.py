"""Routes of OGC API - Features (see CONTRACT.md). Every path answers with or without a trailing slash,
because OAPIF clients (GDAL, QGIS, owslib) build URLs without one."""
from django.urls import re_path
from drf_spectacular.views import SpectacularSwaggerSplitView

from layers.ogc import views

COLLECTION = r"(?P<collection_id>[A-Za-z0-9_-]+)"

urlpatterns: list = [
    re_path(r"^$", views.LandingPage.as_view(), name="ogc-landing"),
    re_path(r"^conformance/?$", views.Conformance.as_view(), name="ogc-conformance"),
    re_path(r"^api/?$", views.OpenApi.as_view(), name="ogc-openapi"),
    re_path(r"^api\.html$", SpectacularSwaggerSplitView.as_view(url_name="ogc-openapi"), name="ogc-api-docs"),
    re_path(r"^collections/?$", views.Collections.as_view(), name="ogc-collections"),
    re_path(rf"^collections/{COLLECTION}/?$", views.CollectionDetail.as_view(), name="ogc-collection"),
    re_path(rf"^collections/{COLLECTION}/items/?$", views.Items.as_view(), name="ogc-items"),
    re_path(rf"^collections/{COLLECTION}/items/(?P<fid>[^/]+)/?$", views.Item.as_view(), name="ogc-item"),
]
