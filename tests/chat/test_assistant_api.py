"""The assistant in the API: the seller's settings, hours, FAQ and report; the shopper's
request for a person and the store's hand-back."""

import pytest
from django.urls import reverse

from chat.assistant import handoff
from chat.assistant.models import FaqEntry
from tests.chat.assistant_helpers import ask, assistant_chat, assistant_store
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_seller_sets_texts_and_hours_over_the_api(client):
    # given
    store = StoreFactory()
    client.force_login(store.owner)
    url = reverse("api:chat-assistant-settings")

    # when
    response = client.patch(
        url,
        {
            "greeting": "Halo kak!",
            "time_zone": "Asia/Makassar",
            "pause_minutes": 45,
            "opening_hours": [{"weekday": 4, "opens": "20:00", "closes": "02:00"}],
        },
        content_type="application/json",
    )

    # then
    assert response.status_code == 200, response.json()
    data = client.get(url).json()
    assert data["greeting"] == "Halo kak!" and data["time_zone"] == "Asia/Makassar" and data["pause_minutes"] == 45
    assert data["opening_hours"] == [{"weekday": 4, "opens": "20:00:00", "closes": "02:00:00"}]


@pytest.mark.parametrize(
    "body",
    [
        {"time_zone": "Mars/Olympus"},
        {"time_zone": "../../etc/passwd"},
        {"greeting": "a\x00b"},
        {"pause_minutes": 0},
        {"opening_hours": [{"weekday": 7, "opens": "09:00", "closes": "17:00"}]},
        {"enabled": "maybe"},
    ],
)
def test_bad_settings_are_a_400(client, body):
    store = StoreFactory()
    client.force_login(store.owner)
    response = client.patch(reverse("api:chat-assistant-settings"), body, content_type="application/json")
    assert response.status_code == 400


def test_faq_over_the_api_is_the_sellers_own(client):
    # given
    store = StoreFactory()
    theirs = FaqEntry.objects.create(store=StoreFactory(), question="Q", answer="A", keywords="q")
    client.force_login(store.owner)

    # when
    created = client.post(
        reverse("api:chat-assistant-faq"),
        {"question": "Bahannya apa?", "keywords": "bahan", "answer": "Katun."},
        content_type="application/json",
    )

    # then
    assert created.status_code == 201
    entry_url = reverse("api:chat-assistant-faq-entry", kwargs={"pk": created.json()["id"]})
    assert client.get(reverse("api:chat-assistant-faq")).json()[0]["answer"] == "Katun."
    changed = client.put(entry_url, {"question": "Bahan?", "answer": "Linen."}, content_type="application/json")
    assert changed.json()["answer"] == "Linen."
    assert client.get(reverse("api:chat-assistant-faq-entry", kwargs={"pk": theirs.pk})).status_code == 404
    assert client.delete(entry_url).status_code == 204
    client.force_login(UserFactory())
    assert client.get(reverse("api:chat-assistant-faq")).status_code == 403


def test_person_and_hand_back_over_the_api(client, django_capture_on_commit_callbacks):
    # given
    store = assistant_store()
    chat = assistant_chat(store)
    client.force_login(chat.shopper)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(reverse("api:chat-ask-person", kwargs={"pk": chat.pk}))

    # then
    assert asked.json() == {"answerer": "person", "reason": "handoff", "paused_until": None}
    assert ask(chat, "ongkir?", django_capture_on_commit_callbacks) == []
    assert client.post(reverse("api:chat-hand-back", kwargs={"pk": chat.pk})).status_code == 403
    client.force_login(store.owner)
    back = client.post(reverse("api:chat-hand-back", kwargs={"pk": chat.pk}))
    assert back.json()["answerer"] == "assistant" and handoff.who_answers(chat).assistant
    client.force_login(UserFactory())
    assert client.post(reverse("api:chat-ask-person", kwargs={"pk": chat.pk})).status_code == 404


def test_the_report_over_the_api(client, django_capture_on_commit_callbacks):
    store = assistant_store()
    chat = assistant_chat(store)
    ask(chat, "ongkir brp?", django_capture_on_commit_callbacks)
    ask(chat, "bisa nego?", django_capture_on_commit_callbacks)
    client.force_login(store.owner)
    data = client.get(reverse("api:chat-assistant-report")).json()
    assert data["closed_alone"] == 1 and data["answers"] == 1 and data["by_topic"] == {"shipping": 1}
    assert [row["text"] for row in data["unanswered"]] == ["bisa nego?"]
