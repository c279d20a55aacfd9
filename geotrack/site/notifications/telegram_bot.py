"""The bot's side of linking: long polling getUpdates in the worker (no public URL needed).

A user sends the bot the one-time code shown on /settings/notifications/ (or `/start <code>`); the chat is
linked to that user and the bot answers through sendMessage. The offset is kept in the database, so a
restarted worker neither loses nor re-reads updates.
"""
from __future__ import annotations

import hashlib
import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from geotrack.site.notifications import channels
from geotrack.site.notifications.messages import escape_markdown_v2
from geotrack.site.notifications.models import BotState, TelegramLink

log = logging.getLogger(__name__)
CODE = re.compile(r"(?:/start\s+)?(\d{8})\b")


def _bot_key() -> str:
    return hashlib.sha256(settings.TELEGRAM_BOT_TOKEN.encode()).hexdigest()[:32]


def poll_updates(*, timeout: int | None = None) -> int:
    """Read pending updates once (long polling up to `timeout` s); link chats that sent a valid code."""
    if not settings.TELEGRAM_BOT_TOKEN:
        return 0
    wait = settings.NOTIFY["TELEGRAM_POLL_SECONDS"] if timeout is None else timeout
    state, _created = BotState.objects.get_or_create(bot=_bot_key())
    updates = channels.bot_call("getUpdates", {"offset": state.offset, "timeout": wait,
                                               "allowed_updates": ["message"]},
                                timeout=wait + settings.NOTIFY["NETWORK_TIMEOUT"])
    for update in updates or []:
        try:
            _handle(update)
        except channels.SendError as exc:
            log.warning("Telegram answer failed: %s", exc)
        BotState.objects.filter(pk=state.pk).update(offset=update["update_id"] + 1)
    return len(updates or [])


def _handle(update: dict) -> None:
    message = update.get("message") or {}
    chat_id = (message.get("chat") or {}).get("id")
    text = message.get("text") or ""
    if chat_id is None:
        return
    match = CODE.search(text)
    link = None
    if match:
        with transaction.atomic():
            link = (TelegramLink.objects.select_for_update().filter(code=match.group(1),
                                                                    code_expires_at__gt=timezone.now()).first())
            if link:
                link.chat_id, link.linked_at = chat_id, timezone.now()
                link.code_expires_at = timezone.now()  # one time only
                link.save(update_fields=["chat_id", "linked_at", "code_expires_at"])
    language = (message.get("from") or {}).get("language_code") or settings.LANGUAGE_CODE
    with translation.override(language[:2] if language[:2] in ("kk", "ru", "en") else "en"):
        answer = (_("Linked: geotrack notifications will come to this chat.") if link else
                  _("Send the one-time code shown on your geotrack notification settings page."))
    channels.send_telegram(chat_id=chat_id, text=escape_markdown_v2(answer))
