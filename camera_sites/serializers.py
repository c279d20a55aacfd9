"""Serializers for camera writes, device uploads and snapshot lists."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from camera_sites.models import Camera, Snapshot
from projects.serializers import ProjectGeometryField


class CameraLocationField(ProjectGeometryField):
    def to_internal_value(self, data):
        geometry = super().to_internal_value(data)
        if geometry.geom_type != "Point":
            raise serializers.ValidationError(_("A camera's location is a Point."))
        return geometry


class CameraWriteSerializer(serializers.ModelSerializer):
    """What planners and admins set on a camera; the cone and links are derived."""

    location = CameraLocationField()
    bearing = serializers.FloatField(min_value=0, max_value=359.999)
    fov_angle = serializers.FloatField(min_value=0.1, max_value=360, required=False)
    range_m = serializers.FloatField(min_value=1, max_value=50000, required=False)
    public_delay_minutes = serializers.IntegerField(min_value=0, max_value=7 * 24 * 60, required=False)

    class Meta:
        model = Camera
        fields = ["label", "location", "bearing", "fov_angle", "range_m", "stream_url", "is_public",
                  "public_delay_minutes"]


class SnapshotUploadSerializer(serializers.Serializer):
    image = serializers.FileField()
    captured_at = serializers.DateTimeField(required=False)


class SnapshotSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Snapshot
        fields = ["id", "captured_at", "received_at", "url", "thumbnail_url"]

    def get_url(self, snapshot: Snapshot) -> str:
        return reverse("camera-snapshot-image", args=[snapshot.camera_id, snapshot.pk])

    def get_thumbnail_url(self, snapshot: Snapshot) -> str:
        return reverse("camera-snapshot-thumbnail", args=[snapshot.camera_id, snapshot.pk])
