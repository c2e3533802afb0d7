from django import template

from shop.money import format_money

register = template.Library()


@register.filter(name="money")
def money(amount, currency=None):
    """``{{ variant.price|money }}`` -> ``Rp150.000`` in the active language."""
    return format_money(amount, currency)
