"""Opening conversations (with what they were opened from), reading them, blocking,
reporting, labels and notes, quick replies."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chat import services
from chat.models import Conversation, Message, Report
from chat.services import rules
from shop.models import Notification
from social.ratelimit import Limit, RateLimited
from tests.chat.factories import conversation, refreshed, say, store_says
from tests.factories import (
    CheckoutSettingsFactory,
    ProductFactory,
    StoreFactory,
    UserFactory,
    buyable_variant,
    make_post,
    place,
)

pytestmark = pytest.mark.django_db


def test_one_conversation_per_shopper_and_store():
    # given
    shopper, store = UserFactory(), StoreFactory()

    # when
    first = services.open_conversation(shopper=shopper, store=store)
    again = services.open_conversation(shopper=shopper, store=store)

    # then
    assert first.pk == again.pk
    assert Conversation.objects.count() == 1


def test_nobody_chats_with_their_own_store_a_closed_store_or_one_that_blocked_them():
    # given
    store = StoreFactory()
    closed = StoreFactory(is_active=False)
    shopper = UserFactory()
    services.block(conversation=conversation(shopper=shopper, store=store), by=store.owner)

    # when / then
    with pytest.raises(PermissionDenied, match="your own store"):
        services.open_conversation(shopper=store.owner, store=store)
    with pytest.raises(PermissionDenied, match="closed"):
        services.open_conversation(shopper=shopper, store=closed)
    with pytest.raises(PermissionDenied, match="does not accept messages from you"):
        services.open_conversation(shopper=shopper, store=store)


def test_the_product_a_chat_was_opened_from_arrives_as_a_card_with_the_first_message():
    # given
    store = StoreFactory()
    product = ProductFactory(store=store)
    shopper = UserFactory()
    chat = conversation(shopper=shopper, store=store, context_product=product)
    assert not Message.objects.exists()  # opening alone posts nothing

    # when
    question = say(chat, shopper, "Ready kak?")

    # then
    card, message = Message.objects.filter(conversation=chat).order_by("id")
    assert card.kind == "context" and card.is_automated and card.product_id == product.pk
    assert card.data["ref"] == {"kind": "product", "id": product.pk}
    assert message.pk == question.pk
    chat = refreshed(chat)
    assert chat.pending_context == {} and chat.store_unread == 2


def test_opening_again_from_the_product_already_shown_adds_no_second_card():
    # given
    store = StoreFactory()
    product, other = ProductFactory(store=store), ProductFactory(store=store)
    shopper = UserFactory()
    say(conversation(shopper=shopper, store=store, context_product=product), shopper)

    # when
    chat = conversation(shopper=shopper, store=store, context_product=product)
    say(chat, shopper, "Masih ada?")
    chat = conversation(shopper=shopper, store=store, context_product=other)
    say(chat, shopper, "Yang ini?")

    # then
    cards = Message.objects.filter(kind="context").order_by("id")
    assert [card.product_id for card in cards] == [product.pk, other.pk]


def test_a_context_must_belong_to_the_store():
    # given
    store = StoreFactory()
    shopper = UserFactory()
    foreign_product = ProductFactory()
    foreign_post = make_post(products=[foreign_product])
    variant = buyable_variant()
    (foreign_order,) = place(UserFactory(), (variant, 1)).orders

    # when / then
    for context in (
        {"context_product": foreign_product},
        {"context_post": foreign_post},
        {"context_order": foreign_order},
        {"context_product": ProductFactory(store=store, status="draft")},
    ):
        with pytest.raises(ValidationError):
            services.open_conversation(shopper=shopper, store=store, **context)


def test_new_conversations_are_rate_limited_but_reopening_is_not(monkeypatch):
    # given
    monkeypatch.setattr(rules, "CONVERSATION_LIMIT", Limit(2, 60, "Too many"))
    shopper = UserFactory()
    stores = [StoreFactory() for _ in range(3)]
    conversation(shopper=shopper, store=stores[0])
    conversation(shopper=shopper, store=stores[1])
    conversation(shopper=shopper, store=stores[0])

    # when / then
    with pytest.raises(RateLimited):
        conversation(shopper=shopper, store=stores[2])


def test_reading_moves_the_watermark_forward_only_and_recounts_unread():
    # given
    chat = conversation()
    first = say(chat, chat.shopper, "1")
    second = say(chat, chat.shopper, "2")
    say(chat, chat.shopper, "3")

    # when
    state = services.mark_read(conversation=chat, reader=chat.store.owner, up_to_message_id=second.pk)
    stale = services.mark_read(conversation=chat, reader=chat.store.owner, up_to_message_id=first.pk)

    # then
    assert state.unread == 1 and state.last_read_id == second.pk
    assert stale == state
    chat = refreshed(chat)
    assert chat.store_unread == 1 and chat.store_last_read_id == second.pk


def test_a_read_past_the_newest_message_stops_at_it():
    # given
    chat = conversation()
    last = say(chat, chat.shopper)

    # when
    state = services.mark_read(conversation=chat, reader=chat.store.owner, up_to_message_id=2**63 - 1)
    say(chat, chat.shopper, "Halo?")

    # then
    assert state.last_read_id == last.pk
    assert refreshed(chat).store_unread == 1


@pytest.mark.parametrize("up_to", [-1, 2**63, "12", 1.5, True, None])
def test_a_read_with_a_bad_id_is_refused(up_to):
    chat = conversation()
    with pytest.raises(ValidationError):
        services.mark_read(conversation=chat, reader=chat.shopper, up_to_message_id=up_to)


def test_reading_everything_marks_the_conversations_notifications_read():
    # given
    chat = conversation()
    last = say(chat, chat.shopper)

    # when
    services.mark_read(conversation=chat, reader=chat.store.owner, up_to_message_id=last.pk)

    # then
    assert not Notification.objects.filter(recipient=chat.store.owner, read_at__isnull=True).exists()


def test_only_the_parties_read_block_or_report():
    chat = conversation()
    for outsider in (UserFactory(), StoreFactory().owner):
        with pytest.raises(PermissionDenied):
            services.mark_read(conversation=chat, reader=outsider, up_to_message_id=0)
        with pytest.raises(PermissionDenied):
            services.block(conversation=chat, by=outsider)
        with pytest.raises(PermissionDenied):
            services.report(conversation=chat, reporter=outsider, reason="spam")


def test_a_report_is_queued_once_while_open_and_staff_close_it():
    # given
    chat = conversation()
    staff = UserFactory(is_superuser=True, is_staff=True)

    # when
    first = services.report(conversation=chat, reporter=chat.shopper, reason="scam", note="Minta transfer di luar")
    again = services.report(conversation=chat, reporter=chat.shopper, reason="spam")
    services.handle_report(report=first, staff=staff, status="resolved")
    later = services.report(conversation=chat, reporter=chat.shopper, reason="spam")

    # then
    assert first.pk == again.pk and later.pk != first.pk
    assert Report.objects.get(pk=first.pk).status == "resolved"
    with pytest.raises(PermissionDenied):
        services.handle_report(report=later, staff=chat.store.owner, status="dismissed")
    with pytest.raises(ValidationError):
        services.report(conversation=chat, reporter=chat.shopper, reason="nonsense")


def test_labels_and_the_note_are_the_stores_own():
    # given
    chat = conversation()
    owner = chat.store.owner
    vip = services.create_label(store=chat.store, actor=owner, name="VIP")
    other_store = StoreFactory()
    foreign = services.create_label(store=other_store, actor=other_store.owner, name="VIP")

    # when
    services.set_labels(conversation=chat, actor=owner, label_ids=[vip.pk])
    services.set_note(conversation=chat, actor=owner, note="Suka warna biru")

    # then
    chat = refreshed(chat)
    assert list(chat.labels.all()) == [vip] and chat.store_note == "Suka warna biru"
    assert services.create_label(store=chat.store, actor=owner, name="vip").pk == vip.pk
    with pytest.raises(ValidationError):
        services.set_labels(conversation=chat, actor=owner, label_ids=[foreign.pk])
    with pytest.raises(PermissionDenied):
        services.set_note(conversation=chat, actor=chat.shopper, note="x")
    with pytest.raises(PermissionDenied):
        services.create_label(store=chat.store, actor=other_store.owner, name="Mine")


def test_a_quick_reply_fills_in_the_buyer_the_order_and_the_bank_account():
    # given
    variant = buyable_variant()
    store = variant.product.store
    CheckoutSettingsFactory(store=store)
    shopper = UserFactory(first_name="Ani", last_name="Wijaya")
    (order,) = place(shopper, (variant, 1)).orders
    chat = conversation(shopper=shopper, store=store)
    reply = services.create_quick_reply(
        store=store,
        actor=store.owner,
        shortcut="/Transfer",
        text="Halo {buyer_name}, pesanan {order_number} silakan transfer ke {bank_account}. {unknown}",
    )

    # when
    text = services.fill_quick_reply(quick_reply=reply, conversation=chat, actor=store.owner)

    # then
    assert reply.shortcut == "transfer"
    assert (
        text
        == f"Halo Ani Wijaya, pesanan {order.number} silakan transfer ke BCA 1234567890 a.n. Toko Contoh. {{unknown}}"
    )
    with pytest.raises(ValidationError):
        services.create_quick_reply(store=store, actor=store.owner, shortcut="transfer", text="Again")
    with pytest.raises(PermissionDenied):
        services.create_quick_reply(store=store, actor=shopper, shortcut="x", text="y")
    with pytest.raises(PermissionDenied):
        services.fill_quick_reply(quick_reply=reply, conversation=chat, actor=shopper)
    store_says(chat, text)
