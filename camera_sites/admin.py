from django.contrib import admin, messages
from django.utils.translation import gettext as _

from camera_sites import services
from camera_sites.models import Camera, CameraLink, CameraStatusChange, Snapshot
from camera_sites.tokens import camera_token_issue
from geotrack.core.admin import LocalMapAdmin


class CameraLinkInline(admin.TabularInline):
    model = CameraLink
    extra = 0
    autocomplete_fields = ["project"]
    fields = ["project", "active", "source"]
    readonly_fields = ["source"]


class CameraStatusChangeInline(admin.TabularInline):
    model = CameraStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "online"]
    readonly_fields = fields
    max_num = 0
    ordering = ["-changed_at"]


@admin.register(Camera)
class CameraAdmin(LocalMapAdmin):
    list_display = ["id", "label", "is_public", "last_seen_at"]
    list_filter = ["is_public"]
    search_fields = ["label"]
    readonly_fields = ["fov", "last_seen_at"]
    inlines = [CameraLinkInline, CameraStatusChangeInline]
    actions = ["issue_device_token"]

    def save_model(self, request, obj, form, change):
        # The cone follows location, bearing, angle and range, and the automatic links follow the cone.
        services.camera_save(camera=obj)
        if not change:
            messages.warning(request, _("Device token for camera %(id)s (shown once): %(token)s")
                             % {"id": obj.pk, "token": camera_token_issue(camera=obj)})

    def save_formset(self, request, form, formset, change):
        """A link an admin adds, edits or removes by hand becomes manual, and wins over the cone."""
        if formset.model is not CameraLink:
            return super().save_formset(request, form, formset, change)
        links = formset.save(commit=False)
        for link in links:
            link.source = CameraLink.Source.MANUAL
            link.save()
        for link in formset.deleted_objects:
            # Removing by hand keeps a manual, inactive row, so the cone does not bring the link back.
            link.source, link.active = CameraLink.Source.MANUAL, False
            link.save(update_fields=["source", "active"])
        return None

    @admin.action(description=_("Issue a new device token (invalidates the old one)"))
    def issue_device_token(self, request, queryset):
        for camera in queryset:
            messages.warning(request, _("Device token for camera %(id)s (shown once): %(token)s")
                             % {"id": camera.pk, "token": camera_token_issue(camera=camera)})


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["id", "camera", "captured_at"]
    list_filter = ["camera"]
