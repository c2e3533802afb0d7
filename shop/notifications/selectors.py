"""Reading the inbox: the unread count and the grouped list, shared by the pages and the API.

Notifications sharing a ``group_key`` show as one row ("Ani and 4 others liked your post")
placed at its latest notification; a blank ``group_key`` is a group of its own. Pages are
keyset pages on ``(created_at, id)``, never OFFSET, and cost a bounded number of queries
whatever their length or the inbox's size (see ``inbox``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from shop.cursors import aware_datetime, decode_cursor, encode_cursor, row_id
from shop.models import Notification, NotificationPreference, User
from shop.notifications import kinds

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

PAGE_SIZE = 20
PAGE_LIMIT_MAX = 50
# The bell counts up to this (a bounded query); the page shows "99+" above 99.
UNREAD_COUNT_CAP = 100
# The inbox is read this many notifications at a time, at most MAX_WINDOWS times a page.
WINDOW = 500
MAX_WINDOWS = 3


@dataclass
class InboxRow:
    """One line of the inbox: a group of notifications shown through its latest one."""

    latest: Notification
    count: int
    unread: bool
    # Display names of the group's latest one or two distinct actors, latest first.
    actor_names: list[str]
    actor_count: int
    text: str
    target_url: str = field(default="")

    @property
    def id(self) -> int:
        return self.latest.pk

    @property
    def kind(self) -> str:
        return self.latest.kind

    @property
    def group_key(self) -> str:
        return self.latest.group_key

    @property
    def created_at(self) -> datetime:
        return self.latest.created_at


@dataclass
class InboxPage:
    rows: list[InboxRow]
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _inbox(user: User) -> QuerySet[Notification]:
    """The user's in-app notifications: what the inbox and the count may ever show."""
    return Notification.objects.filter(recipient=user, in_app=True)


def unread_count(user: User) -> int:
    """Unread in-app notifications, counted up to ``UNREAD_COUNT_CAP`` (so a bounded
    query on the ``notification_unread`` partial index, however many there are).

    Every signed-in tab polls it, so it is written out once instead of being built by the
    ORM on each poll (about 1 ms of CPU)."""
    if not user.is_authenticated:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_SQL, [user.pk, True])
        (count,) = cursor.fetchone()
    return count


_UNREAD_SQL = (
    f"SELECT COUNT(*) FROM (SELECT 1 FROM {Notification._meta.db_table} "
    f"WHERE recipient_id = %s AND in_app = %s AND read_at IS NULL LIMIT {int(UNREAD_COUNT_CAP)}) unread"
)


def _after(queryset: QuerySet[Notification], position: tuple[datetime, int] | None) -> QuerySet[Notification]:
    """Older than ``position`` in the inbox's order (``-created_at, -id``)."""
    if position is None:
        return queryset
    at, last_id = position
    return queryset.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=last_id))


def _up_to(queryset: QuerySet[Notification], position: tuple[datetime, int]) -> QuerySet[Notification]:
    """Newer than ``position``, or at it: what earlier pages covered."""
    at, last_id = position
    return queryset.filter(Q(created_at__gt=at) | Q(created_at=at, pk__gte=last_id))


class _SecondActor(TypedDict):
    second_actor_id: int | None


def _row_positions(
    user: User, position: tuple[datetime, int] | None, limit: int
) -> tuple[list[int], tuple[datetime, int] | None]:
    """The ids of the page's rows (each its group's latest notification), and where the next
    page starts (None on the last page).

    The inbox is read in windows of ``WINDOW`` notifications, newest first. A window's rows
    are the first notification of each group in it, less the groups that have a notification
    at or before the window's start (their row was shown already). So a page costs at most
    ``MAX_WINDOWS`` x 2 small queries whatever the inbox holds, even when one huge group
    (a viral post's likes) fills windows with notifications that make no row: the page is
    then shorter than ``limit`` and ``next`` goes on from where the reading stopped.
    """
    rows: list[tuple[int, datetime]] = []
    mine = _inbox(user).order_by("-created_at", "-pk")
    for _step in range(MAX_WINDOWS):
        window = list(_after(mine, position).values_list("pk", "created_at", "group_key")[:WINDOW])
        firsts: list[tuple[int, datetime, str]] = []
        keys: set[str] = set()
        for pk, at, key in window:
            if not key:
                firsts.append((pk, at, key))
            elif key not in keys:
                keys.add(key)
                firsts.append((pk, at, key))
        if position is not None and keys:
            shown = set(
                _up_to(_inbox(user).filter(group_key__in=keys), position)
                .order_by()
                .values_list("group_key", flat=True)
                .distinct()
            )
            firsts = [entry for entry in firsts if entry[2] not in shown]
        rows += [(pk, at) for pk, at, _key in firsts]
        if len(rows) > limit:
            rows = rows[:limit]
            return [pk for pk, _at in rows], (rows[-1][1], rows[-1][0])
        if len(window) < WINDOW:
            return [pk for pk, _at in rows], None
        position = (window[-1][1], window[-1][0])
    return [pk for pk, _at in rows], position


def inbox(*, user: User, cursor: str | None = None, limit: int = PAGE_SIZE) -> InboxPage:
    """A page of the user's inbox, newest row first. ``BadCursor`` for a forged cursor.

    Queries: the windows (``_row_positions``), then the rows with their actor and second
    actor's id, the groups' counts, and the second actors' names: constant for any page.
    """
    limit = max(1, min(int(limit), PAGE_LIMIT_MAX))
    ids, next_position = _row_positions(user, decode_cursor(cursor, aware_datetime, row_id), limit)
    mine = _inbox(user)
    latest: list[WithAnnotations[Notification, _SecondActor]] = []
    if ids:
        # The group's latest actor other than the row's own (for "Ani and Budi ...").
        second_actor = (
            mine.filter(group_key=OuterRef("group_key"), actor__isnull=False)
            .exclude(actor_id=OuterRef("actor_id"))
            .order_by("-created_at", "-pk")
            .values("actor_id")[:1]
        )
        latest = list(
            mine.filter(pk__in=ids)
            .select_related("actor")
            .annotate(second_actor_id=Subquery(second_actor))
            .order_by("-created_at", "-pk")
        )

    grouped = {row.group_key for row in latest if row.group_key}
    stats = {}
    if grouped:
        stats = {
            entry["group_key"]: entry
            for entry in mine.filter(group_key__in=grouped)
            .order_by()
            .values("group_key")
            .annotate(
                total=Count("pk"),
                unread=Count("pk", filter=Q(read_at__isnull=True)),
                actors=Count("actor", distinct=True),
            )
        }
    second_ids = {row.second_actor_id for row in latest if row.group_key and row.second_actor_id}
    second_actors = {person.pk: person for person in User.objects.filter(pk__in=second_ids)} if second_ids else {}

    rows = [_row(notification, stats.get(notification.group_key), second_actors) for notification in latest]
    next_cursor = encode_cursor(next_position[0].isoformat(), next_position[1]) if next_position is not None else None
    return InboxPage(rows, next_cursor)


def _row(notification: Notification, stats: Mapping[str, Any] | None, second_actors: dict[int, User]) -> InboxRow:
    actor = notification.actor
    if stats is None:  # a group of one
        count, unread, actor_count = 1, notification.read_at is None, 1 if actor else 0
    else:
        count, unread, actor_count = stats["total"], stats["unread"] > 0, stats["actors"]
    names = [actor.display_name] if actor else []
    second_id = getattr(notification, "second_actor_id", None)
    second = second_actors.get(second_id) if second_id is not None else None
    if actor and second is not None:
        names.append(second.display_name)
    others = max(actor_count - 1, 0) if actor else actor_count
    kind = kinds.get(notification.kind)
    text_of = kind.text if kind is not None else kinds.unknown_text
    return InboxRow(
        latest=notification,
        count=count,
        unread=unread,
        actor_names=names,
        actor_count=actor_count,
        text=str(text_of(names[0] if names else "", others, notification.data)),
        target_url=notification.target_url,
    )


# --- Settings ------------------------------------------------------------------------------


def current_choices(*, user: User) -> dict[str, dict[str, bool]]:
    """``{kind: {"email": bool, "in_app": bool}}`` for every optional kind: the user's
    choice, else the kind's default. One query."""
    saved = {row.kind: row for row in NotificationPreference.objects.filter(user=user)}
    choices = {}
    for kind in kinds.optional_kinds():
        row = saved.get(kind.name)
        choices[kind.name] = {
            "email": row.email if row else kind.email_by_default,
            "in_app": row.in_app if row else True,
        }
    return choices
