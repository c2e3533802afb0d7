"""The providers' webhooks: one address each, verified before anything is parsed or stored.

WhatsApp: ``GET`` answers Meta's subscription handshake (``hub.mode=subscribe``, our verify
token, echo ``hub.challenge``); every ``POST`` must carry ``X-Hub-Signature-256`` computed
with the app secret over the raw body. Telegram: every ``POST`` must carry the secret token
we registered with ``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token``; its hash names the
store's bot. Unsigned or wrongly signed: 403 and nothing stored. Verified: the events are
stored once and the answer is 200 at once; a Celery task processes each event.

No transaction around the intake: the events of a delivery are one ``INSERT`` statement,
atomic by itself, committed as it runs (autocommit), and handed over right after; a
``BEGIN`` and a ``COMMIT`` would be two more round trips to PostgreSQL per delivery for nothing.

CSRF-exempt (the signatures are the check) and outside the site's rate limits: the providers
retry what is not answered 200, and throttling them would only bring the same events again.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from chat.channels import intake, providers
from chat.channels.models import TelegramConnection, WebhookEvent
from shop import safe_json

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # far above any event; Meta's and Telegram's are a few KB


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain")


def _json_object(body: bytes) -> dict | None:
    try:
        data = safe_json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request):
    if request.method == "GET":
        return _whatsapp_handshake(request)
    body = request.body
    if len(body) > MAX_BODY:
        return HttpResponseBadRequest("too large", content_type="text/plain")
    if not providers.whatsapp_signature_valid(body, request.headers.get("X-Hub-Signature-256")):
        log.warning("Refused a WhatsApp webhook delivery: missing or wrong X-Hub-Signature-256")
        return HttpResponseForbidden("invalid signature", content_type="text/plain")
    data = _json_object(body)
    if data is None or data.get("object") != "whatsapp_business_account":
        return HttpResponseBadRequest("not a WhatsApp Business Account event", content_type="text/plain")
    stored = intake.store_events(WebhookEvent.Provider.WHATSAPP, intake.whatsapp_events(data))
    return _text(f"stored {len(stored)}")


def _whatsapp_handshake(request) -> HttpResponse:
    expected = settings.WHATSAPP_VERIFY_TOKEN
    token = request.GET.get("hub.verify_token", "")
    if (
        expected
        and request.GET.get("hub.mode") == "subscribe"
        and hmac.compare_digest(token.encode(), expected.encode())
    ):
        # The challenge is echoed as plain text (never HTML), cut to a sane length.
        return _text(request.GET.get("hub.challenge", "")[:200])
    return HttpResponseForbidden("verification failed", content_type="text/plain")


@csrf_exempt
@require_POST
def telegram_webhook(request):
    secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token") or ""
    # Looked up by the SHA-256 of the header (indexed, unique): the secret itself is never
    # stored, and the lookup compares digests, not the secret.
    bot = (
        TelegramConnection.objects.filter(secret_token_hash=providers.secret_token_hash(secret), is_active=True)
        .only("pk", "store_id")
        .first()
        if secret
        else None
    )
    if bot is None:
        log.warning("Refused a Telegram webhook delivery: missing or unknown secret token")
        return HttpResponseForbidden("invalid secret token", content_type="text/plain")
    body = request.body
    if len(body) > MAX_BODY:
        return HttpResponseBadRequest("too large", content_type="text/plain")
    data = _json_object(body)
    event = intake.telegram_event(data, bot) if data is not None else None
    if event is None:
        return HttpResponseBadRequest("not a Telegram update", content_type="text/plain")
    stored = intake.store_events(WebhookEvent.Provider.TELEGRAM, [event])
    return _text(f"stored {len(stored)}")
