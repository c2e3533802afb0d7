"""How fast a store answers: each shopper's wait from their first unanswered message to the
store's next answer, the median wait, the share answered within 12 hours, and "Usually
replies within ..." on the store's page and in the API."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chat import selectors
from chat.models import ShopperWait
from tests.chat.factories import conversation, say, store_says
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_wait_starts_with_the_first_unanswered_message_and_ends_with_the_answer():
    # given
    chat = conversation()
    first = say(chat, chat.shopper, "Ready kak?")
    say(chat, chat.shopper, "Halo?")

    # when
    answer = store_says(chat)
    say(chat, chat.shopper, "Oke, ada warna lain?")

    # then
    answered, waiting = ShopperWait.objects.filter(conversation=chat).order_by("id")
    assert (answered.asked_at, answered.answered_at) == (first.created_at, answer.created_at)
    assert waiting.answered_at is None and waiting.store_id == chat.store_id


def _waits(store, *minutes_to_answer, asked_hours_ago=20):
    """Waits asked ``asked_hours_ago`` and answered after the given minutes (None: not yet)."""
    asked = timezone.now() - timedelta(hours=asked_hours_ago)
    for minutes in minutes_to_answer:
        chat = conversation(store=store)
        answered = asked + timedelta(minutes=minutes) if minutes is not None else None
        ShopperWait.objects.create(conversation=chat, store=store, asked_at=asked, answered_at=answered)


def test_the_figures_are_the_median_wait_and_the_share_answered_within_12_hours():
    # given
    store = StoreFactory()
    _waits(store, 5, 30, 90, 13 * 60, None)  # the last one still waits, 20 hours on
    _waits(store, None, asked_hours_ago=2)  # too young to count as missed
    _waits(store, 1, asked_hours_ago=24 * 40)  # older than the 30 days read

    # when
    stats = selectors.response_stats(store=store)

    # then
    assert stats.median_seconds == 90 * 60
    assert stats.answered_within_12h == pytest.approx(3 / 5)
    assert stats.questions == 6
    assert selectors.usually_replies(stats) == "Usually replies within a few hours"


def test_too_few_answers_say_nothing():
    store = StoreFactory()
    _waits(store, 5, 10)
    stats = selectors.response_stats(store=store)
    assert stats.median_seconds is None and selectors.usually_replies(stats) == ""


def test_the_store_page_and_the_api_say_how_fast_the_store_usually_replies(client):
    # given
    store = StoreFactory()
    _waits(store, 5, 10, 20)

    # when
    client.force_login(UserFactory())
    page = client.get(store.get_absolute_url())
    api = client.get(reverse("api:chat-store-response", kwargs={"slug": store.slug}))

    # then
    assert "Usually replies within an hour" in page.text
    assert api.json() == {
        "median_seconds": 600,
        "answered_within_12h": 1.0,
        "usually_replies": "Usually replies within an hour",
    }
    assert client.get(reverse("api:chat-store-response", kwargs={"slug": "no-such-store"})).status_code == 404
