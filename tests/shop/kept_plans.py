"""Test helper: the plan PostgreSQL keeps for a statement prepared with parameters (its generic
plan), explained with the given values."""

import re

from django.db import connection
from psycopg import sql as pg_sql


def explain_kept_plan(sql: str, params, options: str) -> list[tuple]:
    """``EXPLAIN (options) EXECUTE`` of ``sql`` prepared and planned for any values, run with
    ``params``: the rows EXPLAIN gives."""
    numbered = iter(range(1, len(params) + 1))
    prepared = re.sub(r"%s", lambda _match: f"${next(numbered)}", sql).replace("%%", "%")
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE kept_plan_explained AS {prepared}")
        try:
            values = ", ".join(pg_sql.Literal(value).as_string() for value in params)
            cursor.execute(f"EXPLAIN ({options}) EXECUTE kept_plan_explained{f'({values})' if values else ''}")
            return cursor.fetchall()
        finally:
            cursor.execute("DEALLOCATE kept_plan_explained")
            cursor.execute("RESET plan_cache_mode")
