"""What keeps one plan for any values stays bounded on skewed data, and why the site plans the
rest for their values.

PostgreSQL can keep one plan for a prepared statement whatever its values (its generic plan).
The site plans each run for its values (``plan_cache_mode=force_custom_plan``, ``shop/settings.py``)
except the statements run inside ``shop.compiled.kept_plan``. A kept plan is made for the
average parent: for a list keyed by a parent whose children number in thousands for one parent
and a few for the rest, it can read all of the big parent's children on every page (the thread
API of a 50,000-message chat answered in 250 ms instead of 29; ``bench/README.md``).

Each test fills one skewed table, opens the pages that list it, and plans again, for any values
(``force_generic_plan``), every SELECT that would keep its plan, run with the request's values:
no read of the skewed table may handle more rows than a page shows, a few times over. The same
pages as if every statement kept its plan (``as_if_kept``) read whole parents: the reason the
site's default stays.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from chat.models import Conversation, Message
from shop.models import Notification, User
from shop.notifications.selectors import WINDOW
from tests.chat.factories import conversation, say
from tests.factories import StoreFactory, UserFactory
from tests.shop.kept_plans import explain_kept_plan

pytestmark = [
    # Outside a test transaction, as requests run: shop.compiled.kept_plan acts there only.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's kept plans; SQLite keeps none"),
]

BIG = 3000  # the big parent's children
SMALL_PARENTS = 300  # parents with one child each: the average a kept plan expects is ~10
BOUND = 200  # rows a read of the big table may handle: a page (30), its extras, a few times over


class _Statements:
    """The SELECTs run inside (``with``) that keep their plan, with their values: all of them
    ``as_if_kept``; else those run with ``plan_cache_mode`` auto (``shop.compiled.kept_plan``
    sets it for its statements; ``RESET`` returns to the connection's setting)."""

    def __init__(self, *, as_if_kept: bool) -> None:
        self.ran: list[tuple[str, tuple]] = []
        self.as_if_kept = as_if_kept

    def __call__(self, execute, sql, params, many, context):
        if "set_config('plan_cache_mode', 'auto'" in sql:
            self.mode = "auto"
        elif sql.startswith("RESET plan_cache_mode"):
            self.mode = self.site_mode
        elif (
            sql.lstrip().upper().startswith("SELECT")
            and " FOR UPDATE" not in sql.upper()
            and not many
            and (self.as_if_kept or self.mode != "force_custom_plan")
        ):
            self.ran.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            (self.site_mode,) = cursor.fetchone()
        self.mode = self.site_mode
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def _steps(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _steps(child)


def _widest_read(sql: str, params: tuple, table: str) -> tuple[int, str]:
    """The most rows one read of ``table`` in ``sql``'s generic plan handled with ``params``
    (0 when it reads none), and that plan."""
    ((plan,),) = explain_kept_plan(sql, params, "ANALYZE, FORMAT JSON")
    plan = plan if isinstance(plan, list) else json.loads(plan)
    steps = list(_steps(plan[0]["Plan"]))
    widest = max(
        (step["Actual Rows"] * step["Actual Loops"] for step in steps if step.get("Relation Name") == table), default=0
    )
    shown = "\n".join(
        f"  {step['Node Type']} {step.get('Relation Name') or step.get('Index Name') or ''}: "
        f"{step['Actual Rows']} rows x {step['Actual Loops']}"
        for step in steps
    )
    return widest, shown


def _unbounded(client, table: str, paths: list[str], *, bound: int = BOUND, as_if_kept: bool = False) -> list[str]:
    """Each kept plan of the pages at ``paths`` whose read of ``table`` handled more than
    ``bound`` rows, described."""
    unbounded = []
    for path in paths:
        with _Statements(as_if_kept=as_if_kept) as statements:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        for sql, params in statements.ran:
            widest, plan = _widest_read(sql, params, table)
            if widest > bound:
                unbounded.append(f"{path}: a read of {table} handled {widest} rows\n{sql[:300]}...\n{params}\n{plan}")
    return unbounded


def _analyze(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


@pytest.fixture
def long_thread(client):
    """One conversation of 3,000 messages among 300 of one message each; the pages that read
    it, as its seller and as its shopper (newest, older and newer pages)."""
    store = StoreFactory()
    thread = conversation(store=store)
    say(thread, thread.shopper, "Kak, ready?")
    others = User.objects.bulk_create(
        [User(username=f"asker-{n}", email=f"asker-{n}@example.com") for n in range(SMALL_PARENTS)]
    )
    chats = Conversation.objects.bulk_create([Conversation(store=store, shopper=shopper) for shopper in others])
    start = timezone.now() - timedelta(days=1)
    Message.objects.bulk_create(
        [
            Message(
                conversation=thread,
                sender=thread.shopper if n % 2 else store.owner,
                sender_side="shopper" if n % 2 else "store",
                body=f"Pesan {n}",
                created_at=start + timedelta(seconds=n),
            )
            for n in range(BIG)
        ]
        + [Message(conversation=chat, sender=chat.shopper, sender_side="shopper", body="Halo") for chat in chats]
    )
    last = say(thread, thread.shopper, "Jadi bagaimana kak?")
    _analyze("chat_message", "chat_conversation")
    middle = Message.objects.filter(conversation=thread).order_by("id")[BIG // 2].pk
    page, api = reverse("chat:thread", kwargs={"pk": thread.pk}), reverse("api:chat-messages", kwargs={"pk": thread.pk})
    seller = [page, api, f"{api}?before={middle}", f"{api}?after={middle}", f"{api}?after={last.pk - 5}"]
    return {store.owner: [*seller, reverse("chat:store_inbox")], thread.shopper: [page, api]}


def test_what_keeps_a_plan_reads_a_long_chat_thread_a_page_at_a_time(client, long_thread):
    for person, paths in long_thread.items():
        client.force_login(person)
        assert not _unbounded(client, "chat_message", paths)


def test_a_plan_kept_for_any_conversation_would_read_all_of_a_long_thread(client, long_thread):
    # why the thread is planned for its conversation (shop/settings.py: force_custom_plan)
    seller, paths = next(iter(long_thread.items()))
    client.force_login(seller)
    unbounded = _unbounded(client, "chat_message", paths[:2], as_if_kept=True)
    assert len(unbounded) == 2 and all(f"handled {BIG + 2} rows" in found for found in unbounded), unbounded


@pytest.fixture
def many_notifications():
    """One person with 3,000 notifications among 300 people with one each."""
    person = UserFactory()
    others = User.objects.bulk_create(
        [User(username=f"reader-{n}", email=f"reader-{n}@example.com") for n in range(SMALL_PARENTS)]
    )
    Notification.objects.bulk_create(
        [Notification(recipient=person, kind="post_liked", group_key=f"g{n % 700}") for n in range(BIG)]
        + [Notification(recipient=other, kind="post_liked") for other in others]
    )
    _analyze("shop_notification")
    return person


NOTIFICATION_PAGES = [
    "notifications:inbox",
    "notifications:count",
    "api:notifications",
    "api:notifications-unread-count",
]


def test_what_keeps_a_plan_reads_a_long_inbox_a_window_at_a_time(client, many_notifications):
    client.force_login(many_notifications)
    paths = [reverse(name) for name in NOTIFICATION_PAGES]
    # the inbox reads windows of 500 (shop.notifications.selectors.WINDOW)
    assert not _unbounded(client, "shop_notification", paths, bound=WINDOW + BOUND)


def test_a_plan_kept_for_any_person_would_read_all_of_a_long_inbox(client, many_notifications):
    client.force_login(many_notifications)
    unbounded = _unbounded(
        client, "shop_notification", [reverse("notifications:inbox")], bound=WINDOW + BOUND, as_if_kept=True
    )
    assert len(unbounded) == 1 and f"handled {BIG} rows" in unbounded[0], unbounded


@pytest.fixture
def long_feed():
    """One person whose Following feed holds 3,000 posts among 300 people with one each."""
    from social.models import FeedEntry, Post, PostImage
    from tests.factories import make_post

    viewer = UserFactory()
    first = make_post(caption="Post 0")
    picture = PostImage.objects.filter(post=first).first()
    start = timezone.now() - timedelta(days=1)
    posts = Post.objects.bulk_create(
        [
            Post(
                author_id=first.author_id,
                profile_id=first.profile_id,
                caption=f"Post {n}",
                created_at=start + timedelta(seconds=n),
            )
            for n in range(1, BIG)
        ]
    )
    PostImage.objects.bulk_create(
        [
            PostImage(
                post=post,
                image=picture.image.name,
                width=picture.width,
                height=picture.height,
                thumbnail=picture.thumbnail.name,
                display=picture.display.name,
                webp=picture.webp.name,
            )
            for post in posts
        ]
    )
    readers = User.objects.bulk_create(
        [User(username=f"follower-{n}", email=f"follower-{n}@example.com") for n in range(SMALL_PARENTS)]
    )
    FeedEntry.objects.bulk_create(
        [
            FeedEntry(owner=viewer, post=post, profile_id=post.profile_id, created_at=post.created_at)
            for post in [first, *posts]
        ]
        + [
            FeedEntry(owner=reader, post=first, profile_id=first.profile_id, created_at=first.created_at)
            for reader in readers
        ]
    )
    _analyze("social_feedentry", "social_post")
    return viewer


def test_what_keeps_a_plan_reads_a_long_feed_a_page_at_a_time(client, long_feed):
    client.force_login(long_feed)
    paths = [reverse("social:following"), reverse("api:feed-following"), reverse("social:for_you")]
    assert not _unbounded(client, "social_feedentry", paths)


def test_a_plan_kept_for_any_viewer_would_read_all_of_a_long_feed(client, long_feed):
    # why the Following window is planned for its viewer (social.selectors.feeds._FEED_WINDOW)
    client.force_login(long_feed)
    unbounded = _unbounded(client, "social_feedentry", [reverse("social:following")], as_if_kept=True)
    assert len(unbounded) == 1 and f"handled {BIG} rows" in unbounded[0], unbounded
