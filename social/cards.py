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
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache

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
CARD_FORMAT = 2
CSRF_SENTINEL = "card-slot-csrf-token"
BACK_URL_SENTINEL = "card-slot-back-url"
_SLOT = "\x00slot:{}\x00"
_SLOTS = re.compile("\x00slot:([a-z_]+)\x00")
# A slot with states: the post attribute (set by selectors.mark_viewer_state) it depends on.
STATE_SLOTS = {"like": "viewer_liked", "save": "viewer_saved", "follow": "viewer_follows"}
# A slot filled for each request from the post itself.
LIVE_SLOTS = {"ago"}


class _StencilRequest:
    """Stands in for the request: the page's own address is the back-address sentinel."""

    path = BACK_URL_SENTINEL
    GET: dict = {}

    def get_full_path(self) -> str:
        return BACK_URL_SENTINEL


def cache_seconds() -> int:
    return getattr(settings, "SOCIAL_CARD_CACHE_SECONDS", 120)


def _card_key_format(*, signed_in: bool) -> str:
    """The cache key of a card with ``{}`` for the post's id, in the current language and zone."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    zone = timezone.get_current_timezone_name()
    return f"social:card:{CARD_FORMAT}:{{}}:{language}:{zone}:{'in' if signed_in else 'out'}"


def card_key(post_id: int, *, signed_in: bool) -> str:
    return _card_key_format(signed_in=signed_in).format(post_id)


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
            variants[state] = nodelist.render(context)
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
            "csrf_token": CSRF_SENTINEL,
            "back_url": BACK_URL_SENTINEL,
            "card_stencil": stencil,
        }
    )
    parts = _SLOTS.split(html)  # text, slot name, text, slot name, ..., text
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
def _ago_minutes(language: str, minutes: int) -> str:
    from social.templatetags.social_tags import ago

    return escape(ago(timezone.now() - timedelta(minutes=minutes, seconds=30)))


def _ago(created_at, now, language: str) -> str:
    """``social_tags.ago``, escaped. Under four weeks its text depends on the age in whole
    minutes only (no calendar months yet), so each text is worked out once per process."""
    from social.templatetags.social_tags import ago

    seconds = (now - created_at).total_seconds()
    if 60 <= seconds < 28 * 86_400:
        return _ago_minutes(language, int(seconds // 60))
    return escape(ago(created_at))


def _assemble(entry: dict, post, viewer_id: int | None, now, language: str) -> str:
    states = {
        "like": bool(getattr(post, "viewer_liked", False)),
        "save": bool(getattr(post, "viewer_saved", False)),
        # The follow button hides for profiles the viewer follows or speaks for.
        "follow": bool(getattr(post, "viewer_follows", False)) or entry["owner_id"] == viewer_id,
    }
    out = []
    for index, part in enumerate(entry["parts"]):
        if index % 2 == 0:
            out.append(part)
        elif part == "ago":
            out.append(_ago(post.created_at, now, language))
        else:
            out.append(entry["slots"][part][states[part]])
    return "".join(out)


def render_cards(posts: Iterable, *, viewer, csrf_token: str = "", back_url: str = "") -> SafeString:
    """The cards of ``posts`` for ``viewer``, from the cache where it has them.

    ``posts`` carry the viewer's state (``viewer_liked``, ``viewer_saved``,
    ``viewer_follows``). They may be full post cards from ``selectors`` or light rows
    (``feed_rows.PostRow``): what is not cached is loaded, rendered and cached.
    """
    from social import selectors

    posts = list(posts)
    if not posts:
        return mark_safe("")
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
    html = "".join(_assemble(entries[post.pk], post, viewer_id, when, language) for post in posts if post.pk in entries)
    if signed_in:
        html = html.replace(CSRF_SENTINEL, escape(str(csrf_token)))
    html = html.replace(BACK_URL_SENTINEL, escape(back_url))
    return mark_safe(html)
