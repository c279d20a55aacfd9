"""Images attached to execution reports get the evidence check of every photo: metadata read, then dropped."""
from __future__ import annotations

import datetime as dt
import io

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from execution import services
from geotrack.core.photos import photo_prepare
from geotrack.site.demo.photos import site_photo
from projects.models import PhotoCheck, ProgressPhoto
from projects.photo_checks import photo_check_record
from projects.services import progress_report_add
from tests.execution.conftest import PDF
from tests.notifications.conftest import stale_project

TAKEN = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=5)))


def draft(ex):
    return services.report_create(subject=ex.item, period=ex.period, agency_id=ex.energy.pk,
                                  data={"text": "Substation built"}, user=ex.people["energy_ministry"].user)


def progress_photo(project, data: bytes, user) -> PhotoCheck:
    """A progress photo stored as the reporting page stores it (geotrack/site/pages/reporting.py)."""
    report = progress_report_add(project=project, author=user, physical=30, financial=10, note="")
    photo = photo_prepare(data=data, max_pixels=10 ** 8, thumbnail_px=100, declared_name="site.jpg",
                          local_tz="Asia/Almaty")
    record = ProgressPhoto(report=report)
    record.image.save("p.jpg", ContentFile(photo.image.content), save=False)
    record.thumbnail.save("p-thumb.jpg", ContentFile(photo.image.thumbnail), save=False)
    record.save()
    return photo_check_record(source_kind=PhotoCheck.Source.PROGRESS_PHOTO, source_id=record.pk, parent_id=report.pk,
                              facts=photo.facts, project=project, uploaded_at=record.uploaded_at,
                              report_date=timezone.localdate())


def test_an_execution_image_is_checked_and_stored_without_metadata(ex):
    report = draft(ex)
    data = site_photo(11, lon=76.93, lat=43.25, taken_at=TAKEN)
    document = services.document_add(report=report, upload=SimpleUploadedFile("site.jpg", data),
                                     user=ex.people["energy_ministry"].user)
    check = PhotoCheck.objects.get(source_kind=PhotoCheck.Source.EXECUTION_IMAGE, source_id=document.pk)
    assert check.parent_id == report.pk and check.roadmap_item_id == ex.item.pk
    assert check.taken_at == TAKEN and check.location is not None
    stored = Image.open(io.BytesIO(document.file.open("rb").read()))
    assert not stored.getexif() and "exif" not in stored.info
    assert document.size == document.file.size
    pdf = services.document_add(report=report, upload=SimpleUploadedFile("plan.pdf", PDF),
                                user=ex.people["energy_ministry"].user)
    assert not PhotoCheck.objects.filter(source_kind=PhotoCheck.Source.EXECUTION_IMAGE, source_id=pdf.pk).exists()


def test_an_image_reused_across_an_execution_report_and_a_progress_photo_is_flagged_on_both(ex):
    data = site_photo(12, lon=76.93, lat=43.25, taken_at=TAKEN)
    project = stale_project(ex.energy, "Substation")
    earlier = progress_photo(project, data, ex.people["almaty_akimat"].user)
    assert earlier.matches == []
    document = services.document_add(report=draft(ex), upload=SimpleUploadedFile("site.jpg", data),
                                     user=ex.people["energy_ministry"].user)
    check = PhotoCheck.objects.get(source_kind=PhotoCheck.Source.EXECUTION_IMAGE, source_id=document.pk)
    assert [m["kind"] for m in check.matches] == [PhotoCheck.Source.PROGRESS_PHOTO]
    assert "reused" in {reason["code"] for reason in check.reasons}
    earlier.refresh_from_db()
    assert [m["kind"] for m in earlier.matches] == [PhotoCheck.Source.EXECUTION_IMAGE]
    assert "reused" in {reason["code"] for reason in earlier.reasons}


def test_reviewers_see_the_check_beside_the_image_where_documents_are_listed(ex):
    report = draft(ex)
    services.document_add(report=report, upload=SimpleUploadedFile("site.jpg", site_photo(13)),
                          user=ex.people["energy_ministry"].user)
    services.document_add(report=report, upload=SimpleUploadedFile("plan.pdf", PDF),
                          user=ex.people["energy_ministry"].user)
    response = ex.client("coordinator").get(reverse("execution-report-documents", args=[report.pk]))
    assert response.status_code == 200, response.content[:300]
    image, pdf = sorted(response.json(), key=lambda d: d["name"], reverse=True)
    assert image["name"] == "site.jpg" and image["evidence"]["level"] in {"ok", "check", "suspect"}
    assert "no_location" not in image["evidence"]  # reasons are texts
    assert image["evidence"]["reasons"]  # no location, no time: said so
    assert pdf["evidence"] is None


def test_the_item_page_shows_the_check_beside_an_image_to_reviewers_only(ex):
    report = draft(ex)
    services.document_add(report=report, upload=SimpleUploadedFile("site.jpg", site_photo(14)),
                          user=ex.people["energy_ministry"].user)
    services.report_submit(report=report, user=ex.people["energy_ministry"].user, if_match=None)
    coordinator = Client()
    coordinator.force_login(ex.people["coordinator"].user)
    page = coordinator.get(ex.item.get_absolute_url()).content.decode()
    assert "site.jpg" in page and "photo-check photo-check-" in page and "Evidence" in page
    public = Client().get(ex.item.get_absolute_url()).content.decode()
    assert "site.jpg" not in public and "photo-check" not in public
