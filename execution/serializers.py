"""Serializers of roadmap execution: bodies as in CONTRACT.md (Roadmap execution)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from execution.models import (AgendaEntry, DeadlineChange, ExecutionReport, Instruction, Meeting, Milestone,
                              ReportDocument, ReportingPeriod, ReportVersion)
from projects.models import Agency, PhotoCheck, Project, Region, RoadmapItem
from projects.photo_checks import check_payload, photo_checks_of


class StrictSerializer(serializers.Serializer):
    """Reject fields the serializer does not know, instead of ignoring them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class MilestoneSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "position", "title", "title_kk", "title_ru", "title_en", "planned_on", "done_on", "weight",
                  "overdue"]
        read_only_fields = ["id"]

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - {"position", "title_kk", "title_ru", "title_en", "planned_on", "done_on",
                                          "weight"})
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class ReportingPeriodSerializer(serializers.ModelSerializer):
    is_open = serializers.BooleanField(read_only=True)
    closed = serializers.BooleanField(write_only=True, required=False)

    class Meta:
        model = ReportingPeriod
        fields = ["id", "kind", "starts_on", "ends_on", "due_on", "is_open", "closed_at", "closed"]
        read_only_fields = ["id", "closed_at"]


class MilestoneUpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    done_on = serializers.DateField(allow_null=True)


class ReportWriteSerializer(StrictSerializer):
    """A report's body: `{"period", "text", "percent_done", "submit"}`, plus text_kk/text_ru and milestone updates."""

    period = serializers.PrimaryKeyRelatedField(queryset=ReportingPeriod.objects.all())
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.all(), required=False,
                                          help_text="which of your agencies reports (needed only when you act for "
                                                    "several bound to the item)")
    text = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    text_kk = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    text_ru = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    percent_done = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False)
    milestones = MilestoneUpdateSerializer(many=True, required=False)
    submit = serializers.BooleanField(required=False, default=False)


class ReportPatchSerializer(StrictSerializer):
    text = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    text_kk = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    text_ru = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    percent_done = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False)
    milestones = MilestoneUpdateSerializer(many=True, required=False)


class CommentSerializer(StrictSerializer):
    comment = serializers.CharField(allow_blank=True, required=False, max_length=5000)


class ReturnSerializer(StrictSerializer):
    comment = serializers.CharField(max_length=5000)


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = ReportDocument
        fields = ["id", "name", "content_type", "size", "version", "uploaded_at", "url", "evidence"]

    def get_url(self, document) -> str:
        return document.get_absolute_url()

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_evidence(self, document) -> dict | None:
        """An image's evidence check (projects/photo_checks.py), for reviewers; null for other documents."""
        return check_payload(self.context.get("checks", {}).get(document.pk))


def documents_data(documents) -> list[dict]:
    """Documents as listed, each image with its evidence check (one query for all the checks)."""
    documents = list(documents)
    checks = photo_checks_of(PhotoCheck.Source.EXECUTION_IMAGE, [document.pk for document in documents])
    return DocumentSerializer(documents, many=True, context={"checks": checks}).data


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportVersion
        fields = ["number", "state", "text", "text_kk", "text_ru", "percent_done", "milestone_updates", "submitted_at",
                  "decided_at", "comment"]


class ReportSerializer(serializers.ModelSerializer):
    """A report as read. The public reads only an accepted report's public summary."""

    period = serializers.PrimaryKeyRelatedField(read_only=True)
    roadmap_item = serializers.SlugRelatedField(slug_field="number", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    late = serializers.BooleanField(read_only=True)
    milestones = serializers.JSONField(source="milestone_updates", read_only=True)

    class Meta:
        model = ExecutionReport
        fields = ["id", "period", "roadmap_item", "instruction", "agency", "state", "version", "late", "text",
                  "text_kk", "text_ru", "percent_done", "milestones", "first_submitted_at", "submitted_at",
                  "decided_at", "comment"]

    def to_representation(self, instance):
        report = super().to_representation(instance)
        if not self.context.get("full", True):  # the public summary: what was done, how much
            for key in ("comment", "milestones", "first_submitted_at"):
                report.pop(key, None)
        return report


class ReportDetailSerializer(ReportSerializer):
    versions = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "versions", "documents"]

    @extend_schema_field(VersionSerializer(many=True))
    def get_versions(self, report):
        return VersionSerializer(self.context["versions"], many=True).data

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, report):
        return documents_data(self.context["documents"])


class DeadlineChangeWriteSerializer(StrictSerializer):
    deadline = serializers.DateField()
    reason = serializers.CharField(max_length=5000)


class DeadlineChangeSerializer(serializers.ModelSerializer):
    roadmap_item = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = DeadlineChange
        fields = ["id", "roadmap_item", "previous_deadline", "deadline", "reason", "state", "requested_at",
                  "decided_at", "comment"]


class InstructionSerializer(serializers.ModelSerializer):
    meeting = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.all())
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.all())
    co_executors = serializers.SlugRelatedField(slug_field="code", many=True, queryset=Agency.objects.all(),
                                                required=False)
    roadmap_items = serializers.SlugRelatedField(slug_field="number", many=True, queryset=RoadmapItem.objects.all(),
                                                 required=False)
    projects = serializers.PrimaryKeyRelatedField(many=True, queryset=Project.objects.all(), required=False)
    regions = serializers.SlugRelatedField(slug_field="iso_code", many=True, queryset=Region.objects.all(),
                                           required=False)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Instruction
        fields = ["id", "meeting", "number", "text", "text_kk", "text_ru", "text_en", "agency", "co_executors",
                  "deadline", "roadmap_items", "projects", "regions", "done_at", "overdue"]
        read_only_fields = ["id", "done_at"]

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class AgendaEntrySerializer(serializers.ModelSerializer):
    roadmap_item = serializers.SlugRelatedField(slug_field="number", queryset=RoadmapItem.objects.all(),
                                                required=False, allow_null=True)
    instruction = serializers.PrimaryKeyRelatedField(queryset=Instruction.objects.all(), required=False,
                                                     allow_null=True)
    region = serializers.SlugRelatedField(slug_field="iso_code", queryset=Region.objects.all(), required=False,
                                          allow_null=True)

    class Meta:
        model = AgendaEntry
        fields = ["position", "roadmap_item", "instruction", "region", "title", "reason", "decision"]
        read_only_fields = ["position"]


class MeetingSerializer(serializers.ModelSerializer):
    agenda = AgendaEntrySerializer(many=True, required=False)
    instructions = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = ["id", "held_on", "title", "title_kk", "title_ru", "chair", "place", "agenda", "instructions", "url"]
        read_only_fields = ["id"]

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)

    @extend_schema_field(InstructionSerializer(many=True))
    def get_instructions(self, meeting):
        return InstructionSerializer(self.context.get("instructions", {}).get(meeting.pk, []), many=True).data

    def get_url(self, meeting) -> str:
        return meeting.get_absolute_url()
