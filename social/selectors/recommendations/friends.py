"""Who the viewer's friends are, and the raw SQL plumbing every friends' read shares: the
tables by their models, the ``friends`` CTE, and the paid states a purchase must be in.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext

from django.db import connection
from django.db.models import QuerySet

from catalog.models import Product
from checkout.models import Order, OrderLine, OrderStatus
from shop.compiled import kept_plan
from shop.models import User
from social.models import (
    Block,
    Follow,
    FriendSuggestionDismissal,
    Like,
    Post,
    ProductAffinity,
    ProductTag,
    Profile,
    Review,
)

PAID_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def _tables() -> dict[str, str]:
    """The tables the raw SQL reads, by their models (never spelled out twice)."""
    return {
        "user": User._meta.db_table,
        "profile": Profile._meta.db_table,
        "follow": Follow._meta.db_table,
        "block": Block._meta.db_table,
        "dismissal": FriendSuggestionDismissal._meta.db_table,
        "like": Like._meta.db_table,
        "post": Post._meta.db_table,
        "tag": ProductTag._meta.db_table,
        "review": Review._meta.db_table,
        "order": Order._meta.db_table,
        "line": OrderLine._meta.db_table,
        "product": Product._meta.db_table,
        "store": Product._meta.get_field("store").related_model._meta.db_table,
        "affinity": ProductAffinity._meta.db_table,
    }


# The viewer's friends: the people whose profile the viewer follows and who follow the
# viewer's profile back. Needs the parameter %(me)s.
FRIENDS_CTE = """
friends AS (
    SELECT fp.user_id AS friend_id, fp.id AS profile_id
    FROM {follow} f
    JOIN {profile} fp ON fp.id = f.followee_id
    WHERE f.follower_id = %(me)s
      AND fp.user_id IS NOT NULL
      AND EXISTS (
          SELECT 1 FROM {follow} back
          WHERE back.follower_id = fp.user_id
            AND back.followee_id = (SELECT id FROM {profile} WHERE user_id = %(me)s)
      )
)"""


def _sql(template: str) -> str:
    # PostgreSQL plans a CTE marked MATERIALIZED on its own (see PYMK_FRIENDS_OF_FRIENDS).
    materialized = "MATERIALIZED" if connection.vendor == "postgresql" else ""
    return template.format(materialized=materialized, **_tables())


def _fetch(sql: str, params: dict, *, keep_plan: bool = False) -> list[tuple]:
    """The rows of ``sql``; with one plan kept for any values if ``keep_plan``
    (``shop.compiled.kept_plan``: the friend proof, on every signed-in product page, costs
    more to plan than to run)."""
    with connection.cursor() as cursor, kept_plan(cursor) if keep_plan else nullcontext():
        cursor.execute(sql, params)
        return cursor.fetchall()


def _paid_params() -> dict:
    return {f"paid{index}": str(status) for index, status in enumerate(PAID_STATUSES)}


def _paid_in() -> str:
    return "(" + ", ".join(f"%(paid{index})s" for index in range(len(PAID_STATUSES))) + ")"


def friends_among(*, user: User, user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` are ``user``'s friends (one query)."""
    ids = sorted({int(pk) for pk in user_ids})
    if not ids or user is None or not user.is_authenticated:
        return set()
    placeholders = ", ".join(f"%(id{index})s" for index in range(len(ids)))
    sql = _sql("WITH " + FRIENDS_CTE + f" SELECT friend_id FROM friends WHERE friend_id IN ({placeholders})")
    params = {"me": user.pk, **{f"id{index}": pk for index, pk in enumerate(ids)}}
    return {row[0] for row in _fetch(sql, params)}


def friends_of(*, user: User) -> QuerySet[User]:
    """``user``'s active friends by name (one query): whom a recommendation may go to."""
    if user is None or not user.is_authenticated:
        return User.objects.none()
    followed_back = Follow.objects.filter(follower=user, followee__user__follows__followee__user=user)
    return User.objects.filter(is_active=True, pk__in=followed_back.values("followee__user_id")).order_by(
        "first_name", "last_name", "username"
    )
