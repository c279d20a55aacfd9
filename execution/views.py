"""The roadmap execution API (CONTRACT.md, Roadmap execution): 404 for what the caller may not read,
401 without credentials, 403 for what it reads but may not change, 409 for a wrong state, 412 when stale."""
from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from execution import permissions, selectors, services
from execution.models import (DeadlineChange, ExecutionReport, Instruction, Meeting, Milestone, ReportDocument,
                              ReportingPeriod, ReportVersion)
from execution.serializers import (CommentSerializer, DeadlineChangeSerializer, DeadlineChangeWriteSerializer,
                                   DocumentSerializer, InstructionSerializer, MeetingSerializer, MilestoneSerializer,
                                   ReportDetailSerializer, ReportingPeriodSerializer, ReportPatchSerializer,
                                   ReportSerializer, ReportWriteSerializer, ReturnSerializer, documents_data)
from geotrack.core.errors import PreconditionFailed
from geotrack.core.http import require
from geotrack.core.pagination import ListPagination
from projects.access import Audience, audience_of
from projects.models import RoadmapItem
from projects.services import StaleVersion


class StateConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object is not in a state that allows this change."


class Refused(exceptions.APIException):
    """Another 4xx (413) with the service's message."""

    def __init__(self, message: str, status_code: int):
        self.status_code = status_code
        super().__init__(message)


def run(action):
    """Call a service and turn its errors into API answers (nothing was changed)."""
    try:
        return action()
    except services.Conflict as exc:
        raise StateConflict(exc.message) from exc
    except services.ExecutionError as exc:
        if exc.status_code == 400:
            raise exceptions.ValidationError({exc.field: [exc.message]}) from exc
        raise Refused(exc.message, exc.status_code) from exc
    except StaleVersion as exc:
        raise PreconditionFailed("The report changed since you read it (stale If-Match). Reload it.") from exc


def roadmap_item(number: int) -> RoadmapItem:
    """Roadmap items are public: 404 only when there is none."""
    return get_object_or_404(RoadmapItem.objects.select_related("agency"), number=number)


def visible(request: Request, queryset, kind: str, pk: int):
    return get_object_or_404(audience_of(request).filter(queryset, kind), pk=pk)


def reads_in_full(audience: Audience, report: ExecutionReport) -> bool:
    """National roles and the item's (or instruction's) agencies read all of a report; others its summary."""
    subject = report.roadmap_item or report.instruction
    return audience.sees_everything or bool(set(audience.agency_ids) & permissions.bound_agencies(subject))


def report_response(request: Request, report: ExecutionReport, status_code: int = 200) -> Response:
    audience = audience_of(request)
    report = ExecutionReport.objects.select_related("period", "roadmap_item", "instruction", "agency").get(pk=report.pk)
    context = {"full": reads_in_full(audience, report),
               "versions": audience.filter(ReportVersion.objects.filter(report=report), "report_version"),
               "documents": audience.filter(ReportDocument.objects.filter(report=report), "report_document")}
    response = Response(ReportDetailSerializer(report, context=context).data, status=status_code)
    response["ETag"] = services.report_etag(report)
    return response


# --- milestones -----------------------------------------------------------------------------------

class ItemMilestones(APIView):
    """An item's milestones; POST adds one (the responsible agency before the first accepted report, or the
    coordinator)."""

    parser_classes = [JSONParser]

    @extend_schema(responses={200: MilestoneSerializer(many=True)})
    def get(self, request: Request, number: int) -> Response:
        item = roadmap_item(number)
        milestones = audience_of(request).filter(selectors.milestones_of(item.pk), "milestone")
        return Response(MilestoneSerializer(milestones, many=True).data)

    @extend_schema(request=MilestoneSerializer, responses={201: MilestoneSerializer})
    def post(self, request: Request, number: int) -> Response:
        item = roadmap_item(number)
        require(request, permissions.can_edit_milestones(
            request.user, item, has_accepted_report=services.item_has_accepted_report(item)))
        serializer = MilestoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestone = run(lambda: services.milestone_add(item=item, data=serializer.validated_data))
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)


class MilestoneDetail(APIView):
    """PATCH a milestone (its dates, title, weight) under the same rule as adding one."""

    parser_classes = [JSONParser]

    @extend_schema(request=MilestoneSerializer, responses={200: MilestoneSerializer})
    def patch(self, request: Request, pk: int) -> Response:
        milestone = visible(request, Milestone.objects.select_related("roadmap_item"), "milestone", pk)
        item = milestone.roadmap_item
        require(request, permissions.can_edit_milestones(
            request.user, item, has_accepted_report=services.item_has_accepted_report(item)))
        serializer = MilestoneSerializer(milestone, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)


# --- reporting periods ----------------------------------------------------------------------------

class PeriodList(generics.ListAPIView):
    """Reporting periods, newest first; the coordinator opens one with `starts_on`, `ends_on`, `due_on`."""

    serializer_class = ReportingPeriodSerializer
    pagination_class = ListPagination
    parser_classes = [JSONParser]
    queryset = ReportingPeriod.objects.order_by("-starts_on", "-id")

    @extend_schema(request=ReportingPeriodSerializer, responses={201: ReportingPeriodSerializer})
    def post(self, request: Request) -> Response:
        require(request, permissions.is_coordinator(request.user))
        serializer = ReportingPeriodSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        period = run(lambda: services.period_create(starts_on=data["starts_on"], ends_on=data["ends_on"],
                                                    due_on=data["due_on"], kind=data.get("kind", "monthly"),
                                                    user=request.user))
        return Response(ReportingPeriodSerializer(period).data, status=status.HTTP_201_CREATED)


class PeriodDetail(APIView):
    parser_classes = [JSONParser]

    @extend_schema(responses={200: ReportingPeriodSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReportingPeriodSerializer(get_object_or_404(ReportingPeriod, pk=pk)).data)

    @extend_schema(request=ReportingPeriodSerializer, responses={200: ReportingPeriodSerializer})
    def patch(self, request: Request, pk: int) -> Response:
        """The coordinator closes (`{"closed": true}`) or reopens a period, or moves its due day."""
        period = get_object_or_404(ReportingPeriod, pk=pk)
        require(request, permissions.is_coordinator(request.user))
        serializer = ReportingPeriodSerializer(period, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        closed = serializer.validated_data.pop("closed", None)
        period = serializer.save()
        if closed is not None:
            period.closed_at = (period.closed_at or timezone.now()) if closed else None
            period.save(update_fields=["closed_at"])
        return Response(ReportingPeriodSerializer(period).data)


# --- execution reports ----------------------------------------------------------------------------

def _reporting_agency(request: Request, subject, chosen) -> int:
    agencies = permissions.reporting_agencies(request.user, subject)
    require(request, bool(agencies))
    if chosen is not None:
        if chosen.pk not in agencies:
            raise exceptions.ValidationError({"agency": ["You do not report for this agency on this item."]})
        return chosen.pk
    if len(agencies) > 1:
        raise exceptions.ValidationError({"agency": ["You act for several agencies here: name one."]})
    return next(iter(agencies))


def create_report(request: Request, subject) -> Response:
    require(request, bool(permissions.reporting_agencies(request.user, subject)))
    serializer = ReportWriteSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    agency_id = _reporting_agency(request, subject, data.pop("agency", None))
    period, submit = data.pop("period"), data.pop("submit", False)
    report = run(lambda: services.report_create(subject=subject, period=period, agency_id=agency_id, data=data,
                                                user=request.user, submit=submit))
    return report_response(request, report, status.HTTP_201_CREATED)


REPORT_LIST_PARAMETERS = [OpenApiParameter("period", int), OpenApiParameter("state", str,
                                                                              enum=ExecutionReport.State.values)]


class ReportList(generics.ListAPIView):
    serializer_class = ReportSerializer
    pagination_class = ListPagination
    parser_classes = [JSONParser]
    queryset = ExecutionReport.objects.none()

    def subject_filter(self) -> dict:
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        reports = selectors.reports_visible(audience=audience_of(self.request)).filter(**self.subject_filter())
        params = self.request.query_params
        if params.get("state"):
            if params["state"] not in ExecutionReport.State.values:
                raise exceptions.ValidationError({"state": ["Unknown state."]})
            reports = reports.filter(state=params["state"])
        if params.get("period"):
            if not params["period"].isdigit():
                raise exceptions.ValidationError({"period": ["A period id."]})
            reports = reports.filter(period_id=int(params["period"]))
        return reports.order_by("-period__starts_on", "agency__code", "id")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        audience = audience_of(self.request)
        return {**context, "full": audience.sees_everything or bool(audience.agency_ids)}


class ItemReports(ReportList):
    """Execution reports on an item that the caller may read; POST creates a draft, or submits with `submit`."""

    def subject_filter(self) -> dict:
        return {"roadmap_item": roadmap_item(self.kwargs["number"])}

    @extend_schema(parameters=REPORT_LIST_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ReportWriteSerializer, responses={201: ReportDetailSerializer})
    def post(self, request: Request, number: int) -> Response:
        return create_report(request, roadmap_item(number))


class ReportDetail(APIView):
    """One report with its versions and documents; PATCH while `draft` or `returned` (If-Match, 412 when stale)."""

    parser_classes = [JSONParser]

    @extend_schema(responses={200: ReportDetailSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return report_response(request, visible(request, ExecutionReport.objects.all(), "execution_report", pk))

    @extend_schema(request=ReportPatchSerializer, responses={200: ReportDetailSerializer})
    def patch(self, request: Request, pk: int) -> Response:
        report = visible(request, ExecutionReport.objects.all(), "execution_report", pk)
        require(request, permissions.can_edit_report(request.user, report))
        serializer = ReportPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = run(lambda: services.report_update(report=report, data=serializer.validated_data, user=request.user,
                                                    if_match=request.headers.get("If-Match")))
        return report_response(request, report)


class ReportSubmit(APIView):
    """draft or returned -> submitted (a new version)."""

    parser_classes = [JSONParser]

    @extend_schema(request=None, responses={200: ReportDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        report = visible(request, ExecutionReport.objects.all(), "execution_report", pk)
        require(request, permissions.can_edit_report(request.user, report))
        report = run(lambda: services.report_submit(report=report, user=request.user,
                                                    if_match=request.headers.get("If-Match")))
        return report_response(request, report)


class ReportAccept(APIView):
    """submitted -> accepted (the coordinator); its milestone updates take effect."""

    parser_classes = [JSONParser]

    @extend_schema(request=CommentSerializer, responses={200: ReportDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        report = visible(request, ExecutionReport.objects.all(), "execution_report", pk)
        require(request, permissions.is_coordinator(request.user))
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = serializer.validated_data.get("comment", "")
        report = run(lambda: services.report_accept(report=report, user=request.user, comment=comment))
        return report_response(request, report)


class ReportReturn(APIView):
    """submitted -> returned, with the coordinator's `comment` (required)."""

    parser_classes = [JSONParser]

    @extend_schema(request=ReturnSerializer, responses={200: ReportDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        report = visible(request, ExecutionReport.objects.all(), "execution_report", pk)
        require(request, permissions.is_coordinator(request.user))
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = run(lambda: services.report_return(report=report, user=request.user,
                                                    comment=serializer.validated_data["comment"]))
        return report_response(request, report)


class ReportDocuments(APIView):
    """A report's documents; POST one as multipart (`file`): PDF, DOCX, XLSX, JPEG or PNG, checked."""

    parser_classes = [MultiPartParser]

    @extend_schema(responses={200: DocumentSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        report = visible(request, ExecutionReport.objects.all(), "execution_report", pk)
        documents = audience_of(request).filter(ReportDocument.objects.filter(report=report), "report_document")
        return Response(documents_data(documents))

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}, "required": ["file"]}},
        responses={201: DocumentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        report = visible(request, ExecutionReport.objects.all(), "execution_report", pk)
        require(request, permissions.can_edit_report(request.user, report))
        upload = request.FILES.get("file")
        if upload is None or len(request.FILES) != 1:
            raise exceptions.ValidationError({"file": ["Send exactly one file, as the multipart field `file`."]})
        document = run(lambda: services.document_add(report=report, upload=upload, user=request.user))
        return Response(documents_data([document])[0], status=status.HTTP_201_CREATED)


class DocumentFile(APIView):
    """A document's bytes, for those who may read it (never a bare media URL)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int, document_id: int):
        document = get_object_or_404(audience_of(request).filter(
            ReportDocument.objects.filter(report_id=pk), "report_document"), pk=document_id)
        response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=True,
                                filename=document.name)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- deadline changes -----------------------------------------------------------------------------

class ItemDeadlineChanges(APIView):
    """An item's deadline changes the caller may read; POST requests one (`deadline`, `reason`)."""

    parser_classes = [JSONParser]

    @extend_schema(responses={200: DeadlineChangeSerializer(many=True)})
    def get(self, request: Request, number: int) -> Response:
        item = roadmap_item(number)
        changes = selectors.deadline_changes_visible(audience=audience_of(request)).filter(roadmap_item=item)
        return Response(DeadlineChangeSerializer(changes.select_related("roadmap_item"), many=True).data)

    @extend_schema(request=DeadlineChangeWriteSerializer, responses={201: DeadlineChangeSerializer})
    def post(self, request: Request, number: int) -> Response:
        item = roadmap_item(number)
        require(request, permissions.can_request_deadline_change(request.user, item))
        serializer = DeadlineChangeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        change = run(lambda: services.deadline_change_request(item=item, deadline=data["deadline"],
                                                              reason=data["reason"], user=request.user))
        return Response(DeadlineChangeSerializer(change).data, status=status.HTTP_201_CREATED)


class DeadlineChangeDecision(APIView):
    """The coordinator approves or refuses a requested deadline change."""

    parser_classes = [JSONParser]
    approve = True

    @extend_schema(request=CommentSerializer, responses={200: DeadlineChangeSerializer})
    def post(self, request: Request, pk: int) -> Response:
        change = visible(request, DeadlineChange.objects.all(), "deadline_change", pk)
        require(request, permissions.is_coordinator(request.user))
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = run(lambda: services.deadline_change_decide(change=change, approve=self.approve, user=request.user,
                                                             comment=serializer.validated_data.get("comment", "")))
        return Response(DeadlineChangeSerializer(change).data)


class DeadlineChangeApprove(DeadlineChangeDecision):
    approve = True


class DeadlineChangeRefuse(DeadlineChangeDecision):
    approve = False


# --- meetings and instructions --------------------------------------------------------------------

def meeting_context(request: Request, meetings) -> dict:
    instructions: dict[int, list] = {}
    rows = selectors.instructions_visible(audience=audience_of(request)).filter(meeting__in=meetings).prefetch_related(
        "co_executors", "roadmap_items", "projects", "regions")
    for instruction in rows:
        instructions.setdefault(instruction.meeting_id, []).append(instruction)
    return {"instructions": instructions}


class MeetingList(generics.ListAPIView):
    """Headquarters meetings the caller may read, with agenda and instructions; the coordinator creates one."""

    serializer_class = MeetingSerializer
    pagination_class = ListPagination
    parser_classes = [JSONParser]
    queryset = Meeting.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return audience_of(self.request).filter(Meeting.objects.all(), "meeting").prefetch_related(
            "agenda__roadmap_item", "agenda__region", "agenda__instruction").order_by("-held_on", "-id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        data = MeetingSerializer(page, many=True, context=meeting_context(request, page)).data
        return self.get_paginated_response(data)

    @extend_schema(request=MeetingSerializer, responses={201: MeetingSerializer})
    def post(self, request: Request) -> Response:
        require(request, permissions.is_coordinator(request.user))
        serializer = MeetingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        meeting = services.meeting_create(data=data, user=request.user)
        if data.get("agenda"):
            services.agenda_set(meeting=meeting, entries=data["agenda"])
        return Response(MeetingSerializer(meeting, context=meeting_context(request, [meeting])).data,
                        status=status.HTTP_201_CREATED)


class MeetingDetail(APIView):
    """One meeting; PATCH its date, title or agenda (the coordinator)."""

    parser_classes = [JSONParser]

    @extend_schema(responses={200: MeetingSerializer})
    def get(self, request: Request, pk: int) -> Response:
        meeting = visible(request, Meeting.objects.all(), "meeting", pk)
        return Response(MeetingSerializer(meeting, context=meeting_context(request, [meeting])).data)

    @extend_schema(request=MeetingSerializer, responses={200: MeetingSerializer})
    def patch(self, request: Request, pk: int) -> Response:
        meeting = visible(request, Meeting.objects.all(), "meeting", pk)
        require(request, permissions.is_coordinator(request.user))
        serializer = MeetingSerializer(meeting, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        agenda = serializer.validated_data.pop("agenda", None)
        for name, value in serializer.validated_data.items():
            setattr(meeting, name, value)
        meeting.save()
        if agenda is not None:
            services.agenda_set(meeting=meeting, entries=agenda)
        return Response(MeetingSerializer(meeting, context=meeting_context(request, [meeting])).data)


class InstructionList(generics.ListAPIView):
    """Instructions the caller may read; the coordinator records one (`meeting`, `text`, `agency`, ...)."""

    serializer_class = InstructionSerializer
    pagination_class = ListPagination
    parser_classes = [JSONParser]
    queryset = Instruction.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.instructions_visible(audience=audience_of(self.request)).prefetch_related(
            "co_executors", "roadmap_items", "projects", "regions").order_by("deadline", "id")

    @extend_schema(request=InstructionSerializer, responses={201: InstructionSerializer})
    def post(self, request: Request) -> Response:
        require(request, permissions.is_coordinator(request.user))
        serializer = InstructionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instruction = services.instruction_create(data=serializer.validated_data)
        return Response(InstructionSerializer(instruction).data, status=status.HTTP_201_CREATED)


class InstructionDetail(APIView):
    @extend_schema(responses={200: InstructionSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(InstructionSerializer(visible(request, Instruction.objects.all(), "instruction", pk)).data)


class InstructionReports(ReportList):
    """Execution reports on an instruction; POST as on an item."""

    def subject_filter(self) -> dict:
        return {"instruction": visible(self.request, Instruction.objects.all(), "instruction", self.kwargs["pk"])}

    @extend_schema(parameters=REPORT_LIST_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ReportWriteSerializer, responses={201: ReportDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return create_report(request, visible(request, Instruction.objects.all(), "instruction", pk))
