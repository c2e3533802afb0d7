"""What checkout tells people about their orders: the kinds it registers (all transactional:
they ignore preferences and carry no unsubscribe link) and who gets which.

The services in ``checkout.services.placing`` and ``checkout.services.transitions`` call
``checkout_placed`` and ``order_moved`` inside their transaction, so a notification exists
exactly when its event does; the emails go out after commit (``shop.notifications``).
``register_kinds`` runs in ``CheckoutConfig.ready()``.

Who hears about what:

- placing: the buyer gets ONE "order_placed" per checkout, listing every order in it (one
  per store, each with its own invoice and, for a bank transfer, its own store's account):
  they pressed "Place order" once and get one confirmation. Each store's owner gets
  "new_order" for their order alone, with a link to it in the back office.
- every later move goes to the buyer ("order_paid", "order_shipped", "order_delivered",
  "order_cancelled", "order_expired", "order_refunded"), also when the buyer made it
  themselves (cancelling): a transactional confirmation is the buyer's record of what
  happened to their money, so it is sent without an actor rather than skipped.
- the store's owner hears of moves they did not make: a cancellation by the buyer (or by
  the site's staff), a payment that arrived without them (a card paid through Stripe,
  a transfer confirmed by staff): that is their cue to ship; and an order that expired
  unpaid, so they stop waiting for the transfer (its items are back on sale).
- completing (the buyer's own confirmation of receipt, or the automatic one days after
  delivery) and a parcel refused at the door (recorded by the seller, who has it back)
  notify nobody: nothing is left for anyone to do.

``data`` stays small (ids, the order number, the store's name); the emails load the order
when they are sent, so they show it as it is then.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from checkout.models import Order, OrderLine, OrderStatus, PaymentMethod
from shop.models import User
from shop.money import format_money
from shop.notifications import kinds
from shop.notifications.services import notify

EMAILS = "checkout/emails/"
GROUP = "orders"


# --- In-app texts: text(actor, others, data), in the active language ----------------------


def _fields(data: dict, actor: str = "") -> dict:
    return {
        "number": data.get("number", ""),
        "store": data.get("store", ""),
        "actor": actor or gettext("Someone"),
    }


def placed_text(actor: str, others: int, data: dict) -> str:
    numbers = data.get("numbers") or [data.get("number", "")]
    stores = data.get("stores") or [data.get("store", "")]
    if len(numbers) == 1:
        return gettext("Your order %(number)s from %(store)s is placed.") % {"number": numbers[0], "store": stores[0]}
    return ngettext(
        "Your %(count)d order from %(stores)s is placed.",
        "Your %(count)d orders from %(stores)s are placed.",
        len(numbers),
    ) % {"count": len(numbers), "stores": ", ".join(stores)}


def new_order_text(actor: str, others: int, data: dict) -> str:
    return gettext("New order %(number)s from %(actor)s.") % _fields(data, actor)


def paid_text(actor: str, others: int, data: dict) -> str:
    if data.get("to") == "seller":
        return gettext("Order %(number)s is paid: it is ready to ship.") % _fields(data)
    return gettext("Your payment for order %(number)s from %(store)s is confirmed.") % _fields(data)


def shipped_text(actor: str, others: int, data: dict) -> str:
    return gettext("%(store)s shipped your order %(number)s: %(carrier)s, tracking number %(tracking)s.") % {
        **_fields(data),
        "carrier": data.get("carrier", ""),
        "tracking": data.get("tracking", ""),
    }


def delivered_text(actor: str, others: int, data: dict) -> str:
    return gettext("Your order %(number)s from %(store)s was delivered. Did it arrive in good order?") % _fields(data)


def cancelled_text(actor: str, others: int, data: dict) -> str:
    by = data.get("by")
    if data.get("to") == "seller":
        if by == "buyer":
            return gettext("%(actor)s cancelled order %(number)s.") % _fields(data, actor)
        return gettext("Order %(number)s was cancelled by Etalase staff.") % _fields(data)
    if by == "buyer":
        return gettext("You cancelled order %(number)s from %(store)s.") % _fields(data)
    if by == "seller":
        return gettext("%(store)s cancelled your order %(number)s.") % _fields(data)
    return gettext("Your order %(number)s from %(store)s was cancelled.") % _fields(data)


def expired_text(actor: str, others: int, data: dict) -> str:
    if data.get("to") == "seller":
        return gettext("Order %(number)s was not paid in time: it is cancelled and back in stock.") % _fields(data)
    return gettext("Your order %(number)s from %(store)s was cancelled: it was not paid in time.") % _fields(data)


def refunded_text(actor: str, others: int, data: dict) -> str:
    return gettext("%(store)s refunded %(amount)s for your order %(number)s.") % {
        **_fields(data),
        "amount": format_money(data.get("amount") or 0, data.get("currency") or None),
    }


# --- Email contexts: loaded when the email is sent -------------------------------------------


def _orders() -> QuerySet[Order]:
    return Order.objects.select_related("store", "buyer", "discount_code").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
    )


def _with_lines(order: Order | None) -> Order | None:
    if order is not None:
        order.line_list = list(order.lines.all())
    return order


def order_email_context(notification) -> dict:
    """The order of the notification, its lines, and whether the reader is its seller."""
    order = _with_lines(_orders().filter(pk=notification.data.get("order")).first())
    context = {
        "order": order,
        "for_seller": order is not None and notification.recipient_id == order.store.owner_id,
        "store_name": order.store.name if order else notification.data.get("store", ""),
        "number": order.number if order else notification.data.get("number", ""),
        "auto_complete_days": settings.ORDER_AUTO_COMPLETE_DAYS,
    }
    if order is not None and notification.kind in {"order_cancelled", "order_refunded"}:
        # Why, as the person who made the move wrote it (the admin's note field).
        context["note"] = (
            order.events.filter(to_status=order.status).order_by("-created_at", "-id").values_list("note", flat=True)
        ).first() or ""
    return context


def checkout_email_context(notification) -> dict:
    """Every order of the checkout (one per store), each with its lines, and what is left to pay."""
    orders = [
        _with_lines(order) for order in _orders().filter(payment_id=notification.data.get("payment")).order_by("pk")
    ]
    first = orders[0] if orders else None
    pending = [order for order in orders if order.status == OrderStatus.PENDING_PAYMENT]
    card_pending = bool(pending) and first.payment_method == PaymentMethod.CARD
    return {
        "orders": orders,
        "order": first,  # the shipping address and the payment method are the same for all
        "grand_total": sum(order.total for order in orders),
        "currency": first.currency if first else "",
        "store_name": ", ".join(order.store.name for order in orders),
        "store_names": ", ".join(order.store.name for order in orders),
        "transfers_pending": bool(pending) and first.payment_method == PaymentMethod.BANK_TRANSFER,
        "card_pending": card_pending,
        "pay_by": min((order.expires_at for order in pending if order.expires_at), default=None),
        "pay_card_url": reverse("checkout:pay_card", kwargs={"payment_id": first.payment_id}) if card_pending else "",
    }


def register_kinds() -> None:
    for name, label, text, context in (
        ("order_placed", _("Order confirmations"), placed_text, checkout_email_context),
        ("new_order", _("New orders in your store"), new_order_text, order_email_context),
        ("order_paid", _("Payments confirmed"), paid_text, order_email_context),
        ("order_shipped", _("Orders shipped"), shipped_text, order_email_context),
        ("order_delivered", _("Orders delivered"), delivered_text, order_email_context),
        ("order_cancelled", _("Orders cancelled"), cancelled_text, order_email_context),
        ("order_expired", _("Orders not paid in time"), expired_text, order_email_context),
        ("order_refunded", _("Refunds"), refunded_text, order_email_context),
    ):
        kinds.register(
            kinds.Kind(
                name=name,
                label=label,
                text=text,
                transactional=True,
                email_template=EMAILS + name,
                email_context=context,
                group=GROUP,
            )
        )


# --- Who gets what (called inside the services' transactions) --------------------------------


def _admin_url(order: Order) -> str:
    return reverse("admin:checkout_order_change", args=[order.pk])


def _data(order: Order, **extra) -> dict:
    return {"order": order.pk, "number": order.number, "store": order.store.name, **extra}


def checkout_placed(*, buyer: User, payment, orders: list[Order]) -> None:
    """One confirmation to the buyer for the whole checkout; "new_order" to each store's owner.
    Costs one query for the owners, then two inserts per notification."""
    target = (
        orders[0].get_absolute_url()
        if len(orders) == 1
        else reverse("checkout:placed", kwargs={"payment_id": payment.pk})
    )
    notify(
        recipient=buyer,
        kind="order_placed",
        target_url=target,
        data={
            "payment": payment.pk,
            "numbers": [order.number for order in orders],
            "stores": [order.store.name for order in orders],
        },
    )
    owners = User.objects.in_bulk({order.store.owner_id for order in orders})
    for order in orders:
        owner = owners.get(order.store.owner_id)
        if owner is not None:
            notify(recipient=owner, kind="new_order", actor=buyer, target_url=_admin_url(order), data=_data(order))


def _role(actor, order: Order) -> str:
    if actor is None:
        return "system"
    if actor.pk == order.buyer_id:
        return "buyer"
    if actor.pk == order.store.owner_id:
        return "seller"
    return "staff"


def order_moved(order: Order, *, from_status: str, to_status: str, actor) -> None:
    """Tell the right people that ``order`` moved to ``to_status`` (see the module's docstring).
    Costs one query for the people, then two inserts per notification."""
    by = _role(actor, order)
    to_buyer: tuple[str, dict] | None = None
    to_seller: tuple[str, dict] | None = None
    if to_status == OrderStatus.PAID:
        to_buyer = ("order_paid", _data(order))
        if by != "seller":
            to_seller = ("order_paid", _data(order, to="seller"))
    elif to_status == OrderStatus.SHIPPED:
        to_buyer = ("order_shipped", _data(order, carrier=order.carrier, tracking=order.tracking_number))
    elif to_status == OrderStatus.DELIVERED:
        to_buyer = ("order_delivered", _data(order))
    elif to_status == OrderStatus.CANCELLED:
        to_buyer = ("order_cancelled", _data(order, by=by))
        if by in {"buyer", "staff"}:
            to_seller = ("order_cancelled", _data(order, by=by, to="seller"))
    elif to_status == OrderStatus.EXPIRED:
        to_buyer = ("order_expired", _data(order))
        to_seller = ("order_expired", _data(order, to="seller"))
    elif to_status == OrderStatus.REFUNDED:
        to_buyer = ("order_refunded", _data(order, amount=order.refunded_amount, currency=order.currency))
    if to_buyer is None and to_seller is None:
        return
    people = User.objects.in_bulk({order.buyer_id, order.store.owner_id})
    if to_buyer is not None and (buyer := people.get(order.buyer_id)) is not None:
        kind, data = to_buyer
        # The buyer's own cancellation is confirmed too: no actor, or ``notify`` would skip it.
        notify(
            recipient=buyer,
            kind=kind,
            actor=None if by == "buyer" else actor,
            target_url=order.get_absolute_url(),
            data=data,
        )
    if to_seller is not None and (owner := people.get(order.store.owner_id)) is not None:
        kind, data = to_seller
        notify(recipient=owner, kind=kind, actor=actor, target_url=_admin_url(order), data=data)
