"""Hand-written queries that run on every request, planned once per connection.

The signed-in person (``catalog.auth_backends``) and a feed page's rows (``social.feed_rows``)
are read with one query each on nearly every page. PostgreSQL spent longer *planning* them
(0.4-0.9 ms) than running them (0.2-0.8 ms). ``prepared_cursor`` sends a query as a
prepared statement with the parameters bound on the server: PostgreSQL parses it once per
connection (with persistent connections, once per process) and, once it has seen that the
plan does not depend on the values, reuses one plan.

That last step is only safe for a query whose best plan is the same whatever the values:
index probes from a few rows. Such a query must not leave PostgreSQL a choice that only
the values can settle (a ``LIMIT`` taken as a parameter, a sub-query it could run once for
every row instead of probing an index per row); the feed's queries say how they avoid it.
Everything else keeps Django's client-side binding.

The query still goes through Django's cursor wrapper: it is logged and counted like any
other (``assertNumQueries``, ``CaptureQueriesContext``) and ``execute_wrapper`` sees it.
On other databases (SQLite, in development and in part of the test run) it is a plain cursor.

Deploying behind a connection pooler in transaction mode (PgBouncer) needs one that keeps
prepared statements per server connection (PgBouncer 1.21+, ``max_prepared_statements``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections


@cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        """psycopg's server-binding cursor, preparing every statement it runs."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            result = super().execute(query, params, prepare=True, binary=binary)
            if self._query is None:
                # psycopg keeps no query text after a prepared execution; Django's query log
                # reads it from here (``last_executed_query``). The text, with its placeholders.
                self._query = _QueryText(query)
            return result

    return PreparedCursor


class _QueryText:
    """What Django's query log reads of psycopg's last query."""

    def __init__(self, sql: str):
        self.query = sql.encode()


@contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS) -> Iterator:
    """A cursor whose ``execute`` runs prepared statements on PostgreSQL (``%s`` placeholders,
    as everywhere in Django), else a plain cursor."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's wrapper (logging, execute wrappers, error translation) around a
            # server-binding cursor on the same connection instead of the client-binding one.
            cursor.cursor.close()
            cursor.cursor = _prepared_cursor_class()(connection.connection)
        yield cursor
