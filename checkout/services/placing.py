"""Placing orders: ``place_order``.

``place_order`` turns a cart (or one "Buy now" item, see ``checkout.services.sources``) into
one order per store under one ``Payment``, reserving
stock on rows locked in primary-key order (see ``checkout.lock_objects``). Later changes of
state are in ``checkout.services.transitions``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ProductVariant
from checkout import lock_objects, notifications, signals
from checkout.exceptions import OutOfStock, PricesChanged, QuoteChanged, TermsUnavailable
from checkout.models import (
    Address,
    Cart,
    CartLine,
    DiscountCode,
    DiscountRedemption,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
)
from checkout.pricing import Quote, StoreQuote
from checkout.services.carts import cart_changed_on_commit, forget_cart_count
from checkout.services.sources import CheckoutSource, DirectItem, quote_for
from checkout.terms import SpecialTerms, mark_terms_used, terms_for
from shop import events, stencil
from shop.client import ClientInfo
from shop.models import User
from shop.money import currency_exponent, format_money


@dataclass
class PlacedCheckout:
    payment: Payment
    orders: list[Order]
    created: bool  # False when the idempotency key found an earlier checkout


def _new_order_number() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return f"ET{timezone.now():%y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(6))


def _unique_codes(store_ids: Iterable[int]) -> dict[int, int]:
    """For each store, a few rupiah different from every other unpaid transfer to it if
    possible (one query for all the stores)."""
    unit = 10 ** currency_exponent()
    store_ids = list(store_ids)
    taken: dict[int, set[int]] = {store_id: set() for store_id in store_ids}
    for store_id, code in Order.objects.filter(
        store_id__in=store_ids, status=OrderStatus.PENDING_PAYMENT, payment_method=PaymentMethod.BANK_TRANSFER
    ).values_list("store_id", "unique_code"):
        taken[store_id].add(code)
    codes = {}
    for store_id in store_ids:
        free = [code * unit for code in range(1, 1000) if code * unit not in taken[store_id]]
        codes[store_id] = secrets.choice(free) if free else secrets.choice(range(1, 1000)) * unit
    return codes


def _expiry(method: str) -> datetime | None:
    if method == PaymentMethod.CARD:
        return timezone.now() + timedelta(minutes=settings.ORDER_CARD_PAYMENT_MINUTES)
    if method == PaymentMethod.BANK_TRANSFER:
        return timezone.now() + timedelta(hours=settings.ORDER_BANK_TRANSFER_HOURS)
    return None


def earlier_checkout(*, buyer: User, idempotency_key: str) -> PlacedCheckout | None:
    """The checkout ``buyer`` already placed with ``idempotency_key``, if any: a replay of a
    placement whose source is used up since (a "Buy now" item, an offer) still finds it."""
    return _existing(buyer, (idempotency_key or "").strip()[:64])


def _existing(buyer: User, idempotency_key: str) -> PlacedCheckout | None:
    payment = Payment.objects.filter(buyer=buyer, idempotency_key=idempotency_key).first()
    if payment is None:
        return None
    return PlacedCheckout(payment=payment, orders=list(payment.orders.order_by("pk")), created=False)


def place_order(
    *,
    buyer: User,
    cart: Cart | None = None,
    item: DirectItem | None = None,
    terms: SpecialTerms | None = None,
    address: Address | int,
    payment_method: str,
    idempotency_key: str,
    quote_digest: str,
    discount_code: str = "",
    note: str = "",
    news_store_ids: Iterable[int] = (),
    client: ClientInfo | None = None,
) -> PlacedCheckout:
    """Place one order per store for ``buyer``, all under one payment: of what ``cart`` holds
    (its lines are then removed), of the one "Buy now" ``item`` (the cart is left as it is), or
    of a seller's special ``terms`` (read again, locked, from their owner through ``checkout.signals``,
    and marked used by it in this transaction: a second placement finds them used,
    ``TermsUnavailable``).

    Every rule about what may be charged is checked here, for the site and the API alike:

    - ``quote_digest`` is the digest of the quote the shopper was shown: if prices, shipping or
      the discount changed since (a code withdrawn meanwhile included), nothing is placed
      (``QuoteChanged``, carrying the quote as it is now);
    - a cart line whose price changed since it was added is not charged before the shopper has
      seen the new price: the first attempt is refused (``PricesChanged``) and counts as
      showing it, so the same request sent again with the new quote's digest places the order;
    - stock is reserved on locked variant rows; if any line is short, nothing is placed
      (``OutOfStock``).

    The same ``idempotency_key`` again returns the first checkout instead of a second one (with
    neither ``cart`` nor ``item``, that is all it can do: the "Buy now" item is used up).

    ``news_store_ids`` and ``client`` only travel with ``signals.order_placed`` (see there).
    """
    if sum(source is not None for source in (cart, item, terms)) > 1:
        raise ValueError("place_order takes one of a cart, a Buy now item or special terms")
    idempotency_key = (idempotency_key or "").strip()[:64]
    if not idempotency_key:
        raise ValidationError({"idempotency_key": _("Missing checkout key; reload the page.")})
    if cart is not None and cart.user_id not in (None, buyer.pk):
        raise PermissionDenied(_("This is not your cart."))
    if (earlier := _existing(buyer, idempotency_key)) is not None:
        return earlier
    if terms is not None and terms.buyer_id != buyer.pk:
        raise PermissionDenied(_("This offer is not for you."))
    if cart is None and item is None and terms is None:
        # A "Buy now" choice already used (or never made): only a replay could be answered.
        raise ValidationError(_("There is nothing to buy here any more. Choose the item again."), code="empty_cart")
    try:
        with transaction.atomic():
            return _place(
                buyer=buyer,
                source=next(source for source in (cart, item, terms) if source is not None),
                address=address,
                payment_method=payment_method,
                idempotency_key=idempotency_key,
                quote_digest=quote_digest,
                discount_code=discount_code,
                note=note,
                news_store_ids=frozenset(news_store_ids),
                client=client,
            )
    except PricesChanged as exc:
        # Outside the rolled-back transaction: the refusal shows the new prices.
        _mark_prices_seen(exc.quote)
        raise
    except IntegrityError:
        # A parallel request with the same key got there first (the unique key waited for it).
        if (earlier := _existing(buyer, idempotency_key)) is not None:
            return earlier
        raise


def _place(
    *,
    buyer: User,
    source: CheckoutSource,
    address: Address | int,
    payment_method: str,
    idempotency_key: str,
    quote_digest: str,
    discount_code: str,
    note: str,
    news_store_ids: frozenset[int],
    client: ClientInfo | None,
) -> PlacedCheckout:
    address = _address_of(buyer, address)
    payment = Payment.objects.create(
        buyer=buyer,
        idempotency_key=idempotency_key,
        method=payment_method if payment_method in PaymentMethod.values else "",
        amount=0,
        currency=settings.SHOP_CURRENCY,
    )
    cart = source if isinstance(source, Cart) else None
    from_cart = cart is not None
    if cart is not None and lock_objects.cart_for_update(cart.pk) is None:
        raise ValidationError(_("Your cart is empty."), code="empty_cart")
    terms = None
    if isinstance(source, SpecialTerms):
        # The terms as their owner holds them now, locked until this transaction ends: the
        # caller's copy may be stale, and a parallel placement waits here, then finds them used.
        source = terms = terms_for(source.token, buyer=buyer, locked=True)
    quote = quote_for(
        source=source, buyer=buyer, discount_code=discount_code, payment_method=payment_method, locked=True
    )
    if terms is not None and len(quote.lines) != len(terms.lines):
        raise TermsUnavailable(_("A product in this offer is no longer sold. Ask the seller for a new offer."))
    if not quote.lines:
        if not from_cart:  # the variant is gone
            raise ValidationError({"variant": _("This product is not on sale.")}, code="unavailable")
        raise ValidationError(_("Your cart is empty."), code="empty_cart")
    if problems := quote.line_problems:
        items = "; ".join(f"{line.product.title} ({line.problem})" for line in problems)
        raise OutOfStock(
            _("Sorry, not enough stock: %(items)s. Your cart has been kept; change it and try again.")
            % {"items": items}
            if from_cart
            else _("Sorry, not enough stock: %(items)s. Nothing was bought; choose again.") % {"items": items},
            variants=[line.variant for line in problems],
        )
    if quote.errors:
        raise ValidationError(dict(quote.errors))
    if changed := quote.price_changes:
        raise PricesChanged(
            _(
                "Some prices changed since you added them to your cart: %(items)s. "
                "Check the new total and place your order again."
            )
            % {
                "items": "; ".join(
                    _("%(item)s, now %(price)s") % {"item": line.variant, "price": format_money(line.unit_price)}
                    for line in changed
                )
            },
            quote=quote,
        )
    if quote_digest != quote.digest:
        raise QuoteChanged(
            _("Prices, shipping or your discount changed since you opened checkout. Check the new total."),
            quote=quote,
        )

    discount = quote.discount_code
    if discount is not None:
        _redeem(discount, buyer=buyer, payment=payment, quote=quote)
    _reserve(quote)

    now = timezone.now()
    codes = (
        _unique_codes(store.store.pk for store in quote.stores)
        if quote.payment_method == PaymentMethod.BANK_TRANSFER
        else {}
    )
    orders = [
        _create_order(store, quote, buyer, payment, address, note, now, unique_code=codes.get(store.store.pk, 0))
        for store in quote.stores
    ]
    _create_lines_and_events(quote, orders, buyer)
    payment.amount = sum(order.total for order in orders)
    payment.save(update_fields=["amount", "method"])
    if terms is not None:
        mark_terms_used(terms=terms, buyer=buyer, orders=orders)
    if cart is not None:
        CartLine.objects.filter(pk__in=[line.line_id for line in quote.lines]).delete()
        transaction.on_commit(lambda: forget_cart_count(cart=cart))  # the header's cached item count
        cart_changed_on_commit(cart=cart, store_ids={store.store.pk for store in quote.stores})
    # One confirmation (with the invoices) to the buyer, "new order" to each store's owner.
    notifications.checkout_placed(buyer=buyer, payment=payment, orders=orders)

    news = frozenset(order.store_id for order in orders) & news_store_ids
    transaction.on_commit(
        lambda: signals.order_placed.send(
            sender=Payment, payment=payment, orders=orders, news_store_ids=news, client=client
        )
    )
    transaction.on_commit(lambda: _record_placed(orders))
    return PlacedCheckout(payment=payment, orders=orders, created=True)


def _record_placed(orders: list[Order]) -> None:
    for order in orders:
        events.record(
            events.EventName.ORDER_PLACED,
            store_id=order.store_id,
            order_id=order.pk,
            user_id=order.buyer_id,
            amount=order.total,
        )


def _mark_prices_seen(quote: Quote) -> None:
    """The cart lines refused for a new price now carry it as seen (unless it moved again)."""
    for line in quote.price_changes:
        if line.line_id is not None:
            CartLine.objects.filter(pk=line.line_id, variant__price=line.unit_price).update(price_seen=line.unit_price)


def _address_of(buyer: User, address: Address | int) -> Address:
    address_id = address.pk if isinstance(address, Address) else address
    found = Address.objects.filter(user=buyer, pk=address_id).first() if address_id else None
    if found is None:
        raise ValidationError({"address": _("Choose one of your addresses.")}, code="invalid_address")
    return found


def _redeem(discount: DiscountCode, *, buyer: User, payment: Payment, quote: Quote) -> None:
    """Count one use of ``discount`` (its row locked), refusing when the limits are reached.
    The quote read the code without a lock: if it was deleted or its terms changed since
    (a seller editing it right now), what the shopper was shown no longer holds."""
    code = lock_objects.discount_for_update(discount.pk)
    if code is None or _terms(code) != _terms(discount):
        raise QuoteChanged(
            _("Your discount code changed or was withdrawn while you were checking out. Check the new total."),
            quote=quote,
        )
    if code.usage_limit is not None and code.times_used >= code.usage_limit:
        raise ValidationError({"discount_code": _("This code has been used up.")})
    if (
        code.per_user_limit is not None
        and DiscountRedemption.objects.filter(code=code, user=buyer).count() >= code.per_user_limit
    ):
        raise ValidationError({"discount_code": _("You have already used this code.")})
    DiscountCode.objects.filter(pk=code.pk).update(times_used=F("times_used") + 1)
    DiscountRedemption.objects.create(code=code, user=buyer, payment=payment)


def _terms(code: DiscountCode) -> tuple:
    """What decides whether a code applies and how much it takes off."""
    return (
        code.code.upper(),
        code.store_id,
        code.kind,
        code.value,
        code.min_spend,
        code.is_active,
        code.starts_at,
        code.ends_at,
    )


def _reserve(quote: Quote) -> None:
    """Take the quoted units off the locked variants, in one statement whatever the number
    of lines. The update is conditional, a second guard: a row without enough stock is not
    updated (even if a lock were missing), and then nothing is reserved at all."""
    wanted: dict[int, int] = {}
    for line in quote.lines:
        wanted[line.variant.pk] = wanted.get(line.variant.pk, 0) + line.quantity
    if not wanted:
        return
    enough = Q()
    for variant_id, quantity in wanted.items():
        enough |= Q(pk=variant_id, stock__gte=quantity)
    taken = ProductVariant.objects.filter(enough).update(
        stock=F("stock")
        - Case(
            *(When(pk=variant_id, then=Value(quantity)) for variant_id, quantity in sorted(wanted.items())),
            default=Value(0),
        )
    )
    if taken != len(wanted):
        # The caller's transaction rolls back the rows that were taken.
        raise OutOfStock(_("Sorry, this just sold out. Your cart has been kept."))
    stencil.updated(ProductVariant)  # the stock the catalog's pages show


def _create_order(
    store: StoreQuote,
    quote: Quote,
    buyer: User,
    payment: Payment,
    address: Address,
    note: str,
    now: datetime,
    *,
    unique_code: int,
) -> Order:
    method = quote.payment_method
    store_settings = store.settings
    fields = {
        "buyer": buyer,
        "store": store.store,
        "payment": payment,
        "payment_method": method,
        "currency": settings.SHOP_CURRENCY,
        "ship_recipient": address.recipient,
        "ship_phone": address.phone,
        "ship_street": address.street,
        "ship_district": address.district,
        "ship_city": address.city,
        "ship_province": address.province,
        "ship_postal_code": address.postal_code,
        "subtotal": store.subtotal,
        "shipping": store.shipping,
        "discount": store.discount,
        "discount_code": quote.discount_code if store.discount else None,
        "cod_fee": store.cod_fee,
        "unique_code": unique_code,
        "total": store.total + unique_code,
        "buyer_note": note[:300],
        "expires_at": _expiry(method),
    }
    if method == PaymentMethod.BANK_TRANSFER:
        fields.update(
            bank_name=store_settings.bank_name,
            bank_account_number=store_settings.bank_account_number,
            bank_account_holder=store_settings.bank_account_holder,
        )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                order = Order.objects.create(number=_new_order_number(), **fields)
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - 32^6 numbers a day
        raise ValidationError(_("Could not number the order; try again."))
    return order


def _create_lines_and_events(quote: Quote, orders: list[Order], buyer: User) -> None:
    """Every order's lines (snapshots) and its first timeline event, in one insert each."""
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=line.variant,
            product=line.product,
            product_title=line.product.title,
            variant_label=line.variant.label if line.variant.options else "",
            sku=line.variant.sku,
            unit_price=line.unit_price,
            quantity=line.quantity,
            line_total=line.line_total,
        )
        for store, order in zip(quote.stores, orders, strict=True)
        for line in store.lines
    )
    OrderEvent.objects.bulk_create(
        # The placing's event happened when the order was placed: one instant on the timeline.
        OrderEvent(
            order=order,
            from_status="",
            to_status=OrderStatus.PENDING_PAYMENT,
            actor=buyer,
            created_at=order.placed_at,
        )
        for order in orders
    )
