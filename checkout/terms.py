"""Special terms: a personal cart agreed with one buyer by a layer above checkout (chat's
offers), priced by checkout (``checkout.pricing.build_quote``) and consumed at placement
through the owner registered in ``checkout.hooks``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TermsLine:
    """A line of special terms: ``unit_price`` is the price agreed (``None``: the variant's
    price at the time of buying)."""

    variant_id: int
    quantity: int
    unit_price: int | None = None


@dataclass(frozen=True)
class SpecialTerms:
    """A personal cart a higher layer agreed with one buyer (chat's offers): lines with their
    own prices, a discount off the subtotal and a shipping amount (``None``: the store's
    normal shipping). Checkout prices it like any source, every amount on the server, and
    takes stock only at placement. ``kind`` and ``reference`` name who owns the terms: the
    owner registered in ``checkout.hooks`` reads them again, locked, when the order is
    placed, and marks them used in the same transaction (see ``checkout.hooks``)."""

    kind: str
    reference: int
    buyer_id: int
    lines: tuple[TermsLine, ...]
    discount: int = 0
    shipping: int | None = None

    @property
    def token(self) -> str:
        """How a page names these terms (``"offer:12"``): read back by ``checkout.hooks``."""
        return f"{self.kind}:{self.reference}"
