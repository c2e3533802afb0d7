from functools import cache

from django import template
from django.dispatch import Signal
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString

from shop.signals import html_from

register = template.Library()


@cache
def _signal(path: str) -> Signal:
    signal = import_string(path)
    if not isinstance(signal, Signal):
        raise TypeError(f"{path} is not a signal")
    return signal


@register.simple_tag(takes_context=True)
def render_signal(context: template.Context, path: str, **kwargs: object) -> SafeString:
    """``{% render_signal "catalog.signals.product_page_shown" product=product %}``: sends the
    signal named by its dotted path with the page's ``request`` and these arguments, and shows
    the HTML the receivers return (``shop.signals.html_from``)."""
    return html_from(_signal(path), request=context.get("request"), **kwargs)
