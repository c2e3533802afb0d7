"""The header's cart: ``{% load cart %}``.

``{% cart_link_html as html %}`` renders the header's cart link with the item count of the
visitor's cart from the cache (no database query); when the count is not cached the link asks
for it once the page has loaded (htmx), so no page pays a query for it: feed pages keep their
query budgets.
"""

from django import template
from django.core.cache import caches
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from checkout.cart_session import cached_cart_count

register = template.Library()


def cart_link_for(request) -> SafeString:
    """The header's cart link for whoever makes ``request``.

    The link is a pure function of the count, the language and the script prefix, so it is
    rendered once for each and kept in the per-process ``fragments`` cache, as the header is."""
    count = cached_cart_count(request) if request is not None else None
    key = f"cart-link:{translation.get_language()}:{get_script_prefix()}:{count}"
    html = caches["fragments"].get_or_set(key, lambda: render_to_string("components/cart_link.html", {"count": count}))
    return mark_safe(html)  # rendered by components/cart_link.html, which escapes


@register.simple_tag(takes_context=True)
def cart_link_html(context) -> SafeString:
    """The header's cart link as HTML, for ``{% cart_link_html as cart_html %}``: the site
    header (``shop``) is cached, and takes the link, which changes with the cart, as an argument."""
    return cart_link_for(context.get("request"))
