from django.contrib import admin

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


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["id", "camera", "captured_at"]
    list_filter = ["camera"]
