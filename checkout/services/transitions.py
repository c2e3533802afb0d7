"""The order state machine and every move through it.

Every change of state after placing is a named function below that checks the move is
allowed (``TRANSITIONS``) and that the actor may make it, records an ``OrderEvent`` (who,
when) and, after commit, tells the layers above through ``checkout.signals``. The
notifications (``checkout.notifications``) are written inside the same transactions.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ProductVariant
from checkout import lock_objects, notifications, signals
from checkout.exceptions import IllegalTransition
from checkout.models import DiscountCode, DiscountRedemption, Order, OrderEvent, OrderStatus, Payment, PaymentMethod
from shop import events, stencil
from shop.models import User

# --- The state machine --------------------------------------------------------------------

# (from, to) -> the payment methods for which the move exists.
ALL_METHODS = frozenset(PaymentMethod.values)
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID): frozenset({PaymentMethod.CARD, PaymentMethod.BANK_TRANSFER}),
    (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED): ALL_METHODS,
    (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED): frozenset({PaymentMethod.CARD, PaymentMethod.BANK_TRANSFER}),
    (OrderStatus.PENDING_PAYMENT, OrderStatus.SHIPPED): frozenset({PaymentMethod.COD}),  # cash is collected at the door
    (OrderStatus.PAID, OrderStatus.SHIPPED): ALL_METHODS,
    (OrderStatus.PAID, OrderStatus.REFUNDED): ALL_METHODS,
    (OrderStatus.SHIPPED, OrderStatus.DELIVERED): ALL_METHODS,
    (OrderStatus.SHIPPED, OrderStatus.REFUSED): frozenset({PaymentMethod.COD}),
    (OrderStatus.DELIVERED, OrderStatus.COMPLETED): ALL_METHODS,
    (OrderStatus.DELIVERED, OrderStatus.REFUNDED): ALL_METHODS,
    (OrderStatus.COMPLETED, OrderStatus.REFUNDED): ALL_METHODS,
}
# Leaving these states puts the reserved units back on the shelf.
RESTOCKING = {OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REFUSED}


def can_transition(*, order: Order, to_status: str) -> bool:
    return order.payment_method in TRANSITIONS.get((order.status, to_status), frozenset())


def next_states(*, order: Order) -> list[str]:
    return [to for (frm, to), methods in TRANSITIONS.items() if frm == order.status and order.payment_method in methods]


def _is_seller(user: User | None, order: Order) -> bool:
    return user is not None and user.is_authenticated and order.store.owner_id == user.pk


def _is_staff(user: User | None) -> bool:
    # Sellers are ``is_staff`` (they use the admin); the site's own staff are superusers.
    return user is not None and user.is_authenticated and user.is_active and user.is_superuser


def _require(
    actor: User | None, order: Order, *, buyer: bool = False, seller: bool = False, system: bool = False
) -> None:
    """``actor`` may act on ``order`` as one of the roles allowed (staff always may)."""
    if actor is None:
        if system:
            return
        raise PermissionDenied(_("This change needs a signed-in user."))
    if _is_staff(actor) or (seller and _is_seller(actor, order)) or (buyer and order.buyer_id == actor.pk):
        return
    raise PermissionDenied(_("You may not change this order."))


def _move(order: Order, to_status: str, *, actor: User | None, note: str = "", **timestamps: object) -> Order:
    """Move ``order`` (caller holds its row lock) to ``to_status`` and record the event."""
    if not can_transition(order=order, to_status=to_status):
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

    def announce() -> None:
        signals.order_status_changed.send(
            sender=Order, order=order, from_status=from_status, to_status=to_status, actor=actor
        )
        if to_status == OrderStatus.PAID or (
            to_status == OrderStatus.DELIVERED and order.payment_method == PaymentMethod.COD
        ):
            signals.order_paid.send(sender=Order, order=order)
            # Sales count when paid (a webhook or the seller: the buyer's id, not the request's).
            events.record(
                events.EventName.ORDER_PAID,
                store_id=order.store_id,
                order_id=order.pk,
                user_id=order.buyer_id,
                amount=order.total,
            )

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
    if quantities:
        stencil.updated(ProductVariant)  # the stock the catalog's pages show


def _release_discount(order: Order) -> None:
    """When every order of a checkout closed unpaid, its discount code use is given back."""
    if order.discount_code_id is None:
        return
    live = Order.objects.filter(payment_id=order.payment_id).exclude(
        status__in=[OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REFUSED]
    )
    if live.exists():
        return
    if DiscountRedemption.objects.filter(payment_id=order.payment_id, code_id=order.discount_code_id).delete()[0]:
        code = lock_objects.discount_for_update(order.discount_code_id)
        if code is not None and code.times_used > 0:
            DiscountCode.objects.filter(pk=code.pk).update(times_used=F("times_used") - 1)


# --- Transitions --------------------------------------------------------------------------


@transaction.atomic
def confirm_transfer(*, order: Order, actor: User | None, note: str = "") -> Order:
    """The seller saw the transfer arrive in their account."""
    order = _locked(order)
    _require(actor, order, seller=True)
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        raise IllegalTransition(_("Only bank transfers are confirmed by hand."))
    return _move(order, OrderStatus.PAID, actor=actor, note=note, paid_at=timezone.now(), expires_at=None)


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
        if order.status == OrderStatus.PENDING_PAYMENT:
            paid.append(
                _move(
                    order, OrderStatus.PAID, actor=None, note=_("Card payment received."), paid_at=now, expires_at=None
                )
            )
        elif order.status in {OrderStatus.CANCELLED, OrderStatus.EXPIRED}:
            too_late.append(order)
    return paid, too_late


@transaction.atomic
def cancel_order(*, order: Order, actor: User | None, note: str = "") -> Order:
    """Cancel an unpaid order: the buyer, the seller or staff. Its units go back on sale."""
    order = _locked(order)
    _require(actor, order, buyer=True, seller=True)
    return _move(order, OrderStatus.CANCELLED, actor=actor, note=note, closed_at=timezone.now(), expires_at=None)


@transaction.atomic
def expire_order(*, order: Order) -> Order | None:
    """An unpaid order whose time ran out (the periodic task); ``None`` if it was paid meanwhile."""
    order = _locked(order)
    if order.status != OrderStatus.PENDING_PAYMENT or order.expires_at is None or order.expires_at > timezone.now():
        return None
    return _move(
        order, OrderStatus.EXPIRED, actor=None, note=_("Not paid in time."), closed_at=timezone.now(), expires_at=None
    )


def expire_unpaid_orders(*, limit: int = 500) -> int:
    """Expire every unpaid order past its pay-by time. Returns how many."""
    due = list(
        Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, expires_at__lte=timezone.now())
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if expire_order(order=Order(pk=pk)) is not None)


@transaction.atomic
def mark_shipped(*, order: Order, actor: User | None, carrier: str, tracking_number: str) -> Order:
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
        OrderStatus.SHIPPED,
        actor=actor,
        note=f"{order.carrier} {order.tracking_number}",
        shipped_at=timezone.now(),
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        expires_at=None,
    )


@transaction.atomic
def mark_delivered(*, order: Order, actor: User | None) -> Order:
    """Delivered; a cash-on-delivery order is paid at this moment."""
    order = _locked(order)
    _require(actor, order, seller=True)
    now = timezone.now()
    if order.payment_method == PaymentMethod.COD:
        return _move(order, OrderStatus.DELIVERED, actor=actor, delivered_at=now, paid_at=now)
    return _move(order, OrderStatus.DELIVERED, actor=actor, delivered_at=now)


@transaction.atomic
def mark_refused(*, order: Order, actor: User | None, note: str = "") -> Order:
    """The buyer refused a cash-on-delivery parcel: it comes back and goes back on sale."""
    order = _locked(order)
    _require(actor, order, seller=True)
    return _move(order, OrderStatus.REFUSED, actor=actor, note=note, closed_at=timezone.now())


@transaction.atomic
def confirm_receipt(*, order: Order, actor: User | None) -> Order:
    """The buyer has the parcel and is happy: the order is complete."""
    order = _locked(order)
    _require(actor, order, buyer=True)
    return _move(order, OrderStatus.COMPLETED, actor=actor, completed_at=timezone.now())


def complete_delivered_orders(*, days: int | None = None) -> int:
    """Complete orders delivered ``days`` ago whose buyer never confirmed (periodic task)."""
    days = settings.ORDER_AUTO_COMPLETE_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    done = 0
    for pk in Order.objects.filter(status=OrderStatus.DELIVERED, delivered_at__lte=cutoff).values_list("pk", flat=True)[
        :500
    ]:
        with transaction.atomic():
            order = _locked(Order(pk=pk))
            if order.status == OrderStatus.DELIVERED:
                _move(
                    order,
                    OrderStatus.COMPLETED,
                    actor=None,
                    note=_("Completed automatically."),
                    completed_at=timezone.now(),
                )
                done += 1
    return done


@transaction.atomic
def record_refund(*, order: Order, actor: User | None, note: str = "") -> Order:
    """Mark ``order`` refunded in full (the money went back: by Stripe for a card, by the
    seller's own transfer otherwise). Units not yet shipped go back on sale."""
    order = _locked(order)
    _require(actor, order, seller=True)
    shipped = order.shipped_at is not None
    moved = _move(
        order, OrderStatus.REFUNDED, actor=actor, note=note, closed_at=timezone.now(), refunded_amount=order.total
    )
    if not shipped:
        _restock(moved)
    return moved
