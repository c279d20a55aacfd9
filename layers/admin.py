from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from layers.models import ChangeEvidence, Imagery
from layers.tasks import imagery_ingest_task
from geotrack.core.admin import LocalMapAdmin


class ImageryAdminForm(forms.ModelForm):
    """An imagery row plus an optional raster upload; a new row needs one."""

    upload = forms.FileField(label=_("GeoTIFF"), required=False,
                             help_text=_("Any raster GDAL reads, with a CRS. It is converted to a COG in the background."))

    class Meta:
        model = Imagery
        fields = ["upload", "title", "acquired_on", "source", "synthetic", "is_public", "region", "project"]

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload is None:
            if self.instance.pk is None:
                self.add_error("upload", _("Upload a raster file."))
            return cleaned
        # Imported here: rasterio and rio-tiler take ~0.5 s to load, which every manage.py command paid at start-up.
        import layers.imagery_services as imagery_services

        try:
            self.staged = imagery_services.imagery_stage(upload=upload)
            self.checked = imagery_services.rasters.raster_inspect(self.staged, limits=imagery_services.imagery_limits())
        except imagery_services.ImageryRejected as exc:
            self.add_error("upload", str(exc))
        except imagery_services.rasters.RasterError as exc:
            imagery_services.discard_staged(self.staged)
            self.add_error("upload", str(exc))
        return cleaned


@admin.register(Imagery)
class ImageryAdmin(LocalMapAdmin):
    form = ImageryAdminForm
    list_display = ["id", "title", "acquired_on", "source", "synthetic", "is_public", "status"]
    list_filter = ["status", "synthetic", "is_public"]
    search_fields = ["title", "source"]
    readonly_fields = ["cog_uri", "footprint", "band_count", "band_descriptions", "default_bands", "default_rescale",
                       "resolution_m", "dtype", "status", "error"]

    def save_model(self, request, obj, form, change):
        staged = getattr(form, "staged", None)
        if staged is None:
            super().save_model(request, obj, form, change)
            return
        obj.title = obj.title or form.cleaned_data["upload"].name
        obj.status, obj.error, obj.band_count, obj.dtype = Imagery.Status.PENDING, "", form.checked.count, form.checked.dtype
        super().save_model(request, obj, form, change)
        imagery_ingest_task.enqueue(obj.pk, str(staged))
        messages.info(request, _("The raster is being converted in the background; its status shows here."))


@admin.register(ChangeEvidence)
class ChangeEvidenceAdmin(admin.ModelAdmin):
    list_display = ["project", "before", "after", "index", "method", "progress_before", "progress_after", "flagged"]
    list_filter = ["flagged", "method"]
    readonly_fields = [field.name for field in ChangeEvidence._meta.fields]
