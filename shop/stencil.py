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
- a block ``{% hole "name" %}...{% endhole %}`` (``shop/templatetags/stencil.py``; ``{% hole
  "name" key %}`` for one of many, the hole ``name_<key>``): rendered as usual on a normal
  render; a hole in a stencil, and when the stencil's ``Rendering`` names it a *state*
  (``states``), its content is rendered once in each state and kept, so a request picks one
  instead of rendering it (a post card's like button, a review's "Helpful").

Who fills a hole: the view that renders the page (``render_page``'s ``fills``), or, for a
signal receiver that adds something of the viewer to a page it does not own (social's reviews
on catalog's product page), the receiver itself: it returns ``fill_later(request, html,
filler, ...)``, and the stencil keeps ``filler`` to call for each request.

A stencil is rendered for nobody: a stand-in request (``StandIn``) whose user is signed in
or not, with no name and no id, and no messages. What differs between requests is a hole:
the stand-in's ``get_full_path()`` and ``build_absolute_uri()`` return holes, and a template
or signal receiver that renders ``{% csrf_token %}`` in a stencil passes
``csrf_token=csrf_token(request)`` (the stand-in has no token, and says so loudly). Tests check
that a filled stencil is byte for byte what the templates render in full
(``tests/social/test_page_stencil.py``, ``test_cards.py``, ``tests/catalog/test_page_stencils.py``).

Keys: a stencil is a pure function of what it was rendered from, so its cache key is made of
that (``key``): the sources of every template file (``sources_digest``), the language, the
time zone, the script prefix and the facts the caller names (the template, the shape of the
page, a post's id). No format number needs bumping: a deploy that changes a template
changes every key.

A page that shows data (a product, a list of products) names the data's *version* in its
shape: ``version(scope)`` is a token kept in the default cache, and ``changed(scope)`` replaces
it whenever that data changes (``watch`` connects it to models' saves and deletes; services
that write with ``QuerySet.update()`` call it themselves). A new token makes new keys; the old
stencils are never read again and age out of the per-process cache. The token also turns over
every ``VERSION_SECONDS``, so what no signal announces shows within that time.

A stencil is kept as UTF-8 bytes and holes (``cut``): joining a 150 kB page as text with one
character past Latin-1 in it (an emoji in a caption) makes Python widen all of it.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
import time
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.template import Context
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# The context variable that holds the ``Rendering`` while a stencil is rendered.
RENDERING = "stencil_rendering"
CSRF_HOLE = "csrf_token"
# Where ``csrf_token`` keeps the request's token.
_REQUEST_TOKEN = "stencil_csrf_token"
# The holes of the stand-in request's get_full_path() and build_absolute_uri().
FULL_PATH_HOLE = "full_path"
ABSOLUTE_URI_HOLE = "absolute_uri"
# The site header (shop.templatetags.site_header), filled for the request by render_page.
HEADER_HOLE = "site_header"
_HOLE = "\x00hole:{}\x00"
# A hole's mark, as written or as the ``urlencode`` filter leaves it (the hole ``<name>|urlencode``).
_HOLES = re.compile("\x00hole:([a-z0-9_]+)\x00|%00hole%3A([a-z0-9_]+)%00")
URLENCODED = "|urlencode"

# A stencil: UTF-8, hole name, UTF-8, ..., UTF-8 (even indexes bytes, odd indexes names).
Parts = list[Any]
# What fills a hole: UTF-8, or a stencil filled from the same values (one state of a block).
Fill = bytes | list


def hole(name: str) -> SafeString:
    """The mark of the hole ``name`` (lowercase letters, digits and ``_``)."""
    return mark_safe(_HOLE.format(name))


# The state a block was rendered in: its attribute's value, or its attributes' values in order.
State = bool | tuple[bool, ...]


class Rendering:
    """What a stencil being rendered keeps beside its HTML (the ``RENDERING`` context variable).

    ``states`` names the ``{% hole %}`` blocks rendered in each state: hole name -> (context
    variable, attribute), rendered with the attribute False and then True, or (context variable,
    (attribute, ...)), rendered in every combination of the attributes' values (keyed by the
    tuple of them). ``variants`` gets each block's renderings, cut, under its hole's name
    (``{% hole "helpful" review.pk %}`` makes ``helpful_12``). Any other block is a plain hole.

    ``later`` gets what signal receivers leave to fill for each request (``fill_later``)."""

    def __init__(self, states: Mapping[str, tuple[str, str | tuple[str, ...]]] | None = None) -> None:
        self.states = dict(states or {})
        self.variants: dict[str, dict[State, Parts]] = {}
        self.later: list[tuple[Callable[..., Mapping[str, Any]], dict[str, Any]]] = []

    def block(self, name: str, render: Callable[[Context], str], context: Context, key: object = None) -> SafeString:
        """The hole for a ``{% hole name key %}`` block, recording its states first if it has some."""
        full = name if key is None else f"{name}_{key}"
        if name in self.states:
            variable, attributes = self.states[name]
            names = (attributes,) if isinstance(attributes, str) else attributes
            target = context[variable]
            current = [getattr(target, attribute, False) for attribute in names]
            recorded: dict[State, Parts] = {}
            try:
                for values in itertools.product((False, True), repeat=len(names)):
                    for attribute, value in zip(names, values, strict=True):
                        setattr(target, attribute, value)
                    recorded[values[0] if isinstance(attributes, str) else values] = cut(render(context))
            finally:
                for attribute, value in zip(names, current, strict=True):
                    setattr(target, attribute, value)
            self.variants[full] = recorded
        return hole(full)


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


class _NoCsrfCookie(dict):
    """The stand-in's ``META``: asking it for the CSRF cookie is a mistake made loud (Django's
    ``{% csrf_token %}`` would otherwise print a fresh token into every page of the stencil)."""

    def __contains__(self, key: object) -> bool:
        if key == "CSRF_COOKIE":
            raise ImproperlyConfigured(
                "A stencil has no CSRF token: render {% csrf_token %} with csrf_token=stencil.csrf_token(request)."
            )
        return super().__contains__(key)


class StandIn:
    """The request a stencil is rendered for: the real request's path, nothing of its query,
    cookies or session, the stand-in user, holes for its full path and absolute URI, and the
    stencil's ``Rendering`` (for ``fill_later``)."""

    method = "GET"

    def __init__(self, request: HttpRequest, *, signed_in: bool, rendering: Rendering | None = None) -> None:
        self.rendering = rendering if rendering is not None else Rendering()
        self.user = stand_in_user(signed_in=signed_in)
        self.path = request.path
        self.path_info = request.path_info
        self.resolver_match = request.resolver_match
        self.GET = self.POST = QueryDict()
        self.COOKIES: dict[str, str] = {}
        self.META = _NoCsrfCookie()

    def get_full_path(self) -> SafeString:
        return hole(FULL_PATH_HOLE)

    def build_absolute_uri(self, location: str | None = None) -> SafeString:
        if location is not None:
            raise ImproperlyConfigured("A stencil knows no host: build_absolute_uri() of another location.")
        return hole(ABSOLUTE_URI_HOLE)


def csrf_token(request: HttpRequest | StandIn | None) -> str:
    """The CSRF token for a template rendered with ``request``: the request's (one per request:
    Django masks the secret anew on each ``get_token``), a stencil's hole, or nothing without a
    request."""
    if request is None:
        return ""
    if isinstance(request, StandIn):
        return hole(CSRF_HOLE)
    token = getattr(request, _REQUEST_TOKEN, None)
    if token is None:
        token = get_token(request)
        setattr(request, _REQUEST_TOKEN, token)
    return token


def is_stand_in(request: object) -> bool:
    """Whether ``request`` is a stencil's stand-in: what it renders is for everyone alike."""
    return isinstance(request, StandIn)


def fill_later(
    request: HttpRequest | StandIn, html: str, filler: Callable[..., Mapping[str, Any]], **arguments: Any
) -> SafeString:
    """What a signal receiver returns when its HTML shows something of the viewer and its page
    may be a stencil (the product page's reviews, friends and posts). ``html`` goes into the
    page as it is; in a stencil it was rendered for the stand-in, with holes where the viewer
    shows, and each request the page serves calls ``filler(request, **arguments)`` for what
    fills them: hole name -> HTML (text or UTF-8) or a stencil (one of ``Rendering.variants``'
    states; the stand-in's own HTML, cut). ``filler`` is a module-level function and
    ``arguments`` plain values: they are kept with the stencil. On a normal render ``html`` was
    rendered for the viewer, and there is nothing to fill."""
    if isinstance(request, StandIn):
        request.rendering.later.append((filler, arguments))
    return mark_safe(html)


# --- Versions of what pages show -------------------------------------------------------------

VERSION_SECONDS = 600


def _version_key(scope: str) -> str:
    return f"stencil-version:{scope}"


def version(scope: str) -> str:
    """The current version of the data ``scope`` names ("catalog"), for a stencil's shape: a
    token that ``changed(scope)`` replaces, and the time, in ``VERSION_SECONDS`` steps."""
    token = default_cache.get(_version_key(scope))
    if token is None:
        default_cache.add(_version_key(scope), secrets.token_hex(6), timeout=None)
        token = default_cache.get(_version_key(scope))
    return f"{token}.{int(time.time()) // VERSION_SECONDS}"


def changed(scope: str) -> None:
    """The data ``scope`` names has changed: pages showing it are rendered anew. Now (this
    request sees its own change) and again after the transaction commits (a page rendered in
    between, from the data before the commit, is not kept under the new version)."""

    def replace() -> None:
        default_cache.set(_version_key(scope), secrets.token_hex(6), timeout=None)

    replace()
    transaction.on_commit(replace)


# model -> the scopes that change with it (``watch``).
_watched: dict[type[Model], set[str]] = {}


def watch(scope: str, *models: type[Model], ignore: Callable[[Model, dict], bool] | None = None) -> None:
    """Call ``changed(scope)`` whenever one of ``models`` is saved or deleted (from an app's
    ``ready()``); ``ignore(instance, kwargs)`` says which saves change nothing shown. A write
    that sends no signal (``QuerySet.update()``, raw SQL) calls ``updated(model)``."""

    def receiver(sender: type[Model], instance: Model, **kwargs: Any) -> None:
        if ignore is None or not ignore(instance, kwargs):
            changed(scope)

    for model in models:
        _watched.setdefault(model, set()).add(scope)
        uid = f"stencil.watch:{scope}:{model._meta.label}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")


def updated(*models: type[Model]) -> None:
    """Rows of ``models`` were written without a signal (``QuerySet.update()``, raw SQL): the
    scopes that watch them have changed."""
    for scope in sorted({scope for model in models for scope in _watched.get(model, ())}):
        changed(scope)


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


class _Fills(dict):
    """The values of a stencil's holes, each made (by ``makers[name]()``) when first filled."""

    def __init__(self, makers: Mapping[str, Callable[[], str | bytes]]) -> None:
        super().__init__()
        self.makers = makers

    def __missing__(self, name: str) -> Fill:
        value = self[name] = _utf8(self.makers[name]())
        return value


def _utf8(value: object) -> Fill:
    return value if isinstance(value, bytes | list) else str(value).encode()


# A page's stencil: its parts, and what receivers fill for each request (``Rendering.later``).
_PageStencil = tuple[Parts, list[tuple[Callable[..., Mapping[str, Any]], dict[str, Any]]]]


def _page_stencil(
    request: HttpRequest, template_name: str, signed_in: bool, context: dict, names: list[str]
) -> _PageStencil:
    rendering = Rendering()
    context = {
        **context,
        **{name: hole(name) for name in names},
        CSRF_HOLE: hole(CSRF_HOLE),
        RENDERING: rendering,
    }
    stand_in = StandIn(request, signed_in=signed_in, rendering=rendering)
    html = render_to_string(template_name, context, request=stand_in)  # type: ignore[arg-type]
    return cut(html), rendering.later


def _request_fills(request: HttpRequest) -> dict[str, Callable[[], str | bytes]]:
    """What fills the holes every page may have: the CSRF token, the site header, the stand-in's
    full path and absolute URI (as HTML, and as ``|urlencode`` writes them: "/" left as it is)."""
    from shop.templatetags.site_header import header_for_request

    return {
        CSRF_HOLE: lambda: csrf_token(request),
        HEADER_HOLE: lambda: header_for_request(request, csrf_token=csrf_token(request)),
        FULL_PATH_HOLE: lambda: escape(request.get_full_path()),
        FULL_PATH_HOLE + URLENCODED: lambda: escape(quote(request.get_full_path(), safe="/")),
        ABSOLUTE_URI_HOLE: lambda: escape(request.build_absolute_uri()),
        ABSOLUTE_URI_HOLE + URLENCODED: lambda: escape(quote(request.build_absolute_uri(), safe="/")),
    }


def render_page(
    request: HttpRequest,
    template_name: str,
    *,
    shape: dict[str, Any],
    fills: Mapping[str, Callable[[], str | bytes]],
    context: Callable[[], Mapping[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """``template_name`` as ``request`` should see it, from its stencil.

    The stencil is rendered once per process for each ``shape`` (the other context variables
    the template reads: plain values, all part of the key), signed in or not, and kept in the
    ``fragments`` cache (which keeps nothing with DEBUG on, so template edits show). When the
    template needs objects, ``shape`` holds what names them (ids and the data's ``version``)
    and ``context()`` builds them, only when the stencil is rendered.

    Each hole is filled by ``fills[name]()`` (HTML, as text or UTF-8: escape what needs it),
    or, unless ``fills`` has it, by the request's CSRF token, site header, full path or
    absolute URI, or by what the page's signal receivers left to fill (``fill_later``). Only
    for a template that shows no messages while none wait (``has_messages``): the stencil has none."""
    signed_in = request.user.is_authenticated
    names = sorted(fills)
    # The path too: the stand-in request shows it (``request.path``).
    stencil_key = key("page", template_name, request.path, signed_in, sorted(shape.items()), names)

    def render() -> _PageStencil:
        everything = {**shape, **(context() if context is not None else {})}
        return _page_stencil(request, template_name, signed_in, everything, [n for n in names if n != CSRF_HOLE])

    parts, later = caches["fragments"].get_or_set(stencil_key, render)
    values = _Fills({**_request_fills(request), **fills})
    for filler, arguments in later:
        values.update({name: _utf8(value) for name, value in filler(request, **arguments).items()})
    out: list[bytes] = []
    fill(out, parts, values)
    return HttpResponse(b"".join(out), status=status)
