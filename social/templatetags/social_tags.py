"""Template filters for the social pages: captions with links, short times, CSS numbers."""

from __future__ import annotations

import math
import re

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from shop.templatetags.notification_tags import since
from social.services.posts import HASHTAG_RE, MENTION_RE

register = template.Library()

# One pass over the escaped text finds both kinds of words. The patterns are the ones the
# services use to record hashtags and mentions, so a link is shown exactly where a row exists.
# (HASHTAG_RE refuses a "#" after "&", so "&#x27;" in the escaped text is never a hashtag.)
_WORDS = re.compile(f"{HASHTAG_RE.pattern}|{MENTION_RE.pattern}")


def _link(match: re.Match) -> str:
    hashtag, handle = match.group(1), match.group(2)
    if hashtag is not None:
        if hashtag.isdigit():
            return match.group(0)
        url = reverse("social:hashtag", kwargs={"name": hashtag.lower()})
        return f'<a class="hashtag" href="{url}">#{hashtag}</a>'
    trailing = handle[len(handle.rstrip(".")) :]
    handle = handle.rstrip(".")
    if not handle:
        return match.group(0)
    try:
        url = reverse("social:user_profile", kwargs={"username": handle})
    except NoReverseMatch:
        return match.group(0)
    return f'<a class="mention" href="{url}">@{handle}</a>{trailing}'


@register.filter(is_safe=True)
def caption_html(text) -> SafeString:
    """Escape ``text`` first, then turn #hashtags and @mentions into links; keep line breaks.

    Only the escaped text is searched, and the links are built from the matched word
    (itself made of word characters and ``.+-``), so nothing the author typed reaches
    the page unescaped.
    """
    escaped = str(escape(text or ""))
    linked = _WORDS.sub(_link, escaped)
    return mark_safe(linked.replace("\r\n", "\n").replace("\n", "<br>"))


# ``3 hours ago``: the same filter as the notification centre's (social/cards.py uses it too).
ago = register.filter("ago", since)


@register.filter
def css_number(value, places: int = 4) -> str:
    """A number for a CSS value (data-vars): a dot for decimals in every language, never NaN."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "0"
    if not math.isfinite(number):
        return "0"
    text = f"{number:.{int(places)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


@register.filter
def percent(value) -> str:
    """0.25 -> ``25%`` (for people: where a tag sits on a picture)."""
    try:
        return f"{round(float(value) * 100)}%"
    except (TypeError, ValueError, OverflowError):
        return ""


@register.simple_tag
def media_frame_style(image) -> str:
    """The frame of a picture keeps its aspect ratio, so tag dots sit where they were placed."""
    width = image.width or 1
    height = image.height or 1
    return format_html("--w: {}; --h: {}", css_number(width, 0), css_number(height, 0))


def _on_sale(product) -> bool:
    return product.status == "active" and product.store.is_active


@register.filter
def shop_tags(post) -> list:
    """One tag per product on sale, in the order they were placed ("Shop this post")."""
    seen: set[int] = set()
    tags = []
    for tag in getattr(post, "product_tags", []):
        if tag.product_id not in seen and _on_sale(tag.product):
            seen.add(tag.product_id)
            tags.append(tag)
    return tags


@register.filter
def dots(picture) -> list:
    """The tags of one picture whose product is still on sale (the dots on it)."""
    return [tag for tag in getattr(picture, "image_tags", []) if _on_sale(tag.product)]
