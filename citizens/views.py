"""The feedback API: citizens send, everyone reads what is published, moderators decide and reply."""
from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.exceptions import APIException
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geotrack.core.errors import PayloadTooLarge
from geotrack.core.images import ImageRejected
from geotrack.core.pagination import ListPagination
from geotrack.core.params import choice, whole_number
from geotrack.core.photos import PreparedPhoto, photo_prepare
from geotrack.core.throttle import client_ip, configured, throttled
from projects.access import audience_of
from projects.models import PhotoCheck, RoadmapItem
from projects.photo_checks import photo_checks_of
from projects.views import visible_project

from citizens import services
from citizens.models import Feedback, FeedbackPhoto
from citizens.permissions import can_moderate_feedback
from citizens.serializers import (
    FeedbackInputSerializer, FeedbackOutputSerializer, RejectInputSerializer, ReplyInputSerializer, feedback_payload,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
ERRORS = {400: OpenApiResponse(description="Bad input, nothing written"),
          404: OpenApiResponse(description="No such feedback the caller may read")}


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The feedback is not in a state that allows this."


def readable_feedback(request: Request):
    """The feedback this caller may read, with what the answers need."""
    queryset = Feedback.objects.select_related("roadmap_item", "project").prefetch_related(
        Prefetch("photos", queryset=FeedbackPhoto.objects.order_by("id")), "project__region_links")
    return audience_of(request).filter(queryset, "feedback")


def evidence_for(feedback_list) -> dict[int, PhotoCheck]:
    photo_ids = [photo.pk for feedback in feedback_list for photo in feedback.photos.all()]
    return photo_checks_of(PhotoCheck.Source.FEEDBACK_PHOTO, photo_ids)


def payload_for(request: Request, feedback: Feedback, *, checks: dict | None = None,
                follow_url: str | None = None) -> dict:
    # ?scope=public reads as the public, whoever asks: no contact, no evidence then.
    moderator = audience_of(request).authenticated and can_moderate_feedback(request.user, feedback)
    if moderator and checks is None:
        checks = evidence_for([feedback])
    return feedback_payload(feedback, moderator=moderator, checks=checks, follow_url=follow_url)


def _prepare_photos(files) -> list[PreparedPhoto]:
    """Check and decode every photo before anything is written: one bad photo rejects the message."""
    limits = settings.GEOTRACK
    if len(files) > limits["FEEDBACK_MAX_PHOTOS"]:
        raise exceptions.ValidationError({"photos": [f"At most {limits['FEEDBACK_MAX_PHOTOS']} photos."]})
    prepared = []
    for upload in files:
        if upload.size > limits["FEEDBACK_PHOTO_MAX_BYTES"]:
            raise PayloadTooLarge(f"{upload.name}: larger than the limit of {limits['FEEDBACK_PHOTO_MAX_BYTES']} bytes.")
        try:
            prepared.append(photo_prepare(data=upload.read(), max_pixels=limits["FEEDBACK_PHOTO_MAX_PIXELS"],
                                          thumbnail_px=320, declared_name=upload.name or "",
                                          local_tz=settings.TIME_ZONE))
        except ImageRejected as exc:
            if exc.status_code == 413:
                raise PayloadTooLarge(f"{upload.name}: {exc.message}") from exc
            raise exceptions.ValidationError({"photos": [f"{upload.name}: {exc.message}"]}) from exc
    return prepared


def _subject(request: Request, data: dict):
    """The project or roadmap item the message is about, as the caller may read it (404 otherwise)."""
    if "project" in data:
        return visible_project(request, data["project"]), None
    return None, get_object_or_404(RoadmapItem, number=data["roadmap_item"])


def _limit(name: str, key: str, message: str) -> None:
    decision = configured(name).hit(key)
    if not decision.allowed:
        raise throttled(decision, message)


class FeedbackList(APIView):
    """Citizen feedback. GET: published feedback and replies for everyone, everything in scope for moderators.

    POST: anonymous or signed-in, as multipart (photos repeated) or JSON; answers 201 with a private
    `follow_url`. With an `Idempotency-Key` header, a resend of the same message answers 200 with the
    first one; the same key with another message is a 409.
    """

    parser_classes = [MultiPartParser, FormParser, JSONParser]
    pagination_class = ListPagination

    @extend_schema(operation_id="feedback_list", parameters=[
        OpenApiParameter("project", int), OpenApiParameter("roadmap_item", int, description="item number"),
        OpenApiParameter("status", str, enum=Feedback.Status.values), OpenApiParameter("page", int),
        OpenApiParameter("page_size", int)], responses={200: FeedbackOutputSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        query = request.query_params
        queryset = readable_feedback(request)
        project = whole_number(query.get("project"), "project", default=None, low=1)
        item = whole_number(query.get("roadmap_item"), "roadmap_item", default=None, low=1)
        state = choice(query.get("status"), "status", Feedback.Status.values, default=None)
        if project is not None:
            queryset = queryset.filter(project_id=project)
        if item is not None:
            queryset = queryset.filter(roadmap_item__number=item)
        if state is not None:
            queryset = queryset.filter(status=state)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset.order_by("-created_at", "-id"), request, view=self)
        checks = evidence_for(page)
        return paginator.get_paginated_response([payload_for(request, feedback, checks=checks) for feedback in page])

    @extend_schema(operation_id="feedback_send", request={"multipart/form-data": FeedbackInputSerializer,
                                                          "application/json": FeedbackInputSerializer},
                   parameters=[OpenApiParameter(IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER,
                                                description="Optional; a resend with the same key is answered once")],
                   responses={201: FeedbackOutputSerializer, 200: FeedbackOutputSerializer,
                              403: OpenApiResponse(description="This sender was blocked"),
                              409: OpenApiResponse(description="Idempotency-Key reused for another message"),
                              413: OpenApiResponse(description="A photo over its size or pixel limit"),
                              429: OpenApiResponse(description="Too many messages from this address"), **ERRORS})
    def post(self, request: Request) -> Response:
        address = client_ip(request)
        _limit("feedback-ip", address, "Too many messages from your address; try again later.")
        if not hasattr(request.data, "keys"):
            raise exceptions.ValidationError({"non_field_errors": ["Send an object (JSON) or a multipart form."]})
        fields = [key for key in request.data.keys() if key not in ("photos", "csrfmiddlewaretoken")]
        unknown = sorted(set(fields) - set(FeedbackInputSerializer().fields))
        if unknown:
            raise exceptions.ValidationError({key: ["Unknown field."] for key in unknown})
        serializer = FeedbackInputSerializer(data={key: request.data.get(key) for key in fields})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project, item = _subject(request, data)
        key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
        if len(key) > 100:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: ["At most 100 characters."]})
        uploads = request.FILES.getlist("photos")
        photos = _prepare_photos(uploads)
        digest = services.request_digest([project and project.pk, item and item.pk, data["category"], data["text"],
                                          data.get("contact", ""), [photo.facts.phash for photo in photos]])
        submission = services.Submission(project=project, roadmap_item=item, category=data["category"],
                                         text=data["text"], location=data.get("location"),
                                         contact=data.get("contact", "").strip(), photos=photos)
        try:
            feedback, created = services.feedback_submit(
                submission=submission, sender=services.sender_hash(address), author=request.user,
                idempotency_key=key or None, digest=digest)
        except services.SenderBlocked as exc:
            raise exceptions.PermissionDenied("Feedback from your address is not accepted.") from exc
        except services.IdempotencyConflict as exc:
            raise Conflict(f"This {IDEMPOTENCY_HEADER} was used for another message.") from exc
        feedback = readable_or_own(feedback)
        follow_url = request.build_absolute_uri(reverse("feedback-follow", args=[feedback.follow_token]))
        if _wants_page(request):  # the form sent by a browser without scripts: go to the follow page
            return HttpResponseRedirect(follow_url, status=status.HTTP_303_SEE_OTHER)
        body = feedback_payload(feedback, moderator=False, follow_url=follow_url)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _wants_page(request: Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "application/json" not in accept


def readable_or_own(feedback: Feedback) -> Feedback:
    """The sender's own message, with its photos, for the answer to the POST."""
    return Feedback.objects.select_related("roadmap_item").prefetch_related("photos").get(pk=feedback.pk)


class FeedbackDetail(APIView):
    """One message the caller may read (404 otherwise)."""

    @extend_schema(operation_id="feedback_read", responses={200: FeedbackOutputSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(payload_for(request, get_object_or_404(readable_feedback(request), pk=pk)))


class _Moderation(APIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    input_serializer = None

    def moderated(self, request: Request, pk: int) -> Feedback:
        feedback = get_object_or_404(readable_feedback(request), pk=pk)
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if not can_moderate_feedback(request.user, feedback):
            raise exceptions.PermissionDenied("You do not moderate feedback on this project or item.")
        return feedback

    def change(self, request: Request, pk: int, apply) -> Response:
        feedback = self.moderated(request, pk)
        values = {}
        if self.input_serializer is not None:
            serializer = self.input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            values = serializer.validated_data
        try:
            apply(feedback, values)
        except services.WrongState as exc:
            raise Conflict(f"Not possible while the feedback is {feedback.status}.") from exc
        return Response(payload_for(request, get_object_or_404(readable_feedback(request), pk=pk)))


MODERATION_ERRORS = {401: OpenApiResponse(description="Sign in"), 403: OpenApiResponse(description="Not a moderator here"),
                     409: OpenApiResponse(description="Not possible in this state"), **ERRORS}


class FeedbackPublish(_Moderation):
    """Publish a received message (moderators)."""

    @extend_schema(operation_id="feedback_publish", request=None,
                   responses={200: FeedbackOutputSerializer, **MODERATION_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        return self.change(request, pk, lambda feedback, _values: services.feedback_publish(
            feedback=feedback, user=request.user))


class FeedbackReject(_Moderation):
    """Reject a received message with a reason from the short list (moderators)."""

    input_serializer = RejectInputSerializer

    @extend_schema(operation_id="feedback_reject", request=RejectInputSerializer,
                   responses={200: FeedbackOutputSerializer, **MODERATION_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        return self.change(request, pk, lambda feedback, values: services.feedback_reject(
            feedback=feedback, user=request.user, reason=values["reason"]))


class FeedbackReply(_Moderation):
    """Reply to a published or rejected message; public with published feedback (moderators)."""

    input_serializer = ReplyInputSerializer

    @extend_schema(operation_id="feedback_reply", request=ReplyInputSerializer,
                   responses={200: FeedbackOutputSerializer, **MODERATION_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        return self.change(request, pk, lambda feedback, values: services.feedback_reply(
            feedback=feedback, user=request.user, text=values["text"].strip()))


class FeedbackBlockSender(_Moderation):
    """Block the sender of this message from sending more, by the stored hash of their address (moderators)."""

    @extend_schema(operation_id="feedback_block_sender", request=None,
                   responses={200: FeedbackOutputSerializer, **MODERATION_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        return self.change(request, pk, lambda feedback, _values: services.sender_block(
            feedback=feedback, user=request.user))


def feedback_photo(request: HttpRequest, pk: int, photo_id: int, variant: str) -> FileResponse:
    """A feedback photo, for whoever may read the feedback (published: everyone); 404 otherwise."""
    photos = audience_of(request).filter(FeedbackPhoto.objects.filter(feedback_id=pk), "feedback_photo")
    photo = photos.filter(pk=photo_id).first()
    if photo is None or variant not in {"image", "thumbnail"}:
        raise Http404
    response = FileResponse(getattr(photo, variant).open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response
