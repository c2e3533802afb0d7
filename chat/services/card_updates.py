"""Cards that change after they were sent: an offer bought, withdrawn or expired; an order
paid, shipped (with its tracking number), delivered, cancelled or expired.

A card shows its offer or order as it is now (the thread renders it from the live rows), so
nothing is rewritten here: the sockets of both parties are told which messages to fetch
again (``chat.signals.message_updated``, published by ``chat.live.events`` as
``message.updated``). Offers change in ``chat.services``, which call ``announce_offers``;
orders change in checkout, which chat hears through ``checkout.signals.order_status_changed``
(sent after commit; connected in ``ChatConfig.ready()``): checkout knows nothing of chat.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.db import transaction

from chat import signals
from chat.models import Message
from checkout.models import Order

# The most cards announced for one offer or order (it is sent once or twice in practice).
CARDS_MAX = 50


def _announce(**lookup: object) -> None:
    messages = Message.objects.filter(**lookup).select_related("conversation__store").order_by("-id")[:CARDS_MAX]
    for message in messages:
        signals.message_updated.send(sender=Message, message=message)


def announce_offers(*, offer_ids: Iterable[int]) -> None:
    """The cards of these offers changed: told after the current transaction commits (at
    once outside one), never if it rolls back."""
    ids = sorted(set(offer_ids))
    if ids:
        transaction.on_commit(functools.partial(_announce, offer_id__in=ids, kind=Message.Kind.OFFER))


def order_status_changed(sender: type[Order], *, order: Order, **kwargs: object) -> None:
    """``checkout.signals.order_status_changed`` (after commit): the order's cards changed."""
    _announce(order_id=order.pk, kind=Message.Kind.ORDER)
