"""Project pages: one project (map, history, links, embed snippet) and drawing a new one."""
from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import ensure_csrf_cookie

from layers.maps import MapOptions, overview_map
from layers.pages import visible_imagery
from projects.models import Agency, Project
from projects.permissions import can_create_projects, can_edit_project, can_report_progress
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
    editor = {"apiUrl": f"/api/projects/{project.pk}/", "etag": project_etag(project),
              "statusId": "editor-status"} if editable else None
    imagery = visible_imagery(request, project=project)
    compare = (imagery[-2], imagery[-1]) if len(imagery) >= 2 else None
    options = MapOptions(bounds=_bounds(project), imagery=tuple(imagery), editor=editor, compare=compare)
    context = {
        "project": project, "editable": editable, "can_report": can_report_progress(request.user, project),
        "map": overview_map(options),
        "reports": project.progress_reports.select_related("author", "superseded_by").prefetch_related("photos")[:50],
        "roadmap_items": project.roadmap_items.order_by("number"),
        "imagery": imagery,
        "compare": compare,
        "evidence": project.change_evidence.select_related("before", "after").order_by("-after__acquired_on"),
        "embed_url": request.build_absolute_uri(f"/embed/projects/{project.pk}/"),
    }
    response = render(request, "projects/detail.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


@ensure_csrf_cookie
def project_new_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_create_projects(request.user):
        raise PermissionDenied
    editor = {"createUrl": "/api/projects/", "formId": "new-project", "statusId": "editor-status"}
    options = MapOptions(editor=editor, cameras=False)
    context = {"map": overview_map(options), "sectors": Project.Sector.choices, "kinds": Project.Kind.choices,
               "statuses": Project.Status.choices, "agencies": Agency.objects.order_by("kind", "name_en")}
    return render(request, "projects/new.html", context)


@xframe_options_exempt
def project_embed(request: HttpRequest, pk: int) -> HttpResponse:
    """A public project, frameable anywhere; private projects do not exist here."""
    project = Project.objects.filter(pk=pk, is_public=True, archived_at__isnull=True).first()
    if project is None:
        raise Http404("No such project.")
    options = MapOptions(embed=True, bounds=_bounds(project), cameras=True)
    response = render(request, "maps/embed.html", {"map": overview_map(options), "title": project.title})
    response["Content-Security-Policy"] = "frame-ancestors *"
    response["Cache-Control"] = "public, max-age=300"
    return response
