"""The feed pages' hot path in plain SQL: light rows of posts, and the viewer's state.

Why not the ORM: on a small server the ORM spends 5-8 ms of CPU *building* each of these
queries (the visibility rule is two excludes across joins), while the database answers in
well under a millisecond; written out, the same query costs about 1 ms in all. A feed page
runs one of them: its rows, each with the viewer's like, save and follow state (three
``EXISTS`` on unique indexes), and the cards come from the cache (``social.cards``). On
PostgreSQL the rows are read with prepared statements (``shop.sql``): planning them cost
more than running them.

The rules mirror ``PostQuerySet.visible_to`` (not hidden; no block either way between the
viewer and the author) and ``selectors.following_feed`` / ``for_you_feed``; the tests check
that both ways give the same posts. The SQL is portable: PostgreSQL and SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.utils.dateparse import parse_datetime

from shop.sql import prepared_cursor
from social.models import Block, FeedEntry, Follow, Like, Post, Profile, Save

POST = Post._meta.db_table
ENTRY = FeedEntry._meta.db_table
BLOCK = Block._meta.db_table
LIKE = Like._meta.db_table
SAVE = Save._meta.db_table
FOLLOW = Follow._meta.db_table
PROFILE = Profile._meta.db_table
COLUMNS = (
    "p.id, p.profile_id, p.author_id, p.created_at, p.edited_at, p.like_count, p.comment_count, p.hot_score, "
    "p.tag_version"
)


def _probe() -> str:
    """Ends each ``EXISTS`` sub-query on PostgreSQL: ``OFFSET 0`` keeps it a probe of a unique
    index for each of the page's rows. Without it PostgreSQL may instead read all of the
    viewer's rows of that table once and hash them (their 1,000 follows, for 21 posts), and a
    plan reused for every viewer (``shop.sql``) could do that for someone with 100,000 likes."""
    return " OFFSET 0" if connection.vendor == "postgresql" else ""


@dataclass(slots=True, eq=False)
class PostRow:
    """What picks a page, keys a cached card and carries the viewer's state: no more."""

    id: int
    profile_id: int
    author_id: int
    created_at: datetime
    edited_at: datetime | None
    like_count: int
    comment_count: int
    hot_score: float
    tag_version: int
    viewer_liked: bool = False
    viewer_saved: bool = False
    viewer_follows: bool = False
    viewer_is_author: bool = False
    # Whether the viewer_* fields above were read with the row (``selectors.mark_viewer_state``
    # then has nothing to ask).
    viewer_state_read: bool = False

    @property
    def pk(self) -> int:
        return self.id


def _aware(value) -> datetime | None:
    """Datetimes as the ORM gives them (aware, UTC), from either database."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _param(value):
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _state_columns(viewer_id: int | None) -> tuple[str, list]:
    """The viewer's like, save and follow of each row's post, as three more columns."""
    if viewer_id is None:
        return "", []
    probe = _probe()
    return (
        f", EXISTS (SELECT 1 FROM {LIKE} l WHERE l.user_id = %s AND l.post_id = p.id{probe})"
        f", EXISTS (SELECT 1 FROM {SAVE} s WHERE s.user_id = %s AND s.post_id = p.id{probe})"
        f", EXISTS (SELECT 1 FROM {FOLLOW} f WHERE f.follower_id = %s AND f.followee_id = p.profile_id{probe})",
        [viewer_id, viewer_id, viewer_id],
    )


def _rows(sql: str, params: list, *, viewer_id: int | None = None) -> list[PostRow]:
    """Rows of ``COLUMNS``, followed by the ``_state_columns`` when there is a viewer."""
    with prepared_cursor() as cursor:
        cursor.execute(sql, [_param(value) for value in params])
        fetched = cursor.fetchall()
    rows = []
    for id, profile_id, author_id, at, edited, likes, comments, hot, tags, *state in fetched:
        row = PostRow(id, profile_id, author_id, _aware(at), _aware(edited), likes, comments, hot, tags)
        if viewer_id is not None:
            row.viewer_liked, row.viewer_saved, row.viewer_follows = (bool(value) for value in state)
            row.viewer_is_author = author_id == viewer_id
            row.viewer_state_read = True
        rows.append(row)
    return rows


def _visible(viewer_id: int | None) -> tuple[str, list]:
    """``PostQuerySet.visible_to``: not hidden, and no block between the viewer and the author."""
    if viewer_id is None:
        return "p.is_hidden = %s", [False]
    probe = _probe()
    return (
        f"p.is_hidden = %s"
        f" AND NOT EXISTS (SELECT 1 FROM {BLOCK} b WHERE b.blocker_id = p.author_id AND b.blocked_id = %s{probe})"
        f" AND NOT EXISTS (SELECT 1 FROM {BLOCK} b WHERE b.blocker_id = %s AND b.blocked_id = p.author_id{probe})",
        [False, viewer_id, viewer_id],
    )


def feed_built(user_id: int) -> bool:
    """Whether ``user_id``'s Following feed is materialised (their profile says when it was built)."""
    with prepared_cursor() as cursor:
        cursor.execute(f"SELECT feed_built_at FROM {PROFILE} WHERE user_id = %s", [user_id])
        row = cursor.fetchone()
    return row is not None and row[0] is not None


def following_count(user_id: int) -> int:
    """How many profiles ``user_id`` follows (0 before they have a profile)."""
    with prepared_cursor() as cursor:
        cursor.execute(f"SELECT following_count FROM {PROFILE} WHERE user_id = %s", [user_id])
        row = cursor.fetchone()
    return row[0] if row is not None else 0


def feed_window(*, owner_id: int, after: tuple[datetime, int] | None, limit: int) -> list[PostRow]:
    """The next ``limit`` materialised entries of ``owner_id``'s feed (after the cursor position),
    newest first, as visible posts with the owner's state: the first step of
    ``selectors.following_feed``."""
    keyset, keyset_params = "", []
    if after is not None:
        at, last_id = after
        keyset = "AND (e.created_at < %s OR (e.created_at = %s AND e.post_id < %s))"
        keyset_params = [at, at, last_id]
    state, state_params = _state_columns(owner_id)
    visible, visible_params = _visible(owner_id)
    # The limit is written into the query (an int, one statement per page size): as a
    # parameter, a plan made for any value could not count on a short window.
    sql = (
        f"SELECT {COLUMNS}{state} FROM ("
        f"SELECT e.post_id FROM {ENTRY} e WHERE e.owner_id = %s {keyset} "
        f"ORDER BY e.created_at DESC, e.post_id DESC LIMIT {int(limit)}"
        f") e JOIN {POST} p ON p.id = e.post_id WHERE {visible} ORDER BY p.created_at DESC, p.id DESC"
    )
    return _rows(sql, [*state_params, owner_id, *keyset_params, *visible_params], viewer_id=owner_id)


def by_ids(ids: list[int], *, viewer_id: int | None) -> dict[int, PostRow]:
    """The visible posts among ``ids``, by id, with the viewer's state when there is one."""
    if not ids:
        return {}
    state, state_params = _state_columns(viewer_id)
    visible, visible_params = _visible(viewer_id)
    if connection.vendor == "postgresql":
        # One array parameter: the same statement for any number of ids.
        wanted, wanted_params = "p.id = ANY(%s)", [list(ids)]
    else:
        wanted, wanted_params = f"p.id IN ({_placeholders(ids)})", list(ids)
    sql = f"SELECT {COLUMNS}{state} FROM {POST} p WHERE {wanted} AND {visible}"
    return {row.id: row for row in _rows(sql, [*state_params, *wanted_params, *visible_params], viewer_id=viewer_id)}


def viewer_state(*, viewer_id: int, post_ids: list[int], profile_ids: list[int]) -> tuple[set, set, set]:
    """(posts liked, posts saved, profiles followed) by the viewer, among those given. One query."""
    if not post_ids:
        return set(), set(), set()
    posts = _placeholders(post_ids)
    parts = [
        f"SELECT 0, post_id FROM {LIKE} WHERE user_id = %s AND post_id IN ({posts})",
        f"SELECT 1, post_id FROM {SAVE} WHERE user_id = %s AND post_id IN ({posts})",
    ]
    params = [viewer_id, *post_ids, viewer_id, *post_ids]
    if profile_ids:
        profiles = _placeholders(profile_ids)
        parts.append(f"SELECT 2, followee_id FROM {FOLLOW} WHERE follower_id = %s AND followee_id IN ({profiles})")
        params += [viewer_id, *profile_ids]
    found: tuple[set, set, set] = (set(), set(), set())
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for kind, row_id in cursor.fetchall():
            found[kind].add(row_id)
    return found
