"""Querysets compiled once per shape (``shop.compiled``): each run gives what the ORM gives for
its own values, not the values it was compiled with."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.compiled import CompiledQuery
from shop.models import User
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
