"""Placing orders and moving them through their states.

``place_order`` turns a cart into one order per store under one ``Payment``, reserving
stock on rows locked in primary-key order (see ``checkout.lock_objects``). Every later
change of state is a named function below that checks the move is allowed
(``TRANSITIONS``) and that the actor may make it, records an ``OrderEvent`` (who, when)
and, after commit, tells the layers above through ``checkout.signals``. The notifications
(``checkout.notifications``) are written inside the same transactions.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ProductVariant, Store
from checkout import lock_objects, notifications, signals
from checkout.exceptions import IllegalTransition, OutOfStock, QuoteChanged
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
from checkout.pricing import Quote, QuoteLine, StoreQuote, build_quote
from checkout.services.carts import forget_cart_count
from shop.money import currency_exponent

S = OrderStatus
M = PaymentMethod

# --- The state machine --------------------------------------------------------------------

# (from, to) -> the payment methods for which the move exists.
ALL_METHODS = frozenset(M.values)
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.PENDING_PAYMENT, S.PAID): frozenset({M.CARD, M.BANK_TRANSFER}),
    (S.PENDING_PAYMENT, S.CANCELLED): ALL_METHODS,
    (S.PENDING_PAYMENT, S.EXPIRED): frozenset({M.CARD, M.BANK_TRANSFER}),
    (S.PENDING_PAYMENT, S.SHIPPED): frozenset({M.COD}),  # cash is collected at the door
    (S.PAID, S.SHIPPED): ALL_METHODS,
    (S.PAID, S.REFUNDED): ALL_METHODS,
    (S.SHIPPED, S.DELIVERED): ALL_METHODS,
    (S.SHIPPED, S.REFUSED): frozenset({M.COD}),
    (S.DELIVERED, S.COMPLETED): ALL_METHODS,
    (S.DELIVERED, S.REFUNDED): ALL_METHODS,
    (S.COMPLETED, S.REFUNDED): ALL_METHODS,
}
# Leaving these states puts the reserved units back on the shelf.
RESTOCKING = {S.CANCELLED, S.EXPIRED, S.REFUSED}


def can_transition(order: Order, to_status: str) -> bool:
    return order.payment_method in TRANSITIONS.get((order.status, to_status), frozenset())


def next_states(order: Order) -> list[str]:
    return [to for (frm, to), methods in TRANSITIONS.items() if frm == order.status and order.payment_method in methods]


def _is_seller(user, order: Order) -> bool:
    return user is not None and user.is_authenticated and order.store.owner_id == user.pk


def _is_staff(user) -> bool:
    # Sellers are ``is_staff`` (they use the admin); the site's own staff are superusers.
    return user is not None and user.is_authenticated and user.is_active and user.is_superuser


def _require(actor, order: Order, *, buyer: bool = False, seller: bool = False, system: bool = False) -> None:
    """``actor`` may act on ``order`` as one of the roles allowed (staff always may)."""
    if actor is None:
        if system:
            return
        raise PermissionDenied(_("This change needs a signed-in user."))
    if _is_staff(actor) or (seller and _is_seller(actor, order)) or (buyer and order.buyer_id == actor.pk):
        return
    raise PermissionDenied(_("You may not change this order."))


def _move(order: Order, to_status: str, *, actor, note: str = "", **timestamps) -> Order:
    """Move ``order`` (caller holds its row lock) to ``to_status`` and record the event."""
    if not can_transition(order, to_status):
        raise IllegalTransition(
            _("An order that is %(current)s cannot become %(new)s.")
            % {"current": order.get_status_display().lower(), "new": OrderStatus(to_status).label.lower()}
        )
    from_status = order.status
    order.status = to_status
    fields = ["status"]
    for name, value in timestamps.items():
        setattr(order, name, value)
        fields.append(name)
    order.save(update_fields=fields)
    OrderEvent.objects.create(order=order, from_status=from_status, to_status=to_status, actor=actor, note=note)
    # The buyer and the seller hear of it in this transaction: rolled back, nobody is told.
    notifications.order_moved(order, from_status=from_status, to_status=to_status, actor=actor)
    if to_status in RESTOCKING:
        _restock(order)
        _release_discount(order)

    def announce():
        signals.order_status_changed.send(
            sender=Order, order=order, from_status=from_status, to_status=to_status, actor=actor
        )
        if to_status == S.PAID or (to_status == S.DELIVERED and order.payment_method == M.COD):
            signals.order_paid.send(sender=Order, order=order)

    transaction.on_commit(announce)
    return order


def _locked(order: Order) -> Order:
    locked = lock_objects.orders_for_update([order.pk]).select_related("store").first()
    if locked is None:
        raise ValidationError(_("No such order."), code="not_found")
    return locked


def _restock(order: Order) -> None:
    """Put ``order``'s units back (caller holds the order's lock; variants locked in pk
    order). A variant that was sold out is announced back in stock to carts and saves."""
    from catalog.services import announce_variant_change

    quantities: dict[int, int] = {}
    for variant_id, quantity in order.lines.exclude(variant=None).values_list("variant_id", "quantity"):
        quantities[variant_id] = quantities.get(variant_id, 0) + quantity
    for variant in lock_objects.variants_for_update(quantities):
        previous_stock = variant.stock
        ProductVariant.objects.filter(pk=variant.pk).update(stock=F("stock") + quantities[variant.pk])
        variant.stock = previous_stock + quantities[variant.pk]
        announce_variant_change(variant=variant, previous_stock=previous_stock, previous_price=None)


def _release_discount(order: Order) -> None:
    """When every order of a checkout closed unpaid, its discount code use is given back."""
    if order.discount_code_id is None:
        return
    live = Order.objects.filter(payment_id=order.payment_id).exclude(status__in=[S.CANCELLED, S.EXPIRED, S.REFUSED])
    if live.exists():
        return
    if DiscountRedemption.objects.filter(payment_id=order.payment_id, code_id=order.discount_code_id).delete()[0]:
        code = lock_objects.discount_for_update(order.discount_code_id)
        if code is not None and code.times_used > 0:
            DiscountCode.objects.filter(pk=code.pk).update(times_used=F("times_used") - 1)


# --- Placing ------------------------------------------------------------------------------


def cart_quote(
    cart: Cart | None, *, buyer=None, discount_code: str = "", payment_method: str = "", locked: bool = False
) -> Quote:
    """The quote of ``cart`` as it is now. ``locked``: read the variants ``FOR UPDATE``
    (the caller is in a transaction and about to reserve them)."""
    if cart is None:
        return build_quote([], buyer=buyer)
    cart_lines = list(CartLine.objects.filter(cart=cart).order_by("added_at", "id"))
    if locked:
        variants = {v.pk: v for v in lock_objects.variants_for_update(line.variant_id for line in cart_lines)}
        _load_store_settings(variants.values())
    else:
        variants = {
            v.pk: v
            for v in ProductVariant.objects.filter(pk__in=[line.variant_id for line in cart_lines]).select_related(
                "product", "store__checkout_settings"
            )
        }
    lines = [
        QuoteLine(
            variant=variants[line.variant_id], quantity=line.quantity, price_seen=line.price_seen, line_id=line.pk
        )
        for line in cart_lines
        if line.variant_id in variants
    ]
    return build_quote(lines, buyer=buyer, discount_code=discount_code, payment_method=payment_method)


def _load_store_settings(variants: Iterable[ProductVariant]) -> None:
    """Attach each store's checkout settings (or none) to every variant's ``store`` in one
    query: each locked row carries its own ``Store`` instance, and a store without a
    settings row must not be looked up again one by one."""
    from checkout.models import StoreCheckoutSettings

    variants = list(variants)
    found = {
        row.store_id: row
        for row in StoreCheckoutSettings.objects.filter(store_id__in={variant.store_id for variant in variants})
    }
    for variant in variants:
        Store.checkout_settings.related.set_cached_value(variant.store, found.get(variant.store_id))


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
        store_id__in=store_ids, status=S.PENDING_PAYMENT, payment_method=M.BANK_TRANSFER
    ).values_list("store_id", "unique_code"):
        taken[store_id].add(code)
    codes = {}
    for store_id in store_ids:
        free = [code * unit for code in range(1, 1000) if code * unit not in taken[store_id]]
        codes[store_id] = secrets.choice(free) if free else secrets.choice(range(1, 1000)) * unit
    return codes


def _expiry(method: str):
    if method == M.CARD:
        return timezone.now() + timedelta(minutes=settings.ORDER_CARD_PAYMENT_MINUTES)
    if method == M.BANK_TRANSFER:
        return timezone.now() + timedelta(hours=settings.ORDER_BANK_TRANSFER_HOURS)
    return None


def _existing(buyer, idempotency_key: str) -> PlacedCheckout | None:
    payment = Payment.objects.filter(buyer=buyer, idempotency_key=idempotency_key).first()
    if payment is None:
        return None
    return PlacedCheckout(payment=payment, orders=list(payment.orders.order_by("pk")), created=False)


def place_order(
    *,
    buyer,
    cart: Cart,
    address: Address | int | str,
    payment_method: str,
    idempotency_key: str,
    quote_digest: str,
    discount_code: str = "",
    note: str = "",
) -> PlacedCheckout:
    """Place one order per store in ``cart`` for ``buyer``, all under one payment.

    ``quote_digest`` is the digest of the quote the shopper was shown: if prices, shipping
    or the discount changed since, nothing is placed (``QuoteChanged``). Stock is reserved
    on locked variant rows; if any line is short, nothing is placed (``OutOfStock``).
    The same ``idempotency_key`` again returns the first checkout instead of a second one.
    """
    idempotency_key = (idempotency_key or "").strip()[:64]
    if not idempotency_key:
        raise ValidationError({"idempotency_key": _("Missing checkout key; reload the page.")})
    if cart.user_id not in (None, buyer.pk):
        raise PermissionDenied(_("This is not your cart."))
    if (earlier := _existing(buyer, idempotency_key)) is not None:
        return earlier
    try:
        with transaction.atomic():
            return _place(
                buyer=buyer,
                cart=cart,
                address=address,
                payment_method=payment_method,
                idempotency_key=idempotency_key,
                quote_digest=quote_digest,
                discount_code=discount_code,
                note=note,
            )
    except IntegrityError:
        # A parallel request with the same key got there first (the unique key waited for it).
        if (earlier := _existing(buyer, idempotency_key)) is not None:
            return earlier
        raise


def _place(*, buyer, cart, address, payment_method, idempotency_key, quote_digest, discount_code, note):
    address = _address_of(buyer, address)
    payment = Payment.objects.create(
        buyer=buyer,
        idempotency_key=idempotency_key,
        method=payment_method if payment_method in M.values else "",
        amount=0,
        currency=settings.SHOP_CURRENCY,
    )
    if lock_objects.cart_for_update(cart.pk) is None:
        raise ValidationError(_("Your cart is empty."), code="empty_cart")
    quote = cart_quote(cart, buyer=buyer, discount_code=discount_code, payment_method=payment_method, locked=True)
    if not quote.lines:
        raise ValidationError(_("Your cart is empty."), code="empty_cart")
    if problems := quote.line_problems:
        raise OutOfStock(
            _("Sorry, not enough stock: %(items)s. Your cart has been kept; change it and try again.")
            % {"items": "; ".join(f"{line.product.title} ({line.problem})" for line in problems)},
            variants=[line.variant for line in problems],
        )
    if quote.errors:
        raise ValidationError(dict(quote.errors))
    if quote_digest != quote.digest:
        raise QuoteChanged(
            _("Prices, shipping or your discount changed since you opened checkout. Check the new total.")
        )

    discount = quote.discount_code
    if discount is not None:
        _redeem(discount, buyer=buyer, payment=payment)
    _reserve(quote)

    now = timezone.now()
    codes = _unique_codes(store.store.pk for store in quote.stores) if quote.payment_method == M.BANK_TRANSFER else {}
    orders = [
        _create_order(store, quote, buyer, payment, address, note, now, unique_code=codes.get(store.store.pk, 0))
        for store in quote.stores
    ]
    _create_lines_and_events(quote, orders, buyer)
    payment.amount = sum(order.total for order in orders)
    payment.save(update_fields=["amount", "method"])
    CartLine.objects.filter(pk__in=[line.line_id for line in quote.lines]).delete()
    # One confirmation (with the invoices) to the buyer, "new order" to each store's owner.
    notifications.checkout_placed(buyer=buyer, payment=payment, orders=orders)
    transaction.on_commit(lambda: forget_cart_count(cart))  # the header's cached item count

    transaction.on_commit(lambda: signals.order_placed.send(sender=Payment, payment=payment, orders=orders))
    return PlacedCheckout(payment=payment, orders=orders, created=True)


def _address_of(buyer, address) -> Address:
    if isinstance(address, Address):
        address_id = address.pk
    else:
        try:
            address_id = int(address)
        except (TypeError, ValueError):
            address_id = None
    found = Address.objects.filter(user=buyer, pk=address_id).first() if address_id else None
    if found is None:
        raise ValidationError({"address": _("Choose one of your addresses.")}, code="invalid_address")
    return found


def _redeem(discount: DiscountCode, *, buyer, payment: Payment) -> None:
    """Count one use of ``discount`` (its row locked), refusing when the limits are reached."""
    code = lock_objects.discount_for_update(discount.pk)
    if code.usage_limit is not None and code.times_used >= code.usage_limit:
        raise ValidationError({"discount_code": _("This code has been used up.")})
    if (
        code.per_user_limit is not None
        and DiscountRedemption.objects.filter(code=code, user=buyer).count() >= code.per_user_limit
    ):
        raise ValidationError({"discount_code": _("You have already used this code.")})
    DiscountCode.objects.filter(pk=code.pk).update(times_used=F("times_used") + 1)
    DiscountRedemption.objects.create(code=code, user=buyer, payment=payment)


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


def _create_order(
    store: StoreQuote, quote: Quote, buyer, payment, address: Address, note, now, *, unique_code: int
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
    if method == M.BANK_TRANSFER:
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


def _create_lines_and_events(quote: Quote, orders: list[Order], buyer) -> None:
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
        OrderEvent(order=order, from_status="", to_status=S.PENDING_PAYMENT, actor=buyer) for order in orders
    )


# --- Transitions --------------------------------------------------------------------------


@transaction.atomic
def confirm_transfer(*, order: Order, actor, note: str = "") -> Order:
    """The seller saw the transfer arrive in their account."""
    order = _locked(order)
    _require(actor, order, seller=True)
    if order.payment_method != M.BANK_TRANSFER:
        raise IllegalTransition(_("Only bank transfers are confirmed by hand."))
    return _move(order, S.PAID, actor=actor, note=note, paid_at=timezone.now(), expires_at=None)


@transaction.atomic
def record_card_payment(*, payment: Payment) -> tuple[list[Order], list[Order]]:
    """Stripe says the card payment of ``payment`` succeeded (called by the webhook).

    Returns ``(paid, too_late)``: the orders now paid, and those that had already been
    cancelled or expired (their money must go back: the caller refunds it).
    """
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.SUCCEEDED)
    paid, too_late = [], []
    now = timezone.now()
    for order in lock_objects.orders_for_update(payment.orders.values_list("pk", flat=True)).select_related("store"):
        if order.status == S.PENDING_PAYMENT:
            paid.append(
                _move(order, S.PAID, actor=None, note=_("Card payment received."), paid_at=now, expires_at=None)
            )
        elif order.status in {S.CANCELLED, S.EXPIRED}:
            too_late.append(order)
    return paid, too_late


@transaction.atomic
def cancel_order(*, order: Order, actor, note: str = "") -> Order:
    """Cancel an unpaid order: the buyer, the seller or staff. Its units go back on sale."""
    order = _locked(order)
    _require(actor, order, buyer=True, seller=True)
    return _move(order, S.CANCELLED, actor=actor, note=note, closed_at=timezone.now(), expires_at=None)


@transaction.atomic
def expire_order(*, order: Order) -> Order | None:
    """An unpaid order whose time ran out (the periodic task); ``None`` if it was paid meanwhile."""
    order = _locked(order)
    if order.status != S.PENDING_PAYMENT or order.expires_at is None or order.expires_at > timezone.now():
        return None
    return _move(order, S.EXPIRED, actor=None, note=_("Not paid in time."), closed_at=timezone.now(), expires_at=None)


def expire_unpaid_orders(*, limit: int = 500) -> int:
    """Expire every unpaid order past its pay-by time. Returns how many."""
    due = list(
        Order.objects.filter(status=S.PENDING_PAYMENT, expires_at__lte=timezone.now())
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if expire_order(order=Order(pk=pk)) is not None)


@transaction.atomic
def mark_shipped(*, order: Order, actor, carrier: str, tracking_number: str) -> Order:
    order = _locked(order)
    _require(actor, order, seller=True)
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    errors = {}
    if not carrier:
        errors["carrier"] = _("Name the carrier, for example JNE or SiCepat.")
    if not tracking_number:
        errors["tracking_number"] = _("Enter the tracking number.")
    if errors:
        raise ValidationError(errors)
    order.carrier, order.tracking_number = carrier[:40], tracking_number[:60]
    return _move(
        order,
        S.SHIPPED,
        actor=actor,
        note=f"{order.carrier} {order.tracking_number}",
        shipped_at=timezone.now(),
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        expires_at=None,
    )


@transaction.atomic
def mark_delivered(*, order: Order, actor) -> Order:
    """Delivered; a cash-on-delivery order is paid at this moment."""
    order = _locked(order)
    _require(actor, order, seller=True)
    now = timezone.now()
    extra = {"paid_at": now} if order.payment_method == M.COD else {}
    return _move(order, S.DELIVERED, actor=actor, delivered_at=now, **extra)


@transaction.atomic
def mark_refused(*, order: Order, actor, note: str = "") -> Order:
    """The buyer refused a cash-on-delivery parcel: it comes back and goes back on sale."""
    order = _locked(order)
    _require(actor, order, seller=True)
    return _move(order, S.REFUSED, actor=actor, note=note, closed_at=timezone.now())


@transaction.atomic
def confirm_receipt(*, order: Order, actor) -> Order:
    """The buyer has the parcel and is happy: the order is complete."""
    order = _locked(order)
    _require(actor, order, buyer=True)
    return _move(order, S.COMPLETED, actor=actor, completed_at=timezone.now())


def complete_delivered_orders(*, days: int | None = None) -> int:
    """Complete orders delivered ``days`` ago whose buyer never confirmed (periodic task)."""
    days = settings.ORDER_AUTO_COMPLETE_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    done = 0
    for pk in Order.objects.filter(status=S.DELIVERED, delivered_at__lte=cutoff).values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            order = _locked(Order(pk=pk))
            if order.status == S.DELIVERED:
                _move(order, S.COMPLETED, actor=None, note=_("Completed automatically."), completed_at=timezone.now())
                done += 1
    return done


@transaction.atomic
def record_refund(*, order: Order, actor, note: str = "") -> Order:
    """Mark ``order`` refunded in full (the money went back: by Stripe for a card, by the
    seller's own transfer otherwise). Units not yet shipped go back on sale."""
    order = _locked(order)
    _require(actor, order, seller=True)
    shipped = order.shipped_at is not None
    moved = _move(order, S.REFUNDED, actor=actor, note=note, closed_at=timezone.now(), refunded_amount=order.total)
    if not shipped:
        _restock(moved)
    return moved
