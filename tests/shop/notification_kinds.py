"""Kinds of notification registered for the tests only (the apps register the real ones).

No gettext call with a literal here: makemessages scans tests/ too.
"""

from __future__ import annotations

import contextlib

from django.utils.translation import get_language

from shop.notifications import kinds
from shop.notifications.kinds import Kind

GENERIC = "notifications/emails/generic"


def liked_text(actor: str, others: int, data: dict) -> str:
    what = data.get("what", "your post")
    if others == 1:
        return f"{actor} and 1 other liked {what}"
    if others:
        return f"{actor} and {others} others liked {what}"
    return f"{actor} liked {what}"


def order_text(actor: str, others: int, data: dict) -> str:
    # The language the text was made in shows which language the email was rendered in.
    return f"Order {data.get('number', '?')} is confirmed [{get_language()}]"


LIKE = Kind(name="test_like", label="Likes on your posts", text=liked_text, email_template=GENERIC)
COMMENT = Kind(
    name="test_comment",
    label="Comments on your posts",
    text=lambda actor, others, data: f"{actor} commented: {data.get('text', '')}",
    email_template=GENERIC,
    email_by_default=False,
)
FOLLOW = Kind(name="test_follow", label="New followers", text=lambda actor, others, data: f"{actor} follows you")
ORDER = Kind(name="test_order", label="Your orders", text=order_text, transactional=True, email_template=GENERIC)
TEST_KINDS = (LIKE, COMMENT, FOLLOW, ORDER)


@contextlib.contextmanager
def registered_test_kinds():
    """Register the test kinds for the block; take them out again after it."""
    for kind in TEST_KINDS:
        kinds.register(kind)
    try:
        yield
    finally:
        for kind in TEST_KINDS:
            kinds._registry.pop(kind.name, None)
