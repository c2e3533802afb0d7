"""Post cards rendered once, then reused for every viewer.

A post card is the most expensive thing on a feed page: about 5 ms of template work each,
twenty to a page. Almost all of it is the same for every viewer, so the card is rendered
once per post (and language) into the cache, as a *stencil*: its HTML cut where a viewer
changes it, with each viewer-dependent part (a ``{% card_slot %}`` in the template) rendered
in all of its states. A page then costs one cache read for its cards, and each card is put
together from strings for the viewer at hand: their like, save and follow state, the time
("3 hours ago", always fresh), their CSRF token and the page to come back to in forms.

Freshness: a cached card carries the post's counters, edit time and tag version, which
every page reads with its rows, so a like, a comment, a caption edit or a tag change shows
at once. Pictures never change. What a card shows of *other* rows (the author's name, a
tagged product's title, price or whether it is on sale) may lag for at most
``SOCIAL_CARD_CACHE_SECONDS`` (default two minutes) from when the card was rendered; the
product sheet, the product page and the cart always read the database.

Two tiers: each process keeps the cards it used last (``SOCIAL_CARD_LOCAL_ENTRIES``, default
1,000, about 9 kB each) in front of the shared cache. A page's cards come from memory when
they are there: no round trip, no 140 kB to read and unpickle. The version check and the age
limit above apply to both tiers alike.

Viewer state is never cached: it is read for each request (``selectors.mark_viewer_state``).

A cached card is a list of pieces of UTF-8 cut at its holes: the viewer's states (each state
itself cut at the holes it holds), the time, the CSRF token and the page to come back to. A
page's cards are put together in one list and joined once: no pass over the page's HTML
afterwards. Bytes, not text: one emoji in one caption would make Python widen the whole
page's text to four bytes a character before encoding it again.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache
from urllib.parse import quote as urlquote

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from shop import page_stencil

CARD_TEMPLATE = "components/post_card.html"
# Bump when the card template or the cached structure changes in a way old entries must not survive.
CARD_FORMAT = 5
_SLOT = "\x00slot:{}\x00"
# A hole's mark, as written, or as the ``urlencode`` filter leaves it (then filled encoded).
_SLOTS = re.compile("\x00slot:([a-z_]+)\x00|%00slot%3A([a-z_]+)%00")
_QUOTED = "_quoted"
# A slot with states: the post attribute (set by selectors.mark_viewer_state) it depends on.
STATE_SLOTS = {"like": "viewer_liked", "save": "viewer_saved", "follow": "viewer_follows"}
# A slot filled for each request from the post itself.
LIVE_SLOTS = {"ago"}
# Holes filled for each request from the page: the CSRF token, the page to come back to.
CSRF_HOLE, BACK_URL_HOLE = "csrf_token", "back_url"
CSRF_SENTINEL, BACK_URL_SENTINEL = _SLOT.format(CSRF_HOLE), _SLOT.format(BACK_URL_HOLE)


class _StencilRequest:
    """Stands in for the request: the page's own address is the back-address hole."""

    path = BACK_URL_SENTINEL
    GET: dict = {}

    def get_full_path(self) -> str:
        return BACK_URL_SENTINEL


def _cut(html: str) -> list:
    """``html`` as UTF-8, hole name, UTF-8, ..., UTF-8 (a mark the ``urlencode`` filter wrote
    names ``<hole>_quoted``)."""
    pieces = _SLOTS.split(html)  # text, name or None, None or name, text, ...
    out = [pieces[0].encode()]
    for index in range(1, len(pieces), 3):
        plain, quoted = pieces[index], pieces[index + 1]
        out += [plain if plain is not None else quoted + _QUOTED, pieces[index + 2].encode()]
    return out


def cache_seconds() -> int:
    return getattr(settings, "SOCIAL_CARD_CACHE_SECONDS", 120)


def _card_key_format(*, signed_in: bool) -> str:
    """The cache key of a card with ``{}`` for the post's id, in the current language and zone."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    zone = timezone.get_current_timezone_name()
    return f"social:card:{CARD_FORMAT}:{{}}:{language}:{zone}:{'in' if signed_in else 'out'}"


def card_version(post) -> tuple:
    """What changes a card without changing its key: counts shown on it, the caption, the tags."""
    edited = post.edited_at.isoformat() if post.edited_at else ""
    return (post.like_count, post.comment_count, edited, post.tag_version)


class _LocalCards:
    """The cards this process used last (least recently used go first), in front of the cache."""

    def __init__(self):
        self._entries: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, version: tuple, now: float) -> dict | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry["version"] != version or now - entry["rendered_at"] >= cache_seconds():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: dict) -> None:
        size = getattr(settings, "SOCIAL_CARD_LOCAL_ENTRIES", 1000)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_local = _LocalCards()


def clear_local() -> None:
    """Forget this process's cards (tests start each case from nothing, as with the cache)."""
    _local.clear()


# --- Rendering a stencil ---------------------------------------------------------------


def render_slot(name: str, nodelist, context, stencil: dict) -> str:
    """Called by ``{% card_slot %}`` while a stencil is rendered: every state, then a mark."""
    if name in LIVE_SLOTS:
        return _SLOT.format(name)
    attribute = STATE_SLOTS[name]
    post = context["post"]
    current = getattr(post, attribute, False)
    variants = {}
    try:
        for state in (False, True):
            setattr(post, attribute, state)
            variants[state] = _cut(nodelist.render(context))
    finally:
        setattr(post, attribute, current)
    stencil[name] = variants
    return _SLOT.format(name)


def _stencil(post, *, signed_in: bool) -> dict:
    """Render ``post``'s card for nobody in particular, cut at its slots."""
    stencil: dict = {}
    html = get_template(CARD_TEMPLATE).render(
        {
            "post": post,
            "user": page_stencil.SignedInNobody() if signed_in else AnonymousUser(),
            "request": _StencilRequest(),
            "csrf_token": mark_safe(CSRF_SENTINEL),
            "back_url": mark_safe(BACK_URL_SENTINEL),
            "card_stencil": stencil,
        }
    )
    parts = _cut(html)
    owner_id = post.profile.owner_id
    return {
        "version": card_version(post),
        "rendered_at": time.time(),
        "owner_id": owner_id,
        "parts": parts,
        "slots": stencil,
    }


# --- Putting a card together for a viewer ---------------------------------------------


@lru_cache(maxsize=8192)
def _ago_minutes(language: str, minutes: int) -> bytes:
    from social.templatetags.social_tags import ago

    return escape(ago(timezone.now() - timedelta(minutes=minutes, seconds=30))).encode()


def _ago(created_at, now, language: str) -> bytes:
    """``social_tags.ago``, escaped, as UTF-8. Under four weeks its text depends on the age in
    whole minutes only (no calendar months yet), so each text is worked out once per process."""
    from social.templatetags.social_tags import ago

    seconds = (now - created_at).total_seconds()
    if 60 <= seconds < 28 * 86_400:
        return _ago_minutes(language, int(seconds // 60))
    return escape(ago(created_at)).encode()


def _assemble(out: list[bytes], entry: dict, post, viewer_id: int | None, fills: dict[str, bytes], ago) -> None:
    """Append ``post``'s card for the viewer to ``out``: the cached pieces, and each hole
    filled from ``fills`` (the page's), the viewer's states and the time (``ago``)."""
    states = {
        "like": bool(getattr(post, "viewer_liked", False)),
        "save": bool(getattr(post, "viewer_saved", False)),
        # The follow button hides for profiles the viewer follows or speaks for.
        "follow": bool(getattr(post, "viewer_follows", False)) or entry["owner_id"] == viewer_id,
    }
    parts, slots = entry["parts"], entry["slots"]
    out.append(parts[0])
    for index in range(1, len(parts), 2):
        name = parts[index]
        if name in states:
            pieces = slots[name][states[name]]
            out.append(pieces[0])
            for at in range(1, len(pieces), 2):
                out.append(fills[pieces[at]])
                out.append(pieces[at + 1])
        elif name == "ago":
            out.append(ago(post.created_at))
        else:
            out.append(fills[name])
        out.append(parts[index + 1])


def _page_fills(csrf_token, back_url: str) -> dict[str, bytes]:
    """What fills the page's holes in every card, as HTML in UTF-8."""
    return {
        CSRF_HOLE: escape(str(csrf_token)).encode(),
        BACK_URL_HOLE: escape(back_url).encode(),
        # As ``{{ request.get_full_path|urlencode }}`` writes it (``quote`` with "/" safe).
        BACK_URL_HOLE + _QUOTED: escape(urlquote(back_url)).encode(),
    }


def render_cards(posts: Iterable, *, viewer, csrf_token: str = "", back_url: str = "") -> SafeString:
    """``render_cards_utf8`` as text, for templates."""
    return mark_safe(render_cards_utf8(posts, viewer=viewer, csrf_token=csrf_token, back_url=back_url).decode())


def render_cards_utf8(posts: Iterable, *, viewer, csrf_token: str = "", back_url: str = "") -> bytes:
    """The cards of ``posts`` for ``viewer`` (HTML, UTF-8), from the cache where it has them.

    ``posts`` carry the viewer's state (``viewer_liked``, ``viewer_saved``,
    ``viewer_follows``). They may be full post cards from ``selectors`` or light rows
    (``feed_rows.PostRow``): what is not cached is loaded, rendered and cached.
    """
    from social import selectors

    posts = list(posts)
    if not posts:
        return b""
    signed_in = viewer is not None and viewer.is_authenticated
    key = _card_key_format(signed_in=signed_in)
    keys = {post.pk: key.format(post.pk) for post in posts}
    now = time.time()
    entries = {}
    for post in posts:
        entry = _local.get(keys[post.pk], card_version(post), now)
        if entry is not None:
            entries[post.pk] = entry
    missing = [post for post in posts if post.pk not in entries]
    if missing:
        found = cache.get_many([keys[post.pk] for post in missing])
        still_missing = []
        for post in missing:
            entry = found.get(keys[post.pk])
            if (
                entry is not None
                and entry["version"] == card_version(post)
                and now - entry["rendered_at"] < cache_seconds()
            ):
                entries[post.pk] = entry
                _local.put(keys[post.pk], entry)
            else:
                still_missing.append(post)
        missing = still_missing
    if missing:
        full = [post for post in missing if hasattr(post, "ordered_images")]
        light = [post.pk for post in missing if not hasattr(post, "ordered_images")]
        if light:
            full += selectors.post_cards(ids=light, user=viewer)
        fresh = {post.pk: _stencil(post, signed_in=signed_in) for post in full}
        cache.set_many({keys[pk]: entry for pk, entry in fresh.items()}, cache_seconds())
        for pk, entry in fresh.items():
            _local.put(keys[pk], entry)
        entries.update(fresh)
    viewer_id = viewer.pk if signed_in else None
    when = timezone.now()
    language = translation.get_language() or ""
    # A visitor's card holds no form: asking for the token would set a CSRF cookie for nothing.
    fills = _page_fills(csrf_token if signed_in else "", back_url)
    out: list[bytes] = []
    for post in posts:
        if post.pk in entries:
            _assemble(out, entries[post.pk], post, viewer_id, fills, lambda at: _ago(at, when, language))
    return b"".join(out)
