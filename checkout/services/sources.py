"""What a checkout buys: the shopper's cart, one item bought on its own ("Buy now"), or a
seller's special terms (a personal offer made in a chat: ``SpecialTerms``).

"Buy now" buys exactly the variant and quantity chosen, leaving the cart as it was (as
Tokopedia's "Beli langsung"). The item is only a choice, kept by the caller (the site keeps
it in the session): no price is stored with it and no stock is held for it. Its quote is
priced from the variant as it is now, like a cart's, and stock is taken only when the order
is placed. Pressing "Buy now" again replaces the item, so it never adds up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import prefetch_related_objects

from catalog.models import ProductVariant
from checkout import lock_objects
from checkout.models import Cart, CartLine
from checkout.pricing import Quote, QuoteLine, build_quote
from checkout.services.carts import buyable_variant, checked_quantity
from checkout.terms import SpecialTerms
from shop.models import User


@dataclass(frozen=True)
class DirectItem:
    """One variant and quantity bought on its own, outside the cart."""

    variant_id: int
    quantity: int


CheckoutSource = Cart | DirectItem | SpecialTerms


def direct_item(*, variant_id: int | None, quantity: int | None) -> DirectItem:
    """The "Buy now" choice of ``quantity`` of a variant, checked as adding it to a cart would
    be (on sale, a quantity within the line maximum and the stock now). Raises
    ``ValidationError`` naming the field."""
    variant = buyable_variant(variant_id)
    return DirectItem(variant_id=variant.pk, quantity=checked_quantity(quantity=quantity, variant=variant))


def quote_for(
    *,
    source: CheckoutSource | None,
    buyer: User | AnonymousUser | None = None,
    discount_code: str = "",
    payment_method: str = "",
    locked: bool = False,
) -> Quote:
    """The quote of ``source`` (a cart, a "Buy now" item, or nothing) as it is now.
    ``locked``: read the variants ``FOR UPDATE`` (the caller is in a transaction and about to
    reserve them)."""
    terms = None
    special: dict[int, int | None] = {}
    if isinstance(source, SpecialTerms):
        terms = source
        wanted: list[tuple[int, int, int | None, int | None]] = [
            (line.variant_id, line.quantity, None, None) for line in source.lines
        ]
        special = {line.variant_id: line.unit_price for line in source.lines}
    elif isinstance(source, DirectItem):
        wanted = [(source.variant_id, source.quantity, None, None)]
    elif source is not None:
        wanted = [
            (line.variant_id, line.quantity, line.price_seen, line.pk)
            for line in CartLine.objects.filter(cart=source).order_by("added_at", "id")
        ]
    else:
        wanted = []
    variants = _variants({variant_id for variant_id, *_rest in wanted}, locked=locked)
    lines = []
    for variant_id, quantity, price_seen, line_id in wanted:
        if variant_id not in variants:
            continue
        line = QuoteLine(
            variant=variants[variant_id],
            quantity=quantity,
            price_seen=0 if price_seen is None else price_seen,
            line_id=line_id,
            special_price=special.get(variant_id),
        )
        # A "Buy now" item or special terms are priced when shown: the quote's digest guards
        # them from then on.
        if price_seen is None:
            line.price_seen = line.unit_price
        lines.append(line)
    return build_quote(lines, buyer=buyer, discount_code=discount_code, payment_method=payment_method, terms=terms)


def cart_quote(
    *,
    cart: Cart | None,
    buyer: User | AnonymousUser | None = None,
    discount_code: str = "",
    payment_method: str = "",
    locked: bool = False,
) -> Quote:
    """The quote of ``cart`` as it is now (see ``quote_for``)."""
    return quote_for(
        source=cart, buyer=buyer, discount_code=discount_code, payment_method=payment_method, locked=locked
    )


def _variants(pks: set[int], *, locked: bool) -> dict[int, ProductVariant]:
    if not pks:
        return {}
    if locked:
        variants = {v.pk: v for v in lock_objects.variants_for_update(pks)}
        _load_store_settings(variants.values())
        return variants
    return {
        v.pk: v for v in ProductVariant.objects.filter(pk__in=pks).select_related("product", "store__checkout_settings")
    }


def _load_store_settings(variants: Iterable[ProductVariant]) -> None:
    """Attach each store's checkout settings (or none) to every variant's ``store`` in one
    query: each locked row carries its own ``Store`` instance, and a store without a
    settings row must not be looked up again one by one (a prefetch remembers "none")."""
    prefetch_related_objects([variant.store for variant in variants], "checkout_settings")
