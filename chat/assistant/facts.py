"""Answers from what the shop already knows: its shipping rate and free-shipping threshold
(checkout's store settings), cash on delivery and its limit, the payment methods it takes, its
opening hours, and the stock and price of the product the conversation is about. Amounts are
formatted with Babel for the active language (``shop.money.format_money``); the caller
activates the language the answer is written in."""

from __future__ import annotations

from django.db.models import Min, Sum
from django.utils.formats import time_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from catalog.models import Product, Store
from chat.assistant import hours
from chat.models import Conversation, Message
from checkout import pricing
from checkout.models import PaymentMethod
from shop.money import format_money


def shipping(store: Store) -> str:
    settings_ = pricing.store_settings(store)
    rate, threshold = settings_.shipping_flat_rate, settings_.free_shipping_threshold
    if rate == 0:
        return _("Shipping is free with %(store)s.") % {"store": store.name}
    text = _("Shipping with %(store)s is a flat %(rate)s per order.") % {
        "store": store.name,
        "rate": format_money(rate),
    }
    if threshold is not None:
        text += " " + _("Free shipping for orders from %(amount)s.") % {"amount": format_money(threshold)}
    return text


def cod(store: Store) -> str:
    settings_ = pricing.store_settings(store)
    if not settings_.cod_enabled:
        return _("%(store)s does not take cash on delivery (COD).") % {"store": store.name}
    parts = [_("Yes, %(store)s takes cash on delivery (COD).") % {"store": store.name}]
    if settings_.cod_max_order is not None:
        parts.append(_("For orders up to %(limit)s.") % {"limit": format_money(settings_.cod_max_order)})
    if settings_.cod_fee:
        parts.append(_("The COD fee is %(fee)s.") % {"fee": format_money(settings_.cod_fee)})
    return " ".join(parts)


def payment(store: Store) -> str:
    settings_ = pricing.store_settings(store)
    methods = []
    if pricing.card_payments_enabled():
        methods.append(str(PaymentMethod.CARD.label))
    if settings_.accepts_bank_transfer:
        methods.append(
            _("bank transfer (%(bank)s)") % {"bank": settings_.bank_name}
            if settings_.bank_name
            else str(PaymentMethod.BANK_TRANSFER.label)
        )
    if settings_.cod_enabled:
        methods.append(str(PaymentMethod.COD.label))
    if not methods:
        return _("%(store)s has not set up its payment methods yet: a person will answer.") % {"store": store.name}
    return _("You can pay %(store)s by: %(methods)s.") % {"store": store.name, "methods": ", ".join(methods)}


def opening_hours(store: Store, schedule: hours.Schedule, *, is_open: bool) -> str:
    from chat.assistant.models import OpeningHours

    names = dict(OpeningHours.Weekday.choices)
    if schedule.on_holiday:
        return _("%(store)s is on holiday at the moment.") % {"store": store.name}
    if not schedule.openings:
        return _("%(store)s has not set its opening hours.") % {"store": store.name}
    days = [
        format_lazy(
            "{day} {times}",
            day=names[weekday],
            times=", ".join(
                f"{time_format(opening.opens, 'H:i')}–{time_format(opening.closes, 'H:i')}" for opening in openings
            ),
        )
        for weekday, openings in hours.by_day(schedule.openings)
    ]
    state = _("We are open now.") if is_open else _("We are closed now.")
    return _("%(state)s Opening hours (%(zone)s): %(days)s.") % {
        "state": state,
        "zone": schedule.time_zone,
        "days": "; ".join(str(day) for day in days),
    }


def context_product(conversation: Conversation) -> Product | None:
    """The product the conversation is about: the latest product card or the one it was opened
    from (whichever is newer), still on sale."""
    product_id = (
        Message.objects.filter(conversation=conversation, kind__in=(Message.Kind.CONTEXT, Message.Kind.PRODUCT))
        .exclude(product=None)
        .order_by("-id")
        .values_list("product_id", flat=True)
        .first()
    )
    pending = conversation.pending_context or {}
    if product_id is None and pending.get("kind") == "product":
        product_id = pending.get("id")
    if product_id is None:
        return None
    return Product.objects.filter(pk=product_id, store_id=conversation.store_id, status=Product.Status.ACTIVE).first()


def stock(conversation: Conversation) -> str | None:
    """The stock of the conversation's product, variant by variant; None without a product."""
    product = context_product(conversation)
    if product is None:
        return None
    variants = list(product.variants.all())
    in_stock = [variant for variant in variants if variant.stock > 0]
    if not in_stock:
        return _("%(product)s is sold out at the moment.") % {"product": product.title}
    if len(variants) == 1:
        return _("%(product)s is ready: %(count)d in stock.") % {"product": product.title, "count": in_stock[0].stock}
    listed = ", ".join(f"{variant.label} ({variant.stock})" for variant in in_stock[:8])
    total = product.variants.aggregate(total=Sum("stock"))["total"]
    return _("%(product)s is ready (%(total)d in stock): %(variants)s.") % {
        "product": product.title,
        "total": total,
        "variants": listed,
    }


def price(conversation: Conversation) -> str | None:
    """The price of the conversation's product; None without a product."""
    product = context_product(conversation)
    if product is None:
        return None
    low = product.variants.aggregate(low=Min("price"))["low"]
    if low is None:
        return None
    return _("%(product)s costs from %(price)s.") % {"product": product.title, "price": format_money(low)}
