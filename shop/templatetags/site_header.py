"""The site header: ``{% site_header cart=cart_html %}`` in ``base.html``.

Every page shows the header, and rendering it is most of what a short page costs
(twenty-odd URL reversals, forty translated strings). Yet it depends on a handful of facts:
the language, who is signed in (their name, their store), and which section of the site the
page belongs to. So it is rendered once for
each combination of those and reused. The rendering is a pure function of its key, kept in
each process's ``fragments`` cache (as the footer's ``{% cache %}`` is; see the setting):
nothing has to be invalidated, since a new name or a new store is a new key.

What differs on every request is cut out of the cached HTML and filled in each time: the
cart link (rendered by checkout, passed in as ``cart``), the CSRF token of the two forms,
the search box's text and the page to come back to after switching languages.

With ``DEBUG`` on, that cache keeps nothing, so template edits show.
"""

from __future__ import annotations

import hashlib

from django import template
from django.conf import settings
from django.core.cache import caches
from django.template.loader import get_template
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from shop import page_stencil
from shop import signals as shop_signals
from shop.context_processors import SITE_NAME

TEMPLATE = "components/site_header.html"
_SLOT = "\x00header:{}\x00"
SLOTS = ("cart", "csrf", "search", "next")
# The header's hole in a page kept whole by shop.page_stencil.
HEADER_SLOT = "site_header"
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


def _stencil(language: str, script_prefix: str, username: str, store_url: str, section: str, poll_seconds: int) -> str:
    """The header's HTML for these facts, with a marker in place of each slot. ``username``
    is empty for visitors. ``script_prefix`` is in the key because URLs are built with it."""
    signed_in = bool(username)
    with translation.override(language):
        return get_template(TEMPLATE).render(
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
                **{f"{name}_slot": _SLOT.format(name) for name in SLOTS},
            }
        )


def header_html(request, user, *, cart: str, csrf_token: str) -> SafeString:
    """The header for ``user`` on ``request``'s page, with ``cart`` (the cart link's HTML) in it."""
    username = user.get_username() if user is not None and user.is_authenticated else ""
    store = getattr(user, "store", None) if username else None
    facts = (
        translation.get_language() or settings.LANGUAGE_CODE,
        get_script_prefix(),
        username,
        store.get_absolute_url() if store else "",
        section_of(request, username),
        settings.NOTIFICATION_POLL_SECONDS,
    )
    key = "site-header:" + hashlib.md5(repr(facts).encode(), usedforsecurity=False).hexdigest()
    html = caches["fragments"].get_or_set(key, lambda: _stencil(*facts))
    return mark_safe(
        html.replace(_SLOT.format("cart"), str(cart))
        .replace(_SLOT.format("csrf"), escape(str(csrf_token)))
        .replace(_SLOT.format("search"), escape(request.GET.get("q", "") if request else ""))
        .replace(_SLOT.format("next"), escape(request.get_full_path() if request else "/"))
    )


@register.simple_tag(takes_context=True)
def site_header(context, cart: str = "") -> SafeString:
    if page_stencil.is_stencil(context):
        # A page kept whole (shop.page_stencil): the header is one of the holes it fills.
        return page_stencil.slot(HEADER_SLOT)
    return header_html(context.get("request"), context.get("user"), cart=cart, csrf_token=context.get("csrf_token", ""))
