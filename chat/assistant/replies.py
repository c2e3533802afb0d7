"""What the assistant does with a shopper's new messages, and the auto-reply.

``answer_new_messages`` runs in a Celery task enqueued when a shopper's message is committed
(``chat.assistant.receivers``), so the shopper's send never waits for it. It locks the
conversation, takes the shopper messages it has not considered yet (a watermark on
``AssistantState``: a task run twice answers once), decides who answers
(``handoff.who_answers``) and, for the assistant, per message, in this order:

1. the greeting, on the shopper's first message of the day (store's time zone);
2. the away message, outside opening hours, at most once every ``AWAY_EVERY``;
3. the answer: a person asked for -> handed over; an order -> the order's card; the store's
   FAQ; shipping, COD, payment, hours, stock, price from the shop's own settings. A question
   it cannot answer is recorded for the seller's report (a person answers it).

Its messages come from the store's side with no sender, ``is_automated``: they are not an
answer in the response figures, and do not move the store's read watermark.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.models import Store
from chat import lock_objects, signals
from chat.assistant import facts, finder, handoff, hours, matching
from chat.assistant.models import AssistantEvent, AssistantSettings, AssistantState, FaqEntry, Holiday, OpeningHours
from chat.models import Conversation, Message, Side
from chat.services import cards
from checkout.models import Order

# Messages older than this when the task runs (it was lost and handed over again later) are
# left to a person: an answer hours late reads like a bot gone wrong.
ANSWER_WITHIN = timedelta(minutes=30)
AWAY_EVERY = timedelta(hours=12)
# At most this many new messages of one conversation are answered in one run.
BATCH = 10


def schedule_for(store_id: int, settings: AssistantSettings) -> hours.Schedule:
    openings = tuple(
        hours.Opening(weekday=weekday, opens=opens, closes=closes)
        for weekday, opens, closes in OpeningHours.objects.filter(store_id=store_id).values_list(
            "weekday", "opens", "closes"
        )
    )
    today = timezone.now().date()
    holidays = frozenset(
        Holiday.objects.filter(store_id=store_id, date__gte=today - timedelta(days=2)).values_list("date", flat=True)
    )
    return hours.Schedule(
        time_zone=settings.time_zone, openings=openings, holidays=holidays, on_holiday=settings.on_holiday
    )


def post(
    conversation: Conversation,
    *,
    body: str = "",
    kind: str = Message.Kind.TEXT,
    card: cards.Card | None = None,
    topic: str = "",
) -> Message:
    """The assistant's message in ``conversation``: unread for the shopper, published on
    commit. Caller holds the conversation's row lock and has decided the assistant answers."""
    card = card or cards.Card()
    now = timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        sender=None,
        sender_side=Side.STORE,
        kind=kind,
        body=body[:2000],
        product=card.product,
        variant=card.variant,
        order=card.order,
        data={**card.data, "assistant": topic or "text"},
        is_automated=True,
        created_at=now,
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message=message, last_message_at=now, shopper_unread=F("shopper_unread") + 1
    )
    conversation.last_message, conversation.last_message_at = message, now
    message.conversation = conversation
    transaction.on_commit(functools.partial(signals.message_sent.send, sender=Message, message=message))
    return message


def _event(conversation: Conversation, kind: str, *, at: datetime, topic: str = "", faq_id=None, text: str = ""):
    AssistantEvent.objects.create(
        store_id=conversation.store_id,
        conversation=conversation,
        kind=kind,
        topic=topic,
        faq_id=faq_id,
        text=text[:300],
        created_at=at,
    )


def hand_to_person(conversation: Conversation, *, state: AssistantState, at: datetime) -> Message:
    """The shopper asked for a person: say so and stay silent until the store hands back.
    Caller holds the conversation's lock."""
    state.handoff_at = at
    state.save(update_fields=["handoff_at"])
    _event(conversation, AssistantEvent.Kind.HANDOFF, at=at)
    with translation.override(_language(conversation, None)):
        body = _("Okay, a person from %(store)s will answer you here as soon as they can.") % {
            "store": conversation.store.name
        }
    return post(conversation, body=body, topic="handoff")


def _language(conversation: Conversation, hint: str | None) -> str:
    return hint or conversation.shopper.language or django_settings.LANGUAGE_CODE


def _local_date(schedule: hours.Schedule, at: datetime):
    return schedule.local(at).date()


def answer_new_messages(*, conversation_id: int, now: datetime | None = None) -> list[Message]:
    """Answer the shopper's messages the assistant has not considered yet (see the module).
    Returns the assistant's new messages. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        conversation = lock_objects.conversation_for_update(conversation_id)
        if conversation is None:
            return []
        settings = handoff.settings_for(conversation.store_id)
        if settings is None:
            return []
        state = handoff.state_for(conversation)
        pending = list(
            Message.objects.filter(
                conversation=conversation,
                sender_side=Side.SHOPPER,
                is_automated=False,
                id__gt=state.considered_through_id,
            ).order_by("id")[:BATCH]
        )
        if not pending:
            return []
        state.considered_through_id = pending[-1].pk
        state.save(update_fields=["considered_through_id"])
        decision = handoff.who_answers(conversation, at=now, settings=settings, state=state)
        if not decision.assistant:
            return []
        fresh = [message for message in pending if message.created_at >= now - ANSWER_WITHIN]
        return _answer(conversation, fresh, settings=settings, state=state, now=now)


def _answer(
    conversation: Conversation,
    messages: list[Message],
    *,
    settings: AssistantSettings,
    state: AssistantState,
    now: datetime,
) -> list[Message]:
    schedule = schedule_for(conversation.store_id, settings)
    open_now = hours.is_open(schedule, now)
    faq = matching.faq_index(conversation.store_id)
    sent: list[Message] = []
    changed: set[str] = set()
    for message in messages:
        if state.finder and message.body:
            with translation.override(_language(conversation, state.finder.get("language"))):
                taken = finder.take_answer(conversation, state, message.body)
            if taken is not None:  # an answer to the finder's question under way
                sent.extend(taken)
                if taken and taken[-1].kind != Message.Kind.CHOICES:
                    _event(conversation, AssistantEvent.Kind.ANSWERED, at=now, topic=matching.FINDER)
                continue
        understood = matching.understand(message.body, faq=faq) if message.body else matching.Understanding()
        if settings.greeting and (
            state.greeted_at is None or _local_date(schedule, state.greeted_at) != _local_date(schedule, now)
        ):
            sent.append(post(conversation, body=settings.greeting, topic="greeting"))
            _event(conversation, AssistantEvent.Kind.GREETING, at=now)
            state.greeted_at = now
            changed.add("greeted_at")
        if (
            not open_now
            and settings.away_message
            and (state.away_sent_at is None or state.away_sent_at <= now - AWAY_EVERY)
        ):
            sent.append(post(conversation, body=settings.away_message, topic="away"))
            _event(conversation, AssistantEvent.Kind.AWAY, at=now)
            state.away_sent_at = now
            changed.add("away_sent_at")
        if understood.topic == matching.HUMAN:
            if changed:
                state.save(update_fields=sorted(changed))
            sent.append(hand_to_person(conversation, state=state, at=now))
            return sent
        if understood.topic == matching.FINDER:
            started = finder.start(conversation, state, language=_language(conversation, understood.language))
            if started:
                sent.extend(started)
                continue
        with translation.override(_language(conversation, understood.language)):
            reply = _reply(conversation, understood, schedule=schedule, open_now=open_now)
        if reply is None:
            if message.body and understood.topic != matching.GREETING:
                _event(conversation, AssistantEvent.Kind.UNANSWERED, at=now, text=message.body)
            continue
        body, kind, card = reply
        sent.append(post(conversation, body=body, kind=kind, card=card, topic=understood.topic))
        if understood.topic == matching.STOCK:
            sent.extend(_alternatives_if_sold_out(conversation))
        _event(conversation, AssistantEvent.Kind.ANSWERED, at=now, topic=understood.topic, faq_id=understood.faq_id)
    if changed:
        state.save(update_fields=sorted(changed))
    return sent


def _reply(
    conversation: Conversation, understood: matching.Understanding, *, schedule: hours.Schedule, open_now: bool
) -> tuple[str, str, cards.Card | None] | None:
    """``(body, kind, card)`` of the answer, or None when the assistant has none."""
    store: Store = conversation.store
    topic = understood.topic
    text = Message.Kind.TEXT
    if topic == "faq":
        answer = FaqEntry.objects.filter(pk=understood.faq_id, store=store).values_list("answer", flat=True).first()
        return (answer, text, None) if answer else None
    if topic == matching.ORDER:
        return _order_reply(conversation, number=understood.order_number)
    if topic == matching.SHIPPING:
        return facts.shipping(store), text, None
    if topic == matching.COD:
        return facts.cod(store), text, None
    if topic == matching.PAYMENT:
        return facts.payment(store), text, None
    if topic == matching.HOURS:
        return facts.opening_hours(store, schedule, is_open=open_now), text, None
    if topic == matching.STOCK:
        answer = facts.stock(conversation)
        return (answer, text, None) if answer else None
    if topic == matching.PRICE:
        answer = facts.price(conversation)
        return (answer, text, None) if answer else None
    return None


def _alternatives_if_sold_out(conversation: Conversation) -> list[Message]:
    """After "sold out": in-stock products of the same category near its price, as cards."""
    product = facts.context_product(conversation)
    if product is None or product.variants.filter(stock__gt=0).exists():
        return []
    cheapest = product.variants.order_by("price").first()
    if cheapest is None:
        return []
    return [
        post(
            conversation,
            kind=Message.Kind.PRODUCT,
            card=cards.product_card(store=conversation.store, product=variant.product, variant=variant),
            topic="alternative",
        )
        for variant in finder.alternatives(product, cheapest.price)
    ]


def _order_reply(conversation: Conversation, *, number: str) -> tuple[str, str, cards.Card | None]:
    """The card of the shopper's order with this store: the one named, or their latest. Only
    their own orders: another's number is "not found", as a number that does not exist."""
    orders = Order.objects.filter(store_id=conversation.store_id, buyer_id=conversation.shopper_id)
    order = orders.filter(number=number).first() if number else orders.order_by("-placed_at", "-id").first()
    if order is None:
        if number:
            return _("I cannot find order %(number)s among your orders with us.") % {"number": number}, "text", None
        return _("You have no orders with %(store)s yet.") % {"store": conversation.store.name}, "text", None
    card = cards.order_card(store=conversation.store, shopper=conversation.shopper, order=order)
    parts = [_("Order %(number)s: %(status)s.") % {"number": order.number, "status": order.get_status_display()}]
    if order.tracking_number:
        parts.append(
            _("Courier %(carrier)s, tracking number %(tracking)s.")
            % {"carrier": order.carrier or "-", "tracking": order.tracking_number}
        )
    return " ".join(parts), Message.Kind.ORDER, card


# --- The auto-reply ---------------------------------------------------------------------------


def auto_reply_due(*, now: datetime | None = None):
    """Conversations whose shopper has waited longer than their store's auto-reply delay with
    nobody (not even the assistant) answering since, and no auto-reply yet for this wait."""
    now = now or timezone.now()
    # One condition per delay the stores chose (a handful of distinct values): minutes times an
    # interval is not something SQLite (``make run``) can compute in SQL.
    delays = (
        AssistantSettings.objects.filter(enabled=True)
        .exclude(auto_reply="")
        .values_list("auto_reply_minutes", flat=True)
        .distinct()
    )
    waited_long_enough = Q(pk__in=[])
    for minutes in delays:
        waited_long_enough |= Q(
            store__assistant_settings__auto_reply_minutes=minutes,
            shopper_waiting_since__lte=now - timedelta(minutes=minutes),
        )
    return (
        Conversation.objects.filter(
            waited_long_enough,
            shopper_waiting_since__isnull=False,
            store__assistant_settings__enabled=True,
            last_message__sender_side=Side.SHOPPER,
        )
        .exclude(store__assistant_settings__auto_reply="")
        .exclude(assistant_state__auto_replied_for=F("shopper_waiting_since"))
    )


def send_auto_reply(*, conversation_id: int, now: datetime | None = None) -> Message | None:
    """The store's auto-reply in this conversation, if it is still due (checked again under
    the conversation's lock) and the assistant answers there. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        conversation = lock_objects.conversation_for_update(conversation_id)
        if conversation is None or conversation.shopper_waiting_since is None:
            return None
        settings = handoff.settings_for(conversation.store_id)
        if settings is None or not settings.auto_reply:
            return None
        if now - conversation.shopper_waiting_since < timedelta(minutes=settings.auto_reply_minutes):
            return None
        last = Message.objects.filter(pk=conversation.last_message_id).values_list("sender_side", flat=True).first()
        if last != Side.SHOPPER:
            return None
        state = handoff.state_for(conversation)
        if state.auto_replied_for == conversation.shopper_waiting_since:
            return None
        state.auto_replied_for = conversation.shopper_waiting_since
        state.save(update_fields=["auto_replied_for"])
        if not handoff.who_answers(conversation, at=now, settings=settings, state=state).assistant:
            return None
        _event(conversation, AssistantEvent.Kind.AUTO_REPLY, at=now)
        return post(conversation, body=settings.auto_reply, topic="auto_reply")


def pending_answers(*, since: datetime, until: datetime):
    """Conversations whose newest message is a shopper's the assistant has not considered,
    written in this window (its task was lost): for ``shop.broker.republish_pending``."""
    return Conversation.objects.filter(
        store__assistant_settings__enabled=True,
        last_message__sender_side=Side.SHOPPER,
        last_message__is_automated=False,
        last_message_at__gte=since,
        last_message_at__lte=until,
    ).exclude(assistant_state__considered_through_id__gte=F("last_message_id"))
