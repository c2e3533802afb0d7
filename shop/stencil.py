"""Stencils: HTML rendered once, with holes filled in for each request.

Much of a page is the same for everyone who sees it in the same language: the layout, a post
card's picture and caption. Rendering that through the template engine on every request
costs more than the page's queries. So it is rendered once into a *stencil*: the HTML, cut
where a request changes it. Each cut is a *hole*, written in the HTML as ``hole(name)``
while the stencil is rendered and filled with the request's own HTML afterwards (the
viewer's header, the CSRF token, the post cards of a feed page, "3 hours ago").

How a template makes a hole, while a stencil is rendered:

- a context variable whose value is ``hole(name)`` (``render_page`` sets one for every fill);
- a tag that returns ``hole(name)`` when ``is_stencil(context)`` (the site header);
- a block ``{% hole "name" %}...{% endhole %}`` (``shop/templatetags/stencil.py``): rendered
  as usual on a normal render; a hole in a stencil, and when the stencil's ``Rendering``
  names it a *state* (``states``), its content is rendered once in each of the two states and
  kept, so a request picks one instead of rendering it (a post card's like button).

A stencil is rendered for nobody: the user is a stand-in (``stand_in_user``: signed in or
not, no name, no id), ``request`` is None and there are no messages. What differs between
viewers must therefore be a hole, and tests check that a filled stencil is byte for byte what
the templates render in full (``tests/social/test_page_stencil.py``, ``test_cards.py``).

Keys: a stencil is a pure function of what it was rendered from, so its cache key is made of
that (``key``): the sources of every template file (``sources_digest``), the language, the
time zone, the script prefix and the facts the caller names (the template, the shape of the
page, a post's id). Nothing needs invalidating and no version number needs bumping: a
deploy that changes a template changes every key.

A stencil is kept as UTF-8 bytes and holes (``cut``): joining a 150 kB page as text with one
character past Latin-1 in it (an emoji in a caption) makes Python widen all of it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template import Context
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

# The context variable that holds the ``Rendering`` while a stencil is rendered.
RENDERING = "stencil_rendering"
CSRF_HOLE = "csrf_token"
_HOLE = "\x00hole:{}\x00"
# A hole's mark, as written or as the ``urlencode`` filter leaves it (the hole ``<name>|urlencode``).
_HOLES = re.compile("\x00hole:([a-z_]+)\x00|%00hole%3A([a-z_]+)%00")
URLENCODED = "|urlencode"

# A stencil: UTF-8, hole name, UTF-8, ..., UTF-8 (even indexes bytes, odd indexes names).
Parts = list[Any]
# What fills a hole: UTF-8, or a stencil filled from the same values (one state of a block).
Fill = bytes | list


def hole(name: str) -> SafeString:
    """The mark of the hole ``name`` (lowercase letters and ``_``)."""
    return mark_safe(_HOLE.format(name))


class Rendering:
    """What a stencil being rendered keeps beside its HTML (the ``RENDERING`` context variable).

    ``states`` names the ``{% hole %}`` blocks rendered in each state: hole name -> (context
    variable, attribute), rendered with the attribute False and then True; ``variants`` gets
    each block's two renderings, cut. Any other block is a plain hole."""

    def __init__(self, states: Mapping[str, tuple[str, str]] | None = None) -> None:
        self.states = dict(states or {})
        self.variants: dict[str, dict[bool, Parts]] = {}

    def block(self, name: str, render: Callable[[Context], str], context: Context) -> SafeString:
        """The hole for a ``{% hole name %}`` block, recording its states first if it has some."""
        if name in self.states:
            variable, attribute = self.states[name]
            target = context[variable]
            current = getattr(target, attribute, False)
            try:
                self.variants[name] = {}
                for state in (False, True):
                    setattr(target, attribute, state)
                    self.variants[name][state] = cut(render(context))
            finally:
                setattr(target, attribute, current)
        return hole(name)


def is_stencil(context: Context | Mapping[str, Any]) -> bool:
    """Whether ``context`` renders a stencil (a tag that fills a hole returns ``hole(...)`` then)."""
    return context.get(RENDERING) is not None


def cut(html: str) -> Parts:
    """``html`` as a stencil: UTF-8, hole name, UTF-8, ..., UTF-8. A mark the ``urlencode``
    filter wrote (``{{ back_url|urlencode }}``) is the hole ``back_url|urlencode``: its fill
    must be encoded the same way."""
    pieces = _HOLES.split(html)  # text, name or None, None or name, text, ...
    parts: Parts = [pieces[0].encode()]
    for index in range(1, len(pieces), 3):
        plain, encoded = pieces[index], pieces[index + 1]
        parts += [plain if plain is not None else encoded + URLENCODED, pieces[index + 2].encode()]
    return parts


def holes(parts: Parts) -> set[str]:
    """The names of the holes of ``parts``."""
    return set(parts[1::2])


def fill(out: list[bytes], parts: Parts, values: Mapping[str, Fill]) -> None:
    """Append ``parts`` to ``out`` with each hole filled from ``values``: UTF-8 as it is, or a
    stencil (one state of a block) filled in turn from the same ``values``."""
    out.append(parts[0])
    for index in range(1, len(parts), 2):
        value = values[parts[index]]
        if type(value) is list:
            fill(out, value, values)
        else:
            out.append(value)
        out.append(parts[index + 1])


class _SignedInNobody(AnonymousUser):
    """Signed in, and nothing else: no name, no id, no store."""

    pk = id = None
    username = ""

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_authenticated(self) -> bool:
        return True


def stand_in_user(*, signed_in: bool) -> AnonymousUser:
    """The user a stencil is rendered for: signed in or not, nobody in particular."""
    return _SignedInNobody() if signed_in else AnonymousUser()


def _template_dirs() -> list[Path]:
    """Where Django's template engines look (``DIRS``, and each app's ``templates`` with ``APP_DIRS``)."""
    dirs: list[Path] = []
    for engine in settings.TEMPLATES:
        dirs += [Path(path) for path in engine.get("DIRS", [])]
        if engine.get("APP_DIRS"):
            dirs += [Path(config.path) / "templates" for config in apps.get_app_configs()]
    return dirs


@cache
def sources_digest() -> str:
    """A digest of every template file the engines can load (names and contents), and of this
    module: what a stencil is rendered from. Read once per process (about 500 files, 0.1 s)."""
    digest = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=12)
    for directory in _template_dirs():
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(directory)).encode() + b"\x00")
                digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def file_digest(path: str) -> str:
    """A digest of one source file, for a key that depends on more code than this module's."""
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=8).hexdigest()


def key(kind: str, *facts: object) -> str:
    """The cache key of a stencil of ``kind`` rendered from ``facts`` (plain values) in the
    current language, time zone and script prefix, from the current template sources."""
    everything = (
        sources_digest(),
        translation.get_language() or settings.LANGUAGE_CODE,
        timezone.get_current_timezone_name(),
        get_script_prefix(),
        facts,
    )
    return f"stencil:{kind}:" + hashlib.md5(repr(everything).encode(), usedforsecurity=False).hexdigest()


def has_messages(request: HttpRequest) -> bool:
    """Whether messages wait to be shown on this page (they are not marked as read)."""
    return len(messages.get_messages(request)) > 0


def _page_stencil(request: HttpRequest, template_name: str, signed_in: bool, shape: dict, names: list[str]) -> Parts:
    context = {
        **shape,
        **{name: hole(name) for name in names},
        CSRF_HOLE: hole(CSRF_HOLE),
        RENDERING: Rendering(),
        "user": stand_in_user(signed_in=signed_in),
        "request": None,
        "messages": (),
    }
    # The request still goes to render_to_string: the context processors and the language need it.
    return cut(render_to_string(template_name, context, request=request))


def render_page(
    request: HttpRequest,
    template_name: str,
    *,
    shape: dict[str, Any],
    fills: Mapping[str, Callable[[], str | bytes]],
) -> HttpResponse:
    """``template_name`` as ``request`` should see it, from its stencil.

    The stencil is rendered once per process for each ``shape`` (the other context variables
    the template reads: plain values, all part of the key), signed in or not, and kept in the
    ``fragments`` cache (which keeps nothing with DEBUG on, so template edits show). Each hole
    is filled by ``fills[name]()`` (HTML, as text or UTF-8: escape what needs it), and
    ``csrf_token`` by the request's token unless ``fills`` has it. Only for a template that
    shows no messages while none wait (``has_messages``): the stencil has none."""
    signed_in = request.user.is_authenticated
    names = sorted(name for name in fills if name != CSRF_HOLE)
    stencil_key = key("page", template_name, signed_in, sorted(shape.items()), names)
    parts = caches["fragments"].get_or_set(
        stencil_key, lambda: _page_stencil(request, template_name, signed_in, shape, names)
    )
    makers = {CSRF_HOLE: lambda: get_token(request), **fills}
    values: dict[str, Fill] = {}
    for name in holes(parts):
        value = makers[name]()
        values[name] = value if isinstance(value, bytes) else str(value).encode()
    out: list[bytes] = []
    fill(out, parts, values)
    return HttpResponse(b"".join(out))
