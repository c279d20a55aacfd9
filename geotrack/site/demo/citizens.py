"""Demo citizen feedback in every state, and progress photos whose evidence checks say something.

- two public projects carry the same photo (the second a smaller, re-encoded copy): both are flagged
  "same image as report ... of another project" and raise a photo_reused alert;
- one progress photo was taken about 5 km from its site;
- feedback received, published (with and without a reply, one unanswered for two weeks), rejected,
  on projects and on a roadmap item, some with photos and a location.
The photos are synthetic JPEGs with EXIF time and GPS (geotrack/site/demo/photos.py).
"""
from __future__ import annotations

import datetime as dt
import io
import secrets

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.utils import timezone

from citizens.models import Feedback, FeedbackPhoto
from citizens.services import sender_hash
from geotrack.core.photos import PreparedPhoto, photo_prepare
from geotrack.site.demo.photos import scene, site_photo
from projects.models import PhotoCheck, ProgressPhoto, ProgressReport, Project, RoadmapItem
from projects.photo_checks import photo_check_record

MESSAGES = [
    # (category, status, reject reason, reply, days ago, text)
    ("quality", "published", "", "The contractor will redo the asphalt joints by the end of the month.", 20,
     "The new asphalt is already cracking along the edges after the first rains."),
    ("delay", "published", "", "", 15, "Nobody has worked on the site for three weeks; the fence is open."),
    ("praise", "published", "", "Thank you!", 6, "The new playground is finished and the children love it."),
    ("safety", "received", "", "", 2, "An open trench by the bus stop has no lights at night."),
    ("misuse", "rejected", "unverifiable", "We could not find anything to check in this message.", 9,
     "I heard that the money went elsewhere."),
    ("other", "received", "", "", 0, "When will the road be opened to traffic?"),
]


def _prepared(data: bytes, name: str) -> PreparedPhoto:
    return photo_prepare(data=data, max_pixels=settings.GEOTRACK["REPORT_PHOTO_MAX_PIXELS"], thumbnail_px=320,
                         declared_name=name, local_tz=settings.TIME_ZONE)


def _progress_photo(report: ProgressReport, data: bytes, name: str) -> None:
    photo = _prepared(data, name)
    record = ProgressPhoto(report=report, uploaded_at=report.recorded_at)
    record.image.save(name, ContentFile(photo.image.content), save=False)
    record.thumbnail.save(f"thumb-{name}", ContentFile(photo.image.thumbnail), save=False)
    record.save()
    photo_check_record(source_kind=PhotoCheck.Source.PROGRESS_PHOTO, source_id=record.pk, parent_id=report.pk,
                       facts=photo.facts, project=report.project, uploaded_at=record.uploaded_at,
                       report_date=timezone.localdate(report.reported_at))


def _latest_report(project: Project) -> ProgressReport:
    return project.progress_reports.order_by("-reported_at", "-id").first()


def _centre(project: Project) -> tuple[float, float]:
    point = project.geom.point_on_surface
    return point.x, point.y


def progress_photos_create(projects: list[Project]) -> int:
    """A genuine photo, the same photo reused on another project, and one taken far away."""
    genuine, reused, far = projects[:3]
    report = _latest_report(genuine)
    lon, lat = _centre(genuine)
    _progress_photo(report, site_photo(501, lon=lon, lat=lat, taken_at=report.reported_at - dt.timedelta(hours=3)),
                    f"demo-{report.pk}-genuine.jpg")
    copy = io.BytesIO()
    scene(501).resize((320, 240)).save(copy, "JPEG", quality=60)  # the same picture, smaller, without metadata
    _progress_photo(_latest_report(reused), copy.getvalue(), f"demo-{reused.pk}-reused.jpg")
    report = _latest_report(far)
    lon, lat = _centre(far)
    _progress_photo(report, site_photo(502, lon=lon + 0.06, lat=lat, taken_at=report.reported_at - dt.timedelta(days=1)),
                    f"demo-{report.pk}-far.jpg")
    return 3


def feedback_create(projects: list[Project], item: RoadmapItem | None) -> int:
    """Feedback in every state on the first public projects and one roadmap item."""
    now = timezone.now()
    count = 0
    for index, (category, status, reason, reply, days, text) in enumerate(MESSAGES):
        project = projects[index % 2]
        sent = now - dt.timedelta(days=days, hours=index)
        lon, lat = _centre(project)
        feedback = Feedback.objects.create(
            project=project, agency_id=project.agency_id, category=category, text=text, status=status,
            reject_reason=reason, reply=reply, replied_at=sent + dt.timedelta(days=1) if reply else None,
            moderated_at=sent + dt.timedelta(hours=20) if status != "received" else None,
            location=Point(lon, lat, srid=4326) if index % 2 == 0 else None,
            contact="+7 700 000 00 0%d" % index if index % 3 == 0 else "",
            follow_token=secrets.token_urlsafe(32), sender_hash=sender_hash(f"demo-{index}"))
        Feedback.objects.filter(pk=feedback.pk).update(created_at=sent)
        if index in (0, 3):
            photo = _prepared(site_photo(510 + index, lon=lon + 0.0005, lat=lat, taken_at=sent - dt.timedelta(hours=1)),
                              "feedback.jpg")
            record = FeedbackPhoto(feedback=feedback)
            record.image.save(f"demo-feedback-{feedback.pk}.jpg", ContentFile(photo.image.content), save=False)
            record.thumbnail.save(f"demo-feedback-{feedback.pk}-thumb.jpg", ContentFile(photo.image.thumbnail),
                                  save=False)
            record.save()
            photo_check_record(source_kind=PhotoCheck.Source.FEEDBACK_PHOTO, source_id=record.pk,
                               parent_id=feedback.pk, facts=photo.facts, project=project, uploaded_at=sent,
                               report_date=timezone.localdate(sent))
        count += 1
    if item is not None:
        for index, status in enumerate(("published", "received")):
            Feedback.objects.create(
                roadmap_item=item, agency_id=item.agency_id, category="delay", status=status,
                text="The programme's site in our district has not started yet." if index else
                     "Please publish the schedule of this programme by district.",
                moderated_at=now if status == "published" else None,
                follow_token=secrets.token_urlsafe(32),
                sender_hash=sender_hash(f"demo-item-{index}"))
            count += 1
    return count


def citizens_create() -> int:
    """The demo's feedback and photo evidence; return how many feedback messages."""
    projects = list(Project.objects.filter(is_public=True, status="implementation", archived_at__isnull=True,
                                           progress_reports__isnull=False).distinct().order_by("id")[:3])
    if len(projects) < 3:
        return 0
    progress_photos_create(projects)
    item = RoadmapItem.objects.filter(projects__in=projects).order_by("number").first()
    return feedback_create(projects, item)
