"""Order updates on a buyer's WhatsApp: beside the email and the in-app notification, a buyer
who chose it (``WhatsAppOrderUpdates``) hears from the store's WhatsApp number when an order
is placed, paid, and shipped (with its carrier and tracking number).

Checkout tells chat after commit (``order_placed``, ``order_paid``, ``order_status_changed``,
connected in ``ChatConfig.ready()``); an update goes out only when the store has connected its
number and has an approved template for it (``ChannelTemplate.purpose``), since such a message
is outside any customer service window. A row first (one per order and event, so a signal
handled twice sends once), a delivery second: the task posts the template with retries, and
the status callbacks move its state forward as for the chat's messages.
"""

from __future__ import annotations

import functools
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.channels import contacts, providers
from chat.channels.models import (
    ChannelTemplate,
    OrderUpdateDelivery,
    OutboundMessage,
    WhatsAppConnection,
    WhatsAppOrderUpdates,
)
from chat.channels.rules import placeholders
from shop.broker import publish
from shop.models import User
from shop.money import format_money

log = logging.getLogger(__name__)

PLACED, PAID, SHIPPED = "order_placed", "order_paid", "order_shipped"


def opt_in(*, user: User, phone: str) -> WhatsAppOrderUpdates:
    """``user`` gets their orders' updates on WhatsApp at ``phone`` (normalised, Indonesia by default)."""
    number = contacts.normalise_phone(phone)
    if not number:
        raise ValidationError({"phone": _("Enter a WhatsApp number, such as 0812 3456 7890 or +62 812 3456 7890.")})
    choice, _created = WhatsAppOrderUpdates.objects.update_or_create(user=user, defaults={"phone": number})
    return choice


def opt_out(*, user: User) -> None:
    WhatsAppOrderUpdates.objects.filter(user=user).delete()


def _params(order, event: str) -> list[str]:
    if event == PLACED:
        return [order.number, format_money(order.total, order.currency)]
    if event == SHIPPED:
        return [order.number, order.carrier or "-", order.tracking_number or "-"]
    return [order.number]


def queue(*, order, event: str) -> OrderUpdateDelivery | None:
    """Record the update (once per order and event) if the buyer chose WhatsApp and the store can
    send it; its task is handed over on commit."""
    choice = WhatsAppOrderUpdates.objects.filter(user_id=order.buyer_id).first()
    if choice is None:
        return None
    if not WhatsAppConnection.objects.filter(store_id=order.store_id, is_active=True).exists():
        return None
    template = ChannelTemplate.objects.filter(store_id=order.store_id, purpose=event, is_active=True).first()
    if template is None:
        log.info("Store %s has no WhatsApp template for %s: order %s not sent", order.store_id, event, order.number)
        return None
    params = _params(order, event)[: placeholders(template.body)]
    try:
        with transaction.atomic():
            delivery = OrderUpdateDelivery.objects.create(
                order=order, event=event, phone=choice.phone, template=template, params=params
            )
    except IntegrityError:
        return None  # already recorded: a signal handled twice sends once
    transaction.on_commit(functools.partial(enqueue, delivery.pk))
    return delivery


def enqueue(delivery_id: int) -> None:
    from chat.tasks import deliver_order_update_task

    publish(deliver_order_update_task, delivery_id)


class Retry(Exception):
    pass


def deliver(delivery_id: int, *, final_attempt: bool = False) -> str:
    delivery = OrderUpdateDelivery.objects.select_related("template", "order").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != OutboundMessage.State.QUEUED:
        return "nothing to do"
    OrderUpdateDelivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1)
    connection = WhatsAppConnection.objects.filter(store_id=delivery.order.store_id, is_active=True).first()
    try:
        if connection is None or delivery.template is None:
            raise providers.ProviderError("the store's WhatsApp number or template is gone", transient=False)
        template = {"name": delivery.template.name, "language": {"code": delivery.template.language}}
        if delivery.params:
            template["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": value} for value in delivery.params]}
            ]
        wamid = providers.whatsapp_send(
            phone_number_id=connection.phone_number_id,
            token=connection.access_token,
            payload={"to": delivery.phone.lstrip("+"), "type": "template", "template": template},
        )
    except providers.ProviderError as exc:
        if exc.transient and not final_attempt:
            raise Retry(str(exc)) from None
        OrderUpdateDelivery.objects.filter(pk=delivery.pk, state=OutboundMessage.State.QUEUED).update(
            state=OutboundMessage.State.FAILED, error=str(exc)[:500], updated_at=timezone.now()
        )
        return "failed"
    OrderUpdateDelivery.objects.filter(pk=delivery.pk, state=OutboundMessage.State.QUEUED).update(
        state=OutboundMessage.State.SENT, provider_message_id=wamid, updated_at=timezone.now()
    )
    return "sent"


# --- Checkout's signals (connected in ChatConfig.ready()) ---------------------------------------


def _safely(event: str, orders) -> None:
    """Queue the updates in a transaction of their own; a failure here never reaches checkout."""
    for order in orders:
        try:
            with transaction.atomic():
                queue(order=order, event=event)
        except Exception:
            log.exception("Could not queue the WhatsApp update %s of order %s", event, order.pk)


def on_order_placed(sender, *, orders, **kwargs) -> None:
    _safely(PLACED, orders)


def on_order_paid(sender, *, order, **kwargs) -> None:
    _safely(PAID, [order])


def on_order_status_changed(sender, *, order, to_status, **kwargs) -> None:
    if to_status == "shipped":
        _safely(SHIPPED, [order])


def connect() -> None:
    from checkout import signals

    signals.order_placed.connect(on_order_placed, dispatch_uid="chat.channels.whatsapp_order_placed")
    signals.order_paid.connect(on_order_paid, dispatch_uid="chat.channels.whatsapp_order_paid")
    signals.order_status_changed.connect(on_order_status_changed, dispatch_uid="chat.channels.whatsapp_order_shipped")
