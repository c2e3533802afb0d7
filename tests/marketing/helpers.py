"""Marketing's test helpers: paid orders through the real services, signed links from emails."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from checkout.models import Order
from checkout.services.transitions import confirm_transfer
from tests.factories import buyable_variant, place


def paid_order(buyer, store, *, price=10_000_000, days_ago=0) -> Order:
    """``buyer``'s order from ``store``, placed and paid through the services, backdated."""
    variant = buyable_variant(store=store, price=price, stock=100)
    [order] = place(buyer, (variant, 1)).orders
    confirm_transfer(order=order, actor=store.owner)
    when = timezone.now() - timedelta(days=days_ago)
    Order.objects.filter(pk=order.pk).update(placed_at=when, paid_at=when)
    order.refresh_from_db()
    return order


def link_in_last_email(to: str, path_part: str) -> str:
    """The path of the link containing ``path_part`` in the newest email sent to ``to``."""
    message = next(message for message in reversed(mail.outbox) if to in message.to)
    match = re.search(rf"https?://[^/\s]+([^\s\"<]*{re.escape(path_part)}[^\s\"<]*)", message.body)
    assert match, f"no {path_part} link in {message.body!r}"
    return match.group(1)
