"""The buyer panel beside a thread, for the store's side only: the shopper's orders with this
store and what they spent there, whether they follow the store, what they have in their cart
from it right now (at today's prices), and the store's own labels and private note.

A selector (reads only, its own joins): the thread page, its cart fragment (refetched live
when the cart changes, ``chat.live.events``) and ``GET /api/v1/chat/conversations/<id>/buyer/``
all read it here. Five queries whatever the number of orders, cart lines or labels
(tests/chat/test_buyer_panel.py counts them); the cart alone is one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Window
from django.db.models.functions import Coalesce

from chat.models import Conversation, Label
from checkout.models import CartLine, Order, OrderStatus
from social.models import Follow

# The newest orders listed (the figures count all of them).
ORDERS_SHOWN = 5
# The cart lines listed (the totals count all of them).
CART_LINES_SHOWN = 20
# Money the store received and kept: paid (a cash-on-delivery order once delivered), and not
# refunded, cancelled, expired or refused. A shipped cash-on-delivery order is not paid yet.
SPENT_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
SPENT = Q(status__in=SPENT_STATUSES, paid_at__isnull=False)
# A repeat buyer paid for this many orders or more.
REPEAT_AFTER = 2


@dataclass(frozen=True)
class BuyerCart:
    """The shopper's cart lines from the store, oldest first, each with its variant and product
    (``variant.price`` is today's price; ``price_seen`` what the shopper saw when adding it)."""

    lines: list[CartLine]
    line_count: int
    item_count: int
    subtotal: int  # at today's prices

    @property
    def more_lines(self) -> int:
        return self.line_count - len(self.lines)


@dataclass(frozen=True)
class BuyerPanel:
    conversation: Conversation
    orders: list[Order]  # the newest ORDERS_SHOWN
    order_count: int  # every order, whatever its state
    paid_order_count: int
    total_spent: int  # minor units, SPENT orders only
    follows_store: bool
    cart: BuyerCart
    labels: list[Label]  # the store's labels, each with ``chosen`` (on this conversation)
    note: str

    @property
    def repeat_buyer(self) -> bool:
        return self.paid_order_count >= REPEAT_AFTER

    @property
    def more_orders(self) -> int:
        return self.order_count - len(self.orders)


def buyer_cart(*, conversation: Conversation) -> BuyerCart:
    """What the conversation's shopper has in their cart from its store now (one query: the
    totals over every line come with the first lines, as window sums)."""
    everything = Window(Sum(F("quantity") * F("variant__price")))
    lines = list(
        CartLine.objects.filter(cart__user_id=conversation.shopper_id, variant__store_id=conversation.store_id)
        .select_related("variant__product")
        .annotate(
            all_lines=Window(Count("id")),
            all_items=Window(Sum("quantity")),
            all_subtotal=everything,
        )
        .order_by("added_at", "id")[:CART_LINES_SHOWN]
    )
    if not lines:
        return BuyerCart(lines=[], line_count=0, item_count=0, subtotal=0)
    first = lines[0]
    return BuyerCart(lines=lines, line_count=first.all_lines, item_count=first.all_items, subtotal=first.all_subtotal)


def buyer_panel(*, conversation: Conversation) -> BuyerPanel:
    """Everything the panel shows about the conversation's shopper, for its store's people
    (callers check the side: the shopper never sees it)."""
    between = Order.objects.filter(store_id=conversation.store_id, buyer_id=conversation.shopper_id)
    figures = between.aggregate(
        orders=Count("id"),
        paid=Count("id", filter=SPENT),
        spent=Coalesce(Sum(F("total") - F("refunded_amount"), filter=SPENT), 0),
    )
    orders = list(between.order_by("-placed_at", "-id")[:ORDERS_SHOWN])
    follows = Follow.objects.filter(
        follower_id=conversation.shopper_id, followee__store_id=conversation.store_id
    ).exists()
    chosen = Conversation.labels.through.objects.filter(conversation_id=conversation.pk, label_id=OuterRef("pk"))
    labels = list(Label.objects.filter(store_id=conversation.store_id).annotate(chosen=Exists(chosen)))
    return BuyerPanel(
        conversation=conversation,
        orders=orders,
        order_count=figures["orders"],
        paid_order_count=figures["paid"],
        total_spent=figures["spent"],
        follows_store=follows,
        cart=buyer_cart(conversation=conversation),
        labels=labels,
        note=conversation.store_note,
    )
