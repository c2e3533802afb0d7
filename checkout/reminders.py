"""Reminders checkout sends on its own schedule, not as part of an order: back in stock and
price drops for carted variants, abandoned carts, and review requests after delivery.

None of them is transactional: each follows the recipient's preferences and its emails carry
a one-click unsubscribe link. They are written in batches (``shop.notifications.batch``) by
Celery tasks (``checkout.tasks``), never in a request:

- back in stock / price drop: ``catalog.signals`` tell us after commit that a seller
  restocked or cheapened a variant; the handler only enqueues a task, which notifies each
  signed-in shopper whose cart holds it, at most once per variant and kind a day (social
  does the same for those who saved a post tagging the product: ``social.reminders``);
- abandoned cart: no longer sent from here. It is a marketing flow now (``marketing.flows``:
  per store, to the contacts who consented to its email, leaving the flow when the cart
  changes or they order), so nobody is reminded twice. The kind stays registered: its
  preference is the one the chat assistant's cart nudge follows, and ``abandoned_after()``
  is the idle time both read. ``Cart.reminded_at`` is no longer written;
- review request: ``REVIEW_REQUEST_AFTER_DAYS`` after an order was delivered, once per order.
  "Once" is the notification itself (group key ``review_request:order:<pk>``), no column:
  orders are looked at only within ``REVIEW_REQUEST_WINDOW`` of falling due, so a buyer
  who turned the kind off entirely (no row is written) costs a bounded number of looks.

The kinds are registered here, in checkout, so social (which may import checkout) reuses
"back_in_stock" and "price_drop"; checkout never imports social.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, ProductVariant
from checkout import signals as checkout_signals
from checkout.models import CartLine, Order, OrderLine, OrderStatus
from shop.broker import publish
from shop.money import format_money
from shop.notifications import kinds
from shop.notifications.batch import Draft, notify_batch
from shop.notifications.emails import absolute

log = logging.getLogger(__name__)

BACK_IN_STOCK = "back_in_stock"
PRICE_DROP = "price_drop"
ABANDONED_CART = "abandoned_cart"
REVIEW_REQUEST = "review_request"

# A variant's news reaches each interested shopper at most once per kind in this long.
VARIANT_NEWS_EVERY = timedelta(days=1)
# Rows per batch: one batch is one transaction with a constant number of queries.
BATCH_SIZE = 500
# An abandoned cart's email lists this many lines, then "and N more".
CART_LINES_SHOWN = 10
# How long after falling due a delivered order may still get its review request (the task
# runs hourly; this only matters if the workers were down).
REVIEW_REQUEST_WINDOW = timedelta(days=7)


def abandoned_after() -> timedelta:
    return timedelta(hours=settings.ABANDONED_CART_AFTER_HOURS)


def review_request_after() -> timedelta:
    return timedelta(days=settings.REVIEW_REQUEST_AFTER_DAYS)


# --- The kinds -------------------------------------------------------------------------------


def _product_name(data: dict) -> str:
    label = data.get("variant_label")
    return f"{data.get('product', '')} ({label})" if label else data.get("product", "")


def back_in_stock_text(actor: str, others: int, data: dict) -> str:
    return gettext("%(product)s is back in stock at %(store)s") % {
        "product": _product_name(data),
        "store": data.get("store", ""),
    }


def price_drop_text(actor: str, others: int, data: dict) -> str:
    return gettext("Price drop: %(product)s is now %(price)s at %(store)s (was %(old_price)s)") % {
        "product": _product_name(data),
        "store": data.get("store", ""),
        "price": format_money(data.get("price"), data.get("currency")),
        "old_price": format_money(data.get("old_price"), data.get("currency")),
    }


def abandoned_cart_text(actor: str, others: int, data: dict) -> str:
    count = int(data.get("count", 0))
    return ngettext("You left %(count)d item in your cart", "You left %(count)d items in your cart", count) % {
        "count": count
    }


def review_request_text(actor: str, others: int, data: dict) -> str:
    return gettext("How was your order from %(store)s? Rate the products you bought.") % {
        "store": data.get("store", "")
    }


def abandoned_cart_context(notification) -> dict:
    lines = [{**line, "url": absolute(line["url"])} for line in notification.data.get("lines", [])]
    return {"lines": lines, "more": notification.data.get("more", 0), "cart_url": absolute(reverse("checkout:cart"))}


def _reviewed_pairs(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which ``(user_id, product_id)`` pairs have a review, as the apps above answer
    (``checkout.signals.reviewed_products_wanted``); none without them."""
    pairs = set(pairs)
    found: set[tuple[int, int]] = set()
    if pairs:
        for _receiver, reviewed in checkout_signals.reviewed_products_wanted.send(sender=Order, pairs=pairs):
            found |= reviewed or set()
    return found


def review_request_context(notification) -> dict:
    """The order's products as they are now, each linking to its page (a deleted product
    is listed without a link)."""
    lines = (
        OrderLine.objects.filter(order__number=notification.data.get("order", ""))
        .select_related("product")
        .order_by("id")
    )
    reviewed = _reviewed_pairs(
        (notification.recipient_id, line.product_id) for line in lines if line.product_id is not None
    )
    products, seen = [], set()
    for line in lines:
        if line.product_id in seen and line.product_id is not None:
            continue
        seen.add(line.product_id)
        if (notification.recipient_id, line.product_id) in reviewed:
            continue  # already rated: no need to ask
        url = absolute(line.product.get_absolute_url()) if line.product is not None else ""
        products.append({"title": line.product_title, "url": url})
    return {"products": products}


def register_kinds() -> None:
    kinds.register(
        kinds.Kind(
            name=BACK_IN_STOCK,
            label=_("Back in stock"),
            text=back_in_stock_text,
            email_template=kinds.GENERIC_EMAIL,
        ),
        kinds.Kind(
            name=PRICE_DROP,
            label=_("Price drops"),
            text=price_drop_text,
            email_template=kinds.GENERIC_EMAIL,
        ),
        kinds.Kind(
            name=ABANDONED_CART,
            label=_("Items left in your cart"),
            text=abandoned_cart_text,
            email_template="checkout/emails/abandoned_cart",
            email_context=abandoned_cart_context,
        ),
        kinds.Kind(
            name=REVIEW_REQUEST,
            label=_("Review requests after delivery"),
            text=review_request_text,
            email_template="checkout/emails/review_request",
            email_context=review_request_context,
        ),
    )


def connect() -> None:
    """From ``CheckoutConfig.ready()``: register the kinds, listen to catalog's news."""
    from catalog import signals

    register_kinds()
    signals.variant_restocked.connect(_variant_restocked, dispatch_uid="checkout.reminders.restocked")
    signals.variant_price_dropped.connect(_variant_price_dropped, dispatch_uid="checkout.reminders.price_dropped")


def _variant_restocked(sender, variant, previous_stock, **kwargs) -> None:
    from checkout.tasks import remind_carted_variant_task

    enqueue(remind_carted_variant_task, variant.pk, BACK_IN_STOCK)


def _variant_price_dropped(sender, variant, old_price, new_price, **kwargs) -> None:
    from checkout.tasks import remind_carted_variant_task

    enqueue(remind_carted_variant_task, variant.pk, PRICE_DROP, old_price)


def enqueue(task, *args) -> None:
    """Called after commit (catalog sends its signals then). With the broker down the
    reminder is skipped (``shop.broker.publish`` logs the outage once): it is news of a moment,
    not worth a sweeper, and the seller's change stands. Abandoned carts and review requests
    need none either: they are periodic tasks, which find what is due whenever they run."""
    try:
        publish(task, *args)
    except Exception:  # without a broker the task ran here: its failure must not undo the change
        log.warning("The reminder %s%r failed; it is skipped.", task.name, args, exc_info=True)


# --- Back in stock and price drop --------------------------------------------------------


@dataclass(frozen=True)
class VariantNews:
    """What a restock or a price drop tells the shoppers who want the variant."""

    kind: str
    variant_id: int
    product_id: int
    owner_id: int  # the seller, who is never told about their own change
    target_url: str
    data: dict

    @property
    def group_key(self) -> str:
        return f"{self.kind}:variant:{self.variant_id}"


def variant_news(*, variant_id: int, kind: str, old_price: int | None = None) -> VariantNews | None:
    """The news about a variant, read now (the task may run a while after the change), or
    ``None`` when it no longer holds: sold out again, the price back up, off sale."""
    variant = (
        ProductVariant.objects.select_related("product", "store")
        .filter(pk=variant_id, product__status=Product.Status.ACTIVE, store__is_active=True)
        .first()
    )
    if variant is None:
        return None
    data = {
        "variant": variant.pk,
        "product": variant.product.title,
        "variant_label": variant.label if variant.options else "",
        "store": variant.store.name,
    }
    if kind == BACK_IN_STOCK:
        if variant.stock <= 0:
            return None
    elif kind == PRICE_DROP:
        if old_price is None or variant.price >= old_price:
            return None
        data.update(old_price=old_price, price=variant.price, currency=settings.SHOP_CURRENCY)
    else:
        raise ValueError(f"not a variant reminder: {kind!r}")
    return VariantNews(
        kind=kind,
        variant_id=variant.pk,
        product_id=variant.product_id,
        owner_id=variant.store.owner_id,
        target_url=variant.product.get_absolute_url(),
        data=data,
    )


def id_batches(queryset: QuerySet, field: str, size: int = BATCH_SIZE) -> Iterator[list[int]]:
    """The distinct values of ``field`` (a user id) in ``queryset``, ascending, ``size`` at a
    time: keyset pages, each one indexed query, however many there are."""
    ids = queryset.order_by(field).values_list(field, flat=True).distinct()
    last = 0
    while True:
        batch = list(ids.filter(**{f"{field}__gt": last})[:size])
        if not batch:
            return
        yield batch
        last = batch[-1]


def tell_about_variant(news: VariantNews, batches: Iterable[list[int]], *, now: datetime | None = None) -> int:
    """Notify the users of ``batches`` (lists of ids) of ``news``, skipping the seller and
    anyone told the same about this variant within ``VARIANT_NEWS_EVERY``. Returns the count."""
    since = (now or timezone.now()) - VARIANT_NEWS_EVERY
    sent = 0
    for batch in batches:
        drafts = [
            Draft(recipient_id=user_id, target_url=news.target_url, data=news.data, group_key=news.group_key)
            for user_id in batch
            if user_id != news.owner_id
        ]
        sent += len(notify_batch(news.kind, drafts, unless_since=since))
    return sent


def carted_user_ids(news: VariantNews) -> QuerySet:
    """Signed-in shoppers whose cart holds the variant."""
    return CartLine.objects.filter(variant_id=news.variant_id, cart__user__isnull=False, cart__user__is_active=True)


def remind_carted_variant(*, variant_id: int, kind: str, old_price: int | None = None) -> int:
    """Tell the shoppers who have the variant in their cart that it is back in stock or
    cheaper. Idempotent: a second run the same day notifies nobody again."""
    news = variant_news(variant_id=variant_id, kind=kind, old_price=old_price)
    if news is None:
        return 0
    return tell_about_variant(news, id_batches(carted_user_ids(news), "cart__user_id"))


# --- Review requests ---------------------------------------------------------------------------


def _with_something_to_review(orders: list[Order]) -> list[Order]:
    """The orders whose buyer has not yet reviewed every product in them (two queries)."""
    products: dict[int, set[int]] = {}
    for order_id, product_id in OrderLine.objects.filter(
        order_id__in=[order.pk for order in orders], product__isnull=False
    ).values_list("order_id", "product_id"):
        products.setdefault(order_id, set()).add(product_id)
    reviewed = _reviewed_pairs(
        (order.buyer_id, product_id) for order in orders for product_id in products.get(order.pk, ())
    )
    return [
        order
        for order in orders
        if any((order.buyer_id, product_id) not in reviewed for product_id in products.get(order.pk, ()))
    ]


def request_reviews(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Ask each buyer to rate what they bought ``review_request_after()`` after delivery,
    once per order. Returns how many requests were written."""
    now = now or timezone.now()
    due = now - review_request_after()
    oldest = due - REVIEW_REQUEST_WINDOW
    orders = (
        Order.objects.filter(
            status__in=[OrderStatus.DELIVERED, OrderStatus.COMPLETED], delivered_at__lte=due, delivered_at__gt=oldest
        )
        .select_related("store")
        .order_by("pk")
        .only("pk", "number", "buyer_id", "store__name")
    )
    written, last = 0, 0
    while True:
        batch = list(orders.filter(pk__gt=last)[:batch_size])
        if not batch:
            return written
        last = batch[-1].pk
        batch = _with_something_to_review(batch)
        drafts = [
            Draft(
                recipient_id=order.buyer_id,
                target_url=order.get_absolute_url(),
                data={"order": order.number, "store": order.store.name},
                group_key=f"{REVIEW_REQUEST}:order:{order.pk}",
            )
            for order in batch
        ]
        # Due at delivered_at + N days > ``oldest``: an earlier request would be newer than that.
        written += len(notify_batch(REVIEW_REQUEST, drafts, unless_since=oldest))
