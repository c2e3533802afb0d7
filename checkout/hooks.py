"""Questions checkout asks the layers above it, answered by whoever registered an answer.

checkout may not import social, yet a review request should not ask for a review already
written. social registers the answer in its ``AppConfig.ready()``; with nobody registered,
nothing counts as reviewed. Special terms (chat's offers) are read and consumed through the
owner their layer registers (``register_terms_owner``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from django.http import Http404
from django.utils.translation import gettext as _

from checkout.terms import SpecialTerms

Pairs = set[tuple[int, int]]
_reviewed_lookups: list[Callable[[Iterable[tuple[int, int]]], Pairs]] = []


def register_reviewed_products(lookup: Callable[[Iterable[tuple[int, int]]], Pairs]) -> None:
    """``lookup(pairs)`` answers which ``(user_id, product_id)`` pairs have a review (one query)."""
    if lookup not in _reviewed_lookups:
        _reviewed_lookups.append(lookup)


def reviewed_pairs(pairs: Iterable[tuple[int, int]]) -> Pairs:
    pairs = set(pairs)
    found: Pairs = set()
    if pairs:
        for lookup in _reviewed_lookups:
            found |= lookup(pairs)
    return found


# --- Special terms (``checkout.terms.SpecialTerms``) -------------------------------------------


class TermsOwner(Protocol):
    """The layer that made special terms of one ``kind`` (chat's offers) and answers for them."""

    def terms(self, *, reference: int, buyer, locked: bool) -> SpecialTerms:
        """The terms as they are now, for ``buyer`` only. ``locked``: the caller is placing the
        order in a transaction: lock the terms' row so a second placement waits, then finds
        them used. Raises ``Http404`` for terms that are not the buyer's (or do not exist) and
        ``checkout.exceptions.TermsUnavailable`` for terms that can no longer be used
        (expired, used, withdrawn, changed)."""

    def used(self, *, terms: SpecialTerms, buyer, orders: list) -> None:
        """The order was placed on ``terms`` (inside the placing transaction): mark them used."""


_terms_owners: dict[str, TermsOwner] = {}


def register_terms_owner(kind: str, owner: TermsOwner) -> None:
    _terms_owners[kind] = owner


def terms_owner(kind: str) -> TermsOwner | None:
    return _terms_owners.get(kind)


def parse_terms_token(token: str) -> tuple[str, int] | None:
    """``"offer:12"`` -> ``("offer", 12)`` for a registered kind; ``None`` otherwise."""
    kind, _sep, reference = (token or "").partition(":")
    if kind not in _terms_owners or not reference.isdigit() or len(reference) > 18:
        return None
    return kind, int(reference)


def terms_for(token: str, *, buyer, locked: bool = False) -> SpecialTerms:
    """The special terms a page or a request names (``"offer:12"``), as their owner reads them.
    Raises ``Http404`` for a token nobody owns, or terms that are not ``buyer``'s."""
    parsed = parse_terms_token(token)
    if parsed is None:
        raise Http404(_("No such offer."))
    kind, reference = parsed
    return _terms_owners[kind].terms(reference=reference, buyer=buyer, locked=locked)
