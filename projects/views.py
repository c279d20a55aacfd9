"""The REST-GIS API for projects, progress, regions, roadmap items and agencies."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import cc_delim_re, patch_vary_headers
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geotrack.core.cache import cached_aggregate
from geotrack.core.errors import PreconditionFailed
from geotrack.core.http import cache_headers, require
from geotrack.core.pagination import ListPagination, page_params
from geotrack.core.params import BadParameter, choice
from geotrack.core.renderers import GEOJSON, GEOJSON_RENDERERS
from geotrack.core.sql import Sql
from projects import services
from projects.access import audience_of, is_public_scope
from projects.filters import ProjectFilter
from projects.health import HEALTH_VALUES, health_expression
from projects.models import ProgressReport, Project, RoadmapItem
from projects.pagination import geojson_page
from projects.permissions import can_create_projects, can_edit_project, can_report_progress
from projects.selectors import regions_geojson
from projects.serializers import ProgressReportSerializer, ProjectFeatureSerializer, ProjectSerializer

# Accept headers DRF's negotiation answers with a JSON or GeoJSON renderer; any other goes through DRF.
_PLAIN_ACCEPT = frozenset({"", "*/*", "application/json", GEOJSON})
BAD_INPUT = (exceptions.APIException, BadParameter, DjangoValidationError)  # what the API answers with a 4xx


def _plain_get(request) -> bool:
    """Whether DRF would answer this GET exactly as a plain view does: no token to check (DRF's 401 and
    its WWW-Authenticate), no ?format= and an Accept header that negotiation resolves to (Geo)JSON (others
    may be 404 or 406). The session's user is Django's, which refuses inactive users as DRF does."""
    return (request.method == "GET" and "HTTP_AUTHORIZATION" not in request.META and "format" not in request.GET
            and request.META.get("HTTP_ACCEPT", "") in _PLAIN_ACCEPT)


LIST_PARAMETERS = [
    OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat (EPSG:4326)"),
    OpenApiParameter("region", str, description="ISO 3166-2 code, e.g. KZ-75"),
    OpenApiParameter("status", str, enum=Project.Status.values),
    OpenApiParameter("health", str, enum=list(HEALTH_VALUES)),
    OpenApiParameter("sector", str, enum=Project.Sector.values),
    OpenApiParameter("agency", str, description="agency code"),
    OpenApiParameter("roadmap_item", int, description="roadmap item number"),
    OpenApiParameter("q", str, description="case-insensitive text in title or description"),
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int, description="at most API_MAX_PAGE_SIZE (10000)"),
]


def visible_project(request: Request, pk: int) -> Project:
    """Return a project the caller may read, or 404 whether it exists or not."""
    queryset = audience_of(request).projects().annotate(health=health_expression())
    queryset = queryset.select_related("agency", "region", "agency__region").prefetch_related(
        "regions", Prefetch("roadmap_items", queryset=RoadmapItem.objects.order_by("number")))
    return get_object_or_404(queryset, pk=pk)


def author_context(request: Request) -> dict:
    """Authors' usernames are shown to signed-in callers only (never to the public or with ?scope=public)."""
    return {"show_authors": audience_of(request).authenticated}


def project_response(request: Request, project: Project, status_code: int = 200) -> Response:
    project = Project.objects.annotate(health=health_expression()).get(pk=project.pk)
    response = Response(ProjectSerializer(project, context=author_context(request)).data, status=status_code,
                        content_type=GEOJSON)
    response["ETag"] = services.project_etag(project)
    return response


class ProjectList(APIView):
    """Projects as a GeoJSON FeatureCollection, built in PostGIS. POST creates one."""

    renderer_classes = GEOJSON_RENDERERS
    serializer_class = ProjectSerializer
    parser_classes = [JSONParser]  # a project is a GeoJSON Feature: JSON only

    def dispatch(self, request, *args, **kwargs):
        """A plain GET is answered without DRF's request, negotiation and authentication (see _plain_get)."""
        if _plain_get(request):
            try:
                response = HttpResponse(self.features(request), content_type=GEOJSON)
            except BAD_INPUT:
                pass  # DRF words the error (geotrack.core.errors) in the format the caller negotiated
            else:
                headers = dict(self.default_response_headers)  # Allow and Vary, as DRF's finalize_response sets them
                if vary := headers.pop("Vary", None):
                    patch_vary_headers(response, cc_delim_re.split(vary))
                for name, value in headers.items():
                    response[name] = value
                return response
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(operation_id="projects_list", parameters=LIST_PARAMETERS,
                   responses={(200, GEOJSON): OpenApiTypes.OBJECT})
    def get(self, request: Request) -> HttpResponse:
        return HttpResponse(self.features(request), content_type=GEOJSON)

    @staticmethod
    def features(request) -> str:
        """The FeatureCollection a list request asks for; bad filters or pages raise DRF's exceptions."""
        filterset = ProjectFilter(request.GET, request=request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        page = page_params(request.GET)
        where = audience_of(request).sql("project", "p")
        filters = filterset.sql("p")
        if filters is not None:
            where = Sql.join(" AND ", [where, filters])
        return geojson_page(request, where=where, page=page)

    @extend_schema(request=ProjectSerializer, responses={(201, GEOJSON): ProjectFeatureSerializer})
    def post(self, request: Request) -> Response:
        require(request, can_create_projects(request.user))
        serializer = ProjectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            project = services.project_create(data=serializer.validated_data, user=request.user)
        except services.OutOfScope as exc:
            raise exceptions.PermissionDenied("The project lies outside your regions.") from exc
        return project_response(request, project, status.HTTP_201_CREATED)


class ProjectDetail(APIView):
    """One project as a GeoJSON Feature, with an ETag. Writes honour If-Match (412 when stale)."""

    renderer_classes = GEOJSON_RENDERERS
    serializer_class = ProjectSerializer
    parser_classes = [JSONParser]

    @extend_schema(responses={(200, GEOJSON): ProjectFeatureSerializer, 304: None})
    def get(self, request: Request, pk: int) -> Response:
        project = visible_project(request, pk)
        etag = services.project_etag(project)
        if request.headers.get("If-None-Match") in {etag, f"W/{etag}"}:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return project_response(request, project)

    @extend_schema(request=ProjectSerializer, responses={(200, GEOJSON): ProjectFeatureSerializer})
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(request=ProjectSerializer, responses={(200, GEOJSON): ProjectFeatureSerializer})
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        project = visible_project(request, pk)
        require(request, can_edit_project(request.user, project))
        try:
            services.project_archive(project=project, user=request.user, if_match=request.headers.get("If-Match"))
        except services.StaleVersion as exc:
            raise PreconditionFailed() from exc
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        project = visible_project(request, pk)
        require(request, can_edit_project(request.user, project))
        serializer = ProjectSerializer(project, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            project = services.project_update(project=project, data=serializer.validated_data, user=request.user,
                                              if_match=request.headers.get("If-Match"))
        except services.StaleVersion as exc:
            raise PreconditionFailed() from exc
        except services.OutOfScope as exc:
            raise exceptions.PermissionDenied("The change would move the project outside your regions.") from exc
        return project_response(request, project)


class ProjectProgress(generics.ListAPIView):
    """A project's progress reports, newest first. POST adds one (akimats of its regions)."""

    serializer_class = ProgressReportSerializer
    pagination_class = ListPagination
    parser_classes = [JSONParser]
    queryset = ProgressReport.objects.none()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **author_context(self.request)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        project = visible_project(self.request, self.kwargs["pk"])
        return project.progress_reports.select_related("author", "superseded_by").order_by("-reported_at", "-id")

    def post(self, request: Request, pk: int) -> Response:
        project = visible_project(request, pk)
        require(request, can_report_progress(request.user, project))
        serializer = ProgressReportSerializer(data=request.data)
        unknown = sorted(set(request.data) - {"physical", "financial", "note", "reported_at", "supersedes"})
        if unknown:
            raise exceptions.ValidationError({key: ["Unknown field."] for key in unknown})
        serializer.is_valid(raise_exception=True)
        supersedes = serializer.validated_data.get("supersedes")
        if supersedes is not None and supersedes.project_id != project.pk:
            raise exceptions.ValidationError({"supersedes": ["That report belongs to another project."]})
        report = services.progress_report_add(project=project, author=request.user, **serializer.validated_data)
        return Response(ProgressReportSerializer(report, context=author_context(request)).data,
                        status=status.HTTP_201_CREATED)


class RegionList(APIView):
    """Regions as GeoJSON with aggregates over the projects the caller may see."""

    renderer_classes = GEOJSON_RENDERERS

    @extend_schema(parameters=[OpenApiParameter("detail", str, enum=["simplified", "full"])],
                   responses={(200, GEOJSON): OpenApiTypes.OBJECT})
    def get(self, request: Request) -> HttpResponse:
        detail = choice(request.query_params.get("detail"), "detail", ("simplified", "full"), default="simplified")
        audience, language = audience_of(request), get_language()
        body = cached_aggregate("regions", (language, detail), audience_key=audience.key, topics=["projects"],
                                compute=lambda: regions_geojson(audience=audience, language=language, detail=detail))
        response = HttpResponse(body, content_type=GEOJSON)
        cache_headers(response, shared=is_public_scope(request))
        return response
