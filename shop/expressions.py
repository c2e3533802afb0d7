"""Query expressions the ORM lacks."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists


class Probe(Exists):
    """``Exists`` that PostgreSQL answers by probing an index once for each outer row, in any
    plan: for a viewer's marks on a page of rows (liked, saved, voted...), read on unique
    indexes.

    A plain ``EXISTS`` in a select list may instead be planned as reading every row of the
    viewer's in that table once and hashing them, which the planner picks when it expects few:
    always in a plan kept for any values (``shop.compiled.kept_plan``), which expects the
    average viewer: slow for someone with thousands of likes (``bench/README.md``, "Session
    16"). ``OFFSET 0`` keeps PostgreSQL from turning the sub-query into that hashed form."""

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, template="EXISTS(%(subquery)s OFFSET 0)", **extra_context)
