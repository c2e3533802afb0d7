"""A cart left with a store for a day gets one nudge in the shopper's chat with that store:
only if the shopper has written to the store before, the store's assistant answers in that
chat (not handed to a person, not paused), and the shopper's notification preferences allow
reminders of their cart (the "Items left in your cart" kind, in the app). Once per cart and
store until the cart changes (``CartNudge``), decided again under the conversation's lock."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from catalog.models import Product
from chat import lock_objects
from chat.assistant import handoff, replies
from chat.assistant.models import AssistantEvent, CartNudge
from chat.models import Conversation, Message, Side
from checkout.models import Cart, CartLine
from checkout.reminders import ABANDONED_CART, abandoned_after
from shop.notifications import kinds
from shop.notifications.services import wants

# Carts untouched for longer than this are not nudged any more (the moment has passed).
NUDGE_WITHIN = timedelta(days=7)
TITLES_SHOWN = 3


def due_pairs(*, now: datetime, limit: int = 500) -> list[tuple[int, int, int]]:
    """``(cart id, shopper id, store id)`` of carts left with a store long enough, whose shopper
    wrote to that store before, with no nudge for the cart as it is."""
    cutoff = now - abandoned_after()
    wrote = Message.objects.filter(
        conversation__store_id=OuterRef("variant__store_id"),
        conversation__shopper_id=OuterRef("cart__user_id"),
        sender_side=Side.SHOPPER,
        is_automated=False,
    )
    nudged = CartNudge.objects.filter(
        cart_id=OuterRef("cart_id"),
        store_id=OuterRef("variant__store_id"),
        nudged_for__gte=OuterRef("cart__updated_at"),
    )
    return list(
        CartLine.objects.filter(
            cart__user__isnull=False,
            cart__user__is_active=True,
            cart__updated_at__lte=cutoff,
            cart__updated_at__gte=now - NUDGE_WITHIN,
            variant__product__status=Product.Status.ACTIVE,
            variant__store__is_active=True,
            variant__store__assistant_settings__enabled=True,
        )
        .filter(Exists(wrote))
        .exclude(Exists(nudged))
        .values_list("cart_id", "cart__user_id", "variant__store_id")
        .distinct()
        .order_by("cart_id", "variant__store_id")[:limit]
    )


def nudge(*, cart_id: int, shopper_id: int, store_id: int, now: datetime | None = None) -> Message | None:
    """The nudge for one cart and store, if still due (see the module). Idempotent."""
    now = now or timezone.now()
    conversation_id = (
        Conversation.objects.filter(store_id=store_id, shopper_id=shopper_id).values_list("pk", flat=True).first()
    )
    if conversation_id is None:
        return None
    with transaction.atomic():
        conversation = lock_objects.conversation_for_update(conversation_id)
        cart = Cart.objects.filter(pk=cart_id, user_id=shopper_id).first()
        if conversation is None or cart is None or cart.updated_at > now - abandoned_after():
            return None
        record = CartNudge.objects.select_for_update().filter(cart=cart, store_id=store_id).first()
        if record is not None and record.nudged_for >= cart.updated_at:
            return None
        if record is None:
            record = CartNudge(cart=cart, store_id=store_id)
        record.nudged_for, record.sent_at = cart.updated_at, now
        record.save()
        kind = kinds.get(ABANDONED_CART)
        if kind is not None and not wants(user_id=shopper_id, kind=kind, channel="in_app"):
            return None  # recorded all the same: nothing to look at again for this cart
        if not handoff.who_answers(conversation, at=now).assistant:
            return None
        titles = list(
            CartLine.objects.filter(
                cart=cart, variant__store_id=store_id, variant__product__status=Product.Status.ACTIVE
            )
            .order_by("added_at", "id")
            .values_list("variant__product__title", flat=True)
        )
        if not titles:
            return None
        with translation.override(conversation.shopper.language or None):
            shown = ", ".join(titles[:TITLES_SHOWN])
            body = ngettext(
                "You left %(count)d product from us in your cart: %(titles)s. It is still there: %(url)s",
                "You left %(count)d products from us in your cart: %(titles)s. They are still there: %(url)s",
                len(titles),
            ) % {"count": len(titles), "titles": shown, "url": settings.SITE_URL + reverse("checkout:cart")}
        AssistantEvent.objects.create(
            store_id=store_id,
            conversation=conversation,
            kind=AssistantEvent.Kind.ANSWERED,
            topic="cart",
            created_at=now,
        )
        return replies.post(conversation, body=body, topic="cart")


def nudge_abandoned_carts(*, now: datetime | None = None) -> int:
    """Every nudge now due; returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for cart_id, shopper_id, store_id in due_pairs(now=now):
        if nudge(cart_id=cart_id, shopper_id=shopper_id, store_id=store_id, now=now) is not None:
            sent += 1
    return sent
