"""POST /api/feedback/ and moderation: who may do what in which state; abuse limits; nothing written on bad input."""
from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from citizens.models import BlockedSender, Feedback, FeedbackPhoto
from citizens.services import sender_hash
from projects.models import PhotoCheck
from tests import actors
from tests.citizens.conftest import ALMATY, upload

LIST = "/api/feedback/"


def send(client, **fields):
    body = {"category": "quality", "text": "The fence around the site has fallen down.", **fields}
    return client.post(reverse("feedback-list"), body, format="multipart")


def api(person=None, address="10.0.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    if person is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {person.token}")
    return client


@pytest.fixture
def moderators(people, regions):
    return {**people, "astana_akimat": actors.make_person("asel", "akimat", ["KZ-71"], regions)}


@pytest.mark.django_db
def test_a_citizen_sends_feedback_with_photos_and_a_location_and_gets_a_private_follow_link(site):
    response = send(api(), project=site["school"].pk, photos=[upload("a.jpg", 1), upload("b.jpeg", 2)],
                    location=json.dumps({"type": "Point", "coordinates": list(ALMATY)}), contact="+7 701 000 00 00")
    assert response.status_code == 201, response.content
    body = response.json()
    feedback = Feedback.objects.get()
    assert body["status"] == "received" and body["id"] == feedback.pk
    assert body["follow_url"].endswith(reverse("feedback-follow", args=[feedback.follow_token]))
    assert len(feedback.follow_token) >= 40 and "contact" not in body
    assert feedback.photos.count() == 2 and PhotoCheck.objects.filter(source_kind="feedback_photo").count() == 2
    assert feedback.sender_hash == sender_hash("10.0.0.1") and "10.0.0.1" not in json.dumps(
        list(Feedback.objects.values()), default=str)
    # Nothing is public before a moderator publishes it.
    assert api().get(LIST).json()["count"] == 0
    assert api().get(reverse("feedback-detail", args=[feedback.pk])).status_code == 404


@pytest.mark.django_db
def test_json_without_photos_is_accepted_for_a_roadmap_item(site):
    response = api().post(LIST, {"roadmap_item": 12, "category": "delay", "text": "Nothing happens here yet."},
                          format="json")
    assert response.status_code == 201 and Feedback.objects.get().roadmap_item == site["item"]


@pytest.mark.django_db
@pytest.mark.parametrize("fields, problem", [
    ({"category": "nonsense"}, "category"),
    ({"text": "short"}, "text"),
    ({"text": "x" * 2001}, "text"),
    ({"project": None}, "project"),
    ({"location": '{"type": "Point", "coordinates": [2.35, 48.85]}'}, "location"),
    ({"location": '{"type": "LineString", "coordinates": [[76.9, 43.2], [77, 43.3]]}'}, "location"),
    ({"website": "http://spam.example"}, "website"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(site, fields, problem):
    body = {"project": site["school"].pk, **fields}
    body = {key: value for key, value in body.items() if value is not None}
    response = send(api(), **body)
    assert response.status_code == 400, response.content
    assert problem in response.json()["errors"]
    assert Feedback.objects.count() == 0 and FeedbackPhoto.objects.count() == 0


@pytest.mark.django_db
def test_a_json_body_that_is_not_an_object_is_a_400(site):
    assert api().post(LIST, [1, 2], format="json").status_code == 400
    assert api().post(LIST, "text", format="json").status_code == 400
    assert Feedback.objects.count() == 0


@pytest.mark.django_db
def test_photos_are_limited_in_number_type_size_and_pixels(site, settings):
    target = {"project": site["school"].pk}
    four = send(api(), **target, photos=[upload(f"{n}.jpg", n) for n in range(4)])
    assert four.status_code == 400 and "photos" in four.json()["errors"]
    fake = send(api(), **target, photos=[SimpleUploadedFile("x.jpg", b"GIF89a not a jpeg", "image/jpeg")])
    assert fake.status_code == 400
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    declared = send(api(), **target, photos=[SimpleUploadedFile("x.gif", gif.getvalue(), "image/gif")])
    assert declared.status_code == 400
    png_named_jpg = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png_named_jpg, "PNG")  # decoded only by the decoder its name declares
    assert send(api(), **target, photos=[SimpleUploadedFile("x.jpg", png_named_jpg.getvalue())]).status_code == 400
    settings.GEOTRACK = {**settings.GEOTRACK, "FEEDBACK_PHOTO_MAX_PIXELS": 100 * 100}
    assert send(api(), **target, photos=[upload("big.jpg")]).status_code == 413
    settings.GEOTRACK = {**settings.GEOTRACK, "FEEDBACK_PHOTO_MAX_BYTES": 1000}
    assert send(api(), **target, photos=[upload("big.jpg")]).status_code == 413
    assert Feedback.objects.count() == 0 and FeedbackPhoto.objects.count() == 0


@pytest.mark.django_db
def test_feedback_on_a_private_project_is_refused_to_the_public_as_if_it_did_not_exist(site, people):
    assert send(api(), project=site["secret"].pk).status_code == 404
    assert send(api(), project=10 ** 9).status_code == 404
    assert send(api(people["almaty_akimat"]), project=site["secret"].pk).status_code == 201


@pytest.mark.django_db
def test_the_same_idempotency_key_is_answered_once_and_another_message_under_it_is_a_409(site):
    client = api()
    headers = {"HTTP_IDEMPOTENCY_KEY": "5b7c1e0a-offline-1"}
    body = {"project": site["school"].pk, "category": "safety", "text": "Open trench without a fence at night."}
    first = client.post(LIST, body, format="multipart", **headers)
    again = client.post(LIST, body, format="multipart", **headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["follow_url"] == again.json()["follow_url"] and Feedback.objects.count() == 1
    other = client.post(LIST, {**body, "text": "Something else entirely here."}, format="multipart", **headers)
    assert other.status_code == 409 and Feedback.objects.count() == 1


@pytest.mark.django_db
def test_an_address_is_rate_limited_and_a_blocked_sender_is_refused(site, moderators, settings):
    settings.GEOTRACK = {**settings.GEOTRACK, "RATE_LIMITS": {**settings.GEOTRACK["RATE_LIMITS"],
                                                              "feedback-ip": (3, 3600)}}
    client = api(address="10.9.9.9")
    answers = [send(client, project=site["school"].pk).status_code for _ in range(4)]
    assert answers == [201, 201, 201, 429]
    assert send(api(address="10.9.9.8"), project=site["school"].pk).status_code == 201  # another address
    feedback = Feedback.objects.filter(sender_hash=sender_hash("10.9.9.8")).get()
    blocked = api(moderators["almaty_akimat"]).post(reverse("feedback-block", args=[feedback.pk]))
    assert blocked.status_code == 200
    assert BlockedSender.objects.get().sender_hash == sender_hash("10.9.9.8")
    refused = send(api(address="10.9.9.8"), project=site["school"].pk)
    assert refused.status_code == 403 and Feedback.objects.count() == 4


def _feedback(site, **fields) -> Feedback:
    response = send(api(address="10.1.1.1"), project=site["school"].pk, contact="aigul@example.kz", **fields)
    assert response.status_code == 201
    return Feedback.objects.get(pk=response.json()["id"])


@pytest.mark.django_db
@pytest.mark.parametrize("who, expected", [
    (None, 404), ("astana_akimat", 404), ("analyst", 403), ("astana_planner", 403),
    ("almaty_akimat", 200), ("admin", 200),
])
def test_who_may_publish(site, moderators, who, expected):
    feedback = _feedback(site)
    client = api(moderators[who]) if who else api()
    # Who may not read received feedback (the public, another region's akimat) gets a 404, as for nothing.
    assert client.post(reverse("feedback-publish", args=[feedback.pk])).status_code == expected


@pytest.mark.django_db
def test_published_feedback_is_read_by_everyone_but_replied_to_only_by_its_moderators(site, moderators):
    feedback = _feedback(site)
    api(moderators["almaty_akimat"]).post(reverse("feedback-publish", args=[feedback.pk]))
    reply = reverse("feedback-reply", args=[feedback.pk])
    assert api().post(reply, {"text": "hi"}).status_code == 401
    assert api(moderators["astana_akimat"]).post(reply, {"text": "hi"}).status_code == 403
    assert api(moderators["admin"]).post(reply, {"text": "Checked on site."}).status_code == 200


@pytest.mark.django_db
def test_the_states_received_published_rejected_and_replies(site, moderators):
    akimat = api(moderators["almaty_akimat"])
    first, second = _feedback(site), _feedback(site)
    assert akimat.post(reverse("feedback-reply", args=[first.pk]), {"text": "Thanks"}).status_code == 409
    assert akimat.post(reverse("feedback-reject", args=[first.pk]), {}).status_code == 400
    assert akimat.post(reverse("feedback-reject", args=[first.pk]), {"reason": "because"}).status_code == 400
    published = akimat.post(reverse("feedback-publish", args=[first.pk]))
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert akimat.post(reverse("feedback-publish", args=[first.pk])).status_code == 409
    assert akimat.post(reverse("feedback-reject", args=[first.pk]), {"reason": "spam"}).status_code == 409
    reply = akimat.post(reverse("feedback-reply", args=[first.pk]), {"text": "The fence is fixed."}, format="json")
    assert reply.status_code == 200 and reply.json()["reply"]["text"] == "The fence is fixed."
    rejected = akimat.post(reverse("feedback-reject", args=[second.pk]), {"reason": "duplicate"}, format="json")
    assert rejected.json()["status"] == "rejected" and rejected.json()["reject_reason"] == "duplicate"
    assert akimat.post(reverse("feedback-reply", args=[second.pk]), {"text": "See #1"}).status_code == 200
    # The public reads the published one with its reply, never the rejected one, never the contact.
    public = api().get(LIST, {"project": site["school"].pk}).json()
    assert [row["id"] for row in public["results"]] == [first.pk]
    assert public["results"][0]["reply"]["text"] == "The fence is fixed."
    assert "aigul@example.kz" not in json.dumps(public) and "evidence" not in json.dumps(public)
    # The moderator reads both, with contact and the evidence of each photo.
    mine = akimat.get(LIST, {"project": site["school"].pk}).json()
    assert {row["status"] for row in mine["results"]} == {"published", "rejected"}
    assert all(row["contact"] == "aigul@example.kz" for row in mine["results"])
    assert akimat.get(LIST, {"status": "rejected"}).json()["count"] == 1
    assert api(moderators["admin"]).get(LIST + "?scope=public").json()["count"] == 1


@pytest.mark.django_db
def test_list_parameters_are_checked(site):
    assert api().get(LIST, {"status": "lost"}).status_code == 400
    assert api().get(LIST, {"project": "x"}).status_code == 400


@pytest.mark.django_db
def test_photos_are_served_only_to_who_may_read_the_feedback(site, moderators):
    feedback = _feedback(site, photos=[upload("a.jpg", 3)])
    photo = feedback.photos.get()
    url = reverse("feedback-photo", args=[feedback.pk, photo.pk, "image"])
    assert api().get(url).status_code == 404
    akimat = APIClient()
    akimat.force_login(moderators["almaty_akimat"].user)
    assert akimat.get(url).status_code == 200
    api(moderators["almaty_akimat"]).post(reverse("feedback-publish", args=[feedback.pk]))
    stored = b"".join(api().get(url).streaming_content)
    assert Image.open(io.BytesIO(stored)).getexif() == {}  # no metadata in the stored copy
