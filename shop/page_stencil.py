"""Whole pages rendered once for each shape, then filled in for each request.

A feed page is the same HTML for everyone who sees it in the same language, except for a
few holes: the site header (the viewer's name and cart), the post cards, the CSRF token,
the address of the next page. Yet putting ``base.html``, the feed's layout and its partials
together through the template engine cost about 2.5 ms of CPU a page on a small server, more
than the page's query. So such a page is rendered once for each *shape*: the template, the
language and time zone, and the values the view says shape the page (which tab, a first or
a later page, signed in or not...). Each hole holds a marker, the result is kept in the
per-process ``fragments`` cache (as the header and the footer are: a pure function of its
key, nothing to invalidate), and each request fills the holes with its own HTML.

The rules that keep that correct:

- The stencil is rendered for nobody: ``user`` is a stand-in (signed in or not, no name, no
  store), ``request`` is None and there are no messages. A view only uses ``render`` for a
  template that shows messages when none are waiting (``has_messages``).
- Every value of ``shape`` goes into the key: it must be plain data (text, numbers, flags).
- A hole is a context variable whose value is ``slot(name)`` while the stencil is rendered,
  or a tag that returns ``slot(name)`` when ``is_stencil(context)`` (the site header, the
  post cards). ``csrf_token`` is always a hole.
- ``tests/social/test_page_stencil.py`` and the feed pages' tests check that a filled page is
  exactly the page the templates render in full.

With ``DEBUG`` on the ``fragments`` cache keeps nothing, so every page is rendered afresh
(and template edits show).

The stencil is kept, and the page put together, as UTF-8 bytes: one character outside
Latin-1 anywhere on the page (the "…" of "Loading…") made Python widen all of the page's
150 kB of text to two bytes a character when joining it, then encode it back, character by
character. A fill may give bytes (UTF-8) or text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

STENCIL_FLAG = "page_stencil"
CSRF_SLOT = "csrf_token"
_SLOT = "\x00page-slot:{}\x00"
_SLOTS = re.compile("\x00page-slot:([a-z_]+)\x00")
# Bump when what is cached changes in a way old entries must not survive.
FORMAT = 2


class SignedInNobody(AnonymousUser):
    """The viewer a stencil for signed-in people is rendered for: signed in, nothing else
    (no name, no id, no store). Post cards (``social.cards``) use it too."""

    pk = id = None
    username = ""

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_authenticated(self) -> bool:
        return True


def slot(name: str) -> SafeString:
    """The marker of the hole ``name``."""
    return mark_safe(_SLOT.format(name))


def is_stencil(context) -> bool:
    """Whether ``context`` renders a stencil (tags that fill a hole return ``slot(...)`` then)."""
    return bool(context.get(STENCIL_FLAG))


def has_messages(request) -> bool:
    """Whether messages wait to be shown on this page (they are not marked as read)."""
    return len(messages.get_messages(request)) > 0


def _key(template_name: str, signed_in: bool, shape: dict, holes: list[str]) -> str:
    facts = (
        FORMAT,
        template_name,
        translation.get_language() or settings.LANGUAGE_CODE,
        timezone.get_current_timezone_name(),
        get_script_prefix(),
        signed_in,
        sorted(shape.items()),
        sorted(holes),
    )
    return "page-stencil:" + hashlib.md5(repr(facts).encode(), usedforsecurity=False).hexdigest()


def _stencil(request, template_name: str, signed_in: bool, shape: dict, holes: list[str]) -> list:
    context = {
        **shape,
        **{name: slot(name) for name in holes},
        CSRF_SLOT: slot(CSRF_SLOT),
        STENCIL_FLAG: True,
        "user": SignedInNobody() if signed_in else AnonymousUser(),
        "request": None,
        "messages": (),
    }
    # The request still goes to render_to_string: the context processors and the language need it.
    parts = _SLOTS.split(render_to_string(template_name, context, request=request))
    # UTF-8 text, hole name, UTF-8 text, ..., UTF-8 text
    return [part.encode() if index % 2 == 0 else part for index, part in enumerate(parts)]


def render(request, template_name: str, *, shape: dict, fills: dict[str, Callable[[], str | bytes]]) -> HttpResponse:
    """``template_name`` as ``request`` should see it: the stencil of this shape, with each hole
    filled by ``fills[name]()`` (HTML, as text or UTF-8: escape what needs it) and
    ``csrf_token`` by the request's token unless ``fills`` has it. ``shape`` holds the other
    context variables the template reads."""
    signed_in = request.user.is_authenticated
    holes = [name for name in fills if name != CSRF_SLOT]
    key = _key(template_name, signed_in, shape, holes)
    parts = caches["fragments"].get_or_set(key, lambda: _stencil(request, template_name, signed_in, shape, holes))
    fill = {CSRF_SLOT: lambda: get_token(request), **fills}
    values: dict[str, bytes] = {}
    out = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            out.append(part)
        else:
            if part not in values:
                value = fill[part]()
                values[part] = value if isinstance(value, bytes) else str(value).encode()
            out.append(values[part])
    return HttpResponse(b"".join(out))
