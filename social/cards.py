"""Post cards from stencils (``shop.stencil``): rendered once per post, filled for each viewer.

A post card costs about 5 ms of template work and a feed page shows twenty, yet almost all
of a card is the same for every viewer. So each post's card is rendered once (per language
and time zone, signed in or not) into a stencil and cached. Its holes, in
``components/post_card.html``: the like, save and follow buttons (``{% hole %}`` blocks
rendered in both states, ``STATES``), the time ("3 hours ago", worked out for each request),
the CSRF token and the page to come back to. A page's cards then cost a cache read and
joining bytes.

Freshness: a cached card carries its post's counters, edit time and tag version
(``card_version``), which every page reads with its rows, so a like, a comment, a caption
edit or a tag change shows at once. Pictures never change. What a card shows of *other* rows
(the author's name, a tagged product's title, price or whether it is on sale) may lag for at
most ``SOCIAL_CARD_CACHE_SECONDS`` (default two minutes) from when the card was rendered;
the product sheet, the product page and the cart always read the database.

Each process keeps the cards it used last (``SOCIAL_CARD_LOCAL_ENTRIES``, default 1,000,
about 9 kB each) in front of the shared cache, so a page's cards usually need no round trip
(the version check and the age limit apply to both alike). Viewer state is never cached: it
is read with the page's rows (``selectors.post_rows``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import quote as urlquote

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from shop import stencil

CARD_TEMPLATE = "components/post_card.html"
# The card's blocks rendered in both states: hole -> the post attribute it depends on.
STATES = {"like": "viewer_liked", "save": "viewer_saved", "follow": "viewer_follows"}
# The holes a page fills in every card, and the one filled from each post's age.
CSRF_HOLE, BACK_URL_HOLE, AGO_HOLE = stencil.CSRF_HOLE, "back_url", "ago"
# This module shapes what is cached too: its source is part of the key, as the templates are.
_CODE = stencil.file_digest(__file__)


def cache_seconds() -> int:
    return getattr(settings, "SOCIAL_CARD_CACHE_SECONDS", 120)


def card_version(post: Any) -> tuple:
    """What changes a card without changing its key: counts shown on it, the caption, the tags."""
    edited = post.edited_at.isoformat() if post.edited_at else ""
    return (post.like_count, post.comment_count, edited, post.tag_version)


class _LocalCards:
    """The cards this process used last (least recently used go first), in front of the cache."""

    def __init__(self) -> None:
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


def _render(post: Any, *, signed_in: bool) -> dict:
    """``post``'s card as a stencil, with its version and when it was rendered."""
    rendering = stencil.Rendering({name: ("post", attribute) for name, attribute in STATES.items()})
    html = get_template(CARD_TEMPLATE).render(
        {
            "post": post,
            "user": stencil.stand_in_user(signed_in=signed_in),
            "request": None,
            CSRF_HOLE: stencil.hole(CSRF_HOLE),
            BACK_URL_HOLE: stencil.hole(BACK_URL_HOLE),
            stencil.RENDERING: rendering,
        }
    )
    return {
        "version": card_version(post),
        "rendered_at": time.time(),
        "owner_id": post.profile.owner_id,
        "parts": stencil.cut(html),
        "variants": rendering.variants,
    }


@lru_cache(maxsize=8192)
def _ago_minutes(language: str, minutes: int) -> bytes:
    from social.templatetags.social_tags import ago

    return escape(ago(timezone.now() - timedelta(minutes=minutes, seconds=30))).encode()


def _ago(created_at: datetime, now: datetime, language: str) -> bytes:
    """``social_tags.ago``, escaped, as UTF-8. Under four weeks its text depends on the age in
    whole minutes only (no calendar months yet), so each text is worked out once per process."""
    from social.templatetags.social_tags import ago

    seconds = (now - created_at).total_seconds()
    if 60 <= seconds < 28 * 86_400:
        return _ago_minutes(language, int(seconds // 60))
    return escape(ago(created_at)).encode()


def render_cards(posts: Iterable[Any], *, viewer: Any, csrf_token: object = "", back_url: str = "") -> SafeString:
    """``render_cards_utf8`` as text, for templates."""
    return mark_safe(render_cards_utf8(posts, viewer=viewer, csrf_token=csrf_token, back_url=back_url).decode())


def _entries(posts: list[Any], *, viewer: Any, signed_in: bool) -> dict[int, dict]:
    """The cached card of each post, from this process, the shared cache, or rendered now."""
    from social import selectors

    prefix = stencil.key("post-card", _CODE, signed_in)
    keys = {post.pk: f"{prefix}:{post.pk}" for post in posts}
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
        # Rows carry what picks and keys a card; what it shows is loaded now.
        full = selectors.post_cards(posts=missing, user=viewer)
        fresh = {post.pk: _render(post, signed_in=signed_in) for post in full}
        cache.set_many({keys[pk]: entry for pk, entry in fresh.items()}, cache_seconds())
        for pk, entry in fresh.items():
            _local.put(keys[pk], entry)
        entries.update(fresh)
    return entries


def page_fills(csrf_token: object, back_url: str) -> dict[str, stencil.Fill]:
    """What fills the page's holes in every card, as HTML in UTF-8."""
    return {
        CSRF_HOLE: escape(str(csrf_token)).encode(),
        BACK_URL_HOLE: escape(back_url).encode(),
        # As ``{{ request.get_full_path|urlencode }}`` writes it (``quote`` with "/" safe).
        BACK_URL_HOLE + stencil.URLENCODED: escape(urlquote(back_url)).encode(),
    }


def render_cards_utf8(posts: Iterable[Any], *, viewer: Any, csrf_token: object = "", back_url: str = "") -> bytes:
    """The cards of ``posts`` for ``viewer`` (HTML, UTF-8), from their stencils.

    ``posts`` are rows from ``social.selectors`` carrying the viewer's state (``viewer_liked``,
    ``viewer_saved``, ``viewer_follows``): light rows or full cards alike."""
    posts = list(posts)
    if not posts:
        return b""
    signed_in = viewer is not None and viewer.is_authenticated
    entries = _entries(posts, viewer=viewer, signed_in=signed_in)
    # A visitor's card holds no form: asking for the token would set a CSRF cookie for nothing.
    viewer_id = viewer.pk if signed_in else None
    now = timezone.now()
    language = translation.get_language() or ""
    values = page_fills(csrf_token if signed_in else "", back_url)
    out: list[bytes] = []
    for post in posts:
        entry = entries.get(post.pk)
        if entry is None:
            continue
        variants = entry["variants"]
        values["like"] = variants["like"][bool(post.viewer_liked)]
        values["save"] = variants["save"][bool(post.viewer_saved)]
        # The follow button hides for profiles the viewer follows or speaks for.
        values["follow"] = variants["follow"][bool(post.viewer_follows) or entry["owner_id"] == viewer_id]
        values[AGO_HOLE] = _ago(post.created_at, now, language)
        stencil.fill(out, entry["parts"], values)
    return b"".join(out)
