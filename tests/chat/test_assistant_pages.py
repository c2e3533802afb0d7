"""The assistant's pages: the thread's "Talk to a person" and "Hand back" buttons, the
automated marker, the seller's FAQ editor and report, and the back office."""

import pytest
from django.urls import reverse

from chat.assistant import handoff
from chat.assistant.models import AssistantEvent, AssistantSettings, FaqEntry
from tests.admin_helpers import admin_url
from tests.chat.assistant_helpers import ask, assistant_chat, assistant_store
from tests.chat.factories import store_says
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_shopper_asks_for_a_person_with_the_button_and_the_seller_hands_back(
    client, django_capture_on_commit_callbacks
):
    # given
    store = assistant_store()
    chat = assistant_chat(store)
    ask(chat, "ongkir?", django_capture_on_commit_callbacks)
    client.force_login(chat.shopper)
    page = client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))
    assert "Talk to a person" in page.text and "Automatic ·" in page.text

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("chat:assistant_ask_person", kwargs={"pk": chat.pk}))

    # then
    assert response.status_code == 302
    page = client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))
    assert "Talk to a person" not in page.text
    assert "A person from the store will answer you here." in page.text

    # the seller sees it, and hands back
    client.force_login(store.owner)
    seller_page = client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))
    assert "The shopper asked for a person" in seller_page.text
    assert client.post(reverse("chat:assistant_hand_back", kwargs={"pk": chat.pk})).status_code == 302
    assert handoff.who_answers(chat).assistant
    assert "Your assistant answers in this chat." in client.get(reverse("chat:thread", kwargs={"pk": chat.pk})).text


def test_the_seller_sees_the_pause_after_writing(client):
    store = assistant_store()
    chat = assistant_chat(store)
    store_says(chat)
    client.force_login(store.owner)
    page = client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))
    assert "your assistant is paused in this chat until" in page.text
    assert "Hand back to the assistant" in page.text


def test_the_buttons_refuse_the_wrong_side_and_strangers(client):
    store = assistant_store()
    chat = assistant_chat(store)
    client.force_login(store.owner)
    assert client.post(reverse("chat:assistant_ask_person", kwargs={"pk": chat.pk})).status_code == 403
    client.force_login(chat.shopper)
    assert client.post(reverse("chat:assistant_hand_back", kwargs={"pk": chat.pk})).status_code == 403
    client.force_login(UserFactory())
    assert client.post(reverse("chat:assistant_ask_person", kwargs={"pk": chat.pk})).status_code == 404
    assert client.get(reverse("chat:assistant_ask_person", kwargs={"pk": chat.pk})).status_code == 405


def test_no_assistant_controls_without_an_assistant(client):
    from tests.chat.factories import conversation

    chat = conversation()
    client.force_login(chat.shopper)
    assert "Talk to a person" not in client.get(reverse("chat:thread", kwargs={"pk": chat.pk})).text


def test_the_seller_writes_changes_and_deletes_faq_answers(client, django_capture_on_commit_callbacks):
    # given
    store = assistant_store()
    client.force_login(store.owner)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            reverse("chat:assistant_faq"),
            {"question": "Bahannya apa?", "keywords": "bahan, material", "answer": "Katun <b>adem</b>."},
        )
    entry = FaqEntry.objects.get(store=store)
    page = client.get(reverse("chat:assistant_faq"))

    # then
    assert added.status_code == 302
    assert "Katun &lt;b&gt;adem&lt;/b&gt;." in page.text
    chat = assistant_chat(store)
    assert [m.body for m in ask(chat, "bahannya apa?", django_capture_on_commit_callbacks)] == ["Katun <b>adem</b>."]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("chat:assistant_faq_entry", kwargs={"entry_id": entry.pk}),
            {"question": "Bahannya apa?", "keywords": "bahan", "answer": "Linen."},
        )
    assert [m.body for m in ask(chat, "bahannya apa?", django_capture_on_commit_callbacks)] == ["Linen."]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("chat:assistant_faq_entry", kwargs={"entry_id": entry.pk}), {"delete": "1"})
    assert not FaqEntry.objects.exists()
    assert ask(chat, "bahannya apa?", django_capture_on_commit_callbacks) == []


def test_a_faq_answer_needs_a_question_and_an_answer_and_is_the_sellers_own(client):
    store = assistant_store()
    other = FaqEntry.objects.create(store=StoreFactory(), question="Q?", answer="A.", keywords="q")
    client.force_login(store.owner)
    assert client.post(reverse("chat:assistant_faq"), {"question": "", "answer": ""}).status_code == 400
    assert client.get(reverse("chat:assistant_faq_entry", kwargs={"entry_id": other.pk})).status_code == 404
    client.force_login(UserFactory())
    assert client.get(reverse("chat:assistant_faq")).status_code == 403
    assert client.get(reverse("chat:assistant_report")).status_code == 403


def test_the_report_counts_chats_closed_alone_handoffs_and_lists_unanswered_questions(
    client, django_capture_on_commit_callbacks
):
    # given: one chat answered alone, one handed over, one answered by a person
    store = assistant_store()
    alone, handed, by_person = (assistant_chat(store) for _ in range(3))
    ask(alone, "ongkir brp?", django_capture_on_commit_callbacks)
    ask(alone, "bisa nego?", django_capture_on_commit_callbacks)
    ask(handed, "cod bisa?", django_capture_on_commit_callbacks)
    ask(handed, "admin dong", django_capture_on_commit_callbacks)
    ask(by_person, "Bisa nego?", django_capture_on_commit_callbacks)
    ask(by_person, "jam buka?", django_capture_on_commit_callbacks)
    store_says(by_person, "Bisa kak, 5%.")

    # when
    client.force_login(store.owner)
    page = client.get(reverse("chat:assistant_report"))

    # then
    assert page.status_code == 200
    assert '<dd id="closed-alone">1</dd>' in page.text
    assert '<dd id="answers">3</dd>' in page.text
    assert '<dd id="handoffs">1</dd>' in page.text
    assert "nego?” <small>× 2</small>" in page.text
    assert AssistantEvent.objects.filter(store=store, kind="unanswered").count() == 2


def test_the_seller_edits_the_assistant_in_the_back_office_scoped_to_their_store(
    client, django_capture_on_commit_callbacks
):
    # given
    store = assistant_store(greeting="Halo")
    other = assistant_store(greeting="Hai")
    client.force_login(store.owner)

    # when
    listing = client.get(admin_url(AssistantSettings, "changelist"))
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            admin_url(FaqEntry, "add"), {"question": "Ukuran?", "keywords": "ukuran, size", "answer": "S sampai XL."}
        )

    # then
    assert listing.status_code == 200 and "Halo" not in listing.text  # the list shows no texts
    assert client.get(admin_url(AssistantSettings, "change", other.pk)).status_code == 404
    assert client.get(admin_url(AssistantSettings, "add")).status_code == 403  # one row per store
    assert added.status_code == 302 and FaqEntry.objects.get().store == store
    chat = assistant_chat(store)
    assert [m.body for m in ask(chat, "size M ada?", django_capture_on_commit_callbacks)][-1] == "S sampai XL."
