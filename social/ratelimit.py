"""A small fixed-window rate limit on the shared cache, for writes people can spam.

The counter lives in the cache (Redis in production), so every web host sees the same
count; nothing is kept in process memory. ``take`` counts an attempt and refuses it past
the limit; ``give_back`` returns an attempt that failed validation, so a person who
fixes a form is not punished for their typos.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int
    message: str | Promise  # shown to the person, in their language


LIMITS = {
    "post": Limit(10, 600, _("You are posting too fast. Please wait a few minutes and try again.")),
    "comment": Limit(30, 600, _("You are commenting too fast. Please wait a few minutes and try again.")),
}


class RateLimited(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _key(scope: str, user_id: int, limit: Limit) -> str:
    window = int(time.time() // limit.seconds)
    return f"ratelimit:{scope}:{user_id}:{window}"


def take(scope: str, user_id: int, *, limit: Limit | None = None) -> None:
    """Count one attempt of ``scope`` by ``user_id``; RateLimited past the limit.

    ``limit`` is for the layers above (chat's messages), which keep their own limits
    beside their code; without it the limit is ``LIMITS[scope]``.
    """
    limit = limit or LIMITS[scope]
    key = _key(scope, user_id, limit)
    cache.add(key, 0, limit.seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr(): a new window
        cache.set(key, 1, limit.seconds + 5)
        count = 1
    if count > limit.count:
        raise RateLimited(str(limit.message))


def give_back(scope: str, user_id: int, *, limit: Limit | None = None) -> None:
    """Uncount an attempt that did not go through (the form had errors)."""
    key = _key(scope, user_id, limit or LIMITS[scope])
    with contextlib.suppress(ValueError):  # the window ended meanwhile
        cache.decr(key)
