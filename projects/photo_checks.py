"""The evidence check of every photo: where it was taken, when, and whether it exists elsewhere.

Any floor that stores a photo calls `photo_check_record` once, with the facts read from the photo
before its metadata was stripped (geotrack.core.photos.photo_prepare). The check records:
- the distance from the photo's GPS position to the site (the project's geometry, or the nearest
  project of a roadmap item), in metres on the spheroid, computed in PostGIS; within
  PHOTO_SITE_BUFFER_M counts as on site;
- how long before the upload the photo was taken, and how its day compares with the report's date;
- every stored photo of any source whose perceptual hashes (whole picture and central 95 %, see
  geotrack/core/photos.py) lie within PHOTO_SAME_IMAGE_BITS bits (a near-identical image); both photos
  then name each other.
The result is a score out of 100 with its reasons, kept as codes with numbers (`reasons`) and put
into words when shown (`reason_texts`), so that a reviewer reads them in their own language.
"""
from __future__ import annotations

import datetime as dt
from typing import TypedDict

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geotrack.core.photos import PhotoFacts
from geotrack.core.sql import Sql
from projects.models import PhotoCheck, Project, RoadmapItem

PENALTY = {"far": 40, "no_location": 20, "no_time": 10, "old": 20, "future": 20, "after_report": 10,
           "before_report": 20, "reused": 50}
MAX_MATCHES = 5

_DISTANCE_SQL = """
SELECT min(ST_Distance(p.geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography))
FROM projects_project p
WHERE p.archived_at IS NULL AND ({site})
"""
# The closest of whole-whole, whole-centre and centre-whole, as geotrack.core.photos.fingerprint_distance.
_MATCHES_SQL = """
SELECT * FROM (
    SELECT c.id, c.source_kind, c.source_id, c.parent_id, c.project_id,
           LEAST(bit_count((c.phash # %(phash)s)::bit(64)), bit_count((c.phash # %(centre)s)::bit(64)),
                 bit_count((c.phash_centre # %(phash)s)::bit(64))) AS bits
    FROM projects_photocheck c
    WHERE c.id <> %(own)s
) near
WHERE near.bits <= %(bits)s
ORDER BY near.bits, near.id
LIMIT %(limit)s
"""


class Match(TypedDict):
    check: int
    kind: str
    id: int
    parent: int | None
    project: int | None
    bits: int


def _config(name: str):
    return settings.GEOTRACK[name]


def site_distance_m(*, longitude: float, latitude: float, project: Project | None,
                    roadmap_item: RoadmapItem | None) -> float | None:
    """Metres from a point to the project's geometry (0 inside), or to the nearest project of the item."""
    if project is not None:
        site = Sql("p.id = %(site_project)s", {"site_project": project.pk})
    elif roadmap_item is not None:
        site = Sql("p.id IN (SELECT project_id FROM projects_project_roadmap_items WHERE roadmapitem_id = "
                   "%(site_item)s)", {"site_item": roadmap_item.pk})
    else:
        return None
    return Sql(_DISTANCE_SQL, {"lon": longitude, "lat": latitude}).format(site=site).value()


def _near_identical(check: PhotoCheck) -> list[Match]:
    rows = Sql(_MATCHES_SQL, {"phash": check.phash, "centre": check.phash_centre,
                              "bits": _config("PHOTO_SAME_IMAGE_BITS"), "own": check.pk,
                              "limit": MAX_MATCHES}).fetchall()
    return [Match(check=pk, kind=kind, id=source_id, parent=parent, project=project, bits=bits)
            for pk, kind, source_id, parent, project, bits in rows]


def _as_match(check: PhotoCheck, bits: int) -> Match:
    return Match(check=check.pk, kind=check.source_kind, id=check.source_id, parent=check.parent_id,
                 project=check.project_id, bits=bits)


def assess(check: PhotoCheck) -> None:
    """Fill in the check's reasons and score from its facts and matches (no query)."""
    reasons: list[dict] = []
    buffer_m = _config("PHOTO_SITE_BUFFER_M")
    if check.location is None:
        reasons.append({"code": "no_location"})
    elif check.distance_m is not None:
        code = "inside" if check.distance_m < 1 else ("near" if check.distance_m <= buffer_m else "far")
        reasons.append({"code": code, "distance_m": round(check.distance_m), "buffer_m": round(buffer_m)})
    if check.taken_at is None:
        reasons.append({"code": "no_time"})
    else:
        before_upload = check.uploaded_at - check.taken_at
        hours = before_upload.total_seconds() / 3600
        if before_upload < -dt.timedelta(seconds=_config("PHOTO_CLOCK_SKEW_S")):
            reasons.append({"code": "future", "hours": round(-hours, 1)})
        elif before_upload > dt.timedelta(days=_config("PHOTO_MAX_AGE_DAYS")):
            reasons.append({"code": "old", "days": before_upload.days})
        else:
            reasons.append({"code": "fresh", "hours": round(max(hours, 0), 1)})
        if check.report_date is not None:
            taken_day = timezone.localtime(check.taken_at).date()
            days = (check.report_date - taken_day).days
            if days < -1:
                reasons.append({"code": "after_report", "days": -days})
            elif days > _config("PHOTO_MAX_AGE_DAYS"):
                reasons.append({"code": "before_report", "days": days})
    for match in check.matches:
        same_project = check.project_id is not None and match.get("project") == check.project_id
        reasons.append({"code": "reused", "kind": match["kind"], "parent": match.get("parent"),
                        "project": match.get("project"), "same_project": same_project, "bits": match["bits"]})
    penalties = {reason["code"] for reason in reasons}
    check.reasons = reasons
    check.score = max(0, 100 - sum(PENALTY.get(code, 0) for code in penalties))


@transaction.atomic
def photo_check_record(*, source_kind: str, source_id: int, facts: PhotoFacts, parent_id: int | None = None,
                       project: Project | None = None, roadmap_item: RoadmapItem | None = None,
                       uploaded_at: dt.datetime | None = None, report_date: dt.date | None = None) -> PhotoCheck:
    """Check one stored photo against its site, its dates and every other photo; keep and return the check."""
    check = PhotoCheck(source_kind=source_kind, source_id=source_id, parent_id=parent_id, project=project,
                       roadmap_item=roadmap_item, phash=facts.phash, phash_centre=facts.phash_centre,
                       taken_at=facts.taken_at,
                       uploaded_at=uploaded_at or timezone.now(), report_date=report_date)
    if facts.located:
        check.location = Point(facts.longitude, facts.latitude, srid=4326)
        check.distance_m = site_distance_m(longitude=facts.longitude, latitude=facts.latitude, project=project,
                                           roadmap_item=roadmap_item)
    check.save()
    check.matches = _near_identical(check)
    assess(check)
    check.save(update_fields=["matches", "score", "reasons"])
    # The photos it matches now name it too (the earlier upload may be the original, or the copy).
    for earlier in PhotoCheck.objects.select_for_update().filter(pk__in=[m["check"] for m in check.matches]):
        bits = next(m["bits"] for m in check.matches if m["check"] == earlier.pk)
        earlier.matches = [m for m in earlier.matches if m["check"] != check.pk][:MAX_MATCHES - 1] + [
            _as_match(check, bits)]
        assess(earlier)
        earlier.save(update_fields=["matches", "score", "reasons"])
    return check


def photo_checks_of(source_kind: str, source_ids) -> dict[int, PhotoCheck]:
    """The checks of some photos of one source, by photo id."""
    checks = PhotoCheck.objects.filter(source_kind=source_kind, source_id__in=list(source_ids))
    return {check.source_id: check for check in checks}


def _distance_words(metres: float) -> str:
    if metres >= 1000:
        return _("%(km).1f km") % {"km": metres / 1000}
    return _("%(m)d m") % {"m": metres}


def _source_words(reason: dict) -> str:
    parent = reason.get("parent")
    if reason["kind"] == PhotoCheck.Source.FEEDBACK_PHOTO:
        return _("citizen feedback %(id)s") % {"id": parent}
    if reason["kind"] == PhotoCheck.Source.EXECUTION_IMAGE:
        return _("execution report %(id)s") % {"id": parent}
    return _("report %(id)s") % {"id": parent}


def reason_text(reason: dict) -> str:
    """One reason in words, in the active language."""
    code = reason["code"]
    if code in {"inside", "near", "far"}:
        if code == "inside":
            return _("taken inside the site")
        words = _("taken %(distance)s from the site") % {"distance": _distance_words(reason["distance_m"])}
        if code == "near":
            words += " " + _("(within the %(buffer)d m buffer)") % {"buffer": reason["buffer_m"]}
        return words
    if code == "reused":
        source = _source_words(reason)
        if reason.get("same_project"):
            return _("same image as %(source)s of this project") % {"source": source}
        if reason.get("project"):
            return _("same image as %(source)s of another project") % {"source": source}
        return _("same image as %(source)s") % {"source": source}
    texts = {
        "no_location": _("no location in the photo"),
        "no_time": _("no capture time in the photo"),
        "old": _("taken %(days)d days before upload"),
        "fresh": _("taken %(hours).1f hours before upload"),
        "future": _("capture time is %(hours).1f hours after the upload (wrong camera clock?)"),
        "after_report": _("taken %(days)d days after the report's date"),
        "before_report": _("taken %(days)d days before the report's date"),
    }
    return texts[code] % reason if code in texts else code


def reason_texts(check: PhotoCheck) -> list[str]:
    return [reason_text(reason) for reason in check.reasons]


def check_level(check: PhotoCheck) -> str:
    """ok (80 and above), check (50-79) or suspect (below 50)."""
    return "ok" if check.score >= 80 else ("check" if check.score >= 50 else "suspect")


def check_payload(check: PhotoCheck | None) -> dict | None:
    """The check as the API shows it to reviewers."""
    if check is None:
        return None
    return {"score": check.score, "level": check_level(check), "reasons": reason_texts(check),
            "distance_m": None if check.distance_m is None else round(check.distance_m),
            "taken_at": check.taken_at.isoformat() if check.taken_at else None,
            "location": None if check.location is None else [round(check.location.x, 6), round(check.location.y, 6)],
            "reused": [{"kind": m["kind"], "id": m["id"], "parent": m.get("parent"), "bits": m["bits"]}
                       for m in check.matches]}
