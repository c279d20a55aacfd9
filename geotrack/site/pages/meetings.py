"""Headquarters meeting pages: the meeting, its presentation mode (one view at a time, read live) and the
protocol PDF. Who may read a meeting is decided by projects.access (kind "meeting")."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from execution.models import Meeting
from execution.permissions import is_coordinator
from execution.selectors import instructions_visible
from geotrack.site import meetings
from projects.access import audience_of


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(audience_of(request).filter(Meeting.objects.all(), "meeting"), pk=pk)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-cache"
    return response


def meeting_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    instructions = instructions_visible(audience=audience_of(request)).filter(meeting=meeting).prefetch_related(
        "co_executors", "roadmap_items").order_by("number")
    context = {"meeting": meeting, "agenda": meetings.agenda_of(meeting), "instructions": instructions,
               "coordinator": is_coordinator(request.user)}
    return _private(render(request, "meetings/detail.html", context))


@require_POST
def agenda_propose_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator replaces the agenda with one proposed from the alerts, then edits it."""
    meeting = _meeting(request, pk)
    if not is_coordinator(request.user):
        raise PermissionDenied
    entries = meetings.agenda_propose(meeting=meeting, audience=audience_of(request))
    messages.success(request, _("Agenda proposed from the alerts: %(count)d entries.") % {"count": len(entries)})
    return redirect(meeting)


def present_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The full-screen presentation: the title view first; static/geotrack/present.js moves through the views."""
    meeting = _meeting(request, pk)
    agenda = list(meetings.agenda_of(meeting))
    context = {"meeting": meeting, "agenda": agenda, "views": range(len(agenda) + 1),
               "view": meetings.title_view(meeting=meeting, audience=audience_of(request))}
    return _private(render(request, "meetings/present.html", context))


def present_view(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    """One view of the presentation as an HTML fragment, read live when the presenter moves to it."""
    meeting = _meeting(request, pk)
    audience = audience_of(request)
    if index == 0:
        view = meetings.title_view(meeting=meeting, audience=audience)
    else:
        entry = meetings.agenda_of(meeting).filter(position=index).first()
        if entry is None:
            raise Http404("No such view.")
        view = meetings.entry_view(entry=entry, audience=audience)
    return _private(render(request, "meetings/_view.html", {"meeting": meeting, "view": view, "index": index}))


def protocol_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The protocol in Kazakh or Russian (`?language=kk|ru`; by default the page's language, else Russian)."""
    meeting = _meeting(request, pk)
    language = request.GET.get("language") or (get_language() or "ru")[:2]
    if language not in {"kk", "ru"}:
        language = "ru"
    body = meetings.protocol_pdf(meeting=meeting, audience=audience_of(request), language=language)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="protocol-{meeting.pk}-{language}.pdf"'
    return _private(response)
