from django.contrib import admin

from layers.models import Imagery
from projects.admin import LocalMapAdmin


@admin.register(Imagery)
class ImageryAdmin(LocalMapAdmin):
    list_display = ["id", "title", "acquired_on", "source", "synthetic", "is_public", "status"]
    list_filter = ["status", "synthetic", "is_public"]
    search_fields = ["title", "source"]
    readonly_fields = ["cog_uri", "footprint", "band_count", "resolution_m", "dtype", "status", "error"]
