"""Real servers on 127.0.0.1 for the notification tests: SMTP (aiosmtpd), a Bot API subset, a webhook receiver.

The Bot API server follows the documented behaviour (https://core.telegram.org/bots/api): methods under
/bot<token>/<method>, JSON or form parameters, answers {"ok": true, "result": ...} or
{"ok": false, "error_code": 400, "description": "Bad Request: ..."}; getUpdates confirms every update
below `offset` and long-polls up to `timeout` seconds; sendMessage needs a known chat_id and a non-empty
text of at most 4096 characters and, with parse_mode MarkdownV2, rejects any reserved character that is not
escaped and any entity left open, as Telegram does.
"""
from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

# --- SMTP ---------------------------------------------------------------------------------------------


class _Collector:
    def __init__(self, server):
        self.server = server

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.server.delay:
            time.sleep(self.server.delay)  # a slow server, to kill a worker in the middle of a send
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.server.messages.append({"to": list(envelope.rcpt_tos), "message": message})
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.messages: list[dict] = []
        self.delay = 0.0
        self.port = _free_port()
        self.controller = Controller(_Collector(self), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def to(self, address: str) -> list:
        return [m["message"] for m in self.messages if address in m["to"]]


# --- the Bot API subset -------------------------------------------------------------------------------

RESERVED = set("_*[]()~`>#+-=|{}.!")


class MarkdownV2Error(ValueError):
    pass


def check_markdown_v2(text: str) -> None:
    """Raise like Telegram for unescaped reserved characters and unclosed entities (a faithful subset)."""
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text):
                raise MarkdownV2Error("Can't parse entities: unexpected end of text after '\\'")
            i += 2
            continue
        if char in "*~" or char == "_":
            marker = "__" if text.startswith("__", i) else char
            if stack and stack[-1] == marker:
                stack.pop()
            else:
                stack.append(marker)
            i += len(marker)
            continue
        if text.startswith("||", i):
            if stack and stack[-1] == "||":
                stack.pop()
            else:
                stack.append("||")
            i += 2
            continue
        if char == "[":
            stack.append("[")
            i += 1
            continue
        if char == "]" and stack and stack[-1] == "[":
            stack.pop()
            if not text.startswith("(", i + 1):
                raise MarkdownV2Error("Can't parse entities: character ']' is reserved and must be escaped")
            j = i + 2
            while j < len(text) and text[j] != ")":
                j += 2 if text[j] == "\\" else 1
            if j >= len(text):
                raise MarkdownV2Error("Can't parse entities: can't find end of a url")
            i = j + 1
            continue
        if char in RESERVED:
            raise MarkdownV2Error(f"Can't parse entities: character '{char}' is reserved and must be escaped "
                                  f"with the preceding '\\'")
        i += 1
    if stack:
        raise MarkdownV2Error(f"Can't parse entities: can't find end of the entity starting with '{stack[-1]}'")


class BotApi:
    """A bot with a token, chats it knows, an update queue and the messages it sent."""

    def __init__(self, token: str = "123456:TEST-token"):
        self.token = token
        self.chats: set[int] = set()
        self.updates: list[dict] = []
        self.sent: list[dict] = []
        self.calls: list[str] = []
        self.next_update_id = 1000
        self.fail_with: dict | None = None
        self.lock = threading.Condition()

    def user_writes(self, chat_id: int, text: str, language: str = "ru") -> None:
        with self.lock:
            self.chats.add(chat_id)
            self.updates.append({"update_id": self.next_update_id, "message": {
                "message_id": self.next_update_id, "date": int(time.time()), "text": text,
                "chat": {"id": chat_id, "type": "private"}, "from": {"id": chat_id, "is_bot": False,
                                                                      "first_name": "T", "language_code": language}}})
            self.next_update_id += 1
            self.lock.notify_all()

    def handle(self, method: str, params: dict) -> tuple[int, dict]:
        self.calls.append(method)
        if self.fail_with:
            return self.fail_with["error_code"], {"ok": False, **self.fail_with}
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "sendMessage":
            return self._send_message(params)
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _get_updates(self, params: dict) -> tuple[int, dict]:
        offset = int(params.get("offset") or 0)
        timeout = min(int(params.get("timeout") or 0), 50)
        deadline = time.monotonic() + timeout
        with self.lock:
            if offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed ones are gone
            while not self.updates and time.monotonic() < deadline:
                self.lock.wait(deadline - time.monotonic())
            return 200, {"ok": True, "result": list(self.updates[:100])}

    def _send_message(self, params: dict) -> tuple[int, dict]:
        def bad(description):
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}

        try:
            chat_id = int(params.get("chat_id"))
        except (TypeError, ValueError):
            return bad("chat_id is empty" if not params.get("chat_id") else "chat not found")
        if chat_id not in self.chats:
            return bad("chat not found")
        text = params.get("text") or ""
        if not text.strip():
            return bad("message text is empty")
        if len(text) > 4096:
            return bad("message is too long")
        mode = params.get("parse_mode")
        if mode not in (None, "", "MarkdownV2", "HTML", "Markdown"):
            return bad(f"unsupported parse_mode")
        if mode == "MarkdownV2":
            try:
                check_markdown_v2(text)
            except MarkdownV2Error as exc:
                return bad(str(exc))
        message = {"message_id": len(self.sent) + 1, "date": int(time.time()), "chat": {"id": chat_id},
                   "text": text, "parse_mode": mode}
        self.sent.append(message)
        return 200, {"ok": True, "result": message}


def _json_server(handle) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            status, answer = handle(self.path, dict(self.headers), raw)
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST  # noqa: N815

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class BotServer:
    def __init__(self, bot: BotApi):
        self.bot = bot

    def start(self):
        def handle(path, headers, raw):
            prefix = f"/bot{self.bot.token}/"
            if not path.startswith(prefix):
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            method = path[len(prefix):].split("?")[0]
            if headers.get("Content-Type", "").startswith("application/json"):
                params = json.loads(raw or b"{}")
            else:
                params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            return self.bot.handle(method, params)

        self.server = _json_server(handle)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def stop(self):
        self.server.shutdown()


class WebhookReceiver:
    """Accepts POSTs whose X-Geotrack-Signature is HMAC-SHA256(secret, timestamp + "." + body); counts the rest."""

    def __init__(self):
        self.secret = ""
        self.received: list[dict] = []
        self.refused: list[str] = []
        self.fail_next = 0

    def start(self):
        def handle(path, headers, raw):
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"error": "try later"}
            timestamp = headers.get("X-Geotrack-Timestamp", "")
            expected = "sha256=" + hmac.new(self.secret.encode(), timestamp.encode() + b"." + raw,
                                            hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, headers.get("X-Geotrack-Signature", "")):
                self.refused.append(path)
                return 401, {"error": "bad signature"}
            self.received.append({"headers": headers, "body": json.loads(raw)})
            return 200, {"ok": True}

        self.server = _json_server(handle)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        return self

    def stop(self):
        self.server.shutdown()
