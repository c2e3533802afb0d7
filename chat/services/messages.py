"""Sending a message and reading a conversation: the two writes that move unread counts.

Unread counts stay exact under concurrency because both writes lock the conversation row
first (``chat.lock_objects``) and do everything else under that lock:

- ``send_message`` inserts the message, then adds it to the other side's counter with
  ``F()`` and moves the sender's own watermark to it (answering means you saw the thread).
- ``mark_read`` moves the reader's watermark forward only (never back: a late, stale read
  cannot resurrect unread messages) and recomputes that side's counter as the COUNT of the
  other side's messages above it, so even a counter gone wrong heals on the next read.

The database is the truth: ``chat.signals.message_sent`` is sent on commit for the socket
and the notifications, and a client that missed it asks for what came after its last id.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductVariant
from chat import lock_objects, notifications, signals
from chat.channels import outbound as channel_outbound
from chat.channels import rules as channel_rules
from chat.live import presence
from chat.models import (
    BODY_MAX,
    SENDABLE_KINDS,
    Conversation,
    Message,
    ShopperWait,
    Side,
    unread_field,
    watermark_field,
)
from chat.services import cards, rules
from checkout.models import Order
from shop.images import verify_image
from shop.models import User
from shop.notifications.services import mark_group_read
from social import ratelimit

STORE_ONLY_KINDS = (Message.Kind.DISCOUNT,)
MAX_MESSAGE_ID = 2**63 - 1


class NotInConversation(PermissionDenied):
    """No such conversation, or the sender is not one of its two parties (the API and the
    socket answer "not found": nobody learns that someone else's conversation exists)."""


def send_message(
    *,
    conversation: Conversation | int,
    sender: User,
    client_id: str,
    kind: str = Message.Kind.TEXT,
    body: str = "",
    image: File | None = None,
    product: Product | None = None,
    variant: ProductVariant | None = None,
    order: Order | None = None,
    discount_code: str = "",
    template: channel_rules.TemplateChoice | None = None,
    reply_choice: dict | None = None,
) -> tuple[Message, bool]:
    """Send a message from ``sender`` (the shopper, or the store's owner) into ``conversation``
    (the conversation, or only its id: it is read once, locked, here).

    Idempotent on ``(sender, client_id)``: a retry returns ``(existing message, False)`` and
    changes nothing; a new message returns ``(message, True)``. Raises ``NotInConversation``
    (a ``PermissionDenied``) when the conversation is not the sender's, ``PermissionDenied``
    when either side blocked the other, ``ValidationError`` for what cannot be sent,
    ``RateLimited`` past the rate limit.

    What it costs (``tests/chat/test_send_cost.py``): one query locks the conversation and
    answers whether it is a retry, who blocked whom and whether the store's assistant is on;
    then the INSERT (no savepoint: a clash on the client id rolls the whole send back and is
    answered as a retry), the conversation's UPDATE, the commit.

    In a WhatsApp or Telegram conversation (``chat.channels``) the store's message is also
    queued for delivery there; on WhatsApp, past 24 hours after the customer's last message
    only an approved ``template`` may be sent. ``reply_choice`` (``{"id", "title"}``) is the
    button or list row a customer tapped on their channel.
    """
    client_id = rules.clean_client_id(client_id)
    if kind not in SENDABLE_KINDS:
        raise ValidationError({"kind": _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(SENDABLE_KINDS)}})
    body = rules.clean_text(body, field="body", limit=BODY_MAX, required=kind == Message.Kind.TEXT)
    if kind == Message.Kind.IMAGE:
        if not image:
            raise ValidationError({"image": _("Choose a picture.")})
        image = verify_image(image)  # decoded outside the transaction: it takes a while
    elif image:
        raise ValidationError({"image": _("Only a picture message carries a picture.")})
    conversation_id = conversation if isinstance(conversation, int) else conversation.pk
    try:
        return _send(
            conversation_id,
            sender=sender,
            client_id=client_id,
            kind=kind,
            body=body,
            image=image,
            card_parts={"product": product, "variant": variant, "order": order, "discount_code": discount_code},
            template=template,
            reply_choice=reply_choice,
        )
    except IntegrityError:
        # The same client id, committed meanwhile by a send that held the lock first (a retry
        # racing its original), or sent at this moment into another conversation.
        existing = Message.objects.filter(sender=sender, client_id=client_id).select_related("conversation").first()
        if existing is None:
            raise
        if existing.conversation_id != conversation_id:
            raise ValidationError({"client_id": _("This client id was already used for another message.")}) from None
        return existing, False


def _send(
    conversation_id: int,
    *,
    sender: User,
    client_id: str,
    kind: str,
    body: str,
    image: File | None,
    card_parts: dict[str, Any],
    template: channel_rules.TemplateChoice | None,
    reply_choice: dict | None,
) -> tuple[Message, bool]:
    with transaction.atomic():
        locked = lock_objects.conversation_to_send(conversation_id, sender=sender, client_id=client_id)
        if locked is None:
            raise NotInConversation(_("This conversation is not yours."))
        side = rules.require_side(user=sender, conversation=locked)
        if locked.existing_message_id is not None:
            existing = Message.objects.get(pk=locked.existing_message_id)
            if existing.conversation_id != locked.pk:
                raise ValidationError({"client_id": _("This client id was already used for another message.")})
            existing.conversation = locked
            return existing, False
        rules.refuse_if_blocked(sides=set(locked.blocked_sides), side=side)
        if kind in STORE_ONLY_KINDS and side != Side.STORE:
            raise PermissionDenied(_("Only the store sends discount codes."))
        channel_rules.check_outgoing(conversation=locked, side=side, template=template, kind=kind)
        card = _card(kind, locked, **card_parts)
        if reply_choice and kind == Message.Kind.TEXT and side == Side.SHOPPER:
            card.data = {"reply": reply_choice}
        if not channel_rules.is_channel_customer(conversation=locked, side=side):
            # A channel's customer is limited by the provider; the signed webhook is not throttled.
            ratelimit.take("chat_message", sender.pk, limit=rules.MESSAGE_LIMIT)

        now = timezone.now()
        new: list[Message] = []
        if side == Side.SHOPPER and locked.pending_context:
            context = cards.context_card(store=locked.store, shopper=locked.shopper, reference=locked.pending_context)
            if context is not None:
                new.append(
                    _insert(
                        locked,
                        sender=sender,
                        side=side,
                        kind=Message.Kind.CONTEXT,
                        card=context,
                        at=now,
                        automated=True,
                    )
                )
        message = _insert(
            locked, sender=sender, side=side, kind=kind, body=body, image=image, card=card, client_id=client_id, at=now
        )
        new.append(message)
        _count_in(locked, side=side, messages=new, at=now)
        _notify(locked, side=side, sender=sender)
        channel_outbound.queue(conversation=locked, side=side, message=message, template=template)
        for sent in new:
            sent.conversation = locked
            transaction.on_commit(functools.partial(signals.message_sent.send, sender=Message, message=sent))
    return message, True


def _card(
    kind: str,
    conversation: Conversation,
    *,
    product: Product | None,
    variant: ProductVariant | None,
    order: Order | None,
    discount_code: str,
) -> cards.Card:
    if kind == Message.Kind.PRODUCT:
        return cards.product_card(store=conversation.store, product=product, variant=variant)
    if kind == Message.Kind.ORDER:
        if order is None:
            raise ValidationError({"order": _("Choose an order.")})
        return cards.order_card(store=conversation.store, shopper=conversation.shopper, order=order)
    if kind == Message.Kind.DISCOUNT:
        return cards.discount_card(store=conversation.store, code=discount_code)
    if product is not None or variant is not None or order is not None or discount_code:
        raise ValidationError(_("Only a card message carries a product, an order or a code."))
    return cards.Card()


def _insert(
    conversation: Conversation,
    *,
    sender: User,
    side: str,
    kind: str,
    card: cards.Card,
    at: datetime,
    body: str = "",
    image: File | None = None,
    client_id: str = "",
    automated: bool = False,
) -> Message:
    message = Message(
        conversation=conversation,
        sender=sender,
        sender_side=side,
        kind=kind,
        body=body,
        product=card.product,
        variant=card.variant,
        order=card.order,
        data=card.data,
        is_automated=automated,
        client_id=client_id,
        created_at=at,
    )
    if image:
        message.image = image
    message.save()  # a clash on the client id: IntegrityError, answered by send_message
    return message


def _count_in(conversation: Conversation, *, side: str, messages: list[Message], at: datetime) -> None:
    """The other side has ``len(messages)`` more unread; the sender has read up to the last.
    Caller holds the conversation's row lock."""
    other = Side.STORE if side == Side.SHOPPER else Side.SHOPPER
    last = messages[-1]
    changes: dict[str, Any] = {
        "last_message": last,
        "last_message_at": at,
        unread_field(other): F(unread_field(other)) + len(messages),
        watermark_field(side): last.pk,
        unread_field(side): 0,
    }
    answered = side == Side.STORE and not all(message.is_automated for message in messages)
    if side == Side.SHOPPER:
        changes["pending_context"] = {}
        if conversation.shopper_waiting_since is None:
            changes["shopper_waiting_since"] = at
            ShopperWait.objects.create(conversation=conversation, store_id=conversation.store_id, asked_at=at)
    elif answered and conversation.shopper_waiting_since is not None:
        changes["shopper_waiting_since"] = None
        ShopperWait.objects.filter(conversation=conversation, answered_at__isnull=True).update(answered_at=at)
    Conversation.objects.filter(pk=conversation.pk).update(**changes)
    conversation.shopper_waiting_since = changes.get("shopper_waiting_since", conversation.shopper_waiting_since)
    conversation.last_message = last
    conversation.last_message_at = at
    setattr(conversation, watermark_field(side), last.pk)
    setattr(conversation, unread_field(side), 0)


def _notify(conversation: Conversation, *, side: str, sender: User) -> None:
    """The in-app notification of a new message, for a recipient with no chat socket open
    (``chat.live.presence``): one who has sees it arrive, and the header's badge. The email
    about messages left unread (``chat.services.unread_emails``) goes to either."""
    if side == Side.SHOPPER:
        recipient_id, name = conversation.store.owner_id, sender.display_name
    else:
        recipient_id, name = conversation.shopper_id, conversation.store.name
    # A WhatsApp or Telegram customer: their channel is the notice. Someone with the site open:
    # the socket is.
    if side == Side.STORE and channel_rules.is_channel_customer(conversation=conversation, side=Side.SHOPPER):
        return
    if presence.is_connected(recipient_id):
        return
    notifications.message_received(
        recipient=conversation.store.owner if side == Side.SHOPPER else conversation.shopper,
        sender=sender,
        conversation_id=conversation.pk,
        sender_name=name,
        url=reverse("chat:thread", kwargs={"pk": conversation.pk}),
    )


@dataclass(frozen=True)
class ReadState:
    last_read_id: int
    unread: int


def mark_read(*, conversation: Conversation, reader: User, up_to_message_id: int) -> ReadState:
    """``reader``'s side has read the conversation up to ``up_to_message_id`` (clamped to its
    newest message). The watermark only moves forward; the side's unread count becomes the
    number of the other side's messages above it. The reader's notifications of this
    conversation are marked read with it when nothing is left unread."""
    if isinstance(up_to_message_id, bool) or not isinstance(up_to_message_id, int):
        raise ValidationError({"up_to": _("Send the id of the last message read.")})
    if not 0 <= up_to_message_id <= MAX_MESSAGE_ID:
        raise ValidationError({"up_to": _("Send the id of the last message read.")})
    with transaction.atomic():
        locked = lock_objects.conversation_for_update(conversation.pk)
        if locked is None:
            raise PermissionDenied(_("This conversation is not yours."))
        side = rules.require_side(user=reader, conversation=locked)
        before = getattr(locked, watermark_field(side))
        watermark = max(before, min(up_to_message_id, locked.last_message_id or 0))
        unread = Message.objects.filter(conversation_id=locked.pk, id__gt=watermark).exclude(sender_side=side).count()
        Conversation.objects.filter(pk=locked.pk).update(
            **{watermark_field(side): watermark, unread_field(side): unread}
        )
        if unread == 0:
            mark_group_read(user=reader, group_key=notifications.group_key(locked.pk))
        if watermark != before:
            transaction.on_commit(
                functools.partial(
                    signals.conversation_read.send,
                    sender=Conversation,
                    conversation=locked,
                    side=side,
                    last_read_id=watermark,
                    unread=unread,
                )
            )
    return ReadState(last_read_id=watermark, unread=unread)
