"""A local HTTP server playing WhatsApp's Cloud API (Graph) and Telegram's Bot API for the
endpoints Etalase uses, checking each request's shape and the documented limits as the real
ones do (a request that breaks them is answered 400, so a test sending it fails).

WhatsApp, under ``/v26.0``: ``POST /{phone_number_id}/messages`` (text, image, interactive
button and list, template), ``GET /{media_id}`` and the media's file. Telegram: ``POST
/bot{token}/{method}`` for getMe, setWebhook, sendMessage, sendPhoto, answerCallbackQuery,
getFile, and ``GET /file/bot{token}/{path}``.

``fail_next`` queues answers to give instead of the normal one (``(500, {...})``), so tests
can make the provider fail transiently or refuse.
"""

from __future__ import annotations

import io
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

GRAPH_VERSION = "v26.0"
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def jpeg_bytes(size=(40, 30), color=(20, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


@dataclass
class Recorded:
    method: str
    path: str
    body: dict
    headers: dict


@dataclass
class FakeProviders:
    """The server's state: the credentials it accepts, what it received, what to answer next."""

    whatsapp_numbers: dict[str, str] = field(default_factory=dict)  # phone_number_id -> access token
    telegram_tokens: set[str] = field(default_factory=set)
    media: dict[str, bytes] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    fail_next: list[tuple[int, dict]] = field(default_factory=list)
    base: str = ""
    _counter: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def whatsapp_base(self) -> str:
        return f"{self.base}/{GRAPH_VERSION}"

    def next_id(self) -> int:
        with self.lock:
            self._counter += 1
            return self._counter

    def sent(self, kind: str = "") -> list[Recorded]:
        """What was sent as messages (WhatsApp messages, Telegram send* methods)."""
        found = [
            r for r in self.requests if r.path.endswith("/messages") or re.search(r"/send(Message|Photo)$", r.path)
        ]
        return [r for r in found if not kind or r.body.get("type") == kind]


def _problems_whatsapp_message(body: dict) -> list[str]:
    problems = []
    if body.get("messaging_product") != "whatsapp":
        problems.append("messaging_product must be whatsapp")
    if not re.fullmatch(r"\d{6,15}", str(body.get("to") or "")):
        problems.append("to must be a phone number in international format")
    kind = body.get("type")
    if kind == "text":
        text = (body.get("text") or {}).get("body")
        if not isinstance(text, str) or not 1 <= len(text) <= 4096:
            problems.append("text.body must have 1 to 4096 characters")
    elif kind == "image":
        image = body.get("image") or {}
        if not str(image.get("link") or "").startswith(("http://", "https://")) and not image.get("id"):
            problems.append("image needs a link or an id")
        if len(image.get("caption") or "") > 1024:
            problems.append("image.caption is at most 1024 characters")
    elif kind == "interactive":
        interactive = body.get("interactive") or {}
        text = (interactive.get("body") or {}).get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= 1024:
            problems.append("interactive.body.text must have 1 to 1024 characters")
        action = interactive.get("action") or {}
        if interactive.get("type") == "button":
            buttons = action.get("buttons") or []
            if not 1 <= len(buttons) <= 3:
                problems.append("1 to 3 reply buttons")
            ids = [b.get("reply", {}).get("id") for b in buttons]
            if len(set(ids)) != len(ids):
                problems.append("button ids must be unique")
            for button in buttons:
                reply = button.get("reply") or {}
                if button.get("type") != "reply" or not 1 <= len(reply.get("title") or "") <= 20:
                    problems.append("a reply button's title has 1 to 20 characters")
                if not 1 <= len(reply.get("id") or "") <= 256:
                    problems.append("a reply button's id has 1 to 256 characters")
        elif interactive.get("type") == "list":
            if not 1 <= len(action.get("button") or "") <= 20:
                problems.append("the list's button has 1 to 20 characters")
            sections = action.get("sections") or []
            rows = [row for section in sections for row in section.get("rows") or []]
            if not 1 <= len(sections) <= 10 or not 1 <= len(rows) <= 10:
                problems.append("1 to 10 sections and 1 to 10 rows in all")
            for row in rows:
                if not 1 <= len(row.get("title") or "") <= 24 or len(row.get("description") or "") > 72:
                    problems.append("a row's title has 1 to 24 characters, its description at most 72")
                if not 1 <= len(row.get("id") or "") <= 200:
                    problems.append("a row's id has 1 to 200 characters")
        else:
            problems.append("interactive.type must be button or list")
    elif kind == "template":
        template = body.get("template") or {}
        if not template.get("name") or not (template.get("language") or {}).get("code"):
            problems.append("template needs a name and language.code")
        for component in template.get("components") or []:
            for parameter in component.get("parameters") or []:
                if parameter.get("type") != "text" or not parameter.get("text"):
                    problems.append("template parameters are non-empty text")
    else:
        problems.append(f"unsupported type {kind!r}")
    return problems


def _problems_telegram(method: str, body: dict) -> list[str]:
    problems = []
    if method in ("sendMessage", "sendPhoto") and not isinstance(body.get("chat_id"), int | str):
        problems.append("chat_id is required")
    if method == "sendMessage":
        if not isinstance(body.get("text"), str) or not 1 <= len(body["text"]) <= 4096:
            problems.append("text must have 1 to 4096 characters")
        keyboard = (body.get("reply_markup") or {}).get("inline_keyboard")
        for row in keyboard or []:
            for button in row:
                data = button.get("callback_data")
                if not button.get("text") or not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                    problems.append("an inline button has text and 1 to 64 bytes of callback_data")
    if method == "sendPhoto" and len(body.get("caption") or "") > 1024:
        problems.append("caption is at most 1024 characters")
    if method == "setWebhook":
        if not str(body.get("url") or "").startswith("https://"):
            problems.append("bad webhook: An HTTPS URL must be provided for webhook")
        if "secret_token" in body and not SECRET_TOKEN.match(str(body["secret_token"])):
            problems.append("secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -")
    return problems


def make_handler(state: FakeProviders):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _answer(self, status: int, data=None, raw: bytes | None = None, content_type="application/json"):
            payload = raw if raw is not None else json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _record(self, body: dict) -> None:
            with state.lock:
                state.requests.append(Recorded(self.command, self.path, body, dict(self.headers)))

        def _programmed(self) -> bool:
            with state.lock:
                answer = state.fail_next.pop(0) if state.fail_next else None
            if answer is None:
                return False
            self._answer(*answer)
            return True

        def _bearer(self) -> str:
            return (self.headers.get("Authorization") or "").removeprefix("Bearer ")

        def do_GET(self):
            self._record({})
            path = self.path.split("?")[0]
            whatsapp_media = re.fullmatch(rf"/{GRAPH_VERSION}/(\w+)", path)
            if whatsapp_media:
                media_id = whatsapp_media.group(1)
                if self._bearer() not in state.whatsapp_numbers.values():
                    return self._answer(401, {"error": {"code": 190, "message": "Invalid OAuth access token"}})
                if media_id not in state.media:
                    return self._answer(404, {"error": {"code": 100, "message": "Unknown media"}})
                url = f"{state.base}/media-files/{media_id}"
                return self._answer(
                    200, {"messaging_product": "whatsapp", "url": url, "mime_type": "image/jpeg", "id": media_id}
                )
            media_file = re.fullmatch(r"/media-files/(\w+)", path)
            if media_file:
                if self._bearer() not in state.whatsapp_numbers.values():
                    return self._answer(401, {"error": {"code": 190, "message": "Invalid OAuth access token"}})
                return self._answer(200, raw=state.media[media_file.group(1)], content_type="image/jpeg")
            telegram_file = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
            if telegram_file and telegram_file.group(1) in state.telegram_tokens:
                return self._answer(200, raw=state.media[telegram_file.group(2)], content_type="image/jpeg")
            return self._answer(404, {"error": "not found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self._answer(400, {"error": {"code": 100, "message": "Invalid JSON"}})
            self._record(body)
            if self._programmed():
                return None
            path = self.path.split("?")[0]
            whatsapp = re.fullmatch(rf"/{GRAPH_VERSION}/(\w+)/messages", path)
            if whatsapp:
                token = state.whatsapp_numbers.get(whatsapp.group(1))
                if token is None or self._bearer() != token:
                    return self._answer(401, {"error": {"code": 190, "message": "Invalid OAuth access token"}})
                problems = _problems_whatsapp_message(body)
                if problems:
                    return self._answer(400, {"error": {"code": 100, "message": "; ".join(problems)}})
                wamid = f"wamid.FAKE{state.next_id():06d}=="
                return self._answer(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                        "messages": [{"id": wamid}],
                    },
                )
            telegram = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
            if telegram:
                token, method = telegram.groups()
                if token not in state.telegram_tokens:
                    return self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                problems = _problems_telegram(method, body)
                if problems:
                    return self._answer(400, {"ok": False, "error_code": 400, "description": "; ".join(problems)})
                results = {
                    "getMe": {"id": 777, "is_bot": True, "first_name": "Toko", "username": "toko_bot"},
                    "setWebhook": True,
                    "answerCallbackQuery": True,
                    "getFile": {"file_id": body.get("file_id"), "file_path": f"photos/{body.get('file_id')}.jpg"},
                }
                if method in ("sendMessage", "sendPhoto"):
                    result = {"message_id": state.next_id(), "chat": {"id": body["chat_id"], "type": "private"}}
                elif method in results:
                    result = results[method]
                else:
                    return self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return self._answer(200, {"ok": True, "result": result})
            return self._answer(404, {"error": "not found"})

    return Handler


class FakeProviderServer:
    def __init__(self):
        self.state = FakeProviders()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self.state))
        self.server.daemon_threads = True
        self.state.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeProviders:
        self.thread.start()
        return self.state

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
