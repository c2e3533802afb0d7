"""Processing a stored webhook event (the worker's side): a customer's message goes through
the chat's own ``send_message`` into the store's inbox, a status moves a delivery forward.

Each event is processed once: its row is locked and marked processed in the same
transaction as its effect. A message is also idempotent by itself: it is sent with a client
id made from the provider's message id, so even a second event row for the same message
(a replayed file) finds the first message. What cannot be processed (a blocked customer, a
picture that is not one) is recorded on the row and not retried; a provider that cannot be
reached (a picture to download) raises ``Retry`` and the task tries again later.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.channels import contacts, outbound, providers
from chat.channels.choices import Channel
from chat.channels.models import TelegramConnection, WebhookEvent, WhatsAppConnection
from chat.models import BODY_MAX, Message

log = logging.getLogger(__name__)


class Retry(Exception):
    """Worth trying again later (a provider unreachable, a status ahead of its message)."""


class Unprocessable(Exception):
    """The event cannot be turned into anything; recorded on its row."""


def process(event_id: int) -> str:
    """Process one stored event. Returns what happened (for logs and tests)."""
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.select_for_update().filter(pk=event_id, processed_at__isnull=True).first()
            if event is None:
                return "already processed"
            outcome = (
                HANDLERS[(event.provider, event.kind)](event) if (event.provider, event.kind) in HANDLERS else "ignored"
            )
            WebhookEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now(), error="")
            return outcome
    except (Unprocessable, ValidationError, PermissionDenied) as exc:
        error = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        log.warning("Webhook event %s not processed: %s", event_id, error)
        WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
            processed_at=timezone.now(), error=error[:1000]
        )
        return "unprocessable"
    except providers.ProviderError as exc:
        if exc.transient:
            raise Retry(str(exc)) from None
        WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
            processed_at=timezone.now(), error=str(exc)[:1000]
        )
        return "unprocessable"


def give_up(event_id: int, reason: str) -> None:
    WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
        processed_at=timezone.now(), error=reason[:1000]
    )


def _client_id(prefix: str, provider_id: str) -> str:
    # Provider ids may hold "=" or be long; the hash fits the client id's alphabet and length.
    return f"{prefix}:{hashlib.sha256(provider_id.encode()).hexdigest()[:48]}"


def _at(timestamp) -> datetime:
    try:
        return datetime.fromtimestamp(int(timestamp), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


def _deliver_in(*, contact, provider_id: str, prefix: str, at: datetime, **message) -> str:
    """The customer's message into their conversation, through the chat's send service."""
    from chat.services.messages import send_message

    conversation = contacts.conversation_of(contact)
    contacts.note_inbound(contact, at)
    if message.get("body"):
        message["body"] = message["body"][:BODY_MAX]
    _message, created = send_message(
        conversation=conversation, sender=contact.user, client_id=_client_id(prefix, provider_id), **message
    )
    return "message" if created else "duplicate message"


# --- WhatsApp ----------------------------------------------------------------------------


def _whatsapp_message(event: WebhookEvent) -> str:
    payload = event.payload
    message = payload.get("message") or {}
    wa_id = str(message.get("from") or "")
    if not wa_id:
        raise Unprocessable("a message without a sender")
    profile = (payload.get("contact") or {}).get("profile") or {}
    contact = contacts.ensure_contact(
        store_id=event.store_id,
        channel=Channel.WHATSAPP,
        external_id=wa_id[:64],
        name=str(profile.get("name") or "")[:150],
        phone=contacts.normalise_phone(wa_id),
    )
    kind = message.get("type")
    common = {
        "contact": contact,
        "provider_id": str(message.get("id")),
        "prefix": "wa",
        "at": _at(message.get("timestamp")),
    }
    if kind == "text":
        return _deliver_in(**common, body=str((message.get("text") or {}).get("body") or ""))
    if kind == "image":
        image = message.get("image") or {}
        connection = WhatsAppConnection.objects.get(store_id=event.store_id)
        content, mime = providers.whatsapp_media(media_id=str(image.get("id") or ""), token=connection.access_token)
        upload = SimpleUploadedFile(f"whatsapp-{event.pk}.jpg", content, content_type=mime or "image/jpeg")
        return _deliver_in(**common, kind=Message.Kind.IMAGE, body=str(image.get("caption") or ""), image=upload)
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return _reply(common, reply_id=reply.get("id"), title=reply.get("title"))
    if kind == "button":  # a template's quick-reply button
        button = message.get("button") or {}
        return _reply(common, reply_id=button.get("payload"), title=button.get("text"))
    if kind == "reaction":
        return "ignored"
    return _deliver_in(
        **common, body=_("(sent a %(type)s, which Etalase cannot show: see it on WhatsApp)") % {"type": kind or "?"}
    )


def _reply(common: dict, *, reply_id, title) -> str:
    title = str(title or reply_id or "")
    if not title:
        raise Unprocessable("a reply without a title")
    return _deliver_in(**common, body=title, reply_choice={"id": str(reply_id or "")[:256], "title": title[:256]})


def _whatsapp_status(event: WebhookEvent) -> str:
    status = event.payload.get("status") or {}
    errors = status.get("errors") if isinstance(status.get("errors"), list) else []
    error = "; ".join(str(e.get("title") or e.get("message") or e.get("code")) for e in errors if isinstance(e, dict))
    outcome = outbound.record_status(
        provider_message_id=str(status.get("id")), state=str(status.get("status")), error=error
    )
    if outcome == "unknown":
        # Meta can report "sent" before our task has stored the wamid it got back: try later.
        raise Retry(f"status for unknown message {status.get('id')}")
    return f"status {outcome}"


# --- Telegram ----------------------------------------------------------------------------


def _telegram_contact(event: WebhookEvent, chat: dict, person: dict):
    chat_id = chat.get("id")
    if isinstance(chat_id, bool) or not isinstance(chat_id, int):
        raise Unprocessable("an update without a chat")
    if chat.get("type", "private") != "private":
        raise Unprocessable("only private chats with the bot are taken")
    name = " ".join(str(person.get(key) or "") for key in ("first_name", "last_name")).strip()
    name = name or str(person.get("username") or "")
    return contacts.ensure_contact(
        store_id=event.store_id, channel=Channel.TELEGRAM, external_id=str(chat_id), name=name
    )


def _telegram_message(event: WebhookEvent) -> str:
    message = event.payload.get("message") or {}
    contact = _telegram_contact(event, message.get("chat") or {}, message.get("from") or {})
    common = {"contact": contact, "provider_id": event.event_id, "prefix": "tg", "at": _at(message.get("date"))}
    if isinstance(message.get("text"), str):
        return _deliver_in(**common, body=message["text"])
    photos = message.get("photo")
    if isinstance(photos, list) and photos and isinstance(photos[-1], dict):
        connection = TelegramConnection.objects.get(store_id=event.store_id)
        content = providers.telegram_file(token=connection.bot_token, file_id=str(photos[-1].get("file_id") or ""))
        upload = SimpleUploadedFile(f"telegram-{event.pk}.jpg", content, content_type="image/jpeg")
        return _deliver_in(**common, kind=Message.Kind.IMAGE, body=str(message.get("caption") or ""), image=upload)
    return _deliver_in(**common, body=_("(sent something Etalase cannot show: see it on Telegram)"))


def _telegram_callback(event: WebhookEvent) -> str:
    callback = event.payload.get("callback_query") or {}
    source = callback.get("message") or {}
    contact = _telegram_contact(event, source.get("chat") or {}, callback.get("from") or {})
    data = str(callback.get("data") or "")
    title = data
    for row in ((source.get("reply_markup") or {}).get("inline_keyboard")) or []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data:
                title = str(button.get("text") or data)
    outcome = _reply(
        {"contact": contact, "provider_id": event.event_id, "prefix": "tg", "at": timezone.now()},
        reply_id=data,
        title=title,
    )
    connection = TelegramConnection.objects.get(store_id=event.store_id)
    transaction.on_commit(lambda: _answer_callback(connection.bot_token, str(callback.get("id") or "")))
    return outcome


def _answer_callback(token: str, callback_id: str) -> None:
    """Stop the button's spinner in the customer's app; a failure only leaves it spinning."""
    try:
        providers.telegram_call(token=token, method="answerCallbackQuery", payload={"callback_query_id": callback_id})
    except providers.ProviderError as exc:
        log.info("answerCallbackQuery failed: %s", exc)


HANDLERS = {
    (WebhookEvent.Provider.WHATSAPP, "message"): _whatsapp_message,
    (WebhookEvent.Provider.WHATSAPP, "status"): _whatsapp_status,
    (WebhookEvent.Provider.TELEGRAM, "message"): _telegram_message,
    (WebhookEvent.Provider.TELEGRAM, "callback_query"): _telegram_callback,
}
