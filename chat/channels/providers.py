"""The two providers' HTTP APIs, as much as Etalase uses of them, and their webhook checks.

WhatsApp (Cloud API, Graph): ``POST {base}/{phone_number_id}/messages`` (text, image by link,
interactive reply buttons and lists, template), ``GET {base}/{media_id}`` then the media's
``url`` (both with the access token as a bearer). Webhooks are signed with the Meta app's
secret: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``.

Telegram (Bot API): ``POST {base}/bot{token}/{method}`` with a JSON body (``sendMessage``,
``sendPhoto``, ``setWebhook``, ``answerCallbackQuery``, ``getFile``), files from
``{base}/file/bot{token}/{file_path}``. Webhooks carry the secret token we gave
``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token``.

Nothing here logs a token: errors name the method and the provider's own description only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import requests
from django.conf import settings

# The providers' documented limits, checked before sending (and by the tests' fake server).
WHATSAPP_TEXT_MAX = 4096
WHATSAPP_INTERACTIVE_BODY_MAX = 1024
WHATSAPP_BUTTONS_MAX = 3
WHATSAPP_BUTTON_TITLE_MAX = 20
WHATSAPP_BUTTON_ID_MAX = 256
WHATSAPP_LIST_ROWS_MAX = 10
WHATSAPP_LIST_BUTTON_MAX = 20
WHATSAPP_ROW_TITLE_MAX = 24
WHATSAPP_ROW_DESCRIPTION_MAX = 72
WHATSAPP_ROW_ID_MAX = 200
TELEGRAM_TEXT_MAX = 4096
TELEGRAM_CAPTION_MAX = 1024
TELEGRAM_CALLBACK_DATA_MAX = 64  # bytes
TELEGRAM_SECRET_TOKEN_LENGTH = 48  # of 1-256 characters A-Z a-z 0-9 _ -
MEDIA_MAX_BYTES = 10 * 1024 * 1024

# WhatsApp's error for a free-form message outside the 24-hour customer service window.
WHATSAPP_WINDOW_CLOSED_CODE = 131047


class ProviderError(Exception):
    """A provider refused or could not be reached. ``transient``: worth retrying later
    (network, timeout, 429, 5xx); otherwise the request itself is wrong."""

    def __init__(self, message: str, *, transient: bool, code: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.code = code


def _timeout() -> float:
    return settings.CHANNELS_HTTP_TIMEOUT


def _call(method: str, url: str, *, what: str, token: str = "", json: dict | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = requests.request(method, url, json=json, headers=headers, timeout=_timeout())
    except requests.RequestException as exc:
        # The exception's text may hold the URL, which holds a Telegram bot token: name the class only.
        raise ProviderError(f"{what}: {type(exc).__name__}", transient=True) from None
    try:
        data = response.json()
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    if response.status_code == 429 or response.status_code >= 500:
        raise ProviderError(f"{what}: HTTP {response.status_code}", transient=True)
    if response.status_code >= 400 or data.get("ok") is False:
        error = data.get("error") if isinstance(data.get("error"), dict) else {}
        code = error.get("code") or data.get("error_code")
        detail = error.get("message") or data.get("description") or ""
        raise ProviderError(
            f"{what}: HTTP {response.status_code} {code or ''} {detail}".strip()[:400], transient=False, code=code
        )
    return data


def _download(url: str, *, what: str, token: str = "") -> bytes:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with requests.get(url, headers=headers, timeout=_timeout(), stream=True) as response:
            if response.status_code == 429 or response.status_code >= 500:
                raise ProviderError(f"{what}: HTTP {response.status_code}", transient=True)
            if response.status_code >= 400:
                raise ProviderError(f"{what}: HTTP {response.status_code}", transient=False)
            content = bytearray()
            for chunk in response.iter_content(64 * 1024):
                content += chunk
                if len(content) > MEDIA_MAX_BYTES:
                    raise ProviderError(f"{what}: larger than {MEDIA_MAX_BYTES} bytes", transient=False)
            return bytes(content)
    except requests.RequestException as exc:
        raise ProviderError(f"{what}: {type(exc).__name__}", transient=True) from None


# --- WhatsApp ---------------------------------------------------------------------------


def whatsapp_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def whatsapp_signature_valid(body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the app secret's signature of the raw ``body`` (constant time).
    Always False without an app secret configured."""
    secret = settings.WHATSAPP_APP_SECRET
    if not secret or not header:
        return False
    return hmac.compare_digest(whatsapp_signature(body, secret).encode(), header.strip().encode())


def whatsapp_send(*, phone_number_id: str, token: str, payload: dict) -> str:
    """Post one message; returns its wamid."""
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", **payload}
    data = _call(
        "POST",
        f"{settings.WHATSAPP_API_BASE}/{phone_number_id}/messages",
        what="WhatsApp messages",
        token=token,
        json=body,
    )
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict) or not messages[0].get("id"):
        raise ProviderError("WhatsApp messages: no message id in the answer", transient=False)
    return str(messages[0]["id"])


def whatsapp_media(*, media_id: str, token: str) -> tuple[bytes, str]:
    """The bytes and MIME type of an inbound media (its URL first, then the file)."""
    info = _call("GET", f"{settings.WHATSAPP_API_BASE}/{media_id}", what="WhatsApp media", token=token)
    url = info.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ProviderError("WhatsApp media: no download URL", transient=False)
    return _download(url, what="WhatsApp media download", token=token), str(info.get("mime_type") or "")


# --- Telegram ---------------------------------------------------------------------------


def new_secret_token() -> str:
    return secrets.token_urlsafe(TELEGRAM_SECRET_TOKEN_LENGTH)[:TELEGRAM_SECRET_TOKEN_LENGTH]


def secret_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def telegram_call(*, token: str, method: str, payload: dict) -> dict:
    """One Bot API method; returns its ``result``."""
    data = _call("POST", f"{settings.TELEGRAM_API_BASE}/bot{token}/{method}", what=f"Telegram {method}", json=payload)
    return data.get("result")


def telegram_file(*, token: str, file_id: str) -> bytes:
    result = telegram_call(token=token, method="getFile", payload={"file_id": file_id})
    path = result.get("file_path") if isinstance(result, dict) else None
    if not isinstance(path, str) or not path or ".." in path:
        raise ProviderError("Telegram getFile: no file path", transient=False)
    return _download(f"{settings.TELEGRAM_API_BASE}/file/bot{token}/{path}", what="Telegram file download")
