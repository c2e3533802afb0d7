"""What shop's own pages ask the apps above it, and the one way such a question is answered.

A lower app's page that must show something a higher app owns declares a signal here (or in
its own ``signals.py``); the higher app connects a receiver in its ``AppConfig.ready()``, and
the receiver *returns* what it adds. A template sends an HTML signal with
``{% render_signal "catalog.signals.product_page_shown" product=product %}`` (see
``shop/templatetags/render_signal.py``): each receiver returns HTML (a rendered template) or
``""``, and the page shows them in the order the apps are installed. Receivers take the
sender (``None`` for a page) and keyword arguments only, ``request`` among them.
"""

from __future__ import annotations

from django.dispatch import Signal
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# signed_in: bool, has_store: bool -> HTML beside the header's bell (chat's link to the chats).
# Part of the header that is rendered once for everyone alike: ``request`` is None.
site_header_shown = Signal()
# request -> HTML at the top of the back office's front page (the seller's chores and links).
admin_index_shown = Signal()


def html_from(signal: Signal, **kwargs: object) -> SafeString:
    """Send ``signal`` (with ``sender=None``) and join the HTML its receivers return, in the
    order they were connected. A receiver's answer that is not marked safe is escaped."""
    responses = signal.send(sender=None, **kwargs)
    return mark_safe("".join(conditional_escape(html) for _receiver, html in responses if html))
