"""The store's messages delivered through WhatsApp or Telegram, and their delivery states.

A row first, a delivery second: ``queue`` writes an ``OutboundMessage`` in the send's
transaction and hands it to a task on commit; ``deliver`` (the task's body) posts it once,
records the provider's id and "sent"; a provider that cannot be reached is retried with
backoff by the task, a refusal fails the row with the provider's reason. Callbacks
(``record_status``) move the state forward only: a "delivered" arriving after "read"
changes nothing.

Choices: a message whose ``data["choices"]`` lists ``{"id", "title", "description"?}`` (the
assistant's) is sent as WhatsApp reply buttons (up to 3, titles up to 20 characters), else
as a WhatsApp list (up to 10 rows, titles up to 24), else as numbered text; on Telegram as an
inline keyboard (callback data up to 64 bytes). A tap comes back as the customer's message
with ``data["reply"]``.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.channels import providers
from chat.channels.choices import EXTERNAL, Channel
from chat.channels.models import ChannelContact, OrderUpdateDelivery, OutboundMessage, states_before
from shop.broker import publish
from shop.money import format_money

log = logging.getLogger(__name__)

State = OutboundMessage.State


def queue(*, conversation, side: str, message, template=None) -> OutboundMessage | None:
    """Record the delivery of the store's ``message`` in a channel conversation, and hand it
    to the worker on commit. Nothing for the site's own conversations."""
    if side != "store" or conversation.channel not in EXTERNAL:
        # Known to have no delivery row: whoever shows the message (the API's answer) reads
        # none, without a query (an empty prefetch remembers "none" and asks nothing).
        prefetch_related_objects([message], Prefetch("outbound", queryset=OutboundMessage.objects.none()))
        return None
    outbound = OutboundMessage.objects.create(
        message=message,
        conversation=conversation,
        channel=conversation.channel,
        template=template.template if template else None,
        template_params=template.params if template else [],
    )
    transaction.on_commit(functools.partial(enqueue, outbound.pk))
    return outbound


def on_message_sent(sender, *, message, **kwargs) -> None:
    """``chat.signals.message_sent`` (after commit): a store message made outside
    ``send_message`` in a channel conversation (the assistant's answers, written by its own
    service) is delivered too. What ``send_message`` queued already is found and left."""
    conversation = message.conversation
    if message.sender_side != "store" or conversation.channel not in EXTERNAL:
        return
    outbound, created = OutboundMessage.objects.get_or_create(
        message=message, defaults={"conversation": conversation, "channel": conversation.channel}
    )
    if created:
        enqueue(outbound.pk)


def connect() -> None:
    from chat import signals

    signals.message_sent.connect(on_message_sent, dispatch_uid="chat.channels.deliver_store_messages")


def enqueue(outbound_id: int) -> None:
    from chat.tasks import deliver_outbound_task

    publish(deliver_outbound_task, outbound_id)  # with the broker down, the sweeper hands it over


class Retry(Exception):
    """The provider could not be reached: try again later."""


def deliver(outbound_id: int, *, final_attempt: bool = False) -> str:
    """Send one queued delivery. Idempotent: a delivery no longer queued is left alone.
    Raises ``Retry`` for a transient failure (unless ``final_attempt``, which fails it)."""
    outbound = (
        OutboundMessage.objects.select_related("message", "conversation__store", "template")
        .filter(pk=outbound_id)
        .first()
    )
    if outbound is None or outbound.state != State.QUEUED:
        return "nothing to do"
    OutboundMessage.objects.filter(pk=outbound.pk).update(attempts=F("attempts") + 1)
    contact = ChannelContact.objects.filter(
        store_id=outbound.conversation.store_id, user_id=outbound.conversation.shopper_id
    ).first()
    try:
        if contact is None:
            raise providers.ProviderError("the conversation has no channel contact", transient=False)
        if outbound.channel == Channel.WHATSAPP:
            provider_id = _send_whatsapp(outbound, contact)
        else:
            provider_id = _send_telegram(outbound, contact)
    except providers.ProviderError as exc:
        if exc.transient and not final_attempt:
            log.info("Outbound message %s: %s; will retry", outbound.pk, exc)
            raise Retry(str(exc)) from None
        reason = str(exc)
        if exc.code == providers.WHATSAPP_WINDOW_CLOSED_CODE:
            reason = _("The 24-hour window had closed: send an approved template.")
        _set_state(outbound.pk, State.FAILED, error=reason[:500])
        log.warning("Outbound message %s failed: %s", outbound.pk, exc)
        return "failed"
    OutboundMessage.objects.filter(pk=outbound.pk, state=State.QUEUED).update(
        provider_message_id=provider_id[:200], state=State.SENT, updated_at=timezone.now()
    )
    return "sent"


def fail_for_good(outbound_id: int, reason: str) -> None:
    """The task gave up retrying."""
    _set_state(outbound_id, State.FAILED, error=reason[:500])


def _set_state(outbound_id: int, state: str, *, error: str = "") -> bool:
    changes = {"state": state, "updated_at": timezone.now()}
    if error:
        changes["error"] = error
    return bool(OutboundMessage.objects.filter(pk=outbound_id, state__in=states_before(state)).update(**changes))


def record_status(*, provider_message_id: str, state: str, error: str = "") -> str:
    """A provider's callback: the delivery moves to ``state`` if that is forward. Returns
    "moved", "stale" (already there or past it), or "unknown" (no such delivery yet)."""
    if state not in (State.SENT, State.DELIVERED, State.READ, State.FAILED):
        return "stale"
    changes = {"state": state, "updated_at": timezone.now()}
    if error:
        changes["error"] = error[:500]
    # The chat's messages, and the order updates sent to buyers (chat.channels.order_updates).
    for model in (OutboundMessage, OrderUpdateDelivery):
        moved = model.objects.filter(provider_message_id=provider_message_id, state__in=states_before(state)).update(
            **changes
        )
        if moved:
            return "moved"
        if model.objects.filter(provider_message_id=provider_message_id).exists():
            return "stale"
    return "unknown"


# --- What is sent ------------------------------------------------------------------------


def message_text(message) -> str:
    """A message as plain text for a channel: its words, and for a card what it shows with a
    link to it on the site."""
    data = message.data or {}
    kind = message.kind
    if kind == "product" and data.get("slug"):
        price = format_money(data["price"], data.get("currency") or settings.SHOP_CURRENCY) if data.get("price") else ""
        url = settings.SITE_URL + reverse("catalog:product_detail", kwargs={"slug": data["slug"]})
        return "\n".join(part for part in (message.body, data.get("title", ""), price, url) if part)
    if kind == "order" and data.get("number"):
        return "\n".join(part for part in (message.body, _("Order %(number)s") % {"number": data["number"]}) if part)
    if kind == "discount" and data.get("code"):
        return "\n".join(part for part in (message.body, _("Discount code: %(code)s") % {"code": data["code"]}) if part)
    return message.body or message.get_kind_display()


def _choices(message) -> list[dict]:
    choices = (message.data or {}).get("choices")
    if not isinstance(choices, list):
        return []
    return [c for c in choices if isinstance(c, dict) and str(c.get("id") or "") and str(c.get("title") or "")]


def _image_url(message) -> str:
    return settings.SITE_URL + message.image.url if message.image else ""


def whatsapp_payload(outbound: OutboundMessage, to: str) -> dict:
    message = outbound.message
    if outbound.template is not None:
        template = {"name": outbound.template.name, "language": {"code": outbound.template.language}}
        if outbound.template_params:
            template["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": value} for value in outbound.template_params]}
            ]
        return {"to": to, "type": "template", "template": template}
    text = message_text(message)
    if message.kind == "image" and message.image:
        image = {"link": _image_url(message)}
        if message.body:
            image["caption"] = message.body[:1024]
        return {"to": to, "type": "image", "image": image}
    choices = _choices(message)
    body = {"text": text[: providers.WHATSAPP_INTERACTIVE_BODY_MAX]}
    if choices and len(choices) <= providers.WHATSAPP_BUTTONS_MAX:
        buttons = [
            {
                "type": "reply",
                "reply": {
                    "id": str(c["id"])[: providers.WHATSAPP_BUTTON_ID_MAX],
                    "title": str(c["title"])[: providers.WHATSAPP_BUTTON_TITLE_MAX].strip(),
                },
            }
            for c in choices
        ]
        return {
            "to": to,
            "type": "interactive",
            "interactive": {"type": "button", "body": body, "action": {"buttons": buttons}},
        }
    if choices and len(choices) <= providers.WHATSAPP_LIST_ROWS_MAX:
        rows = []
        for c in choices:
            row = {
                "id": str(c["id"])[: providers.WHATSAPP_ROW_ID_MAX],
                "title": str(c["title"])[: providers.WHATSAPP_ROW_TITLE_MAX].strip(),
            }
            if c.get("description"):
                row["description"] = str(c["description"])[: providers.WHATSAPP_ROW_DESCRIPTION_MAX]
            rows.append(row)
        label = str((message.data or {}).get("choices_button") or _("Choose"))[: providers.WHATSAPP_LIST_BUTTON_MAX]
        action = {"button": label, "sections": [{"title": label[:24], "rows": rows}]}
        return {"to": to, "type": "interactive", "interactive": {"type": "list", "body": body, "action": action}}
    if choices:  # more than a list holds: numbered lines the customer can answer with
        text = "\n".join([text, *(f"{n}. {c['title']}" for n, c in enumerate(choices, 1))])
    return {"to": to, "type": "text", "text": {"body": text[: providers.WHATSAPP_TEXT_MAX], "preview_url": True}}


def telegram_request(outbound: OutboundMessage, chat_id: str) -> tuple[str, dict]:
    message = outbound.message
    if message.kind == "image" and message.image:
        payload = {"chat_id": chat_id, "photo": _image_url(message)}
        if message.body:
            payload["caption"] = message.body[: providers.TELEGRAM_CAPTION_MAX]
        return "sendPhoto", payload
    payload = {"chat_id": chat_id, "text": message_text(message)[: providers.TELEGRAM_TEXT_MAX]}
    keyboard = [
        [{"text": str(c["title"])[:64], "callback_data": str(c["id"])}]
        for c in _choices(message)
        if len(str(c["id"]).encode()) <= providers.TELEGRAM_CALLBACK_DATA_MAX
    ]
    if keyboard:
        payload["reply_markup"] = {"inline_keyboard": keyboard}
    return "sendMessage", payload


def _send_whatsapp(outbound: OutboundMessage, contact: ChannelContact) -> str:
    connection = getattr(outbound.conversation.store, "whatsapp_connection", None)
    if connection is None or not connection.is_active:
        raise providers.ProviderError("the store's WhatsApp number is not connected", transient=False)
    return providers.whatsapp_send(
        phone_number_id=connection.phone_number_id,
        token=connection.access_token,
        payload=whatsapp_payload(outbound, contact.external_id),
    )


def _send_telegram(outbound: OutboundMessage, contact: ChannelContact) -> str:
    connection = getattr(outbound.conversation.store, "telegram_connection", None)
    if connection is None or not connection.is_active:
        raise providers.ProviderError("the store's Telegram bot is not connected", transient=False)
    method, payload = telegram_request(outbound, contact.external_id)
    result = providers.telegram_call(token=connection.bot_token, method=method, payload=payload)
    message_id = result.get("message_id") if isinstance(result, dict) else None
    if message_id is None:
        raise providers.ProviderError(f"Telegram {method}: no message_id in the answer", transient=False)
    return f"tg:{contact.external_id}:{message_id}"
