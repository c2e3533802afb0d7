"""Unread counts, idempotent sends and opening under real parallel requests: threads with their
own PostgreSQL connections, released together by a barrier (tests/concurrency.py).

Why these can fail: ``mark_read`` recounts a side's unread messages and writes the count.
Without the conversation's row lock, a send that commits between the count and the write
is lost (the count said 0, the send's +1 is overwritten: a message never shows as unread),
and a read can also move the watermark back. Both sides lock the row first, so the final
counter must equal the count of the other side's messages above the final watermark.
"""

import threading

import pytest
from django.db import connection

from chat import services
from chat.models import Conversation, Message
from chat.services import rules
from social.ratelimit import Limit
from tests.chat.factories import client_id, conversation
from tests.concurrency import in_parallel
from tests.factories import StoreFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres_only")]


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    monkeypatch.setattr(rules, "MESSAGE_LIMIT", Limit(10_000, 60, ""))


def _expected_unread(chat: Conversation, side: str) -> tuple[int, int, int]:
    chat = Conversation.objects.get(pk=chat.pk)
    watermark = chat.store_last_read_id if side == "store" else chat.shopper_last_read_id
    counter = chat.store_unread if side == "store" else chat.shopper_unread
    recount = Message.objects.filter(conversation=chat, id__gt=watermark).exclude(sender_side=side).count()
    return counter, recount, watermark


def test_unread_counts_stay_exact_when_messages_and_reads_race():
    # given
    chat = conversation()
    shopper, owner = chat.shopper, chat.store.owner
    sends_per_thread = 20
    stop = threading.Event()
    watermarks: list[int] = []

    def shopper_sends():
        for _ in range(sends_per_thread):
            services.send_message(conversation=chat, sender=shopper, client_id=client_id(), body="Ready kak?")

    def store_reads():
        # The seller reads up to the newest message they can see, again and again, as a page would.
        while not stop.is_set():
            newest = Message.objects.filter(conversation=chat).order_by("-id").values_list("id", flat=True).first()
            state = services.mark_read(conversation=chat, reader=owner, up_to_message_id=newest or 0)
            watermarks.append(state.last_read_id)
        connection.close()

    readers = [threading.Thread(target=store_reads) for _ in range(3)]
    for reader in readers:
        reader.start()

    # when
    errors = in_parallel([shopper_sends for _ in range(6)])
    stop.set()
    for reader in readers:
        reader.join(timeout=60)

    # then
    assert errors == []
    assert Message.objects.filter(conversation=chat).count() == 6 * sends_per_thread
    counter, recount, watermark = _expected_unread(chat, "store")
    assert counter == recount
    assert watermark == max(watermarks)


def test_both_sides_sending_and_reading_at_once_keep_both_counters_exact():
    # given
    chat = conversation()
    shopper, owner = chat.shopper, chat.store.owner

    def sends_then_reads(sender):
        def action():
            for _ in range(20):
                services.send_message(conversation=chat, sender=sender, client_id=client_id(), body="Halo")
                newest = Message.objects.filter(conversation=chat).order_by("-id").values_list("id", flat=True).first()
                services.mark_read(conversation=chat, reader=sender, up_to_message_id=newest)

        return action

    # when
    errors = in_parallel([sends_then_reads(shopper), sends_then_reads(owner)] * 2)

    # then
    assert errors == []
    for side in ("store", "shopper"):
        counter, recount, _watermark = _expected_unread(chat, side)
        assert counter == recount


def test_the_same_send_retried_at_once_makes_one_message():
    # given
    chat = conversation()
    key = client_id()
    results = []

    def send():
        results.append(services.send_message(conversation=chat, sender=chat.shopper, client_id=key, body="Ready kak?"))

    # when
    errors = in_parallel([send for _ in range(6)])

    # then
    assert errors == []
    assert Message.objects.filter(conversation=chat).count() == 1
    assert sorted(created for _message, created in results) == [False] * 5 + [True]
    assert len({message.pk for message, _created in results}) == 1
    assert Conversation.objects.get(pk=chat.pk).store_unread == 1


def test_opening_the_same_conversation_at_once_makes_one():
    # given
    shopper, store = UserFactory(), StoreFactory()
    opened = []

    # when
    errors = in_parallel(
        [lambda: opened.append(services.open_conversation(shopper=shopper, store=store)) for _ in range(6)]
    )

    # then
    assert errors == []
    assert Conversation.objects.filter(shopper=shopper, store=store).count() == 1
    assert len({chat.pk for chat in opened}) == 1
