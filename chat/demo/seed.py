"""Fill the chat side of the demo through ``chat.services``, so counters and cards are right.

Runs after ``social.demo.seed`` (it needs the people, stores, products and orders):

- quick replies for every demo store;
- conversations between demo shoppers and stores (``chat.demo.content``), opened from a
  product or an order, with the seller's answers (some by quick reply, one with an order
  card), spread over the last day so the inbox has unread, waiting and answered chats;
- in the newest conversation whose shopper bought from the store before, an offer the
  shopper bought (``chat.demo.offers``).

Idempotent: every message has a client id made from its store, shopper and line, so a
second run finds each one (``send_message`` is idempotent) and changes nothing.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog.demo.stores import STORES
from catalog.models import Product, Store
from chat import services
from chat.demo.content import CONVERSATIONS, QUICK_REPLIES
from chat.demo.offers import ensure_accepted_offer
from chat.models import Conversation, Message, QuickReply, ShopperWait, Side
from chat.services import quick_replies
from checkout.models import Order
from social.demo.base import demo_people

# The newest demo conversation's last message was this long ago; each older one, 3 hours more.
NEWEST_AGO = timedelta(minutes=20)
BETWEEN_CONVERSATIONS = timedelta(hours=3)
BETWEEN_MESSAGES = timedelta(minutes=4)


@dataclass
class ChatReport:
    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    KINDS = ("quick replies", "conversations", "messages", "offers")

    def _describe(self, counts: Counter) -> str:
        return ", ".join(f"{counts[kind]} {kind}" for kind in self.KINDS if counts[kind])

    def summary(self) -> str:
        created = self._describe(self.created) or "nothing"
        existing = self._describe(self.existing) or "nothing"
        return f"Chat: created {created}; already there: {existing} ({self.seconds:.1f} s)."


def seed_chat(*, progress: Callable[[str], None] | None = None) -> ChatReport:
    """Create whatever part of the demo's chats is missing. Returns what was done."""
    report = ChatReport()
    started = time.perf_counter()
    demo_slugs = [spec.slug for spec in STORES]
    stores = {store.slug: store for store in Store.objects.filter(slug__in=demo_slugs).select_related("owner")}
    for store in stores.values():
        _ensure_quick_replies(report, store)
    people = demo_people()
    now = timezone.now()
    for position, (slug, username, context, lines) in enumerate(CONVERSATIONS):
        store, shopper = stores.get(slug), people.get(username)
        if store is None or shopper is None:
            continue
        ends_at = now - NEWEST_AGO - BETWEEN_CONVERSATIONS * position
        _ensure_conversation(report, store=store, shopper=shopper, context=context, lines=lines, ends_at=ends_at)
    _ensure_offer(report, stores=stores, people=people)
    report.seconds = time.perf_counter() - started
    return report


def _ensure_offer(report: ChatReport, *, stores, people) -> None:
    for slug, username, _context, _lines in CONVERSATIONS:
        conversation = (
            Conversation.objects.filter(store=stores.get(slug), shopper=people.get(username))
            .select_related("store__owner", "shopper")
            .first()
        )
        if conversation is None:
            continue
        offer, created = ensure_accepted_offer(conversation)
        if offer is not None:
            (report.created if created else report.existing)["offers"] += 1
            return


def _ensure_quick_replies(report: ChatReport, store: Store) -> None:
    have = set(QuickReply.objects.filter(store=store).values_list("shortcut", flat=True))
    for shortcut, text in QUICK_REPLIES:
        if shortcut in have:
            report.existing["quick replies"] += 1
            continue
        services.create_quick_reply(store=store, actor=store.owner, shortcut=shortcut, text=text)
        report.created["quick replies"] += 1


def _latest_order(store: Store, shopper) -> Order | None:
    return Order.objects.filter(store=store, buyer=shopper).order_by("-placed_at", "-id").first()


def _ensure_conversation(report: ChatReport, *, store: Store, shopper, context, lines, ends_at) -> None:
    kind, slug = context
    existed = Conversation.objects.filter(store=store, shopper=shopper).exists()
    order = _latest_order(store, shopper)
    opened_from = {}
    if kind == "product":
        product = Product.objects.filter(slug=slug, store=store, status=Product.Status.ACTIVE).first()
        if product is not None:
            opened_from["context_product"] = product
    elif kind == "order" and order is not None:
        opened_from["context_order"] = order
    with transaction.atomic():
        conversation = services.open_conversation(shopper=shopper, store=store, **opened_from)
        (report.existing if existed else report.created)["conversations"] += 1
        sent_now = []
        for number, (side, text) in enumerate(lines):
            sent = _send_line(
                conversation, store=store, shopper=shopper, side=side, text=text, order=order, number=number
            )
            if sent is None:  # a quick reply or an order the demo does not have
                continue
            message, created = sent
            (report.created if created else report.existing)["messages"] += 1
            if created:
                sent_now.append(message.pk)
        if sent_now:
            _spread_in_time(conversation, ends_at=ends_at)


def _send_line(conversation, *, store, shopper, side, text, order, number) -> tuple[Message, bool] | None:
    sender = shopper if side == Side.SHOPPER else store.owner
    client_id = f"demo:{store.slug}:{shopper.username}:{number}"
    if text == "#order":
        if order is None:
            return None
        return services.send_message(
            conversation=conversation, sender=sender, client_id=client_id, kind=Message.Kind.ORDER, order=order
        )
    if text.startswith("/"):
        reply = QuickReply.objects.filter(store=store, shortcut=text[1:]).first()
        if reply is None:
            return None
        text = quick_replies.fill(text=reply.text, values=quick_replies.placeholder_values(conversation=conversation))
    return services.send_message(conversation=conversation, sender=sender, client_id=client_id, body=text)


def _spread_in_time(conversation: Conversation, *, ends_at) -> None:
    """Backdate the conversation's messages a few minutes apart, ending at ``ends_at`` (a demo
    made in one second would show every chat "just now"), and with them its inbox times and
    the shopper's waits for an answer (the store's response figures)."""
    messages = list(
        Message.objects.filter(conversation=conversation)
        .order_by("id")
        .values_list("id", "sender_side", "is_automated")
    )
    waits: list[ShopperWait] = []
    waiting: ShopperWait | None = None
    for index, (pk, side, automated) in enumerate(messages):
        at = ends_at - BETWEEN_MESSAGES * (len(messages) - 1 - index)
        Message.objects.filter(pk=pk).update(created_at=at)
        if side == Side.SHOPPER and waiting is None:
            waiting = ShopperWait(conversation=conversation, store_id=conversation.store_id, asked_at=at)
            waits.append(waiting)
        elif side == Side.STORE and not automated and waiting is not None:
            waiting.answered_at, waiting = at, None
    ShopperWait.objects.filter(conversation=conversation).delete()
    ShopperWait.objects.bulk_create(waits)
    last_id = Message.objects.filter(conversation=conversation).aggregate(last=Max("id"))["last"]
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_id=last_id,
        last_message_at=ends_at,
        created_at=ends_at - BETWEEN_MESSAGES * len(messages),
        shopper_waiting_since=waiting.asked_at if waiting is not None else None,
    )
