"""``shop.sql.prepared_cursor``, kept for its last caller: a cursor like any other."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.sql import prepared_cursor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SQL = "SELECT username FROM shop_user WHERE id = %s"


def _run(user_id):
    with prepared_cursor() as cursor:
        cursor.execute(SQL, [user_id])
        return cursor.fetchone()


def test_a_prepared_query_answers_and_is_logged_and_counted_like_any_other():
    user = UserFactory(username="ani")
    with CaptureQueriesContext(connection) as queries:
        assert _run(user.pk) == ("ani",)
        assert _run(user.pk) == ("ani",)
        assert _run(-1) is None
    logged = [query["sql"] for query in queries.captured_queries]
    assert len(logged) == 3
    assert all("FROM shop_user WHERE id =" in sql for sql in logged)


def test_database_errors_from_a_prepared_query_are_djangos():
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), prepared_cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM shop_user WHERE id = %s", [1])
