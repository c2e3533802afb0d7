"""``prepared_cursor``: a plain Django cursor, kept only for ``catalog.auth_backends``.

Prepared statements went through psycopg's private attributes (Django's cursor wrapper with
its psycopg cursor swapped), and their main user, the feed pages' hand-written rows, is
gone: the feeds read through the ORM (``social.selectors``). The name stays so that its
last caller keeps working until it reads the person through the ORM; then delete this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorWrapper


@contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS) -> Iterator[CursorWrapper]:
    """Django's cursor of the connection ``using`` (logged and counted like any other)."""
    with connections[using].cursor() as cursor:
        yield cursor
