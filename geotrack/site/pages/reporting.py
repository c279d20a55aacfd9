"""The akimat's progress report page: percentages, a note and photos, or a correction."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geotrack.core import idempotency
from geotrack.core.images import ImageRejected
from geotrack.core.photos import PreparedPhoto, photo_prepare
from projects.access import audience_of
from projects.models import PhotoCheck, ProgressPhoto, ProgressReport
from projects.permissions import can_report_progress
from projects.photo_checks import photo_check_record
from projects.services import progress_report_add
from projects.views import visible_project


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ProgressReportForm(forms.Form):
    physical = forms.DecimalField(label=gettext_lazy("Physical progress, %"), min_value=Decimal(0),
                                  max_value=Decimal(100), decimal_places=2)
    financial = forms.DecimalField(label=gettext_lazy("Financial progress, %"), min_value=Decimal(0),
                                   max_value=Decimal(100), decimal_places=2)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=4000)
    supersedes = forms.ModelChoiceField(label=gettext_lazy("This corrects an earlier report"), required=False,
                                        queryset=ProgressReport.objects.none(),
                                        empty_label=gettext_lazy("— no, this is a new report —"))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supersedes"].queryset = project.progress_reports.filter(superseded_by__isnull=True)
        self.fields["supersedes"].label_from_instance = lambda report: (
            f"{report.reported_at:%Y-%m-%d}: {report.physical}% / {report.financial}%")


def _prepare_photos(files) -> list[PreparedPhoto]:
    """Validate every photo before anything is written: one bad photo rejects the report."""
    limits = settings.GEOTRACK
    if len(files) > limits["REPORT_MAX_PHOTOS"]:
        raise ValidationError(_("At most %(n)d photos per report.") % {"n": limits["REPORT_MAX_PHOTOS"]})
    prepared = []
    for upload in files:
        if upload.size > limits["REPORT_PHOTO_MAX_BYTES"]:
            raise ValidationError(_("%(name)s is larger than %(mb)d MB.") % {
                "name": upload.name, "mb": limits["REPORT_PHOTO_MAX_BYTES"] // 2 ** 20})
        try:
            # Capture time and GPS are read here, before the re-encoding drops them (evidence check).
            prepared.append(photo_prepare(data=upload.read(), max_pixels=limits["REPORT_PHOTO_MAX_PIXELS"],
                                          declared_name=upload.name or "", thumbnail_px=320,
                                          local_tz=settings.TIME_ZONE))
        except ImageRejected as exc:
            raise ValidationError(f"{upload.name}: {exc.message}") from exc
    return prepared


@transaction.atomic
def _save(project, form: ProgressReportForm, photos: list[PreparedPhoto], user) -> ProgressReport:
    report = progress_report_add(project=project, author=user, physical=form.cleaned_data["physical"],
                                 financial=form.cleaned_data["financial"], note=form.cleaned_data["note"],
                                 supersedes=form.cleaned_data["supersedes"])
    for index, photo in enumerate(photos, start=1):
        record = ProgressPhoto(report=report)
        record.image.save(f"report-{report.pk}-{index}.{photo.image.extension}", ContentFile(photo.image.content),
                          save=False)
        record.thumbnail.save(f"report-{report.pk}-{index}-thumb.jpg", ContentFile(photo.image.thumbnail),
                              save=False)
        record.save()
        photo_check_record(source_kind=PhotoCheck.Source.PROGRESS_PHOTO, source_id=record.pk, parent_id=report.pk,
                           facts=photo.facts, project=project, uploaded_at=record.uploaded_at,
                           report_date=timezone.localdate(report.reported_at))
    return report


def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The form; a POST saves one report. A POST with an Idempotency-Key (geotrack/offline.js, also for
    reports queued offline on a phone) is answered in JSON and saved once per key."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    project = visible_project(request, pk)
    if not can_report_progress(request.user, project):
        raise PermissionDenied
    if request.method == "POST" and idempotency.request_key(request) is not None:
        return idempotency.once(request, scope=f"progress-report:{project.pk}",
                                write=lambda: _post_queued(request, project))
    form = ProgressReportForm(request.POST or None, project=project)
    status = 200
    if request.method == "POST":
        status = 400
        if _accept(request, project, form):
            return redirect(project)
    return render(request, "projects/report.html", {"project": project, "form": form}, status=status)


def _accept(request: HttpRequest, project, form: ProgressReportForm) -> bool:
    """Validate the form and every photo; save the report when all hold."""
    if not form.is_valid():
        return False
    try:
        photos = _prepare_photos(request.FILES.getlist("photos"))
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    _save(project, form, photos, request.user)
    messages.success(request, _("Progress report saved."))
    return True


def _post_queued(request: HttpRequest, project) -> HttpResponse:
    form = ProgressReportForm(request.POST, project=project)
    if _accept(request, project, form):
        response = JsonResponse({"location": project.get_absolute_url()}, status=201)
        response["Location"] = project.get_absolute_url()
        return response
    errors = {field: [error["message"] for error in messages_]
              for field, messages_ in form.errors.get_json_data().items()}
    return JsonResponse({"detail": _("The report was not saved."), "errors": errors}, status=400)


def photo_file(request: HttpRequest, pk: int, photo_id: int, variant: str) -> FileResponse:
    """Serve a report photo to whoever may see its project; 404 otherwise."""
    project = visible_project(request, pk)
    photos = audience_of(request).filter(ProgressPhoto.objects.filter(report__project=project), "progress_photo")
    photo = photos.filter(pk=photo_id).first()
    if photo is None or variant not in {"image", "thumbnail"}:
        raise Http404
    response = FileResponse(getattr(photo, variant).open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response
