"""The evidence check of every photo: location against the site, capture time, reuse anywhere, no metadata kept."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from geotrack.core.photos import SAME_IMAGE_BITS, fingerprint_distance, fingerprints, photo_prepare
from geotrack.site.alerts import alerts_for
from geotrack.site.demo.photos import scene, site_photo
from projects.access import audience_for, Audience
from projects.models import PhotoCheck, ProgressPhoto
from projects.photo_checks import reason_texts
from tests.actors import PASSWORD
from tests.citizens.conftest import ALMATY, upload


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    output = io.BytesIO()
    image.save(output, "JPEG", quality=quality)
    return Image.open(io.BytesIO(output.getvalue()))


def test_a_photo_stays_within_the_threshold_of_its_reencoded_resized_and_cropped_copies():
    for seed in range(1, 31):
        original = scene(seed)
        width, height = original.size
        trim_w, trim_h = int(width * 0.025), int(height * 0.025)
        copies = {
            "JPEG quality 60": jpeg(original, 60),
            "resized to 50%": original.resize((width // 2, height // 2)),
            "cropped by 5%": original.crop((trim_w, trim_h, width - trim_w, height - trim_h)),
            "all three": jpeg(original.resize((width // 2, height // 2)).crop(
                (trim_w // 2, trim_h // 2, width // 2 - trim_w // 2, height // 2 - trim_h // 2)), 60),
        }
        for name, copy in copies.items():
            assert fingerprint_distance(fingerprints(original), fingerprints(copy)) <= SAME_IMAGE_BITS, (seed, name)


def test_different_photos_do_not_match():
    hashes = [fingerprints(scene(seed)) for seed in range(1, 100)]
    closest = min(fingerprint_distance(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1:])
    assert closest > SAME_IMAGE_BITS


def test_capture_time_and_gps_are_read_before_the_stored_copy_drops_them():
    taken = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    prepared = photo_prepare(data=site_photo(4, lon=76.93, lat=43.25, taken_at=taken), max_pixels=10 ** 8,
                             thumbnail_px=100, declared_name="site.jpg", local_tz="Asia/Almaty")
    assert prepared.facts.taken_at == taken
    assert prepared.facts.longitude == pytest.approx(76.93, abs=1e-5)
    assert prepared.facts.latitude == pytest.approx(43.25, abs=1e-5)
    for stored in (prepared.image.content, prepared.image.thumbnail):
        reopened = Image.open(io.BytesIO(stored))
        assert not reopened.getexif() and "exif" not in reopened.info


def _report(client, project, *photos):
    response = client.post(reverse("project-report", args=[project.pk]),
                           {"physical": 30, "financial": 10, "photos": list(photos)})
    assert response.status_code == 302, response.content[:500]
    return ProgressPhoto.objects.filter(report__project=project).latest("id")


@pytest.mark.django_db
def test_a_photo_reused_across_two_projects_is_flagged_on_both_and_alerted(client, site, people):
    client.login(username=people["almaty_akimat"].user.username, password=PASSWORD)
    first = _report(client, site["school"], upload("school.jpg", 7, lon=ALMATY[0], lat=ALMATY[1]))
    # The same picture, re-encoded at quality 60 and halved, sent as the clinic's progress.
    copy = io.BytesIO()
    scene(7).resize((320, 240)).save(copy, "JPEG", quality=60)
    second = _report(client, site["clinic"], SimpleUploadedFile("clinic.jpg", copy.getvalue(), "image/jpeg"))
    checks = {check.source_id: check for check in PhotoCheck.objects.filter(source_kind="progress_photo")}
    later, earlier = checks[second.pk], checks[first.pk]
    assert f"same image as report {first.report_id} of another project" in reason_texts(later)
    assert f"same image as report {second.report_id} of another project" in reason_texts(earlier)
    assert later.score < 50 and earlier.score < 80
    kinds = [alert["kind"] for alert in alerts_for(audience=audience_for(people["almaty_akimat"].user))]
    assert kinds.count("photo_reused") == 2
    assert "photo_reused" not in [alert["kind"] for alert in alerts_for(audience=Audience())]  # reviewers only
    # A different photo of the same site is not flagged.
    third = _report(client, site["school"], upload("other.jpg", 8, lon=ALMATY[0], lat=ALMATY[1]))
    assert PhotoCheck.objects.get(source_kind="progress_photo", source_id=third.pk).matches == []


@pytest.mark.django_db
def test_a_photo_taken_far_from_the_site_or_long_ago_or_without_metadata_says_so(client, site, people):
    client.login(username=people["almaty_akimat"].user.username, password=PASSWORD)
    far = _report(client, site["school"], upload("far.jpg", 9, lon=ALMATY[0] + 0.03, lat=ALMATY[1]))
    check = PhotoCheck.objects.get(source_kind="progress_photo", source_id=far.pk)
    assert 1900 < check.distance_m < 2500
    assert any(text.startswith("taken 2.") and text.endswith("km from the site") for text in reason_texts(check))
    assert check.score <= 60
    inside = _report(client, site["school"], upload("in.jpg", 10, lon=ALMATY[0], lat=ALMATY[1]))
    check = PhotoCheck.objects.get(source_kind="progress_photo", source_id=inside.pk)
    assert check.distance_m == 0 and "taken inside the site" in reason_texts(check) and check.score == 100
    old = _report(client, site["school"], upload("old.jpg", 11, lon=ALMATY[0], lat=ALMATY[1],
                                                  taken_at=timezone.now() - dt.timedelta(days=90)))
    assert "taken 90 days before upload" in reason_texts(PhotoCheck.objects.get(source_id=old.pk))
    bare = io.BytesIO()
    scene(12).save(bare, "JPEG")
    plain = _report(client, site["school"], SimpleUploadedFile("plain.jpg", bare.getvalue(), "image/jpeg"))
    texts = reason_texts(PhotoCheck.objects.get(source_kind="progress_photo", source_id=plain.pk))
    assert "no location in the photo" in texts and "no capture time in the photo" in texts
    stored = ProgressPhoto.objects.get(pk=far.pk).image.open("rb").read()
    assert not Image.open(io.BytesIO(stored)).getexif()  # the stored copy keeps no metadata


@pytest.mark.django_db
def test_a_citizen_photo_reusing_a_progress_photo_is_flagged_for_the_moderator(client, site, people):
    client.login(username=people["almaty_akimat"].user.username, password=PASSWORD)
    _report(client, site["school"], upload("school.jpg", 13, lon=ALMATY[0], lat=ALMATY[1]))
    client.logout()
    sent = client.post(reverse("feedback-list"), {"project": site["clinic"].pk, "category": "misuse",
                                                  "text": "This photo shows nothing built here.",
                                                  "photos": [upload("mine.jpg", 13)]}, HTTP_ACCEPT="application/json")
    assert sent.status_code == 201
    client.login(username=people["almaty_akimat"].user.username, password=PASSWORD)
    body = client.get(reverse("feedback-detail", args=[sent.json()["id"]])).json()
    evidence = body["photos"][0]["evidence"]
    assert any(reason.startswith("same image as report") for reason in evidence["reasons"])
    page = client.get(reverse("feedback-moderation")).content.decode()
    assert "same image as report" in page and "Evidence" in page
