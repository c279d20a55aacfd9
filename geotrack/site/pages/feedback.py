"""Citizen feedback pages: the form, the citizen's private follow page, and the moderators' page."""
from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from citizens import services
from citizens.models import Feedback, FeedbackPhoto
from citizens.permissions import can_moderate_feedback, moderates_somewhere
from geotrack.core.params import BadParameter, choice, whole_number
from geotrack.core.throttle import client_ip, configured
from projects.access import audience_of
from projects.models import PhotoCheck, RoadmapItem
from projects.photo_checks import check_level, photo_checks_of, reason_texts
from projects.views import visible_project


def _subject(request: HttpRequest):
    try:
        project_id = whole_number(request.GET.get("project"), "project", default=None, low=1)
        number = whole_number(request.GET.get("roadmap_item"), "roadmap_item", default=None, low=1)
    except BadParameter as exc:
        raise Http404 from exc
    if project_id is not None:
        return visible_project(request, project_id), None
    if number is not None:
        return None, get_object_or_404(RoadmapItem, number=number)
    raise Http404


def _picker_words() -> dict[str, str]:
    """The location picker's words in the active language (feedback.js has no catalogue of its own)."""
    return {"Marked:": _("Marked:"), "Your location:": _("Your location:"),
            "This browser cannot tell its location.": _("This browser cannot tell its location."),
            "Asking for your location…": _("Asking for your location…"),
            "Location not available.": _("Location not available."), "Too many photos.": _("Too many photos.")}


@ensure_csrf_cookie
def feedback_new(request: HttpRequest) -> HttpResponse:
    """The feedback form: a plain multipart form to POST /api/feedback/ (queued by offline.js when offline)."""
    project, item = _subject(request)
    site = json.loads(project.geom.geojson) if project is not None else None
    context = {
        "project": project, "item": item, "categories": Feedback.Category.choices,
        "limits": {"text_min": settings.GEOTRACK["FEEDBACK_TEXT_MIN"], "text_max": settings.GEOTRACK["FEEDBACK_TEXT_MAX"],
                   "photos": settings.GEOTRACK["FEEDBACK_MAX_PHOTOS"]},
        "picker": {"site": site, "basemap": settings.BASEMAP_URL or "",
                   "centre": [project.geom.centroid.y, project.geom.centroid.x] if project else [48.0, 67.0],
                   "words": _picker_words()},
    }
    response = render(request, "citizens/new.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


def feedback_follow(request: HttpRequest, token: str) -> HttpResponse:
    """The citizen's private page: status and reply. Rate-limited per address and per token."""
    for name, key in (("feedback-follow-ip", client_ip(request)), ("feedback-token", token[:64])):
        decision = configured(name).hit(key)
        if not decision.allowed:
            response = HttpResponse(_("Too many requests; try again later."), status=429,
                                    content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(decision.retry_after)
            return response
    feedback = Feedback.objects.select_related("project", "roadmap_item").filter(follow_token=token).first()
    if feedback is None or len(token) < 20:
        raise Http404
    response = render(request, "citizens/follow.html", {"feedback": feedback, "photo_count": feedback.photos.count()})
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token is in this page's address
    response["X-Robots-Tag"] = "noindex"
    return response


def _moderation_rows(request: HttpRequest, status: str | None):
    queryset = audience_of(request).filter(Feedback.objects.all(), "feedback")
    if status:
        queryset = queryset.filter(status=status)
    rows = list(queryset.select_related("project", "roadmap_item").prefetch_related("photos", "project__region_links")
                .order_by("-created_at", "-id")[:100])
    rows = [feedback for feedback in rows if can_moderate_feedback(request.user, feedback)]
    checks = photo_checks_of(PhotoCheck.Source.FEEDBACK_PHOTO,
                             [photo.pk for feedback in rows for photo in feedback.photos.all()])
    return [{"feedback": feedback, "photos": [_photo_view(feedback, photo, checks.get(photo.pk))
                                              for photo in feedback.photos.all()]} for feedback in rows]


def _photo_view(feedback: Feedback, photo: FeedbackPhoto, check: PhotoCheck | None) -> dict:
    return {"image": reverse("feedback-photo", args=[feedback.pk, photo.pk, "image"]),
            "thumbnail": reverse("feedback-photo", args=[feedback.pk, photo.pk, "thumbnail"]),
            "check": check, "level": check_level(check) if check else None,
            "reasons": reason_texts(check) if check else []}


@ensure_csrf_cookie
def feedback_moderation(request: HttpRequest) -> HttpResponse:
    """Feedback in the moderator's scope, with the evidence beside each photo; decisions post to feedback_decide."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not moderates_somewhere(request.user):
        raise PermissionDenied
    try:
        status = choice(request.GET.get("status"), "status", Feedback.Status.values + ["all"], default="received")
    except BadParameter as exc:
        raise Http404 from exc
    context = {"rows": _moderation_rows(request, None if status == "all" else status), "status": status,
               "statuses": Feedback.Status.choices, "reasons": Feedback.RejectReason.choices}
    response = render(request, "citizens/moderation.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


def feedback_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """One moderator's decision from the moderation page: publish, reject (with a reason), reply or block."""
    if request.method != "POST":
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("feedback-moderation"))
    feedback = get_object_or_404(audience_of(request).filter(Feedback.objects.all(), "feedback"), pk=pk)
    if not can_moderate_feedback(request.user, feedback):
        raise PermissionDenied
    action, user = request.POST.get("action"), request.user
    try:
        if action == "publish":
            services.feedback_publish(feedback=feedback, user=user)
        elif action == "reject" and request.POST.get("reason") in Feedback.RejectReason.values:
            services.feedback_reject(feedback=feedback, user=user, reason=request.POST["reason"])
        elif action == "reply" and 0 < len(request.POST.get("text", "").strip()) <= 4000:
            services.feedback_reply(feedback=feedback, user=user, text=request.POST["text"].strip())
        elif action == "block":
            services.sender_block(feedback=feedback, user=user)
        else:
            messages.error(request, _("Choose an action (a reason for a rejection, a text for a reply)."))
            return redirect(reverse("feedback-moderation") + "?status=all")
    except services.WrongState:
        messages.error(request, _("Not possible in this state."))
    else:
        messages.success(request, _("Done."))
    return redirect(reverse("feedback-moderation") + f"?status={request.POST.get('back', 'received')}"
                    if request.POST.get("back") in Feedback.Status.values + ["all"]
                    else reverse("feedback-moderation"))
