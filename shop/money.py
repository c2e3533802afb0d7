"""Money: integer amounts in the currency's minor unit, formatted with Babel.

A price is never a float. ``150000`` rupiah is stored as ``15000000`` (sen), the
ISO 4217 minor unit, which is also what Stripe expects for IDR.
"""

from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency, get_currency_precision
from django.conf import settings
from django.utils import translation

BABEL_LOCALES = {"en": "en_US", "id": "id_ID"}


def currency_exponent(currency: str | None = None) -> int:
    return get_currency_precision(currency or settings.SHOP_CURRENCY)


def to_minor(major: Decimal | int | str, currency: str | None = None) -> int:
    """Convert a major-unit amount (``"150000"`` or ``Decimal("12.50")``) to minor units.

    Raises ``ValueError`` for anything that is not a finite amount with at most the
    currency's number of decimal places.
    """
    try:
        value = Decimal(str(major).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {major!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {major!r}")
    exponent = currency_exponent(currency)
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise ValueError(f"too many decimal places: {major!r}")
    return int(minor)


def to_major(minor: int, currency: str | None = None) -> Decimal:
    return Decimal(minor).scaleb(-currency_exponent(currency))


def babel_locale(language: str | None = None) -> str:
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return BABEL_LOCALES.get(language, "en_US")


def format_money(minor: int | None, currency: str | None = None, language: str | None = None) -> str:
    """``format_money(15000000)`` -> ``"Rp150.000"`` in Indonesian, ``"IDR150,000"`` in English.

    Whole amounts are shown without decimals, as shoppers read prices.
    """
    if minor is None:
        return ""
    currency = currency or settings.SHOP_CURRENCY
    value = to_major(minor, currency)
    locale = babel_locale(language)
    if value == value.to_integral_value():
        pattern = Locale.parse(locale).currency_formats["standard"].pattern
        whole = pattern.replace(".00", "").replace(",00", "")
        return format_currency(value, currency, format=whole, locale=locale, currency_digits=False)
    return format_currency(value, currency, locale=locale)
