"""The chat benchmark's data (bulk inserts, untimed) and its query part.

- ``live_pairs``: ``n`` stores, each with its owner, and ``n`` shoppers, one conversation per
  (shopper i, store i), an API token for everyone: the 2n sockets of the live part.
- ``seller_with``: a seller with ``conversations`` conversations (one shopper's message in
  each, the five newest unread) and one thread of ``thread_messages`` messages.
- ``measure_pages``: the seller's inbox and that thread, as pages and through the API: the
  queries of one request (after a first one, which marks the thread read) and the p50 time of
  ``repeats`` requests through Django's test client in this process.

Needs Django set up (``chat_bench`` does it) on a benchmark database.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

BATCH = 5000


def _users(prefix: str, count: int):
    from shop.models import User

    users = [
        User(username=f"{prefix}-{n}", email=f"{prefix}-{n}@bench.invalid", password="!bench") for n in range(count)
    ]
    return User.objects.bulk_create(users, batch_size=BATCH)


def _stores(owners, prefix: str):
    from catalog.models import Store

    stores = [Store(owner=owner, name=f"Toko {prefix} {n}", slug=f"{prefix}-{n}") for n, owner in enumerate(owners)]
    return Store.objects.bulk_create(stores, batch_size=BATCH)


def live_pairs(count: int) -> list[dict]:
    """``count`` conversations between distinct shoppers and stores, with everyone's token."""
    from rest_framework.authtoken.models import Token

    from chat.models import Conversation

    shoppers = _users("live-shopper", count)
    owners = _users("live-owner", count)
    stores = _stores(owners, "live")
    conversations = Conversation.objects.bulk_create(
        [Conversation(store=store, shopper=shopper) for store, shopper in zip(stores, shoppers, strict=True)],
        batch_size=BATCH,
    )
    tokens = Token.objects.bulk_create(
        [Token(user=user, key=Token.generate_key()) for user in [*shoppers, *owners]], batch_size=BATCH
    )
    key = {token.user_id: token.key for token in tokens}
    return [
        {
            "conversation": conversation.pk,
            "shopper": shopper.pk,
            "owner": owner.pk,
            "shopper_token": key[shopper.pk],
            "owner_token": key[owner.pk],
        }
        for conversation, shopper, owner in zip(conversations, shoppers, owners, strict=True)
    ]


def seller_with(conversations: int, thread_messages: int, tag: str) -> dict:
    """A seller with ``conversations`` conversations and one thread of ``thread_messages``."""
    from django.db import connection
    from django.utils import timezone

    from chat.models import Conversation, Message

    began = time.perf_counter()
    (owner,) = _users(f"{tag}-owner", 1)
    (store,) = _stores([owner], tag)
    shoppers = _users(f"{tag}-shopper", conversations)
    now = timezone.now()
    chats = Conversation.objects.bulk_create(
        [
            Conversation(store=store, shopper=shopper, last_message_at=now - timedelta(minutes=n))
            for n, shopper in enumerate(shoppers)
        ],
        batch_size=BATCH,
    )
    rows = [
        Message(
            conversation=chat,
            sender=chat.shopper,
            sender_side="shopper",
            body=f"Kak, yang ini ready? ({n})",
            created_at=now - timedelta(minutes=n),
        )
        for n, chat in enumerate(chats[1:], start=1)
    ]
    thread = chats[0]
    start = now - timedelta(seconds=thread_messages)
    for n in range(thread_messages):
        from_shopper = n % 2 == 0
        rows.append(
            Message(
                conversation=thread,
                sender=thread.shopper if from_shopper else owner,
                sender_side="shopper" if from_shopper else "store",
                body=f"Pesan nomor {n}: masih ada stok ukuran M?",
                created_at=start + timedelta(seconds=n),
            )
        )
    for first in range(0, len(rows), BATCH):
        Message.objects.bulk_create(rows[first : first + BATCH])
    unread = [chat.pk for chat in chats[1:6]]
    with connection.cursor() as cursor:
        # Each conversation's newest message; the five newest unread by the store (so a first
        # page holds unread and read ones at either size), the thread read.
        cursor.execute(
            """
            UPDATE chat_conversation c
               SET last_message_id = m.newest,
                   shopper_last_read_id = m.newest,
                   store_last_read_id = CASE WHEN c.id = ANY(%s) THEN 0 ELSE m.newest END,
                   store_unread = CASE WHEN c.id = ANY(%s) THEN m.from_shopper ELSE 0 END
              FROM (SELECT conversation_id, max(id) AS newest,
                           count(*) FILTER (WHERE sender_side = 'shopper') AS from_shopper
                      FROM chat_message WHERE conversation_id IN (
                           SELECT id FROM chat_conversation WHERE store_id = %s)
                     GROUP BY conversation_id) m
             WHERE c.id = m.conversation_id
            """,
            [unread, unread, store.pk],
        )
        cursor.execute("ANALYZE chat_conversation")
        cursor.execute("ANALYZE chat_message")
    return {
        "owner": owner.pk,
        "store": store.pk,
        "thread": thread.pk,
        "conversations": conversations,
        "thread_messages": thread_messages,
        "seconds": round(time.perf_counter() - began, 1),
    }


def _count_and_p50(client, path: str, repeats: int) -> dict:
    from django.db import connection

    headers = {"secure": True, "HTTP_HOST": "127.0.0.1"}  # behind the TLS proxy, as deployed
    first = client.get(path, **headers)  # opening the thread reads it: the next ones do not write
    if first.status_code != 200:
        raise SystemExit(f"{path}: {first.status_code} {first.content[:300]!r}")
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        client.get(path, **headers)
        times.append((time.perf_counter() - began) * 1000)
    return {
        "path": path,
        "queries": len(queries),
        "p50_ms": round(statistics.median(times), 1),
        "bytes": len(response.content),
    }


def measure_pages(sellers: list[dict], repeats: int) -> list[dict]:
    """For each seller (small first): the inbox and the big thread, page and API."""
    from django.test import Client
    from django.urls import reverse

    from shop.models import User

    results = []
    for seller in sellers:
        client = Client()
        client.force_login(User.objects.get(pk=seller["owner"]))
        pages = {
            "inbox page": reverse("chat:store_inbox"),
            "thread page": reverse("chat:thread", kwargs={"pk": seller["thread"]}),
            "inbox API": reverse("api:chat-inbox"),
            "thread API": reverse("api:chat-messages", kwargs={"pk": seller["thread"]}),
        }
        for name, path in pages.items():
            measured = _count_and_p50(client, path, repeats)
            results.append(
                {"what": name, "conversations": seller["conversations"], "thread_messages": seller["thread_messages"]}
                | measured
            )
    return results
