"""The site header: ``{% site_header cart=cart_html %}`` in ``base.html``.

Every page shows the header, and it is many URL reversals and translated strings, yet it
depends on a handful of facts: the language, who is signed in (their name, their store),
and which section of the site the page belongs to. So it is a stencil (``shop.stencil``)
rendered once for each combination of those, kept in each process's ``fragments`` cache (as
the footer's ``{% cache %}`` is; see the setting): nothing has to be invalidated, since a new
name or a new store is a new key.

Its holes are filled on every request: the cart link (rendered by checkout, passed in as
``cart``), the CSRF token of the two forms, the search box's text and the page to come back
to after switching languages.

With ``DEBUG`` on, that cache keeps nothing, so template edits show.
"""

from __future__ import annotations

from functools import cache

from django import template
from django.conf import settings
from django.core.cache import caches
from django.template import engines
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from shop import signals as shop_signals
from shop import stencil
from shop.context_processors import SITE_NAME

TEMPLATE = "components/site_header.html"
# The header's own holes (``shop.stencil``), filled on every request.
HOLES = ("cart", "csrf_token", "search", "next_url")
# The header's hole in a page's stencil.
HEADER_HOLE = stencil.HEADER_HOLE
# The header's sections (aria-current): the view names of each section's pages.
SECTIONS = {
    "home": "feed",
    "social:following": "feed",
    "social:for_you": "feed",
    "catalog:product_list": "shop",
    "catalog:search": "shop",
    "catalog:category": "shop",
    "catalog:product_detail": "shop",
    "catalog:store_detail": "shop",
    "social:post_create": "new_post",
    "social:saved": "saved",
    "notifications:inbox": "inbox",
}

register = template.Library()


def section_of(request, username: str) -> str:
    """The header section that ``request``'s page belongs to, or ``""``."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.view_name == "social:user_profile":
        return "profile" if username and match.kwargs.get("username") == username else ""
    return SECTIONS.get(match.view_name, "")


def _stencil(language: str, username: str, store_url: str, section: str, poll_seconds: int) -> stencil.Parts:
    """The header's stencil for these facts (``HOLES`` left open). ``username`` is empty for visitors."""
    signed_in = bool(username)
    with translation.override(language):
        html = get_template(TEMPLATE).render(
            {
                "signed_in": signed_in,
                "username": username,
                "profile_url": reverse("social:user_profile", kwargs={"username": username}) if signed_in else "",
                "store_url": store_url,
                "section": section,
                "SITE_NAME": SITE_NAME,
                "NOTIFICATION_POLL_SECONDS": poll_seconds,
                # What higher apps add beside the bell (chat's link and its unread badge). It is
                # part of the cached header, so it may depend only on these facts (never on a
                # request: ``request`` is None); scripts fill in what changes.
                "header_links": shop_signals.html_from(
                    shop_signals.site_header_shown, request=None, signed_in=signed_in, has_store=bool(store_url)
                )
                if signed_in
                else "",
                **{name: stencil.hole(name) for name in HOLES},
            }
        )
    return stencil.cut(html)


def header_html(request, user, *, cart: str, csrf_token: str) -> SafeString:
    """The header for ``user`` on ``request``'s page, with ``cart`` (the cart link's HTML) in it."""
    username = user.get_username() if user is not None and user.is_authenticated else ""
    store = getattr(user, "store", None) if username else None
    facts = (
        translation.get_language() or settings.LANGUAGE_CODE,
        username,
        store.get_absolute_url() if store else "",
        section_of(request, username),
        settings.NOTIFICATION_POLL_SECONDS,
    )
    parts = caches["fragments"].get_or_set(stencil.key("site-header", *facts), lambda: _stencil(*facts))
    values: dict[str, stencil.Fill] = {
        "cart": str(cart).encode(),
        "csrf_token": escape(str(csrf_token)).encode(),
        "search": escape(request.GET.get("q", "") if request else "").encode(),
        "next_url": escape(request.get_full_path() if request else "/").encode(),
    }
    out: list[bytes] = []
    stencil.fill(out, parts, values)
    return mark_safe(b"".join(out).decode())


@cache
def _cart_link():
    # Checkout's tag, as base.html uses it: shop does not import checkout.
    return engines["django"].from_string("{% load cart %}{% cart_link_html %}")


def header_for_request(request, *, csrf_token: str) -> SafeString:
    """The header as ``base.html`` shows it on ``request``'s page (the hole a page's stencil
    leaves for it, filled by ``stencil.render_page``)."""
    cart = _cart_link().render({"request": request})
    return header_html(request, request.user, cart=cart, csrf_token=csrf_token)


@register.simple_tag(takes_context=True)
def site_header(context, cart: str = "") -> SafeString:
    if stencil.is_stencil(context):
        # In a page's stencil, the header is one of the holes each request fills.
        return stencil.hole(HEADER_HOLE)
    return header_html(context.get("request"), context.get("user"), cart=cart, csrf_token=context.get("csrf_token", ""))
