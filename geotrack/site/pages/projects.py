"""Project pages: one project (map, history, links, embed snippet) and drawing a new one."""
from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import ensure_csrf_cookie

from citizens.selectors import category_counts, published_feedback
from geotrack.core.links import url_template
from layers.imagery_selectors import evidence_visible_to, ready_imagery
from layers.maps import MapOptions, overview_map
from projects.access import Audience, audience_of
from projects.models import Agency, PhotoCheck, Project
from projects.permissions import can_create_projects, can_edit_project, can_report_progress
from projects.photo_checks import check_level, photo_checks_of, reason_texts
from projects.services import project_etag
from projects.views import visible_project


def _bounds(project: Project) -> list:
    west, south, east, north = project.geom.extent
    pad = 0.01
    return [[south - pad, west - pad], [north + pad, east + pad]]


@ensure_csrf_cookie
def project_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request, pk)
    editable = can_edit_project(request.user, project)
    editor = {"apiUrl": reverse("project-detail", args=[project.pk]), "etag": project_etag(project),
              "statusId": "editor-status"} if editable else None
    audience = audience_of(request)
    imagery = ready_imagery(audience=audience, project=project)
    compare = (imagery[-2], imagery[-1]) if len(imagery) >= 2 else None
    options = MapOptions(bounds=_bounds(project), imagery=tuple(imagery), editor=editor, compare=compare)
    reports = list(audience.filter(project.progress_reports.all(), "progress_report")
                   .select_related("author", "superseded_by").prefetch_related("photos")[:50])
    if audience.reviews_evidence:
        attach_photo_checks(reports)
    feedback = published_feedback(audience=audience, project_id=project.pk)
    context = {
        "project": project, "editable": editable, "can_report": can_report_progress(request.user, project),
        "map": overview_map(options),
        "reports": reports,
        "feedback": feedback[:30], "feedback_counts": category_counts(feedback),
        "feedback_url": reverse("feedback-new") + f"?project={project.pk}",
        "roadmap_items": project.roadmap_items.order_by("number"),
        "imagery": imagery,
        "compare": compare,
        "evidence": evidence_visible_to(audience=audience, project_id=project.pk).order_by("-after__acquired_on"),
        "embed_url": request.build_absolute_uri(reverse("project-embed", args=[project.pk])),
    }
    response = render(request, "projects/detail.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


def attach_photo_checks(reports) -> None:
    """Put each progress photo's evidence check on it, for reviewers (two queries whatever the count)."""
    photos = [photo for report in reports for photo in report.photos.all()]
    checks = photo_checks_of(PhotoCheck.Source.PROGRESS_PHOTO, [photo.pk for photo in photos])
    for photo in photos:
        check = checks.get(photo.pk)
        photo.evidence = {"check": check, "level": check_level(check) if check else None,
                          "reasons": reason_texts(check) if check else []}


@ensure_csrf_cookie
def project_new_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_create_projects(request.user):
        raise PermissionDenied
    editor = {"createUrl": reverse("project-list"), "formId": "new-project", "statusId": "editor-status",
              "pageUrl": url_template("project-page", pk="{id}")}
    options = MapOptions(editor=editor, cameras=False)
    context = {"map": overview_map(options), "sectors": Project.Sector.choices, "kinds": Project.Kind.choices,
               "statuses": Project.Status.choices, "agencies": Agency.objects.order_by("kind", "name_en")}
    return render(request, "projects/new.html", context)


@xframe_options_exempt
def project_embed(request: HttpRequest, pk: int) -> HttpResponse:
    """A public project, frameable anywhere; private projects do not exist here."""
    project = Audience().projects().filter(pk=pk).first()  # the public's audience, whoever asks
    if project is None:
        raise Http404("No such project.")
    options = MapOptions(embed=True, bounds=_bounds(project), cameras=True)
    response = render(request, "maps/embed.html", {
        "map": overview_map(options), "title": project.title,
        "feedback_url": request.build_absolute_uri(reverse("feedback-new") + f"?project={project.pk}")})
    response.csp_frame_ancestors = "*"  # the only pages any site may frame (geotrack/core/csp.py)
    response["Cache-Control"] = "public, max-age=300"
    return response
