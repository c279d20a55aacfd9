"""Subscriptions in and out of JSON: regions by ISO code, agencies by code, items by number, projects by id."""
from __future__ import annotations

import re
import secrets

from django.utils.translation import gettext as _
from rest_framework import serializers

from geotrack.core.validators import web_url
from geotrack.site.notifications.models import Channel, Delivery, Subscription
from projects.access import Audience
from projects.models import Agency, Region, RoadmapItem

KIND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FOLLOWED = 200


class SubscriptionSerializer(serializers.ModelSerializer):
    regions = serializers.ListField(child=serializers.CharField(max_length=6), required=False,
                                    max_length=MAX_FOLLOWED, help_text="ISO 3166-2 codes")
    agencies = serializers.ListField(child=serializers.CharField(max_length=60), required=False,
                                     max_length=MAX_FOLLOWED, help_text="agency codes")
    roadmap_items = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                          max_length=MAX_FOLLOWED)
    projects = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                     max_length=MAX_FOLLOWED)
    alert_kinds = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=50)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    digest_hour = serializers.IntegerField(min_value=0, max_value=23, required=False)
    digest_weekday = serializers.IntegerField(min_value=0, max_value=6, required=False)
    language = serializers.ChoiceField(choices=["kk", "ru", "en"], required=False)
    confirmed = serializers.SerializerMethodField()
    secret = serializers.SerializerMethodField()

    class Meta:
        model = Subscription
        fields = ["id", "channel", "address", "regions", "agencies", "roadmap_items", "projects", "alert_kinds",
                  "mode", "digest_hour", "digest_weekday", "quiet_start", "quiet_end", "language", "origin",
                  "active", "confirmed", "secret", "created_at"]
        read_only_fields = ["id", "origin", "created_at"]

    def get_confirmed(self, subscription) -> bool:
        return bool(subscription.user_id or subscription.confirmed_at)

    def get_secret(self, subscription) -> str | None:
        """The webhook's HMAC key, for its owner to verify X-Geotrack-Signature."""
        return subscription.secret or None

    def to_representation(self, subscription):
        data = super().to_representation(subscription)
        names = dict(Region.objects.filter(pk__in=subscription.regions).values_list("pk", "iso_code"))
        data["regions"] = [names[pk] for pk in subscription.regions if pk in names]
        return data

    # -- validation --------------------------------------------------------------------------------
    def validate_regions(self, codes):
        found = dict(Region.objects.filter(iso_code__in=codes).values_list("iso_code", "pk"))
        unknown = sorted(set(codes) - set(found))
        if unknown:
            raise serializers.ValidationError(_("Unknown region: %(codes)s.") % {"codes": ", ".join(unknown)})
        return sorted(set(found.values()))

    def validate_agencies(self, codes):
        found = set(Agency.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = sorted(set(codes) - found)
        if unknown:
            raise serializers.ValidationError(_("Unknown agency: %(codes)s.") % {"codes": ", ".join(unknown)})
        return sorted(found)

    def validate_roadmap_items(self, numbers):
        found = set(RoadmapItem.objects.filter(number__in=numbers).values_list("number", flat=True))
        unknown = sorted(set(numbers) - found)
        if unknown:
            raise serializers.ValidationError(_("Unknown roadmap item: %(numbers)s.") % {
                "numbers": ", ".join(map(str, unknown))})
        return sorted(found)

    def validate_projects(self, ids):
        audience = self.context["audience"]
        found = set(audience.projects().filter(pk__in=ids).values_list("pk", flat=True))
        unknown = sorted(set(ids) - found)
        if unknown:  # a project the caller may not read is as unknown as one that does not exist
            raise serializers.ValidationError(_("Unknown project: %(ids)s.") % {"ids": ", ".join(map(str, unknown))})
        return sorted(found)

    def validate_alert_kinds(self, kinds):
        bad = [kind for kind in kinds if not KIND_NAME.match(kind)]
        if bad:
            raise serializers.ValidationError(_("Not a kind name: %(kinds)s.") % {"kinds": ", ".join(bad)})
        return sorted(set(kinds))

    def validate(self, attrs):
        user = self.context["user"]
        instance = self.instance
        channel = attrs.get("channel", instance.channel if instance else None)
        if instance and "channel" in attrs and attrs["channel"] != instance.channel:
            raise serializers.ValidationError({"channel": [_("The channel of a subscription cannot change.")]})
        address = attrs.get("address", instance.address if instance else "")
        if channel == Channel.EMAIL:
            address = address or (user.email if user.is_authenticated else "")
            if not address:
                raise serializers.ValidationError({"address": [_("An e-mail address is needed.")]})
            serializers.EmailField().run_validation(address)
        elif channel == Channel.WEBHOOK:
            if not address:
                raise serializers.ValidationError({"address": [_("A webhook URL is needed.")]})
            try:
                web_url(address)
            except Exception as exc:  # noqa: BLE001 - Django's ValidationError, reported as ours
                raise serializers.ValidationError({"address": [_("A webhook URL must be http(s).")]}) from exc
        elif channel == Channel.TELEGRAM:
            address = ""
        attrs["address"] = address
        if not user.is_authenticated:
            self._validate_anonymous(attrs, channel)
        return attrs

    def _validate_anonymous(self, attrs, channel):
        """The public follows public projects or items by e-mail, and nothing else."""
        if channel != Channel.EMAIL:
            raise serializers.ValidationError({"channel": [_("Without an account, only e-mail is possible.")]})
        if attrs.get("regions") or attrs.get("agencies"):
            raise serializers.ValidationError({"regions": [_(
                "Without an account, follow public projects or roadmap items only.")]})
        if not (attrs.get("projects") or attrs.get("roadmap_items")):
            raise serializers.ValidationError({"projects": [_("Name at least one public project or roadmap item.")]})
        public = set(Audience().projects().filter(pk__in=attrs.get("projects", [])).values_list("pk", flat=True))
        if set(attrs.get("projects", [])) - public:
            raise serializers.ValidationError({"projects": [_("Only public projects can be followed without an "
                                                              "account.")]})

    def create(self, validated):
        user = self.context["user"]
        if validated.get("channel") == Channel.WEBHOOK:
            validated["secret"] = secrets.token_hex(32)
        return Subscription.objects.create(user=user if user.is_authenticated else None, **validated)


class DeliverySerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="event.kind")
    title = serializers.SerializerMethodField()
    event_created_at = serializers.DateTimeField(source="event.created_at")

    class Meta:
        model = Delivery
        fields = ["id", "kind", "title", "channel", "address", "state", "attempts", "next_attempt_at", "digest_at",
                  "sent_at", "last_error", "created_at", "event_created_at"]

    def get_title(self, delivery) -> str:
        title = (delivery.event.payload or {}).get("title")
        if isinstance(title, dict):
            return str(title.get(self.context.get("language", "en")) or title.get("en") or "")
        return str(title or "")
