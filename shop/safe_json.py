"""JSON from outside (API bodies, JSON strings in forms, webhooks) parsed without a crash.

``json.loads`` on thousands of nested ``[`` raises ``RecursionError`` (a 500 where it is not
caught), and a ``\\u0000`` in any string reaches PostgreSQL, which refuses NUL in text. One
helper, used by the API's parser, the serializers' JSON fields and the webhooks, turns both
into a ``ValueError`` with a message for a person to read.
"""

import json
from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

# The message of Django's (and so DRF's) text fields for a NUL, already translated.
NUL_MESSAGE = ProhibitNullCharactersValidator.message

# Deeper than any document the site accepts (a post's tags are 3 levels deep), far below the
# interpreter's recursion limit.
MAX_DEPTH = 32


class UnsafeJSONError(ValueError):
    """Not JSON, nested too deeply, or holding a NUL character."""


class InvalidJSONError(UnsafeJSONError):
    """Not JSON at all."""


class NulCharacterError(UnsafeJSONError):
    """A NUL character in a string or key; ``field`` is the top-level key it is under, if any."""

    def __init__(self, field: str | None = None):
        super().__init__(NUL_MESSAGE)
        self.field = field


def _refuse_constant(name: str) -> Any:
    raise InvalidJSONError(_("%(name)s is not a JSON value.") % {"name": name})


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``text`` as strict JSON (no ``NaN`` or ``Infinity``), then check every value.

    Raises ``UnsafeJSONError`` for invalid JSON, nesting deeper than ``max_depth`` and NUL
    characters in keys or strings.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise UnsafeJSONError(_("JSON nested more than %(n)d levels deep.") % {"n": max_depth}) from None
    except (TypeError, ValueError) as exc:
        raise InvalidJSONError(_("Invalid JSON: %(error)s") % {"error": str(exc).replace("\x00", "")}) from None
    check_value(value, max_depth=max_depth)
    return value


def check_value(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise ``UnsafeJSONError`` if ``value`` nests deeper than ``max_depth`` or holds a NUL
    character in a string or key (``NulCharacterError``, naming the top-level key it is under).
    Iterative: a deep value cannot exhaust the stack here."""
    stack: list[tuple[Any, int, str | None]] = [(value, 1, None)]
    while stack:
        item, depth, field = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise NulCharacterError(field)
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise UnsafeJSONError(_("JSON nested more than %(n)d levels deep.") % {"n": max_depth})
            children = item.items() if isinstance(item, dict) else ((None, child) for child in item)
            for key, child in children:
                if isinstance(key, str) and "\x00" in key:
                    raise NulCharacterError(field)
                stack.append((child, depth + 1, key if depth == 1 and isinstance(key, str) else field))
