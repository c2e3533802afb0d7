"""The cursors of keyset pages (feeds, inboxes, chats, orders): the position of a page's last
row, written as an opaque URL-safe token.

A cursor is the row's sort values joined with ``|`` and base64-encoded without padding.
It is not signed: it only says where to resume, and every query it feeds still applies the
viewer's own filters. ``decode_cursor`` turns anything this code did not make into
``BadCursor``, which the pages and the API answer with a 400.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

# The largest value of a bigint primary key.
MAX_ID = 2**63 - 1


class BadCursor(ValueError):
    """A cursor this code did not make (forged, truncated, or of another list): a 400."""


def encode_cursor(*parts: object) -> str:
    """``encode_cursor(at.isoformat(), 12)``: the token for a page that resumes after that row."""
    raw = "|".join(str(part) for part in parts)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *types: Callable[[str], Any]) -> tuple | None:
    """``decode_cursor(token, aware_datetime, row_id)`` -> ``(datetime, 12)``: each part parsed
    by its type; None for no cursor; ``BadCursor`` for a token with another number of parts, a
    part its type refuses (ValueError), or a float that is not finite."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = raw.split("|")
        if len(parts) != len(types):
            raise BadCursor(cursor)
        values = tuple(kind(part) for kind, part in zip(types, parts, strict=True))
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError) as exc:
        raise BadCursor(cursor) from exc
    if any(isinstance(value, float) and not math.isfinite(value) for value in values):
        raise BadCursor(cursor)
    return values


def aware_datetime(value: str) -> datetime:
    """A cursor part written by ``datetime.isoformat()`` of an aware time (every stored time is)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("naive time in cursor")
    return parsed


def row_id(value: str) -> int:
    """A cursor part that is a primary key: a positive bigint."""
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError("not a row id")
    return number
