from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from simple_history.admin import SimpleHistoryAdmin

from geotrack.core.admin import LocalMapAdmin
from projects.models import Agency, ProgressReport, Profile, Project, Region, RoadmapItem
from projects.services import project_save


@admin.register(Region)
class RegionAdmin(LocalMapAdmin):
    list_display = ["iso_code", "name_en", "name_ru", "name_kk", "kind", "admin_centre"]
    search_fields = ["iso_code", "name_en", "name_ru", "name_kk"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_ru", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["code", "name_en", "name_ru", "name_kk"]


@admin.register(RoadmapItem)
class RoadmapItemAdmin(admin.ModelAdmin):
    list_display = ["number", "title_en", "section", "agency", "deadline"]
    list_filter = ["section", "agency"]
    search_fields = ["title_en", "title_ru", "title_kk"]


class ProgressReportInline(admin.TabularInline):
    model = ProgressReport
    fk_name = "project"
    extra = 0
    fields = ["reported_at", "physical", "financial", "note", "author", "supersedes", "recorded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # reports are added through the API or the report page, which keep the history


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin, LocalMapAdmin):
    list_display = ["id", "title", "region", "agency", "status", "physical_progress", "is_public", "archived_at"]
    list_filter = ["status", "sector", "kind", "is_public", "region"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["agency", "region"]
    filter_horizontal = ["roadmap_items"]
    readonly_fields = ["physical_progress", "financial_progress", "last_report_at", "version", "updated_at"]
    inlines = [ProgressReportInline]

    def save_model(self, request, obj, form, change):
        project_save(project=obj, changed_fields=form.changed_data)


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ["regions"]


admin.site.unregister(User)


@admin.register(User)
class GeotrackUserAdmin(UserAdmin):
    inlines = [ProfileInline]
