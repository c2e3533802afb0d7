"""Attribution: which touch earned a sale.

A *touch* is a moment a shopper met a store through something that may earn the sale (see
``insights.models.Touch``): the event sink writes one for each event that is a touch
(``touches_from``), with the shopper's user id when signed in and the visitor id of the
``etv`` cookie, so what a shopper tapped before signing in counts as theirs.

- When an order is placed (``keep_placed``, from checkout's ``order_placed`` signal, in the
  placing request) it is kept with the visitor who placed it.
- When it is paid (``credit_paid``, from ``order_paid``), it is credited to the shopper's last
  touch of its store within ``ATTRIBUTION_WINDOW`` before the payment; the touches before that
  one are kept as assists. With none, the order is direct. A post's touch is credited as the
  store's own post or as a shopper's post that tagged the store's product (the post's profile
  decides), a chat's as the chat, an email click's as its campaign or its flow (an automatic email).
- A refund (``record_refund``, from ``order_status_changed``) reduces the net figures of the
  day the order was paid: sales count at payment time, gross and net.

Everything here is ids: no names, no addresses.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from insights.models import OrderAttribution, Touch, TouchKind
from shop.events import Event, EventName

log = logging.getLogger(__name__)

ATTRIBUTION_WINDOW = timedelta(days=7)
# Touches are kept a little longer than the window: a bank transfer is paid up to a day late.
TOUCH_DAYS_KEPT = 9
MAX_ASSISTS = 10
# The newest touches read for one order (a shopper tapping all day long is not a reason to read more).
TOUCHES_READ = 50

# Events that are touches, and the kind of touch each is.
TOUCH_EVENTS = {
    EventName.TAG_TAP.value: TouchKind.POST,
    EventName.SHEET_OPEN.value: TouchKind.POST,
    EventName.PRODUCT_VIEW.value: TouchKind.POST,  # only with a post (a tag's link: ``?post=``)
    EventName.CHAT_STARTED.value: TouchKind.CHAT,
    EventName.OFFER_ACCEPTED.value: TouchKind.CHAT,
    EventName.CAMPAIGN_EMAIL_CLICKED.value: TouchKind.CAMPAIGN,
    EventName.CAMPAIGN_EMAIL_CLICKED_AGAIN.value: TouchKind.CAMPAIGN,
    EventName.FLOW_EMAIL_CLICKED.value: TouchKind.FLOW,
    EventName.FLOW_EMAIL_CLICKED_AGAIN.value: TouchKind.FLOW,
}


def touches_from(events: Sequence[Event]) -> list[Touch]:
    """The touches among ``events`` (a batch the sink stores): those of a known kind, with a
    store and someone to credit (a user or a visitor); a post's need the post."""
    touches = []
    for event in events:
        kind = TOUCH_EVENTS.get(event.name)
        if kind is None or event.store_id is None or (event.user_id is None and event.visitor is None):
            continue
        if kind == TouchKind.POST and event.post_id is None:
            continue
        touches.append(
            Touch(
                at=event.at,
                kind=kind,
                store_id=event.store_id,
                post_id=event.post_id,
                product_id=event.product_id,
                ref_id=event.ref_id,
                user_id=event.user_id,
                visitor=event.visitor,
                source=event.source,
            )
        )
    return touches


def store_touches(events: Sequence[Event]) -> int:
    """Store the touches among ``events`` (inside the sink's transaction)."""
    touches = touches_from(events)
    if touches:
        Touch.objects.bulk_create(touches)
    return len(touches)


def prune_touches(*, now: datetime | None = None) -> int:
    """Forget touches past any attribution window (``TOUCH_DAYS_KEPT``)."""
    cutoff = (now or timezone.now()) - timedelta(days=TOUCH_DAYS_KEPT)
    deleted, _by_model = Touch.objects.filter(at__lt=cutoff).delete()
    return deleted


def keep_placed(*, orders: Iterable, visitor: int | None) -> None:
    """Keep the orders just placed with the visitor who placed them (``orders``: checkout's
    orders; ``visitor``: the placing request's ``etv`` id, or None)."""
    OrderAttribution.objects.bulk_create(
        [
            OrderAttribution(
                order_id=order.pk,
                store_id=order.store_id,
                buyer_id=order.buyer_id,
                visitor=visitor,
                placed_at=order.placed_at,
            )
            for order in orders
        ],
        ignore_conflicts=True,  # placed twice (a retried signal): the first is kept
    )


@dataclass(frozen=True)
class Credit:
    kind: TouchKind
    post_id: int | None = None
    ref_id: int | None = None
    at: datetime | None = None

    def as_assist(self) -> dict:
        return {"kind": int(self.kind), "post": self.post_id, "ref": self.ref_id, "at": self.at.isoformat()}


def _credits(touches: list[Touch], *, store_id: int) -> list[Credit]:
    """The touches as credits, newest first, a post's as the store's post or a shopper's."""
    from social.models import Post

    post_ids = {touch.post_id for touch in touches if touch.kind == TouchKind.POST}
    post_stores = dict(Post.objects.filter(pk__in=post_ids).values_list("pk", "profile__store_id")) if post_ids else {}
    credits = []
    for touch in touches:
        kind = TouchKind(touch.kind)
        if kind == TouchKind.POST:
            if touch.post_id not in post_stores:
                continue  # deleted since, or a made-up ?post= on a product link
            if post_stores[touch.post_id] != store_id:
                kind = TouchKind.SHOPPER_POST
        credits.append(Credit(kind=kind, post_id=touch.post_id, ref_id=touch.ref_id, at=touch.at))
    return credits


def credit(*, store_id: int, buyer_id: int | None, visitor: int | None, paid_at: datetime) -> list[Credit]:
    """The credits for a sale of ``store_id`` paid at ``paid_at``: the buyer's touches of the
    store (as a user, or as the visitor who placed the order) within the window, newest first.
    The first earns the sale; empty: the sale is direct."""
    who = Q(user_id=buyer_id) if buyer_id is not None else Q(pk__in=[])
    if visitor is not None:
        who |= Q(visitor=visitor)
    touches = list(
        Touch.objects.filter(who, store_id=store_id, at__gt=paid_at - ATTRIBUTION_WINDOW, at__lte=paid_at).order_by(
            "-at", "-id"
        )[:TOUCHES_READ]
    )
    return _credits(touches, store_id=store_id)


@transaction.atomic
def credit_paid(
    *, order_id: int, store_id: int, buyer_id: int | None, amount: int, paid_at: datetime
) -> OrderAttribution:
    """Credit the order paid (idempotent: paying twice credits it once, as first paid)."""
    row, _created = OrderAttribution.objects.select_for_update().get_or_create(
        order_id=order_id, defaults={"store_id": store_id, "buyer_id": buyer_id}
    )
    if row.paid_at is not None:
        return row
    credits = credit(store_id=store_id, buyer_id=buyer_id, visitor=row.visitor, paid_at=paid_at)
    first = credits[0] if credits else Credit(kind=TouchKind.DIRECT)
    assists = []
    seen = {(first.kind, first.post_id, first.ref_id)}
    for other in credits[1:]:
        key = (other.kind, other.post_id, other.ref_id)
        if key not in seen and len(assists) < MAX_ASSISTS:
            seen.add(key)
            assists.append(other)
    row.paid_at = paid_at
    row.amount = amount
    row.kind = first.kind
    row.post_id = first.post_id
    row.ref_id = first.ref_id
    row.touched_at = first.at
    row.assists = [assist.as_assist() for assist in assists]
    row.assist_kinds = sum({1 << int(assist.kind) for assist in assists})
    row.save()
    return row


@transaction.atomic
def record_refund(*, order_id: int, refunded: int, at: datetime) -> OrderAttribution | None:
    """The order's money went back (``refunded``, minor units; at most what was paid). Returns
    the row, whose ``paid_at`` day needs its figures again; None for an order never paid."""
    row = OrderAttribution.objects.select_for_update().filter(order_id=order_id, paid_at__isnull=False).first()
    if row is None:
        return None
    row.refunded = max(0, min(refunded, row.amount))
    row.refunded_at = at
    row.save(update_fields=["refunded", "refunded_at"])
    return row
