from django.contrib import admin

from camera_sites.geometry import fov_polygon
from camera_sites.models import Camera, CameraLink, Snapshot
from projects.admin import LocalMapAdmin


class CameraLinkInline(admin.TabularInline):
    model = CameraLink
    extra = 0
    autocomplete_fields = ["project"]


@admin.register(Camera)
class CameraAdmin(LocalMapAdmin):
    list_display = ["id", "label", "is_public", "last_seen_at"]
    list_filter = ["is_public"]
    search_fields = ["label"]
    readonly_fields = ["fov", "last_seen_at"]
    inlines = [CameraLinkInline]

    def save_model(self, request, obj, form, change):
        obj.fov = fov_polygon(obj)  # the cone follows location, bearing, angle and range
        super().save_model(request, obj, form, change)


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["id", "camera", "captured_at"]
    list_filter = ["camera"]
