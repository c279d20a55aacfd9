"""The API (/api/subscriptions/, /api/notifications/, Telegram codes, acknowledgement) and the pages."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geotrack.core.pagination import ListPagination
from geotrack.core.throttle import limit_caller
from geotrack.site.alerts import alerts_for
from geotrack.site.notifications import escalation, tasks
from geotrack.site.notifications.models import AlertState, Delivery, Subscription, TelegramLink
from geotrack.site.notifications.serializers import DeliverySerializer, SubscriptionSerializer
from geotrack.site.notifications.messages import KIND_LABELS
from projects.access import audience_of
from projects.models import Agency, Region

MAX_SUBSCRIPTIONS = 50


def _language() -> str:
    code = (get_language() or "en")[:2]
    return code if code in ("kk", "ru", "en") else "en"


class SubscriptionList(APIView):
    """The caller's subscriptions. Anonymous callers may POST an e-mail subscription to public projects or
    roadmap items: 202, and a confirmation message goes out; nothing else is sent until it is confirmed."""

    @extend_schema(responses={200: SubscriptionSerializer(many=True)})
    def get(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        subscriptions = Subscription.objects.filter(user=request.user).order_by("id")
        return Response(SubscriptionSerializer(subscriptions, many=True).data)

    @extend_schema(request=SubscriptionSerializer, responses={201: SubscriptionSerializer, 202: inline_serializer(
        "SubscriptionPending", {"detail": serializers.CharField()})})
    def post(self, request: Request) -> Response:
        user = request.user
        if not user.is_authenticated:
            limit_caller(request, "subscribe", _("Too many subscriptions from this address; try again later."))
        elif Subscription.objects.filter(user=user).count() >= MAX_SUBSCRIPTIONS:
            raise exceptions.ValidationError({"detail": _("At most %(count)d subscriptions per user.") % {
                "count": MAX_SUBSCRIPTIONS}})
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"detail": _("Send a JSON object.")})
        serializer = SubscriptionSerializer(data={"language": _language(), **request.data},
                                            context={"user": user, "audience": audience_of(request)})
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            subscription = serializer.save()
            if not user.is_authenticated:
                transaction.on_commit(lambda: tasks.send_confirmation.enqueue(subscription.pk))
        if not user.is_authenticated:  # says nothing about whether the address was known
            return Response({"detail": _("Check your mailbox: follow the link in the message to confirm.")},
                            status=status.HTTP_202_ACCEPTED)
        return Response(SubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED)


class SubscriptionDetail(APIView):
    """One of the caller's subscriptions (404 for anyone else's)."""

    permission_classes = [IsAuthenticated]

    def _own(self, request, pk: int) -> Subscription:
        return get_object_or_404(Subscription, pk=pk, user=request.user)

    @extend_schema(responses={200: SubscriptionSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(SubscriptionSerializer(self._own(request, pk)).data)

    @extend_schema(request=SubscriptionSerializer, responses={200: SubscriptionSerializer})
    def patch(self, request: Request, pk: int) -> Response:
        serializer = SubscriptionSerializer(self._own(request, pk), data=request.data, partial=True,
                                            context={"user": request.user, "audience": audience_of(request)})
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            serializer.save()
        return Response(serializer.data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        self._own(request, pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationList(generics.ListAPIView):
    """What was sent (or is waiting to be sent) to the caller, newest first, with its delivery state."""

    permission_classes = [IsAuthenticated]
    serializer_class = DeliverySerializer
    pagination_class = ListPagination
    filter_backends: list = []

    def get_queryset(self):
        return Delivery.objects.filter(user=self.request.user).select_related("event").order_by("-created_at", "-id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "language": _language()}


def telegram_status(user) -> dict:
    link = TelegramLink.objects.filter(user=user).first()
    active = link and link.code_expires_at > timezone.now()
    return {"linked": bool(link and link.chat_id), "code": link.code if active else None,
            "code_expires_at": link.code_expires_at.isoformat() if active else None,
            "bot": bool(settings.TELEGRAM_BOT_TOKEN)}


class TelegramCode(APIView):
    """GET: whether a chat is linked. POST: a new one-time code to send the bot."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response(telegram_status(request.user))

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        expires = timezone.now() + dt.timedelta(minutes=settings.NOTIFY["TELEGRAM_CODE_MINUTES"])
        with transaction.atomic():
            link, _created = TelegramLink.objects.select_for_update().get_or_create(
                user=request.user, defaults={"code_expires_at": expires})
            link.code = TelegramLink._meta.get_field("code").default()
            link.code_expires_at = expires
            link.save(update_fields=["code", "code_expires_at"])
        return Response(telegram_status(request.user))


class AlertAcknowledge(APIView):
    """Acknowledge an open alert the caller may read, with a comment; an acknowledged alert climbs no further."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=inline_serializer("Acknowledgement", {"comment": serializers.CharField()}),
                   responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        state = AlertState.objects.filter(pk=pk, resolved_at__isnull=True).first()
        visible = {escalation.alert_key(alert) for alert in alerts_for(audience=audience_of(request))}
        if state is None or state.key not in visible:
            raise Http404
        comment = str(request.data.get("comment") or "").strip() if isinstance(request.data, dict) else ""
        if not comment:
            raise exceptions.ValidationError({"comment": [_("Acknowledging needs a comment.")]})
        if len(comment) > 2000:
            raise exceptions.ValidationError({"comment": [_("At most 2000 characters.")]})
        escalation.acknowledge(state, user=request.user, comment=comment)
        return Response(escalation.clock(state))


# --- pages ---------------------------------------------------------------------------------------------

@login_required
def settings_page(request):
    """/settings/notifications/: the page works through the API (static JS, no inline script)."""
    return render(request, "notifications/settings.html", {
        "telegram": telegram_status(request.user),
        "regions": Region.objects.only("iso_code", "name_en", "name_ru", "name_kk").order_by("iso_code"),
        "agencies": Agency.objects.only("code", "name_en", "name_ru", "name_kk").order_by("code"),
        "kinds": [(kind, str(label)) for kind, label in KIND_LABELS.items()],
        "texts": {"delete": _("Delete"), "everything": _("everything you may read"), "unconfirmed": _("unconfirmed"),
                  "modes": {"immediate": _("immediately"), "daily": _("daily digest"), "weekly": _("weekly digest")},
                  "states": {key: str(label) for key, label in Delivery.State.choices},
                  "kinds": {kind: str(label) for kind, label in KIND_LABELS.items()},
                  "saved": _("Subscribed."), "linked": _("A Telegram chat is linked.")}})


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a session; the token authorises
def unsubscribe(request, token: str):
    """GET shows a button (link scanners must not unsubscribe anyone); POST unsubscribes at once."""
    subscription = get_object_or_404(Subscription, unsubscribe_token=token)
    done = False
    if request.method == "POST":
        # Every e-mail subscription of this person (role defaults included): the link stops the mail.
        same = (Subscription.objects.filter(user_id=subscription.user_id) if subscription.user_id else
                Subscription.objects.filter(user__isnull=True, address__iexact=subscription.address))
        same = same.filter(channel=subscription.channel)
        same.update(active=False)
        Delivery.objects.filter(subscription__in=same, state=Delivery.State.QUEUED).update(
            state=Delivery.State.FAILED, last_error="unsubscribed")
        done = True
    return render(request, "notifications/unsubscribe.html", {"done": done or not subscription.active})


def confirm(request, token: str):
    """The double opt-in: GET shows a button, POST confirms the anonymous address."""
    subscription = get_object_or_404(Subscription, confirm_token=token, user__isnull=True)
    if request.method == "POST" and subscription.active and subscription.confirmed_at is None:
        Subscription.objects.filter(pk=subscription.pk).update(confirmed_at=timezone.now())
        subscription.confirmed_at = timezone.now()
    return render(request, "notifications/confirm.html", {"confirmed": subscription.confirmed_at is not None})
