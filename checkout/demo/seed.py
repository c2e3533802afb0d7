"""Fill the checkout side of the demo, through ``checkout.services``.

Runs after ``catalog.demo.seed`` (it needs its people, stores and products), before the
social seed:

- each store's shipping and payment settings (flat rate, free-shipping threshold, a bank
  account; cash on delivery, with a fee and a maximum, for some);
- discount codes: site-wide and per store, one expired, some with usage limits;
- the shoppers' address books, a few carts (one line's price went up since it was added);
- orders in every state, each placed with ``services.place_order`` and moved on by the
  transition services with the store's owner or the buyer as the actor, so stock, codes
  and timelines are what the real site would have made. The timelines are then backdated
  (placed up to two weeks ago, every step some hours after the one before).

Idempotent: settings are made for stores that have none, a code when no code of that name
exists, an address when the shopper has none on that street, a cart when the shopper has
no cart at all, and a demo order when its buyer has no checkout with its idempotency key
(``demo-...``: real keys are random hex). Running it twice changes nothing.

Each order is placed and moved on in its own transaction: an interrupted run leaves whole
orders, and the next run makes the rest. An order that cannot be placed (no such product
in a smaller seed, not enough stock) is skipped and reported, never half made.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.demo.specs import SHOPPERS
from catalog.demo.stores import STORES
from catalog.models import Product, ProductVariant, Store
from checkout import payments, services
from checkout.demo.specs import (
    ADDRESSES,
    CARTS,
    CODES,
    ORDERS,
    STEP_HOURS,
    STORE_SETTINGS,
    OrderSpec,
    Pick,
)
from checkout.models import (
    Address,
    Cart,
    CartLine,
    DiscountCode,
    DiscountRedemption,
    Order,
    OrderEvent,
    OrderStatus,
    Payment,
    PaymentMethod,
    StoreCheckoutSettings,
)
from shop.models import User
from shop.money import to_minor

# A demo order or cart only takes a variant with at least this many in stock, so that the
# demo never sells a product out.
MIN_STOCK = 10
TRACKING_PREFIX = {"JNE": "CGK", "SiCepat": "0042", "J&T Express": "JP", "AnterAja": "1000"}


@dataclass
class CheckoutReport:
    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    KINDS = ("store settings", "discount codes", "addresses", "carts", "orders")

    @classmethod
    def _describe(cls, counts: Counter) -> str:
        return ", ".join(f"{counts[kind]} {kind}" for kind in cls.KINDS if counts[kind])

    def summary(self) -> str:
        created = self._describe(self.created) or "nothing"
        existing = self._describe(self.existing) or "nothing"
        text = f"Checkout: created {created}; already there: {existing} ({self.seconds:.1f} s)."
        if self.skipped:
            text += f" Skipped {len(self.skipped)} demo orders: {'; '.join(self.skipped)}."
        return text


def seed_checkout(*, progress: Callable[[str], None] | None = None) -> CheckoutReport:
    """Create whatever part of the demo's checkout data is missing. Returns what was done."""
    say = progress or (lambda message: None)
    report = CheckoutReport()
    started = time.perf_counter()
    now = timezone.now()
    people = _demo_shoppers()
    stores = {store.slug: store for store in Store.objects.filter(slug__in=[s.slug for s in STORES])}
    with transaction.atomic():
        _ensure_store_settings(report, stores)
        _ensure_codes(report, stores, now)
        _ensure_addresses(report, people)
    shelves = _shelves(stores)
    _ensure_carts(report, people, shelves)
    existing = _existing_checkouts(people)
    missing = [spec for spec in ORDERS if (spec.buyer, spec.key) not in existing]
    if missing:
        say(f"Checkout: placing {len(missing)} demo checkouts and moving them through their states...")
    for spec in ORDERS:
        if (spec.buyer, spec.key) in existing:
            report.existing["orders"] += existing[spec.buyer, spec.key]
        else:
            _ensure_order(report, spec, people, shelves, now)
    report.seconds = time.perf_counter() - started
    return report


def _demo_shoppers() -> dict[str, User]:
    """The demo's shoppers by their spec username (their real one may differ)."""
    by_email = {user.email.lower(): user for user in User.objects.filter(email__in=[p.email for p in SHOPPERS])}
    return {person.username: by_email[person.email.lower()] for person in SHOPPERS if person.email.lower() in by_email}


def _phone(shopper: str) -> str:
    index = next(i for i, person in enumerate(SHOPPERS) if person.username == shopper)
    return f"08120000{index + 1:04d}"


def _spec_name(shopper: str) -> str:
    person = next(person for person in SHOPPERS if person.username == shopper)
    return f"{person.first_name} {person.last_name}"


def _rupiah(amount: int | None) -> int | None:
    return None if amount is None else to_minor(str(amount))


# --- Settings, codes, addresses -----------------------------------------------------------


def _ensure_store_settings(report: CheckoutReport, stores: dict[str, Store]) -> None:
    have = set(StoreCheckoutSettings.objects.filter(store__in=stores.values()).values_list("store_id", flat=True))
    for spec in STORE_SETTINGS:
        store = stores.get(spec.store)
        if store is None:
            continue
        if store.pk in have:
            report.existing["store settings"] += 1
            continue
        row = StoreCheckoutSettings(
            store=store,
            shipping_flat_rate=_rupiah(spec.flat_rate),
            free_shipping_threshold=_rupiah(spec.free_from),
            bank_name=spec.bank,
            bank_account_number=spec.account,
            bank_account_holder=spec.holder,
            cod_enabled=spec.cod,
            cod_fee=_rupiah(spec.cod_fee),
            cod_max_order=_rupiah(spec.cod_max),
        )
        row.full_clean()
        row.save()
        report.created["store settings"] += 1


def _ensure_codes(report: CheckoutReport, stores: dict[str, Store], now: datetime) -> None:
    have = {code.upper() for code in DiscountCode.objects.values_list("code", flat=True)}
    for spec in CODES:
        if spec.code.upper() in have:
            report.existing["discount codes"] += 1
            continue
        if spec.store is not None and spec.store not in stores:
            continue
        code = DiscountCode(
            code=spec.code,
            store=stores[spec.store] if spec.store else None,
            kind=spec.kind,
            value=spec.value if spec.kind == DiscountCode.Kind.PERCENTAGE else _rupiah(spec.value),
            min_spend=_rupiah(spec.min_spend),
            starts_at=now + timedelta(days=spec.starts_days),
            ends_at=None if spec.ends_days is None else now + timedelta(days=spec.ends_days),
            usage_limit=spec.usage_limit,
            per_user_limit=spec.per_user_limit,
        )
        code.full_clean()
        code.save()
        report.created["discount codes"] += 1


def _ensure_addresses(report: CheckoutReport, people: dict[str, User]) -> None:
    have = set(Address.objects.filter(user__in=people.values()).values_list("user_id", "street"))
    for spec in ADDRESSES:
        user = people.get(spec.shopper)
        if user is None:
            continue
        if (user.pk, spec.street) in have:
            report.existing["addresses"] += 1
            continue
        services.create_address(
            user=user,
            data={
                "label": spec.label,
                "recipient": spec.recipient or user.get_full_name() or _spec_name(spec.shopper),
                "phone": _phone(spec.shopper),
                "street": spec.street,
                "district": spec.district,
                "city": spec.city,
                "province": spec.province,
                "postal_code": spec.postal_code,
            },
        )
        report.created["addresses"] += 1


# --- What is on sale ----------------------------------------------------------------------


def _shelves(stores: dict[str, Store]) -> dict[str, list[ProductVariant]]:
    """Each store's well-stocked variants of active products, in the catalog specs' order."""
    order = {spec.slug: index for store in STORES for index, spec in enumerate(store.products)}
    variants = ProductVariant.objects.filter(
        store__in=stores.values(), store__is_active=True, product__status=Product.Status.ACTIVE, stock__gte=MIN_STOCK
    ).select_related("product")
    shelves: dict[str, list[ProductVariant]] = {slug: [] for slug in stores}
    slugs = {store.pk: slug for slug, store in stores.items()}
    for variant in sorted(variants, key=lambda v: (order.get(v.product.slug, len(order)), v.position, v.pk)):
        shelves[slugs[variant.store_id]].append(variant)
    return shelves


def _pick(shelves: dict[str, list[ProductVariant]], pick: Pick) -> ProductVariant | None:
    shelf = shelves.get(pick.store) or []
    return shelf[pick.index % len(shelf)] if shelf else None


# --- Carts --------------------------------------------------------------------------------


def _ensure_carts(report: CheckoutReport, people: dict[str, User], shelves: dict[str, list[ProductVariant]]) -> None:
    have = set(Cart.objects.filter(user__in=people.values()).values_list("user_id", flat=True))
    for spec in CARTS:
        user = people.get(spec.shopper)
        if user is None:
            continue
        if user.pk in have:
            report.existing["carts"] += 1
            continue
        lines = [(position, _pick(shelves, pick), pick.quantity) for position, pick in enumerate(spec.lines)]
        lines = [(position, variant, quantity) for position, variant, quantity in lines if variant is not None]
        if not lines:
            continue
        with transaction.atomic():
            cart = services.cart_for_user(user=user, create=True)
            for position, variant, quantity in lines:
                line = services.add_to_cart(cart=cart, variant_id=variant.pk, quantity=quantity)
                if position == spec.price_rose:
                    # Added when it was cheaper: as if the seller raised the price since.
                    CartLine.objects.filter(pk=line.pk).update(price_seen=_older_price(variant.price))
        report.created["carts"] += 1


def _older_price(price: int) -> int:
    thousand = to_minor("1000")
    older = max(thousand, price * 9 // 10 // thousand * thousand)
    return older if older != price else price - thousand


# --- Orders -------------------------------------------------------------------------------


def _existing_checkouts(people: dict[str, User]) -> dict[tuple[str, str], int]:
    """``(shopper, key) -> number of orders`` of the demo checkouts already made."""
    names = {user.pk: name for name, user in people.items()}
    payments_ = Payment.objects.filter(buyer__in=people.values(), idempotency_key__in=[spec.key for spec in ORDERS])
    found: dict[tuple[str, str], int] = {}
    for buyer_id, key, orders in payments_.values_list("buyer_id", "idempotency_key", "orders__pk"):
        found.setdefault((names[buyer_id], key), 0)
        found[names[buyer_id], key] += orders is not None
    return found


def _ensure_order(
    report: CheckoutReport,
    spec: OrderSpec,
    people: dict[str, User],
    shelves: dict[str, list[ProductVariant]],
    now: datetime,
) -> None:
    buyer = people.get(spec.buyer)
    address = Address.objects.filter(user=buyer).order_by("-is_default", "pk").first() if buyer else None
    lines = [(_pick(shelves, pick), pick.quantity) for pick in spec.lines]
    if buyer is None or address is None or any(variant is None for variant, _ in lines):
        report.skipped.append(f"{spec.key} (no such shopper or product in this seed)")
        return
    try:
        with transaction.atomic():
            placed = _place(spec, buyer, address, lines)
            for order in placed.orders:
                _tell_story(order, spec, buyer)
            _backdate(placed, spec, now)
    except ValidationError as exc:
        report.skipped.append(f"{spec.key} ({' '.join(exc.messages)})")
        return
    report.created["orders"] += len(placed.orders)


def _place(spec: OrderSpec, buyer: User, address: Address, lines) -> services.PlacedCheckout:
    """Place ``spec``'s checkout as the checkout page would: a cart, its quote, the click.

    The lines go in a cart of their own (a visitor's cart, which ``place_order`` accepts
    for its buyer), not in the shopper's cart, which the demo may fill with other things.
    """
    cart = Cart.objects.create()
    for variant, quantity in lines:
        services.add_to_cart(cart=cart, variant_id=variant.pk, quantity=quantity)
    quote = services.cart_quote(cart=cart, buyer=buyer, discount_code=spec.code, payment_method=spec.method)
    if not quote.can_place:
        problems = [line.problem for line in quote.line_problems] + list(quote.errors.values())
        raise ValidationError(problems or ["cannot be placed"])
    placed = services.place_order(
        buyer=buyer,
        cart=cart,
        address=address,
        payment_method=spec.method,
        idempotency_key=spec.key,
        quote_digest=quote.digest,
        discount_code=spec.code,
        note=spec.note,
    )
    cart.delete()
    return placed


def _tracking_number(spec: OrderSpec, order: Order) -> str:
    digits = int(hashlib.sha256(f"{spec.key}:{order.store_id}".encode()).hexdigest(), 16) % 10**12
    return f"{TRACKING_PREFIX.get(spec.carrier, '')}{digits:012d}"


def _tell_story(order: Order, spec: OrderSpec, buyer: User) -> None:
    """Move ``order`` through ``spec.steps`` with the real services, as its seller or buyer."""
    seller = order.store.owner
    for step in spec.steps:
        note = spec.notes.get(step, "")
        if step == "pay":
            order = services.confirm_transfer(order=order, actor=seller, note=note)
        elif step == "ship":
            order = services.mark_shipped(
                order=order, actor=seller, carrier=spec.carrier, tracking_number=_tracking_number(spec, order)
            )
        elif step == "deliver":
            order = services.mark_delivered(order=order, actor=seller)
        elif step == "receive":
            order = services.confirm_receipt(order=order, actor=buyer)
        elif step == "cancel":
            order = services.cancel_order(order=order, actor=buyer, note=note)
        elif step == "expire":
            # Its time is up: what the periodic task finds after ORDER_BANK_TRANSFER_HOURS.
            Order.objects.filter(pk=order.pk).update(expires_at=timezone.now())
            order = services.expire_order(order=order)
            if order is None:
                raise ValidationError("could not expire")
        elif step == "refuse":
            order = services.mark_refused(order=order, actor=seller, note=note)
        elif step == "refund":
            order = payments.refund_order(order=order, actor=seller, note=note)
        else:  # pragma: no cover - the specs are checked on import
            raise ValueError(step)


# Which timestamp each state sets (``placed_at`` is the first event's).
STATUS_TIMESTAMPS = {
    OrderStatus.PAID: "paid_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.COMPLETED: "completed_at",
    OrderStatus.CANCELLED: "closed_at",
    OrderStatus.EXPIRED: "closed_at",
    OrderStatus.REFUSED: "closed_at",
    OrderStatus.REFUNDED: "closed_at",
}


def _backdate(placed: services.PlacedCheckout, spec: OrderSpec, now: datetime) -> None:
    """Spread the checkout's timeline over the past: placed ``spec.days_ago`` days ago, each
    step ``STEP_HOURS`` after the one before. Its order numbers carry the day it was placed."""
    placed_at = now - timedelta(days=spec.days_ago)
    times = [placed_at]
    for step in spec.steps:
        times.append(times[-1] + timedelta(hours=STEP_HOURS[step]))
    for order in placed.orders:
        events = list(OrderEvent.objects.filter(order=order).order_by("pk"))
        if len(events) != len(times):  # pragma: no cover - a transition recorded more or less than one event
            raise ValidationError(f"{len(events)} events for {len(times)} steps")
        fields = {"placed_at": placed_at, "number": f"ET{placed_at:%y%m%d}-{order.number.rsplit('-', 1)[1]}"}
        for event, when in zip(events, times, strict=True):
            event.created_at = when
            if event.to_status in STATUS_TIMESTAMPS:
                fields[STATUS_TIMESTAMPS[event.to_status]] = when
            if event.to_status == OrderStatus.DELIVERED and order.payment_method == PaymentMethod.COD:
                fields["paid_at"] = when  # cash at the door
        OrderEvent.objects.bulk_update(events, ["created_at"])
        if events[-1].to_status == OrderStatus.PENDING_PAYMENT and order.payment_method == PaymentMethod.BANK_TRANSFER:
            fields["expires_at"] = placed_at + timedelta(hours=settings.ORDER_BANK_TRANSFER_HOURS)
        Order.objects.filter(pk=order.pk).update(**fields)
    Payment.objects.filter(pk=placed.payment.pk).update(created_at=placed_at, updated_at=times[-1])
    DiscountRedemption.objects.filter(payment=placed.payment).update(created_at=placed_at)
