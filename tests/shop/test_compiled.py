"""Querysets compiled once per shape (``shop.compiled``): each run gives what the ORM gives for
its own values, not the values it was compiled with."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.db.models import Count
from django.utils import timezone

from shop.compiled import CompiledQuery, _reading, kept_plan
from shop.models import Notification, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _users(*, joined_after, ids: list[int], limit: int):
    return User.objects.filter(date_joined__gt=joined_after, pk__in=ids).order_by("pk")[:limit]


def test_each_run_reads_with_its_own_values_as_the_orm_would():
    # given
    now = timezone.now()
    users = [UserFactory() for _ in range(4)]
    for days, user in enumerate(users):
        User.objects.filter(pk=user.pk).update(date_joined=now - timedelta(days=days))
    query = CompiledQuery(_users)
    ids = [user.pk for user in users]
    # when / then: the same shape with other values, and another shape
    for joined_after, wanted in ((now - timedelta(days=10), ids), (now - timedelta(hours=36), ids[1:3] + ids[:1])):
        rows = query.rows({"joined_after": joined_after, "ids": wanted}, limit=3)
        expected = list(_users(joined_after=joined_after, ids=wanted, limit=3))
        assert [row.pk for row in rows] == [user.pk for user in expected] and rows
        assert [row.date_joined for row in rows] == [user.date_joined for user in expected]


def _annotated_users(*, ids: list[int]):
    return User.objects.filter(pk__in=ids).annotate(notified=Count("notifications")).order_by("pk")


def test_rows_are_model_instances_with_annotations_as_the_orm_gives_them():
    # given
    users = [UserFactory() for _ in range(3)]
    Notification.objects.create(recipient=users[1], kind="test", data={"a": 1})
    query = CompiledQuery(_annotated_users)
    # when (twice: the second run reads with what the first learnt of the columns)
    for _ in range(2):
        rows = query.rows({"ids": [user.pk for user in users]})
        expected = list(_annotated_users(ids=[user.pk for user in users]))
        # then
        assert [(row.pk, row.username, row.date_joined, row.notified) for row in rows] == [
            (user.pk, user.username, user.date_joined, user.notified) for user in expected
        ]
        assert all(row._state.adding is False and row._state.db == "default" for row in rows)


def _notifications(*, recipient_id: int):
    return Notification.objects.filter(recipient_id=recipient_id).order_by("pk")


def test_a_column_that_needs_a_converter_is_read_with_it_in_one_query(django_assert_num_queries):
    # given a JSON column (a converter on every database) holding a string of JSON
    recipient = UserFactory()
    Notification.objects.create(recipient=recipient, kind="test", data={"items": [1, 2]})
    query = CompiledQuery(_notifications)
    # when / then: the value the ORM gives (a dict, not text), one query a run, the first too
    for _ in range(2):
        with django_assert_num_queries(1):
            (row,) = query.rows({"recipient_id": recipient.pk})
        assert row.data == {"items": [1, 2]} and row.kind == "test"


def test_a_row_is_read_by_its_column_names_as_raw_reads_it():
    reading = _reading(User, ["username", "id", "notified"])
    assert reading.names == ["id", "username"] and reading.positions == [1, 0]
    assert reading.annotations == [("notified", 2)]
    assert _reading(User, ["id", "username"]).positions is None  # the row's first columns
    with pytest.raises(ValueError, match="primary key"):
        _reading(User, ["username"])


def _plan_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


def _users_by_ids(*, ids: list[int]):
    return User.objects.filter(pk__in=ids).order_by("pk")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's kept plans")
@pytest.mark.django_db(transaction=True)
def test_a_kept_plan_is_planned_once_for_any_values_and_the_connection_plans_the_rest_as_before():
    # given
    users = [UserFactory() for _ in range(3)]
    query = CompiledQuery(_users_by_ids, kept_plan=True)
    before = _plan_mode()
    # when run past psycopg's prepare threshold, with other values each time
    for run in range(16):
        wanted = [users[run % 3].pk, users[(run + 1) % 3].pk]
        assert [row.pk for row in query.rows({"ids": wanted})] == sorted(wanted)
    # then PostgreSQL kept a plan for it, and the connection's setting is the site's again
    assert before == "force_custom_plan" and _plan_mode() == before
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "shop_user" WHERE "shop_user"."id" IN%'],
        )
        assert [generic for (generic,) in cursor.fetchall()][0] > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's kept plans")
@pytest.mark.django_db(transaction=True)
def test_a_statement_that_fails_with_a_kept_plan_leaves_the_connection_as_it_was():
    before = _plan_mode()
    with pytest.raises(DatabaseError), connection.cursor() as cursor, kept_plan(cursor):
        cursor.execute("SELECT 1 / 0")
    assert _plan_mode() == before
