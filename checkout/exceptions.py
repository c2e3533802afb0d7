"""Errors a checkout service raises with a message the shopper or seller can act on.

All are ``ValidationError`` subclasses, so forms and the API turn them into a 4xx with
the message; the code says which (``out_of_stock``, ``quote_changed``, ...).
"""

from django.core.exceptions import ValidationError


class CheckoutError(ValidationError):
    pass


class OutOfStock(CheckoutError):
    def __init__(self, message, *, variants=()):
        super().__init__(message, code="out_of_stock")
        self.variants = list(variants)


class QuoteChanged(CheckoutError):
    """What the shopper was shown is not what would be charged now. ``quote``: the quote as
    it is now (``None`` when the refusal came before pricing)."""

    def __init__(self, message, *, quote=None):
        super().__init__(message, code="quote_changed")
        self.quote = quote


class PricesChanged(QuoteChanged):
    """A cart line's price changed since it was added, and the shopper has not seen it yet."""


class IllegalTransition(CheckoutError):
    def __init__(self, message):
        super().__init__(message, code="illegal_transition")


class TermsUnavailable(CheckoutError):
    """Special terms (a seller's offer) that can no longer be used: expired, used, withdrawn,
    or changed (a product in them is gone). Pages and the API answer 409 with the message."""

    def __init__(self, message):
        super().__init__(message, code="offer_unavailable")
