"""The checkout quote: every amount a shopper is shown or charged, computed here only.

A quote is built from cart lines and the variants as they are *now* (or as locked by
``place_order``), the stores' shipping and payment settings, a discount code and the payment
method. Nothing in it comes from the client. Its ``digest`` fingerprints what the shopper
was shown: placing an order with a digest that no longer matches is refused, so a price
that changed between the page and the click is never charged silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductVariant, Store
from checkout.models import DiscountCode, DiscountRedemption, PaymentMethod, StoreCheckoutSettings
from checkout.terms import SpecialTerms
from shop.models import User
from shop.money import format_money

MAX_LINE_QUANTITY = 99


@dataclass
class QuoteLine:
    variant: ProductVariant
    quantity: int
    price_seen: int
    line_id: int | None = None
    # The price agreed in special terms (a seller's offer). Never more than the variant's
    # price now: a seller who lowered the price since the offer was made gets the lower one.
    special_price: int | None = None

    @property
    def product(self) -> Product:
        return self.variant.product

    @property
    def unit_price(self) -> int:
        if self.special_price is not None:
            return min(self.special_price, self.variant.price)
        return self.variant.price

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity

    @property
    def price_changed(self) -> bool:
        return self.price_seen != self.unit_price

    @property
    def problem(self) -> str:
        """Why this line cannot be bought as it is, or ``""``."""
        if not (self.product.status == Product.Status.ACTIVE and self.variant.store.is_active):
            return _("No longer on sale.")
        if self.variant.stock <= 0:
            return _("Sold out.")
        if self.variant.stock < self.quantity:
            return _("Only %(count)d left.") % {"count": self.variant.stock}
        return ""


@dataclass
class StoreQuote:
    store: Store
    settings: StoreCheckoutSettings
    lines: list[QuoteLine]
    subtotal: int = 0
    shipping: int = 0
    discount: int = 0
    cod_fee: int = 0

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping - self.discount + self.cod_fee

    @property
    def free_shipping(self) -> bool:
        return self.shipping == 0


@dataclass
class Quote:
    stores: list[StoreQuote]
    payment_method: str = ""
    discount_code: DiscountCode | None = None
    errors: dict[str, str] = field(default_factory=dict)  # field name ("discount_code", ...) -> message
    terms: SpecialTerms | None = None  # the special terms priced, if any

    @property
    def lines(self) -> list[QuoteLine]:
        return [line for store in self.stores for line in store.lines]

    @property
    def subtotal(self) -> int:
        return sum(store.subtotal for store in self.stores)

    @property
    def shipping(self) -> int:
        return sum(store.shipping for store in self.stores)

    @property
    def discount(self) -> int:
        return sum(store.discount for store in self.stores)

    @property
    def cod_fee(self) -> int:
        return sum(store.cod_fee for store in self.stores)

    @property
    def total(self) -> int:
        return sum(store.total for store in self.stores)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def line_problems(self) -> list[QuoteLine]:
        return [line for line in self.lines if line.problem]

    @property
    def price_changes(self) -> list[QuoteLine]:
        return [line for line in self.lines if line.price_changed]

    @property
    def can_place(self) -> bool:
        return bool(self.lines) and not self.line_problems and not self.errors

    @property
    def digest(self) -> str:
        """A fingerprint of everything charged: lines, prices, amounts, code and method."""
        parts = [self.payment_method, self.discount_code.code.upper() if self.discount_code else ""]
        if self.terms is not None:
            parts.append(self.terms.token)
        for store in self.stores:
            parts.append(f"s{store.store.pk}:{store.subtotal}:{store.shipping}:{store.discount}:{store.cod_fee}")
            parts.extend(f"v{line.variant.pk}x{line.quantity}@{line.unit_price}" for line in store.lines)
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


# --- Settings and methods -----------------------------------------------------------------


def store_settings(store: Store) -> StoreCheckoutSettings:
    """``store``'s checkout settings, or unsaved defaults (free shipping, no transfer, no COD)."""
    try:
        return store.checkout_settings
    except StoreCheckoutSettings.DoesNotExist:
        return StoreCheckoutSettings(store=store)


def card_payments_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)


def shipping_for(store_settings_: StoreCheckoutSettings, subtotal: int) -> int:
    threshold = store_settings_.free_shipping_threshold
    if threshold is not None and subtotal >= threshold:
        return 0
    return store_settings_.shipping_flat_rate


def method_problem(method: str, store: StoreQuote) -> str:
    """Why ``store`` cannot be paid by ``method``, or ``""``."""
    name = store.store.name
    if method == PaymentMethod.CARD:
        return "" if card_payments_enabled() else _("Card payments are not available.")
    if method == PaymentMethod.BANK_TRANSFER:
        if not store.settings.accepts_bank_transfer:
            return _("%(store)s does not take bank transfers.") % {"store": name}
        return ""
    if method == PaymentMethod.COD:
        if not store.settings.cod_enabled:
            return _("%(store)s does not take cash on delivery.") % {"store": name}
        limit = store.settings.cod_max_order
        if limit is not None and store.subtotal + store.shipping - store.discount > limit:
            return _("%(store)s takes cash on delivery for orders up to %(limit)s.") % {
                "store": name,
                "limit": format_money(limit),
            }
        return ""
    return _("Choose a payment method.")


def available_methods(stores: list[StoreQuote]) -> list[tuple[str, str, str]]:
    """``[(method, label, problem)]`` for every method, ``problem`` empty when it can be used."""
    result = []
    for method, label in PaymentMethod.choices:
        if method == PaymentMethod.CARD and not card_payments_enabled():
            continue  # Without Stripe keys the option is not shown at all.
        problems = [problem for store in stores if (problem := method_problem(method, store))]
        result.append((method, str(label), problems[0] if problems else ""))
    return result


# --- Discount codes -----------------------------------------------------------------------


def find_discount(code: str) -> DiscountCode | None:
    code = (code or "").strip()
    if not code:
        return None
    return DiscountCode.objects.select_related("store").filter(code__iexact=code).first()


def discount_problem(
    discount: DiscountCode, *, buyer: User | AnonymousUser | None, stores: list[StoreQuote], now: datetime
) -> str:
    """Why ``discount`` cannot be used on this checkout, or ``""``."""
    if not discount.is_active or discount.starts_at > now:
        return _("This code is not valid yet.") if discount.is_active else _("This code is no longer valid.")
    if discount.ends_at is not None and discount.ends_at <= now:
        return _("This code has expired.")
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        return _("This code has been used up.")
    if discount.per_user_limit is not None and buyer is not None and buyer.is_authenticated:
        used = DiscountRedemption.objects.filter(code=discount, user=buyer).count()
        if used >= discount.per_user_limit:
            return _("You have already used this code.")
    eligible = [store for store in stores if discount.store_id is None or store.store.pk == discount.store_id]
    if not eligible:
        assert discount.store is not None  # (a code for every store applies to any)
        return _("This code is for %(store)s, which is not in your cart.") % {"store": discount.store.name}
    spend = sum(store.subtotal for store in eligible)
    if spend < discount.min_spend:
        return _("This code needs a spend of at least %(amount)s.") % {"amount": format_money(discount.min_spend)}
    return ""


def apply_discount(discount: DiscountCode, stores: list[StoreQuote]) -> None:
    """Set each eligible store's ``discount``: a percentage of its subtotal, or a fixed amount
    shared out in proportion to the subtotals (the remainder to the largest). Never more
    than a subtotal; shipping is never discounted."""
    eligible = [store for store in stores if discount.store_id is None or store.store.pk == discount.store_id]
    if discount.kind == DiscountCode.Kind.PERCENTAGE:
        for store in eligible:
            store.discount = store.subtotal * discount.value // 100
        return
    spend = sum(store.subtotal for store in eligible)
    amount = min(discount.value, spend)
    if spend == 0:
        return
    shares = [amount * store.subtotal // spend for store in eligible]
    largest = max(range(len(eligible)), key=lambda index: eligible[index].subtotal)
    shares[largest] += amount - sum(shares)
    for store, share in zip(eligible, shares, strict=True):
        store.discount = min(share, store.subtotal)


# --- The quote ----------------------------------------------------------------------------


def build_quote(
    lines: list[QuoteLine],
    *,
    buyer: User | AnonymousUser | None = None,
    discount_code: str = "",
    payment_method: str = "",
    now: datetime | None = None,
    terms: SpecialTerms | None = None,
) -> Quote:
    """Price ``lines`` (their variants loaded with ``product``, ``store`` and the store's
    ``checkout_settings``) for ``buyer``. Problems go into ``quote.errors``; the amounts are
    always filled so the page can show them. With special ``terms`` (their lines' prices are
    already on ``lines``), their shipping and discount replace the store's and any code."""
    now = now or timezone.now()
    by_store: dict[int, StoreQuote] = {}
    for line in lines:
        seller = line.variant.store
        if seller.pk not in by_store:
            by_store[seller.pk] = StoreQuote(store=seller, settings=store_settings(seller), lines=[])
        by_store[seller.pk].lines.append(line)
    stores = list(by_store.values())
    quote = Quote(stores=stores, payment_method=payment_method, terms=terms)

    for store in stores:
        store.subtotal = sum(line.line_total for line in store.lines)
        store.shipping = shipping_for(store.settings, store.subtotal)
        if terms is not None:
            if terms.shipping is not None:
                store.shipping = terms.shipping
            store.discount = min(terms.discount, store.subtotal)

    if terms is not None and discount_code.strip():
        quote.errors["discount_code"] = _("A personal offer cannot be combined with a discount code.")
    elif discount_code.strip():
        discount = find_discount(discount_code)
        if discount is None:
            quote.errors["discount_code"] = _("There is no such code.")
        elif problem := discount_problem(discount, buyer=buyer, stores=stores, now=now):
            quote.errors["discount_code"] = problem
        else:
            quote.discount_code = discount
            apply_discount(discount, stores)

    if payment_method:
        if payment_method not in PaymentMethod.values:
            quote.errors["payment_method"] = _("Choose a payment method.")
        else:
            if payment_method == PaymentMethod.COD:
                for store in stores:
                    store.cod_fee = store.settings.cod_fee
            problems = [problem for store in stores if (problem := method_problem(payment_method, store))]
            if problems:
                quote.errors["payment_method"] = problems[0]
    return quote
