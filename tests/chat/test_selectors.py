"""Reading chats: the seller's inbox (order, filters, search, keyset pages), the shopper's list,
a thread's pages before and after an id, the header's total, and their query budgets."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat import selectors, services
from chat.models import Conversation
from chat.selectors import InboxFilters
from shop.cursors import BadCursor
from tests.chat.factories import conversation, say, store_says
from tests.factories import ProductFactory, StoreFactory, UserFactory, buyable_variant, place

pytestmark = pytest.mark.django_db


def _chats(store, count):
    """``count`` conversations with ``store``, each with a shopper's question, oldest first."""
    chats = []
    for n in range(count):
        chat = conversation(shopper=UserFactory(), store=store)
        say(chat, chat.shopper, f"Pertanyaan {n}")
        chats.append(chat)
    return chats


def _walk(fetch, limit):
    """Every item of a paged list, following the cursors."""
    seen, cursor = [], None
    while True:
        page = fetch(cursor=cursor, limit=limit)
        seen += [item.pk for item in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def test_the_inbox_shows_unread_conversations_first_then_the_most_recent():
    # given
    store = StoreFactory()
    oldest, middle, newest = _chats(store, 3)
    store_says(newest)  # answered: read by the store
    store_says(oldest)
    say(oldest, oldest.shopper, "Halo lagi")  # unread again, and the most recent

    # when
    page = selectors.seller_inbox(store=store)

    # then
    assert [chat.pk for chat in page.items] == [oldest.pk, middle.pk, newest.pk]
    assert page.next_cursor is None


def test_keyset_pages_walk_every_conversation_once_in_order():
    # given
    store = StoreFactory()
    chats = _chats(store, 7)
    for chat in chats[::2]:
        store_says(chat)  # four read, three unread

    # when
    seen = _walk(lambda **kw: selectors.seller_inbox(store=store, **kw), limit=2)

    # then
    unread = [chat.pk for chat in reversed(chats) if chat not in chats[::2]]
    read = [chat.pk for chat in reversed(chats[::2])]
    assert seen == unread + read


def test_the_unread_filter_keeps_only_unread_conversations():
    store = StoreFactory()
    first, second = _chats(store, 2)
    store_says(first)
    page = selectors.seller_inbox(store=store, filters=InboxFilters(unread=True))
    assert [chat.pk for chat in page.items] == [second.pk]


def test_waiting_means_the_shoppers_question_has_had_no_answer_for_an_hour():
    # given
    store = StoreFactory()
    waiting, recent, answered = _chats(store, 3)
    store_says(answered)
    an_hour_ago = timezone.now() - timedelta(minutes=61)
    Conversation.objects.filter(pk__in=[waiting.pk, answered.pk]).update(shopper_waiting_since=an_hour_ago)
    Conversation.objects.filter(pk=answered.pk).update(shopper_waiting_since=None)

    # when
    page = selectors.seller_inbox(store=store, filters=InboxFilters(waiting=True))

    # then
    assert [chat.pk for chat in page.items] == [waiting.pk]
    assert recent.pk not in [chat.pk for chat in page.items]


def test_filters_by_open_order_and_label():
    # given
    variant = buyable_variant()
    store = variant.product.store
    buyer_chat, labelled = _chats(store, 2)
    place(buyer_chat.shopper, (variant, 1))
    vip = services.create_label(store=store, actor=store.owner, name="VIP")
    services.set_labels(conversation=labelled, actor=store.owner, label_ids=[vip.pk])

    # when
    with_order = selectors.seller_inbox(store=store, filters=InboxFilters(open_order=True))
    with_label = selectors.seller_inbox(store=store, filters=InboxFilters(label_id=vip.pk))

    # then
    assert [chat.pk for chat in with_order.items] == [buyer_chat.pk]
    assert [chat.pk for chat in with_label.items] == [labelled.pk]
    assert [label.name for label in with_label.items[0].labels.all()] == ["VIP"]


def test_search_finds_the_buyer_a_product_in_the_thread_or_an_order_number():
    # given
    variant = buyable_variant()
    store = variant.product.store
    by_name, by_product, by_order = _chats(store, 3)
    UserFactory._meta.model.objects.filter(pk=by_name.shopper_id).update(first_name="Sekar")
    product = ProductFactory(store=store, title="Kebaya Encim Biru")
    store_says(by_product, "", kind="product", product=product)
    (order,) = place(by_order.shopper, (variant, 1)).orders

    # when / then
    for search, expected in (("sekar", by_name), ("encim", by_product), (order.number.lower(), by_order)):
        page = selectors.seller_inbox(store=store, filters=InboxFilters(search=search))
        assert [chat.pk for chat in page.items] == [expected.pk], search


def test_the_shoppers_list_leaves_out_chats_opened_but_never_written_in():
    shopper = UserFactory()
    written = conversation(shopper=shopper)
    say(written, shopper)
    conversation(shopper=shopper)
    page = selectors.shopper_conversations(shopper=shopper)
    assert [chat.pk for chat in page.items] == [written.pk]


@pytest.mark.parametrize(
    "cursor", ["nonsense", "dW5yZWFkfHh8MQ", "cmVhZHwyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwfC0x", "\x00"]
)
def test_a_cursor_this_code_did_not_make_is_refused(cursor):
    with pytest.raises(BadCursor):
        selectors.seller_inbox(store=StoreFactory(), cursor=cursor)


def test_a_thread_pages_back_with_before_and_catches_up_with_after():
    # given
    chat = conversation()
    messages = [say(chat, chat.shopper, str(n)) for n in range(5)]

    # when
    newest = selectors.thread_messages(conversation=chat, limit=2)
    older = selectors.thread_messages(conversation=chat, before=newest.next_before, limit=2)
    caught_up = selectors.thread_messages(conversation=chat, after=messages[1].pk, limit=2)
    rest = selectors.thread_messages(conversation=chat, after=caught_up.next_after, limit=2)

    # then
    ids = [message.pk for message in messages]
    assert [m.pk for m in newest.items] == ids[3:] and newest.has_more
    assert [m.pk for m in older.items] == ids[1:3]
    assert [m.pk for m in caught_up.items] == ids[2:4] and caught_up.next_after == ids[3]
    assert [m.pk for m in rest.items] == ids[4:] and rest.next_after is None


@pytest.mark.parametrize(
    "kwargs", [{"before": "x"}, {"after": -1}, {"after": 2**63}, {"before": "1\x00"}, {"before": 1, "after": 1}]
)
def test_bad_message_cursors_are_refused(kwargs):
    chat = conversation()
    with pytest.raises(BadCursor):
        selectors.thread_messages(conversation=chat, **kwargs)


def test_only_the_parties_find_a_conversation():
    chat = conversation()
    assert selectors.conversation_for(user=chat.shopper, pk=chat.pk).pk == chat.pk
    assert selectors.conversation_for(user=chat.store.owner, pk=chat.pk).pk == chat.pk
    assert selectors.conversation_for(user=UserFactory(), pk=chat.pk) is None
    assert selectors.conversation_for(user=StoreFactory().owner, pk=chat.pk) is None


def test_the_header_total_counts_unread_as_a_shopper_and_for_ones_store():
    # given
    seller_store = StoreFactory()
    seller = seller_store.owner
    as_shopper = conversation(shopper=seller)
    store_says(as_shopper)
    store_says(as_shopper, "Ada lagi?")
    (for_store,) = _chats(seller_store, 1)

    # when / then
    assert selectors.total_unread(user=seller) == 3
    assert selectors.total_unread(user=for_store.shopper) == 0


def _query_count(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def test_the_inbox_and_the_thread_cost_the_same_queries_for_3_or_30_rows():
    # given
    small, large = StoreFactory(), StoreFactory()
    _chats(small, 3)
    big_chats = _chats(large, 30)
    vip = services.create_label(store=large, actor=large.owner, name="VIP")
    for chat in big_chats[:10]:
        store_says(chat)
        services.set_labels(conversation=chat, actor=large.owner, label_ids=[vip.pk])
    short = conversation()
    for _ in range(3):
        say(short, short.shopper)
    long = conversation()
    for _ in range(30):
        say(long, long.shopper)

    # when
    inbox = [
        _query_count(lambda store=store: list(selectors.seller_inbox(store=store, limit=50).items))
        for store in (small, large)
    ]
    thread = [
        _query_count(lambda chat=chat: selectors.thread_messages(conversation=chat, limit=50)) for chat in (short, long)
    ]

    # then
    assert inbox[0] == inbox[1] == 3  # the unread part, the read part, the labels
    assert thread[0] == thread[1] == 1
