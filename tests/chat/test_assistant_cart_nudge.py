"""A cart left with a store for a day gets one nudge in the shopper's chat with that store, if
they chatted before and their notification preferences allow it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.assistant import nudges
from chat.assistant.models import CartNudge
from chat.models import Message
from checkout.models import Cart
from shop.notifications.services import set_preferences
from tests.chat.assistant_helpers import assistant_store
from tests.chat.factories import conversation, say, store_says
from tests.factories import UserFactory, buyable_variant, checkout_cart

pytestmark = pytest.mark.django_db


def left_a_day_ago(cart):
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now() - timedelta(hours=25))


@pytest.fixture
def carted():
    """A shopper who chatted with a store with an assistant, and a cart with two of its products."""
    store = assistant_store()
    shopper = UserFactory()
    chat = conversation(shopper=shopper, store=store)
    say(chat, shopper, "Ready kak?")
    first, second = buyable_variant(store=store), buyable_variant(store=store)
    first.product.title, second.product.title = "Kemeja Parang", "Dress Sogan"
    first.product.save(), second.product.save()
    cart = checkout_cart(shopper, (first, 1), (second, 2))
    return chat, cart


def nudges_in(chat):
    return list(Message.objects.filter(conversation=chat, data__assistant="cart"))


def test_a_cart_left_for_a_day_gets_one_nudge_in_the_chat(carted, django_capture_on_commit_callbacks):
    # given
    chat, cart = carted
    left_a_day_ago(cart)

    # when: the periodic task runs twice
    with django_capture_on_commit_callbacks(execute=True):
        first = nudges.nudge_abandoned_carts()
        second = nudges.nudge_abandoned_carts()

    # then
    assert (first, second) == (1, 0)
    (nudge,) = nudges_in(chat)
    assert nudge.is_automated and nudge.sender_side == "store"
    assert nudge.body.startswith("You left 2 products from us in your cart: Kemeja Parang, Dress Sogan.")
    assert nudge.body.endswith("/cart/")

    # and a changed cart, left again, can be nudged again
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now() - timedelta(hours=24, minutes=30))
    assert nudges.nudge_abandoned_carts() == 1


def test_no_nudge_before_a_day(carted):
    chat, _cart = carted
    assert nudges.nudge_abandoned_carts() == 0 and nudges_in(chat) == []


def test_no_nudge_without_an_earlier_chat():
    store = assistant_store()
    shopper = UserFactory()
    conversation(shopper=shopper, store=store)  # opened, never written in
    cart = checkout_cart(shopper, (buyable_variant(store=store), 1))
    left_a_day_ago(cart)
    assert nudges.nudge_abandoned_carts() == 0


def test_no_nudge_when_the_shopper_turned_cart_reminders_off(carted):
    chat, cart = carted
    set_preferences(user=chat.shopper, choices={"abandoned_cart": {"email": False, "in_app": False}})
    left_a_day_ago(cart)
    assert nudges.nudge_abandoned_carts() == 0
    assert nudges_in(chat) == [] and CartNudge.objects.filter(cart=cart).exists()  # not looked at again


def test_no_nudge_while_a_person_answers(carted):
    chat, cart = carted
    store_says(chat)
    left_a_day_ago(cart)
    assert nudges.nudge_abandoned_carts() == 0 and nudges_in(chat) == []
