"""Where contacts come from, besides the sign-up form and the CSV import.

- Orders, as they are placed: ``checkout.signals.order_placed`` (``order_placed``), with
  the checkout page's "send me news from this store" checkbox (``news_store_ids``): the
  buyer is asked for consent, and confirms by the emailed link.
- Followers, as they follow: ``social.signals.store_followed`` (``store_followed``).
- Everyone else the store met: chats on the site, WhatsApp and Telegram contacts, and the
  orders and follows this app missed (a handler that failed, a follow from before it
  listened, an import). ``gather_contacts`` files them: each source is read for the people who have no
  contact in the store yet (one ``NOT EXISTS`` query per source), so a run after the first
  costs a few queries and finds only what is new. The schedule runs it every hour, and
  before the nightly scores.
"""

from __future__ import annotations

import logging

from django.db.models import Exists, OuterRef, QuerySet

from chat.channels.choices import Channel
from chat.channels.models import ChannelContact
from chat.models import Conversation
from checkout.models import Order, Payment
from marketing import texts
from marketing.models import Identity, Source
from marketing.services.consent import ask_consent
from marketing.services.contacts import Seen, record_contact, user_seen
from shop.client import ClientInfo
from shop.models import User
from social.models import Follow

log = logging.getLogger(__name__)


def _order_seen(order: Order) -> list[Seen]:
    return [*user_seen(user=order.buyer), Seen(Identity.Kind.PHONE, order.ship_phone)]


def order_placed(
    sender: object,
    *,
    payment: Payment,
    orders: list[Order],
    news_store_ids: frozenset[int] = frozenset(),
    client: ClientInfo | None = None,
    **kwargs: object,
) -> None:
    """A checkout placed ``orders`` (after commit): each buyer is the store's contact, and is
    asked for consent for the stores whose checkbox they ticked. A failure is logged and never
    reaches the buyer (the hourly gathering finds the order again)."""
    for order in orders:
        try:
            contact = record_contact(
                store_id=order.store_id,
                seen=_order_seen(order),
                source=Source.ORDER,
                name=order.ship_recipient or order.buyer.get_full_name(),
                language=getattr(order.buyer, "language", "") or "",
            )
            if contact is not None and order.store_id in news_store_ids and order.buyer.email:
                ask_consent(
                    contact=contact,
                    email=order.buyer.email,
                    source=Source.CHECKOUT,
                    text=texts.checkout_text(order.store.name),
                    client=client,
                    actor=order.buyer,
                )
        except Exception:
            log.exception("Could not file the buyer of order %s as a contact.", order.number)


def store_followed(sender: object, *, follower: User, store_id: int, **kwargs: object) -> None:
    """``follower`` followed the store (after commit): they are its contact at once. A failure
    is logged and never reaches the follower (the hourly gathering finds the follow again)."""
    try:
        record_contact(
            store_id=store_id,
            seen=user_seen(user=follower),
            source=Source.FOLLOW,
            name=follower.get_full_name(),
            language=getattr(follower, "language", "") or "",
        )
    except Exception:
        log.exception("Could not file follower %s of store %s as a contact.", follower.pk, store_id)


def _without_contact(queryset: QuerySet, *, store_field: str, user_field: str) -> QuerySet:
    held = Identity.objects.filter(
        store_id=OuterRef(store_field), kind=Identity.Kind.USER, user_id=OuterRef(user_field), verified=True
    )
    return queryset.exclude(Exists(held))


def gather_contacts(*, store_id: int | None = None) -> dict[str, int]:
    """File everyone the stores met who has no contact yet (see the module). Idempotent.
    Returns how many were filed per source."""
    counts = {"orders": 0, "chats": 0, "channels": 0, "followers": 0}
    scope = {} if store_id is None else {"store_id": store_id}

    orders = _without_contact(
        Order.objects.filter(**scope), store_field="store_id", user_field="buyer_id"
    ).select_related("buyer")
    # One sighting per (store, buyer): the newest order names them.
    seen_pairs = set()
    for order in orders.order_by("-placed_at", "-pk").iterator():
        if (order.store_id, order.buyer_id) in seen_pairs:
            continue
        seen_pairs.add((order.store_id, order.buyer_id))
        record_contact(
            store_id=order.store_id,
            seen=_order_seen(order),
            source=Source.ORDER,
            name=order.ship_recipient,
            language=order.buyer.language,
        )
        counts["orders"] += 1

    # Site chats: the shopper's account (channel conversations are filed by their contact).
    chats = _without_contact(
        Conversation.objects.filter(**scope, shopper__is_active=True, last_message__isnull=False),
        store_field="store_id",
        user_field="shopper_id",
    ).select_related("shopper")
    for conversation in chats.iterator():
        shopper = conversation.shopper
        record_contact(
            store_id=conversation.store_id,
            seen=user_seen(user=shopper),
            source=Source.CHAT,
            name=shopper.get_full_name(),
            language=shopper.language,
        )
        counts["chats"] += 1

    channel_held = Identity.objects.filter(
        store_id=OuterRef("store_id"), kind=OuterRef("channel"), value=OuterRef("external_id"), verified=True
    )
    for person in ChannelContact.objects.filter(**scope).exclude(Exists(channel_held)).iterator():
        kind = Identity.Kind.WHATSAPP if person.channel == Channel.WHATSAPP else Identity.Kind.TELEGRAM
        # A WhatsApp id is the number itself, proven by WhatsApp; Telegram may share a number.
        seen = [
            Seen(kind, person.external_id, True),
            Seen(Identity.Kind.PHONE, person.phone, person.channel == Channel.WHATSAPP),
        ]
        record_contact(
            store_id=person.store_id,
            seen=seen,
            source=Source.WHATSAPP if kind == Identity.Kind.WHATSAPP else Source.TELEGRAM,
            name=person.display_name,
        )
        counts["channels"] += 1

    followers = Follow.objects.filter(followee__store__isnull=False, follower__is_active=True)
    if store_id is not None:
        followers = followers.filter(followee__store_id=store_id)
    followers = _without_contact(followers, store_field="followee__store_id", user_field="follower_id").select_related(
        "follower", "followee"
    )
    for row in followers.iterator():
        follower = row.follower
        assert row.followee.store_id is not None  # (followee__store__isnull=False)
        record_contact(
            store_id=row.followee.store_id,
            seen=user_seen(user=follower),
            source=Source.FOLLOW,
            name=follower.get_full_name(),
            language=follower.language,
        )
        counts["followers"] += 1
    return counts
