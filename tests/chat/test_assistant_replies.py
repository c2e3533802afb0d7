"""The assistant in a conversation: answers from the shop's settings, the FAQ and the orders,
the greeting, away message and auto-reply, and the handoff to a person and back."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from chat.assistant import handoff, replies
from chat.assistant import services as assistant_services
from chat.assistant.models import AssistantEvent, AssistantState, FaqEntry
from chat.models import Message, ShopperWait
from tests.chat.assistant_helpers import ask, assistant_chat, assistant_store, closed_now, open_all_day_today
from tests.chat.factories import conversation, refreshed, say, store_says
from tests.factories import ProductFactory, UserFactory, VariantFactory, buyable_variant, place

pytestmark = pytest.mark.django_db


def test_a_question_about_shipping_is_answered_from_the_stores_settings_and_marked_automated(
    django_capture_on_commit_callbacks,
):
    # given
    chat = assistant_chat()

    # when
    answers = ask(chat, "brp ongkir ke jakarta kak?", django_capture_on_commit_callbacks)

    # then: in Indonesian (the message's language), amounts as Babel writes them
    (answer,) = answers
    assert answer.body == (
        "Ongkos kirim Toko Batik Sari Rp20.000 per pesanan. Gratis ongkir untuk pesanan mulai Rp500.000."
    )
    assert answer.is_automated and answer.sender_id is None and answer.sender_side == "store"
    assert answer.data["assistant"] == "shipping"
    chat = refreshed(chat)
    assert chat.shopper_unread == 1 and chat.store_unread == 1  # the store still has the question to read


def test_an_automated_answer_is_not_an_answer_in_the_response_figures(django_capture_on_commit_callbacks):
    # given
    chat = assistant_chat()

    # when
    ask(chat, "cod bisa?", django_capture_on_commit_callbacks)

    # then: the shopper still waits for a person
    wait = ShopperWait.objects.get(conversation=chat)
    assert wait.answered_at is None and refreshed(chat).shopper_waiting_since is not None
    # a person's answer ends the wait
    answer = store_says(chat)
    assert ShopperWait.objects.get(pk=wait.pk).answered_at == answer.created_at


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cod bisa?", "Ya, Toko Batik Sari menerima bayar di tempat (COD). Untuk pesanan sampai Rp1.000.000."),
        ("can I pay by transfer", "You can pay Toko Batik Sari by: bank transfer (BCA), Cash on delivery."),
    ],
)
def test_cod_and_payment_methods_come_from_the_checkout_settings(text, expected, django_capture_on_commit_callbacks):
    chat = assistant_chat()
    (answer,) = ask(chat, text, django_capture_on_commit_callbacks)
    assert answer.body.startswith(expected)


def test_the_stock_of_the_product_the_chat_was_opened_from(django_capture_on_commit_callbacks):
    # given
    store = assistant_store()
    product = ProductFactory(store=store, title="Kemeja Batik Parang")
    VariantFactory(product=product, options={"Size": "M"}, stock=3)
    VariantFactory(product=product, options={"Size": "L"}, stock=0)
    chat = assistant_chat(store, context_product=product)

    # when
    (answer,) = ask(chat, "readyyy kak?", django_capture_on_commit_callbacks)

    # then
    assert answer.body == "Kemeja Batik Parang ready (stok 3): M (3)."


def test_a_faq_answer_and_an_edit_are_matched_at_once(django_capture_on_commit_callbacks):
    # given
    store = assistant_store()
    chat = assistant_chat(store)
    with django_capture_on_commit_callbacks(execute=True):
        entry = assistant_services.create_faq(
            store=store, actor=store.owner, question="Bahannya apa?", answer="Katun primisima.", keywords="bahan"
        )
    assert [m.body for m in ask(chat, "bahannya apa kak?", django_capture_on_commit_callbacks)] == ["Katun primisima."]

    # when: the seller adds a keyword
    with django_capture_on_commit_callbacks(execute=True):
        assistant_services.update_faq(
            entry=entry, actor=store.owner, question="Bahannya apa?", answer="Katun primisima.", keywords="bahan, adem"
        )

    # then
    assert [m.body for m in ask(chat, "adem gak?", django_capture_on_commit_callbacks)] == ["Katun primisima."]


def test_order_status_shows_the_shoppers_own_order_only(django_capture_on_commit_callbacks):
    # given
    variant = buyable_variant()
    store = variant.store
    from chat.assistant.models import AssistantSettings

    AssistantSettings.objects.create(store=store)
    shopper, stranger = UserFactory(), UserFactory()
    (order,) = place(shopper, (variant, 1)).orders
    (strangers,) = place(stranger, (variant, 1)).orders
    chat = conversation(shopper=shopper, store=store)

    # when
    (card,) = ask(chat, "where is my order", django_capture_on_commit_callbacks)
    (other,) = ask(chat, f"status {strangers.number}?", django_capture_on_commit_callbacks)

    # then
    assert card.kind == "order" and card.order_id == order.pk
    assert card.body == f"Order {order.number}: Awaiting payment."
    assert other.kind == "text" and other.order_id is None
    assert other.body == f"I cannot find order {strangers.number} among your orders with us."


def test_the_greeting_is_sent_once_a_day_and_the_away_message_outside_hours(django_capture_on_commit_callbacks):
    # given
    store = assistant_store(greeting="Halo! Selamat datang di Toko Batik Sari.", away_message="Kami sedang tutup.")
    closed_now(store)
    chat = assistant_chat(store)

    # when
    first = ask(chat, "halo kak", django_capture_on_commit_callbacks)
    second = ask(chat, "ongkir?", django_capture_on_commit_callbacks)

    # then
    assert [m.data["assistant"] for m in first] == ["greeting", "away"]
    assert [m.data["assistant"] for m in second] == ["shipping"]

    # and the next day (the greeting was yesterday's) it greets again
    AssistantState.objects.filter(conversation=chat).update(
        greeted_at=timezone.now() - timedelta(days=1), away_sent_at=timezone.now() - timedelta(days=1)
    )
    third = ask(chat, "p", django_capture_on_commit_callbacks)
    assert [m.data["assistant"] for m in third] == ["greeting", "away"]


def test_no_away_message_while_open(django_capture_on_commit_callbacks):
    store = assistant_store(away_message="Kami sedang tutup.")
    open_all_day_today(store)
    chat = assistant_chat(store)
    assert ask(chat, "halo", django_capture_on_commit_callbacks) == []


def test_a_persons_message_pauses_the_assistant_for_the_set_time(django_capture_on_commit_callbacks):
    # given
    store = assistant_store(pause_minutes=30)
    chat = assistant_chat(store)
    person = store_says(chat, "Halo kak, ada yang bisa dibantu?")

    # when / then: paused
    assert ask(chat, "ongkir?", django_capture_on_commit_callbacks) == []
    decision = handoff.who_answers(chat)
    assert (decision.answerer, decision.reason) == ("person", "paused")
    assert decision.paused_until == person.created_at + timedelta(minutes=30)

    # when the pause is over
    Message.objects.filter(pk=person.pk).update(created_at=timezone.now() - timedelta(minutes=31))

    # then
    assert [m.data["assistant"] for m in ask(chat, "ongkir?", django_capture_on_commit_callbacks)] == ["shipping"]


def test_asking_for_a_person_hands_over_until_the_store_hands_back(django_capture_on_commit_callbacks):
    # given
    store = assistant_store()
    chat = assistant_chat(store)

    # when
    (handed,) = ask(chat, "mau ngomong sama admin", django_capture_on_commit_callbacks)

    # then: it says so, and is silent after, even with the pause long over
    assert handed.data["assistant"] == "handoff"
    assert ask(chat, "ongkir brp?", django_capture_on_commit_callbacks) == []
    assert handoff.who_answers(chat).reason == "handoff"

    # when the store hands back
    handoff.hand_back(conversation=chat, actor=store.owner)

    # then
    assert handoff.who_answers(chat).assistant
    assert [m.data["assistant"] for m in ask(chat, "ongkir brp?", django_capture_on_commit_callbacks)] == ["shipping"]


def test_handing_back_ends_the_pause_of_the_stores_own_messages(django_capture_on_commit_callbacks):
    store = assistant_store(pause_minutes=60)
    chat = assistant_chat(store)
    store_says(chat)
    assert not handoff.who_answers(chat).assistant
    handoff.hand_back(conversation=chat, actor=store.owner)
    assert handoff.who_answers(chat).assistant


def test_the_talk_to_a_person_button_and_who_may_press_which(django_capture_on_commit_callbacks):
    # given
    store = assistant_store()
    chat = assistant_chat(store)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = handoff.ask_for_person(conversation=chat, shopper=chat.shopper)
        again = handoff.ask_for_person(conversation=chat, shopper=chat.shopper)

    # then
    assert first.is_automated and again is None
    assert AssistantEvent.objects.filter(conversation=chat, kind="handoff").count() == 1
    with pytest.raises(PermissionDenied):
        handoff.ask_for_person(conversation=chat, shopper=store.owner)
    with pytest.raises(PermissionDenied):
        handoff.hand_back(conversation=chat, actor=chat.shopper)


def test_the_assistant_never_answers_twice_nor_over_a_person(django_capture_on_commit_callbacks):
    # given
    chat = assistant_chat()
    asked = say(chat, chat.shopper, "ongkir?")  # its task not run yet
    store_says(chat, "Ongkir 15rb kak")

    # when: the task runs now, twice
    first = replies.answer_new_messages(conversation_id=chat.pk)
    second = replies.answer_new_messages(conversation_id=chat.pk)

    # then
    assert first == [] and second == []
    assert AssistantState.objects.get(conversation=chat).considered_through_id == asked.pk


def test_no_assistant_without_settings_or_when_off(django_capture_on_commit_callbacks):
    chat = conversation()
    assert ask(chat, "ongkir?", django_capture_on_commit_callbacks) == []
    assert handoff.who_answers(chat).reason == "off"
    off = assistant_chat(assistant_store(enabled=False))
    assert ask(off, "ongkir?", django_capture_on_commit_callbacks) == []


def test_the_auto_reply_when_nobody_answered_in_time(django_capture_on_commit_callbacks):
    # given
    store = assistant_store(auto_reply="Maaf menunggu, admin segera membalas.", auto_reply_minutes=10)
    chat = assistant_chat(store)
    ask(chat, "warna merah ada?", django_capture_on_commit_callbacks)  # nothing to answer with
    assert not replies.auto_reply_due().exists()

    # when: ten minutes later
    later = timezone.now() + timedelta(minutes=10, seconds=1)
    due = list(replies.auto_reply_due(now=later))
    with django_capture_on_commit_callbacks(execute=True):
        sent = replies.send_auto_reply(conversation_id=chat.pk, now=later)
        again = replies.send_auto_reply(conversation_id=chat.pk, now=later)

    # then: once per wait
    assert due == [chat]
    assert sent.body == "Maaf menunggu, admin segera membalas." and sent.is_automated
    assert again is None and not replies.auto_reply_due(now=later).exists()


def test_no_auto_reply_after_a_person_answered():
    store = assistant_store(auto_reply="Sebentar ya.", auto_reply_minutes=1)
    chat = assistant_chat(store)
    say(chat, chat.shopper, "halo?")
    store_says(chat)
    later = timezone.now() + timedelta(minutes=5)
    assert not replies.auto_reply_due(now=later).exists()
    assert replies.send_auto_reply(conversation_id=chat.pk, now=later) is None


def test_answering_costs_a_fixed_number_of_queries_whatever_the_faq_size(django_assert_max_num_queries):
    # given: a store with 60 FAQ entries (compiled into the cache by a first answer)
    store = assistant_store()
    for number in range(60):
        FaqEntry.objects.create(
            store=store, question=f"Pertanyaan {number}?", keywords=f"kata{number}, frasa {number}", answer=f"A{number}"
        )
    chat = assistant_chat(store)
    say(chat, chat.shopper, "kata7?")
    replies.answer_new_messages(conversation_id=chat.pk)
    say(chat, chat.shopper, "frasa 42 gimana kak")

    # when / then
    with django_assert_max_num_queries(15):
        (answer,) = replies.answer_new_messages(conversation_id=chat.pk)
    assert answer.body == "A42"


def test_a_sold_out_product_comes_with_in_stock_alternatives_near_its_price(django_capture_on_commit_callbacks):
    # given: the chat is about a sold-out shirt; the store has other shirts and a dress
    from tests.factories import CategoryFactory

    store = assistant_store()
    shirts, dresses = CategoryFactory(name="Kemeja"), CategoryFactory(name="Dress")
    sold_out = ProductFactory(store=store, title="Kemeja Parang", category=shirts)
    VariantFactory(product=sold_out, price=15_000_000, stock=0)
    near = ProductFactory(store=store, title="Kemeja Kawung", category=shirts)
    VariantFactory(product=near, price=16_000_000, stock=3)
    far = ProductFactory(store=store, title="Kemeja Tulis", category=shirts)
    VariantFactory(product=far, price=90_000_000, stock=3)
    other_category = ProductFactory(store=store, title="Dress Sogan", category=dresses)
    VariantFactory(product=other_category, price=15_000_000, stock=3)
    chat = assistant_chat(store, context_product=sold_out)

    # when
    answers = ask(chat, "ready kak?", django_capture_on_commit_callbacks)

    # then
    assert answers[0].body == "Kemeja Parang sedang habis."
    assert [(m.kind, m.product_id) for m in answers[1:]] == [("product", near.pk)]


def test_a_shopper_message_whose_task_was_lost_is_handed_over_again():
    # given: a message whose task never ran (its hand-over after commit was lost)
    from chat.models import Conversation

    chat = assistant_chat()
    say(chat, chat.shopper, "ongkir?")
    Conversation.objects.filter(pk=chat.pk).update(last_message_at=timezone.now() - timedelta(minutes=5))
    window = {"since": timezone.now() - timedelta(hours=1), "until": timezone.now() - timedelta(minutes=2)}

    # when / then: the sweeper finds it until the task has considered it
    assert list(replies.pending_answers(**window)) == [chat]
    (answer,) = replies.answer_new_messages(conversation_id=chat.pk)
    assert answer.data["assistant"] == "shipping"
    assert not replies.pending_answers(**window).exists()


def test_the_assistants_periodic_tasks_are_on_the_beat_schedule(settings):
    from chat.assistant import tasks
    from shop.celery import app

    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task, every in (
        (tasks.send_due_auto_replies_task, 60),
        (tasks.republish_pending_answers_task, 60),
        (tasks.nudge_abandoned_carts_task, 60 * 60),
    ):
        assert scheduled.get(task.name) == every, task.name
        assert task.name in app.tasks


def test_the_periodic_task_sends_the_auto_replies_due(django_capture_on_commit_callbacks):
    from chat.assistant import tasks
    from chat.models import Conversation

    store = assistant_store(auto_reply="Sebentar ya kak.", auto_reply_minutes=15)
    chat = assistant_chat(store)
    say(chat, chat.shopper, "bisa nego?")
    Conversation.objects.filter(pk=chat.pk).update(shopper_waiting_since=timezone.now() - timedelta(minutes=20))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_due_auto_replies_task() == 1
        assert tasks.send_due_auto_replies_task() == 0
    assert [m.body for m in Message.objects.filter(conversation=chat, is_automated=True)] == ["Sebentar ya kak."]


def test_nothing_automatic_in_a_blocked_chat(django_capture_on_commit_callbacks):
    from chat import services

    store = assistant_store(auto_reply="Sebentar ya.", auto_reply_minutes=1)
    chat = assistant_chat(store)
    say(chat, chat.shopper, "halo?")
    services.block(conversation=chat, by=store.owner)
    assert handoff.who_answers(chat).reason == "blocked"
    assert replies.answer_new_messages(conversation_id=chat.pk) == []
    assert replies.send_auto_reply(conversation_id=chat.pk, now=timezone.now() + timedelta(minutes=5)) is None
