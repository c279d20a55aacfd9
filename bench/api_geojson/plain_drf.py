"""A plain DRF-GIS list of projects: the textbook way, as a peer for the benchmark.

It is a URLconf module, never added to the project's urls: bench_settings points
ROOT_URLCONF here for one gunicorn of its own. GeoFeatureModelSerializer builds
each feature in Python, rounding coordinates to 6 decimals; InBBoxFilter reads `in_bbox`; `page_size` goes up to 10000.
"""
from __future__ import annotations

from django.urls import path
from rest_framework import generics
from rest_framework.renderers import JSONRenderer
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.filters import InBBoxFilter
from rest_framework_gis.pagination import GeoJsonPagination
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from bench.api_geojson.dataset import LIST_FIELDS
from projects.models import Project


class PlainProjectSerializer(GeoFeatureModelSerializer):
    geom = GeometryField(precision=6)  # 6 decimals, as geotrack and the SQL floor

    class Meta:
        model = Project
        geo_field = "geom"
        fields = ("id", "geom", *LIST_FIELDS)


class PlainPagination(GeoJsonPagination):
    page_size = 100
    max_page_size = 10000


class PlainProjectList(generics.ListAPIView):
    queryset = Project.objects.filter(archived_at__isnull=True, is_public=True).order_by("id")
    serializer_class = PlainProjectSerializer
    pagination_class = PlainPagination
    filter_backends = [InBBoxFilter]
    bbox_filter_field = "geom"
    bbox_filter_include_overlapping = True  # intersecting the bbox, like geotrack's and pygeoapi's bbox
    renderer_classes = [JSONRenderer]


urlpatterns = [path("api/projects/", PlainProjectList.as_view())]
