"""Marketing's own record of product pages seen by signed-in shoppers (``ProductView``: one
row per user, product and day, with the last time), for browse abandonment and back in stock.

``store_product_views`` is an event sink (``shop.events.register_sink``, next to insights'):
it keeps the ``PRODUCT_VIEW`` events that name a user, a store and a product, and upserts
them, so a batch handed over twice changes nothing (the sinks' at-least-once rule). Visitors
who are not signed in are not recorded: no contact could be told.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from django.contrib.auth import get_user_model

from catalog.models import Product
from marketing.flow_models import ProductView
from shop.events import Event, EventName


def store_product_views(events: Sequence[Event]) -> None:
    """The event sink (see the module's docstring)."""
    latest: dict[tuple[int, int, object], datetime] = {}
    for event in events:
        if event.name != EventName.PRODUCT_VIEW or not (event.user_id and event.product_id and event.store_id):
            continue
        day = event.at.astimezone(UTC).date()  # days in UTC: the scans read ``last_at`` anyway
        key = (event.user_id, event.product_id, day)
        if key not in latest or latest[key] < event.at:
            latest[key] = event.at
    if not latest:
        return
    # The product's store as the catalogue says (not as the event does); deleted ones left out.
    products = dict(Product.objects.filter(pk__in={key[1] for key in latest}).values_list("pk", "store_id"))
    users = set(get_user_model().objects.filter(pk__in={key[0] for key in latest}).values_list("pk", flat=True))
    rows = [
        ProductView(user_id=user_id, product_id=product_id, day=day, store_id=products[product_id], last_at=at)
        for (user_id, product_id, day), at in latest.items()
        if product_id in products and user_id in users
    ]
    ProductView.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["user", "product", "day"], update_fields=["last_at"]
    )
