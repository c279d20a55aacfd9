"""The three channels, each a real protocol, used only by the worker: SMTP, the Telegram Bot API, webhooks."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from geotrack.site.notifications.messages import Mail

SIGNATURE_HEADER = "X-Geotrack-Signature"
TIMESTAMP_HEADER = "X-Geotrack-Timestamp"
DELIVERY_HEADER = "X-Geotrack-Delivery"


class SendError(Exception):
    """A send that failed; `retry_after` (seconds) when the other side said when to come back, `permanent` when
    trying again cannot help."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


# --- e-mail ------------------------------------------------------------------------------------------

def mail_connection():
    """Django's SMTP backend (or the console one without EMAIL_HOST), with its timeout."""
    connection = get_connection(settings.NOTIFY_EMAIL_BACKEND, timeout=settings.EMAIL_TIMEOUT)
    try:
        connection.open()  # kept open for the pass: without it Django connects and quits per message
    except OSError as exc:
        raise SendError(f"SMTP: {exc}") from exc
    return connection


def send_mail(connection, *, address: str, mail: Mail, unsubscribe_url: str, language: str, message_id: str) -> None:
    """One message with text and HTML parts and RFC 8058 one-click unsubscribe headers."""
    message = EmailMultiAlternatives(subject=mail.subject, body=mail.text, from_email=settings.DEFAULT_FROM_EMAIL,
                                     to=[address], connection=connection, headers={
                                         "List-Unsubscribe": f"<{unsubscribe_url}>",
                                         "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                                         "Content-Language": language,
                                         "Auto-Submitted": "auto-generated",
                                         "X-Geotrack-Message": message_id})
    message.attach_alternative(mail.html, "text/html")
    try:
        if message.send() != 1:
            raise SendError("the mail server accepted nothing")
    except (OSError, socket.timeout) as exc:  # smtplib's errors are OSErrors
        raise SendError(f"SMTP: {exc}") from exc


# --- Telegram ----------------------------------------------------------------------------------------

def bot_call(method: str, params: dict, *, timeout: float | None = None) -> object:
    """Call a Bot API method (JSON in, {"ok": true, "result": ...} out) and return its result."""
    token = settings.TELEGRAM_BOT_TOKEN
    if not token:
        raise SendError("TELEGRAM_BOT_TOKEN is not set", permanent=True)
    url = f"{settings.TELEGRAM_API_URL}/bot{token}/{method}"
    request = urllib.request.Request(url, data=json.dumps(params).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    wait = timeout if timeout is not None else settings.NOTIFY["NETWORK_TIMEOUT"]
    try:
        with urllib.request.urlopen(request, timeout=wait) as response:  # noqa: S310 - our configured URL
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            answer = json.loads(exc.read())
        except ValueError:
            raise SendError(f"Bot API {method}: HTTP {exc.code}") from exc
    except (OSError, ValueError) as exc:
        raise SendError(f"Bot API {method}: {exc}") from exc
    if not answer.get("ok"):
        code = answer.get("error_code")
        retry = (answer.get("parameters") or {}).get("retry_after")
        raise SendError(f"Bot API {method}: {code} {answer.get('description', '')}".strip(),
                        retry_after=retry, permanent=code in (400, 403) and retry is None)
    return answer.get("result")


def send_telegram(*, chat_id: int, text: str) -> None:
    bot_call("sendMessage", {"chat_id": chat_id, "text": text, "parse_mode": "MarkdownV2",
                             "link_preview_options": {"is_disabled": True}})


# --- webhooks ----------------------------------------------------------------------------------------

def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over `timestamp.body`, hex, as sent in X-Geotrack-Signature (`sha256=<hex>`)."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _refuse_private(url: str) -> None:
    if settings.NOTIFY["WEBHOOK_ALLOW_PRIVATE"]:
        return
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError as exc:
        raise SendError(f"webhook host {host}: {exc}") from exc
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise SendError(f"webhook host {host} resolves to a non-public address", permanent=True)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook answer that redirects is an error: following it could lead past the address check."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl} refused", headers, fp)


_WEBHOOK_OPENER = urllib.request.build_opener(_NoRedirects)


def send_webhook(*, url: str, secret: str, body: dict, delivery_id: int) -> None:
    _refuse_private(url)
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(url, data=raw, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "geotrack-webhooks/1",
        TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, raw),
        DELIVERY_HEADER: str(delivery_id)})
    try:
        with _WEBHOOK_OPENER.open(request, timeout=settings.NOTIFY["NETWORK_TIMEOUT"]) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        raise SendError(f"webhook answered HTTP {exc.code}", permanent=exc.code in (400, 401, 403, 404, 410)) from exc
    except OSError as exc:
        raise SendError(f"webhook: {exc}") from exc
