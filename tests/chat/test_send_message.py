"""Sending messages: who may, what may be sent, idempotency, counters, notifications, the signal."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import services, signals
from chat.models import BODY_MAX, Message
from chat.services import rules
from shop.models import Notification
from social.ratelimit import Limit, RateLimited
from tests.chat.factories import client_id, conversation, refreshed, say, store_says
from tests.factories import (
    DiscountCodeFactory,
    ProductFactory,
    StoreFactory,
    UserFactory,
    VariantFactory,
    buyable_variant,
    image_file,
    place,
)

pytestmark = pytest.mark.django_db


def test_a_shoppers_message_is_unread_for_the_store_and_read_by_the_shopper():
    # given
    chat = conversation()

    # when
    message = say(chat, chat.shopper, "Ready kak? Size M muat 60 kg?")

    # then
    chat = refreshed(chat)
    assert message.sender_side == "shopper" and message.kind == "text"
    assert message.body == "Ready kak? Size M muat 60 kg?"
    assert chat.store_unread == 1 and chat.shopper_unread == 0
    assert chat.shopper_last_read_id == message.pk
    assert chat.last_message_id == message.pk
    assert chat.shopper_waiting_since is not None


def test_the_stores_answer_clears_the_wait_and_counts_for_the_shopper():
    # given
    chat = conversation()
    say(chat, chat.shopper)
    say(chat, chat.shopper, "Halo?")

    # when
    answer = store_says(chat)

    # then
    chat = refreshed(chat)
    assert answer.sender_side == "store"
    assert chat.shopper_unread == 1
    assert chat.store_unread == 0 and chat.store_last_read_id == answer.pk
    assert chat.shopper_waiting_since is None


def test_a_retried_send_returns_the_first_message_and_changes_nothing():
    # given
    chat = conversation()
    key = client_id()
    first, created = services.send_message(conversation=chat, sender=chat.shopper, client_id=key, body="Ready?")

    # when
    again, created_again = services.send_message(conversation=chat, sender=chat.shopper, client_id=key, body="Ready?")

    # then
    assert created and not created_again
    assert again.pk == first.pk
    assert Message.objects.filter(conversation=chat).count() == 1
    assert refreshed(chat).store_unread == 1
    assert Notification.objects.filter(kind="chat_message").count() == 1


def test_a_client_id_cannot_be_reused_for_another_conversation():
    # given
    shopper = UserFactory()
    first, second = conversation(shopper=shopper), conversation(shopper=shopper)
    key = client_id()
    say(first, shopper, client_id=key)

    # when / then
    with pytest.raises(ValidationError) as error:
        say(second, shopper, client_id=key)
    assert "client_id" in error.value.message_dict


@pytest.mark.parametrize(
    ("body", "field"),
    [("", "body"), ("   ", "body"), ("a\x00b", "body"), ("x" * (BODY_MAX + 1), "body")],
)
def test_text_that_cannot_be_stored_is_refused(body, field):
    # given
    chat = conversation()

    # when / then
    with pytest.raises(ValidationError) as error:
        say(chat, chat.shopper, body)
    assert field in error.value.message_dict
    assert not Message.objects.exists()


@pytest.mark.parametrize("bad_id", ["", "x" * 65, "has space", "nul\x00", None, 12])
def test_a_bad_client_id_is_refused(bad_id):
    chat = conversation()
    with pytest.raises(ValidationError):
        services.send_message(conversation=chat, sender=chat.shopper, client_id=bad_id, body="Hi")


def test_only_the_two_parties_can_send():
    # given
    chat = conversation()
    outsiders = [UserFactory(), StoreFactory().owner]

    # when / then
    for outsider in outsiders:
        with pytest.raises(PermissionDenied):
            say(chat, outsider)
    assert not Message.objects.exists()


def test_a_product_card_must_be_the_stores_and_on_sale():
    # given
    chat = conversation()
    own = VariantFactory(product=ProductFactory(store=chat.store), price=9_900_000)
    foreign = ProductFactory()
    draft = ProductFactory(store=chat.store, status="draft")

    # when
    card = store_says(chat, "", kind="product", variant=own)

    # then
    assert card.product_id == own.product_id and card.variant_id == own.pk
    assert card.data["price"] == 9_900_000 and card.data["title"] == own.product.title
    for product in (foreign, draft):
        with pytest.raises(ValidationError):
            store_says(chat, "", kind="product", product=product)


def test_an_order_card_must_be_between_these_two():
    # given
    variant = buyable_variant()
    shopper = UserFactory()
    chat = conversation(shopper=shopper, store=variant.product.store)
    (order,) = place(shopper, (variant, 1)).orders
    (other_order,) = place(UserFactory(), (variant, 1)).orders

    # when
    card = say(chat, shopper, "", kind="order", order=order)

    # then
    assert card.order_id == order.pk and card.data["number"] == order.number
    with pytest.raises(ValidationError):
        store_says(chat, "", kind="order", order=other_order)


def test_only_the_store_sends_its_own_discount_codes():
    # given
    chat = conversation()
    DiscountCodeFactory(code="HEMAT10", store=chat.store)
    DiscountCodeFactory(code="OTHER", store=StoreFactory())

    # when
    card = store_says(chat, "Pakai kode ini ya", kind="discount", discount_code="hemat10")

    # then
    assert card.data["code"] == "HEMAT10"
    with pytest.raises(PermissionDenied):
        say(chat, chat.shopper, "", kind="discount", discount_code="HEMAT10")
    with pytest.raises(ValidationError):
        store_says(chat, "", kind="discount", discount_code="OTHER")


def test_a_picture_is_verified_and_re_encoded():
    # given
    chat = conversation()

    # when
    message = say(chat, chat.shopper, "", kind="image", image=image_file("kaos.png", fmt="PNG"))

    # then
    assert message.image.name.startswith("chat/") and message.image_width == 64
    with pytest.raises(ValidationError):
        say(chat, chat.shopper, "", kind="image", image=image_file("x.gif", fmt="GIF"))


def test_blocking_stops_messages_both_ways_until_unblocked():
    # given
    chat = conversation()
    services.block(conversation=chat, by=chat.store.owner)

    # when / then
    with pytest.raises(PermissionDenied, match="does not accept messages from you"):
        say(chat, chat.shopper)
    with pytest.raises(PermissionDenied, match="You blocked this shopper"):
        store_says(chat)
    services.unblock(conversation=chat, by=chat.store.owner)
    assert say(chat, chat.shopper).pk


def test_messages_past_the_rate_limit_are_refused_but_retries_are_not_counted(monkeypatch):
    # given
    monkeypatch.setattr(rules, "MESSAGE_LIMIT", Limit(2, 60, "Too fast"))
    chat = conversation()
    key = client_id()
    say(chat, chat.shopper, client_id=key)
    say(chat, chat.shopper, client_id=key)  # a retry
    say(chat, chat.shopper)

    # when / then
    with pytest.raises(RateLimited):
        say(chat, chat.shopper)
    assert Message.objects.count() == 2


def test_the_recipient_gets_one_grouped_notification_line_per_conversation():
    # given
    chat = conversation()

    # when
    say(chat, chat.shopper)
    say(chat, chat.shopper, "Halo kak?")

    # then
    notes = Notification.objects.filter(recipient=chat.store.owner, kind="chat_message")
    assert notes.count() == 2
    assert {note.group_key for note in notes} == {f"chat:{chat.pk}"}
    assert notes.first().data["from"] == chat.shopper.display_name
    store_says(chat)
    assert Notification.objects.get(recipient=chat.shopper).data["from"] == chat.store.name


def test_message_sent_is_signalled_once_on_commit(django_capture_on_commit_callbacks):
    # given
    chat = conversation()
    received = []

    def handler(sender, message, **kwargs):
        received.append(message.pk)

    signals.message_sent.connect(handler)
    try:
        # when
        with django_capture_on_commit_callbacks(execute=True):
            message, _created = services.send_message(
                conversation=chat, sender=chat.shopper, client_id="k-1", body="Ready?"
            )
        with django_capture_on_commit_callbacks(execute=True):
            services.send_message(conversation=chat, sender=chat.shopper, client_id="k-1", body="Ready?")
    finally:
        signals.message_sent.disconnect(handler)

    # then
    assert received == [message.pk]


def test_sending_and_reading_cost_the_same_queries_in_a_short_or_a_long_thread():
    # given
    short, long = conversation(), conversation()
    for chat, count in ((short, 3), (long, 30)):
        for _ in range(count):
            say(chat, chat.shopper)

    def costs(chat):
        with CaptureQueriesContext(connection) as sending:
            answer = store_says(chat)
        with CaptureQueriesContext(connection) as reading:
            state = services.mark_read(conversation=chat, reader=chat.shopper, up_to_message_id=answer.pk)
        assert state.unread == 0
        return len(sending), len(reading)

    # when / then
    assert costs(short) == costs(long)
