"""Checkout reads shared by the pages and the API: the checkout page's quote, a buyer's orders,
one order as its viewer may see it, and a checkout's payment. They own the joins and
prefetches, so each costs a constant number of queries whatever the number of lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from catalog.selectors import cover_images
from checkout.models import Address, Order, OrderEvent, OrderLine, OrderStatus, Payment, PaymentMethod
from checkout.pricing import Quote, StoreQuote, available_methods, build_quote
from checkout.services import CheckoutSource, quote_for
from shop.models import User


@dataclass
class StoreBlock:
    """One store's part of the checkout page: its lines, shipping and what free shipping needs."""

    quote: StoreQuote

    @property
    def to_free_shipping(self) -> int | None:
        """How much more to spend for free shipping, or ``None`` (already free, or never)."""
        threshold = self.quote.settings.free_shipping_threshold
        if self.quote.shipping == 0 or threshold is None:
            return None
        return max(threshold - self.quote.subtotal, 0)


@dataclass
class CheckoutPage:
    quote: Quote
    addresses: list[Address]
    methods: list[tuple[str, str, str]]  # (method, label, why it cannot be used or "")
    payment_method: str
    discount_code: str
    stores: list[StoreBlock] = field(default_factory=list)

    @property
    def price_changes(self) -> list:
        return self.quote.price_changes

    @property
    def blocked(self) -> bool:
        """A line is sold out, short or changed price: the shopper fixes it in the cart first."""
        return bool(self.quote.line_problems or self.quote.price_changes)

    @property
    def can_place(self) -> bool:
        return (
            self.quote.can_place
            and not self.blocked
            and bool(self.addresses)
            and self.payment_method in {method for method, _label, problem in self.methods if not problem}
        )


def addresses_for(*, user: User) -> list[Address]:
    """``user``'s address book, the default first."""
    return list(Address.objects.filter(user=user))


def checkout_page(
    *, source: CheckoutSource | None, buyer: User, discount_code: str = "", payment_method: str = ""
) -> CheckoutPage:
    """Everything the checkout page shows for ``source`` (the cart, or a "Buy now" item).
    Without a ``payment_method``, the first one every store accepts is chosen (priced again in
    memory: no more queries)."""
    quote = quote_for(source=source, buyer=buyer, discount_code=discount_code, payment_method=payment_method)
    methods = available_methods(quote.stores)
    if not payment_method and quote.lines:
        usable = [method for method, _label, problem in methods if not problem]
        if usable:
            payment_method = usable[0]
            quote = build_quote(
                quote.lines,
                buyer=buyer,
                discount_code=discount_code,
                payment_method=payment_method,
                terms=quote.terms,
            )
            methods = available_methods(quote.stores)
    prefetch_line_covers(quote)
    return CheckoutPage(
        quote=quote,
        addresses=addresses_for(user=buyer),
        methods=methods,
        payment_method=payment_method,
        discount_code=discount_code,
        stores=[StoreBlock(store) for store in quote.stores],
    )


def prefetch_line_covers(quote: Quote) -> None:
    """Every line's product pictures in one query (``product.ordered_images``)."""
    products = list({line.product.pk: line.product for line in quote.lines}.values())
    prefetch_related_objects(products, cover_images())


# --- Orders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderChore:
    """Something a seller must do to some orders: which ones (``condition``) and what to call it."""

    key: str
    label: str | Promise
    condition: Q


# What a seller's back office lists first, in this order; the order list filters on the same
# conditions (``checkout.admin.todo.OrderChoreFilter``), so a count and its list always agree.
ORDER_CHORES = (
    OrderChore(
        "confirm",
        _("Transfers to confirm"),
        Q(status=OrderStatus.PENDING_PAYMENT, payment_method=PaymentMethod.BANK_TRANSFER),
    ),
    # A cash-on-delivery order ships unpaid.
    OrderChore(
        "ship",
        _("Orders to ship"),
        Q(status=OrderStatus.PAID) | Q(status=OrderStatus.PENDING_PAYMENT, payment_method=PaymentMethod.COD),
    ),
    # Card money that arrived after its order closed and was not given back by itself.
    OrderChore(
        "refund",
        _("Payments to refund"),
        Q(
            status__in=[OrderStatus.CANCELLED, OrderStatus.EXPIRED],
            payment_method=PaymentMethod.CARD,
            payment__status=Payment.Status.SUCCEEDED,
            refunded_amount=0,
        ),
    ),
)


def order_chore_counts(*, orders: QuerySet[Order]) -> dict[str, int]:
    """How many of ``orders`` (already scoped to what the viewer may see) each chore concerns, in one query."""
    return orders.aggregate(**{chore.key: Count("pk", filter=chore.condition) for chore in ORDER_CHORES})


def _lines() -> Prefetch:
    return Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id"))


def orders_for_buyer(*, user: User | AnonymousUser) -> QuerySet[Order]:
    """``user``'s purchases, newest first, with their store and lines."""
    if not user.is_authenticated:
        return Order.objects.none()
    return (
        Order.objects.filter(buyer=user)
        .select_related("store")
        .prefetch_related(_lines())
        .order_by("-placed_at", "-id")
    )


def order_for(*, user: User | AnonymousUser, number: str) -> Order:
    """Order ``number`` if ``user`` may see it (its buyer, the store's owner, a superuser):
    else 404, the same answer as for an order that does not exist."""
    order = (
        Order.objects.visible_to(user)
        .filter(number=number)
        .select_related("store", "buyer", "payment")
        .prefetch_related(
            _lines(),
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("created_at", "id")),
        )
        .first()
    )
    if order is None:
        raise Http404(_("No such order."))
    return order


def transfer_proof_for(*, user: User | AnonymousUser, number: str) -> FieldFile:
    """The proof of transfer of order ``number`` if ``user`` may see the order (its buyer, the
    store's owner, a superuser): else 404, as for an order without one or no order at all."""
    order = Order.objects.visible_to(user).filter(number=number).only("pk", "transfer_proof").first()
    if order is None or not order.transfer_proof:
        raise Http404(_("No such proof of transfer."))
    return order.transfer_proof


def payment_for_buyer(*, user: User | AnonymousUser, payment_id: int) -> Payment:
    """Checkout ``payment_id`` with its orders (store and lines), if ``user`` placed it: else 404."""
    payment = (
        Payment.objects.filter(buyer=user, pk=payment_id)
        .prefetch_related(Prefetch("orders", queryset=Order.objects.select_related("store").order_by("pk")))
        .first()
        if user.is_authenticated
        else None
    )
    if payment is None:
        raise Http404(_("No such checkout."))
    return payment
