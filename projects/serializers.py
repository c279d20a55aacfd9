"""Serializers for single projects (reads and writes) and the JSON lists."""
from __future__ import annotations

import json

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from projects.geometry import GeometryError, parse_project_geometry
from projects.models import Agency, ProgressReport, Project, Region, RoadmapItem

FEATURE_KEYS = {"type", "id", "geometry", "properties", "bbox"}


@extend_schema_field({"type": "object", "description": "GeoJSON geometry in EPSG:4326",
                      "properties": {"type": {"type": "string"}, "coordinates": {"type": "array", "items": {}}}})
class ProjectGeometryField(serializers.Field):
    def to_internal_value(self, data):
        try:
            return parse_project_geometry(data)
        except GeometryError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_representation(self, value):
        return json.loads(value.json) if value else None


class AgencySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    region = serializers.SlugRelatedField(slug_field="iso_code", read_only=True, allow_null=True)

    class Meta:
        model = Agency
        fields = ["code", "name", "name_kk", "name_ru", "name_en", "kind", "region"]


class RoadmapItemBriefSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)

    class Meta:
        model = RoadmapItem
        fields = ["number", "title", "deadline"]


class ProgressReportSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    supersedes = serializers.PrimaryKeyRelatedField(queryset=ProgressReport.objects.all(), required=False,
                                                    allow_null=True)
    superseded_by = serializers.PrimaryKeyRelatedField(read_only=True)
    physical = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    financial = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)

    class Meta:
        model = ProgressReport
        fields = ["id", "reported_at", "recorded_at", "physical", "financial", "note", "author", "supersedes",
                  "superseded_by"]
        read_only_fields = ["id", "recorded_at", "author", "superseded_by"]
        extra_kwargs = {"reported_at": {"required": False}}

    def to_representation(self, instance):
        report = super().to_representation(instance)
        if not self.context.get("show_authors"):
            report["author"] = None  # who wrote a report is for signed-in callers only
        return report

    def validate_reported_at(self, value):
        if value > timezone.now() + timezone.timedelta(minutes=5):
            raise serializers.ValidationError(_("A progress report cannot be dated in the future."))
        return value


class StrictFieldsMixin:
    """Reject fields the serializer does not know, instead of ignoring them."""

    def reject_unknown(self, data: dict, allowed: set[str], where: str = "") -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise serializers.ValidationError({key: [_("Unknown field%(where)s.") % {"where": where}]
                                               for key in unknown})


class ProjectSerializer(StrictFieldsMixin, GeoFeatureModelSerializer):
    geom = ProjectGeometryField()
    health = serializers.CharField(read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(slug_field="iso_code", queryset=Region.objects.all(), required=False,
                                          allow_null=True)
    regions = serializers.SlugRelatedField(slug_field="iso_code", many=True, read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.all())
    roadmap_items = serializers.SlugRelatedField(slug_field="number", many=True, queryset=RoadmapItem.objects.all(),
                                                 required=False)
    effective_at = serializers.DateTimeField(write_only=True, required=False,
                                             help_text="When the change took effect (default: now).")

    class Meta:
        model = Project
        geo_field = "geom"
        fields = [
            "id", "title", "description", "sector", "kind", "status", "health", "region", "regions", "agency",
            "roadmap_items", "budget", "currency", "planned_start", "planned_end", "actual_start", "actual_end",
            "physical_progress", "financial_progress", "last_report_at", "is_public", "source_url",
            "created_at", "updated_at", "version", "effective_at",
        ]
        read_only_fields = ["id", "physical_progress", "financial_progress", "last_report_at", "created_at",
                            "updated_at", "version"]

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Expected a GeoJSON Feature object.")]})
        if "properties" in data or "geometry" in data:
            self.reject_unknown(data, FEATURE_KEYS)
            if not isinstance(data.get("properties", {}), dict):
                raise serializers.ValidationError({"properties": [_("Expected an object.")]})
            data = {**data.get("properties", {}), **({"geom": data["geometry"]} if "geometry" in data else {})}
        writable = {name for name, field in self.fields.items() if not field.read_only}
        self.reject_unknown(data, writable | set(self.Meta.read_only_fields) | {"id", "health", "regions"})
        return super().to_internal_value(data)

    def to_representation(self, instance):
        feature = super().to_representation(instance)
        feature["properties"]["agency"] = AgencySerializer(instance.agency).data
        feature["properties"]["roadmap_items"] = RoadmapItemBriefSerializer(
            instance.roadmap_items.all(), many=True).data
        latest = instance.progress_reports.filter(superseded_by__isnull=True).first()
        feature["properties"]["latest_progress"] = ProgressReportSerializer(
            latest, context=self.context).data if latest else None
        return feature

    def validate(self, attrs):
        start = attrs.get("planned_start", getattr(self.instance, "planned_start", None))
        end = attrs.get("planned_end", getattr(self.instance, "planned_end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"planned_end": [_("The planned end must not be before the planned start.")]})
        return attrs


class ProjectFeatureSerializer(ProjectSerializer):
    """What a project looks like when read (its agency and roadmap items as objects): the OpenAPI document's."""

    agency = AgencySerializer(read_only=True)
    roadmap_items = RoadmapItemBriefSerializer(many=True, read_only=True)
    latest_progress = ProgressReportSerializer(read_only=True, allow_null=True)

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "latest_progress"]


class RoadmapItemSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    co_executors = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    original_deadline = serializers.DateField(source="first_deadline", read_only=True)
    official_name = serializers.CharField(read_only=True)
    official_position = serializers.CharField(read_only=True)
    health = serializers.SerializerMethodField()
    project_count = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    project_progress = serializers.SerializerMethodField()
    milestone_progress = serializers.SerializerMethodField()

    class Meta:
        model = RoadmapItem
        fields = ["number", "title", "title_kk", "title_ru", "title_en", "section", "agency", "agency_name",
                  "co_executors", "official_name", "official_position", "start", "deadline", "original_deadline",
                  "health", "project_count", "progress", "project_progress", "milestone_progress"]

    def _status(self, item) -> dict:
        return self.context["status"].get(item.pk, {})

    def get_health(self, item) -> str | None:
        return self._status(item).get("health")

    def get_project_count(self, item) -> int:
        return self._status(item).get("project_count", 0)

    def _number(self, item, key: str) -> float | None:
        value = self._status(item).get(key)
        return float(value) if value is not None else None

    def get_progress(self, item) -> float | None:
        """From projects, milestones or both (then the lower)."""
        return self._number(item, "progress")

    def get_project_progress(self, item) -> float | None:
        return self._number(item, "project_progress")

    def get_milestone_progress(self, item) -> float | None:
        return self._number(item, "milestone_progress")
