"""Special terms: a personal cart agreed with one buyer by a layer above checkout (chat's
offers), priced by checkout (``checkout.pricing.build_quote``), read through
``checkout.signals.special_terms_wanted`` and consumed at placement through
``checkout.signals.special_terms_used`` (their owner answers both)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.translation import gettext as _

from checkout import signals

if TYPE_CHECKING:
    from shop.models import User


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
    takes stock only at placement. ``kind`` and ``reference`` name who owns the terms: their
    owner reads them again, locked, when the order is placed, and marks them used in the same
    transaction (``checkout.signals.special_terms_wanted`` and ``special_terms_used``)."""

    kind: str
    reference: int
    buyer_id: int
    lines: tuple[TermsLine, ...]
    discount: int = 0
    shipping: int | None = None

    @property
    def token(self) -> str:
        """How a page names these terms (``"offer:12"``): read back by ``terms_for``."""
        return f"{self.kind}:{self.reference}"


_TOKEN = re.compile(r"([a-z_]{1,20}):([0-9]{1,18})")


def parse_terms_token(token: str) -> tuple[str, int] | None:
    """``"offer:12"`` -> ``("offer", 12)``; ``None`` for anything not shaped like a token."""
    match = _TOKEN.fullmatch(token or "")
    return (match[1], int(match[2])) if match else None


def terms_for(token: str, *, buyer: User, locked: bool = False) -> SpecialTerms:
    """The special terms a page or a request names (``"offer:12"``), as their owner reads them.
    Raises ``Http404`` for a token nobody owns, or terms that are not ``buyer``'s, and
    ``TermsUnavailable`` (from the owner) for terms that can no longer be used."""
    parsed = parse_terms_token(token)
    if parsed is not None:
        kind, reference = parsed
        responses = signals.special_terms_wanted.send(
            sender=SpecialTerms, kind=kind, reference=reference, buyer=buyer, locked=locked
        )
        for _receiver, terms in responses:
            if terms is not None:
                return terms
    raise Http404(_("No such offer."))


def mark_terms_used(*, terms: SpecialTerms, buyer: User, orders: list) -> None:
    """Inside the placing transaction: the order was placed on ``terms``; their owner marks
    them used (``checkout.signals.special_terms_used``)."""
    responses = signals.special_terms_used.send(sender=SpecialTerms, terms=terms, buyer=buyer, orders=orders)
    if not any(handled for _receiver, handled in responses):
        raise RuntimeError(f"Nobody marked the special terms {terms.token} used.")
