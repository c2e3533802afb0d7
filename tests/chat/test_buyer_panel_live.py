"""The buyer panel's cart, live: when a shopper's cart changes (checkout.signals.cart_changed,
on commit), the people of each store they chat with hear ``buyer.cart`` on their socket
(through the whole ASGI stack, as in test_live_socket.py); the shopper and other stores do not."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from checkout import services as checkout_services
from tests.async_run import run_async
from tests.chat.factories import conversation
from tests.chat.test_live_socket import QUIET, next_event, open_socket, session_headers
from tests.factories import StoreFactory, UserFactory, buyable_variant, checkout_cart, place

pytestmark = pytest.mark.django_db(transaction=True)


def test_adding_to_the_cart_tells_the_stores_people_with_the_buyer_open():
    # given a shopper chatting with a store, both connected, and another seller connected
    variant = buyable_variant()
    chat = conversation(shopper=UserFactory(), store=variant.store)
    stranger = StoreFactory().owner
    headers = [session_headers(user) for user in (chat.store.owner, chat.shopper, stranger)]
    browser = Client()
    browser.force_login(chat.shopper)

    async def scenario():
        seller, shopper, other = [(await open_socket(h))[0] for h in headers]
        # when the shopper adds the store's product to their cart on the site
        response = await sync_to_async(browser.post)(
            reverse("checkout:cart_add"), {"variant": variant.pk, "quantity": 2}
        )
        assert response.status_code in (200, 302)
        # then the seller's socket is told which conversation's buyer changed their cart
        assert await next_event(seller, "buyer.cart") == {"type": "buyer.cart", "conversation": chat.pk}
        # and neither the shopper nor another store hears of it
        assert await shopper.receive_nothing(QUIET)
        assert await other.receive_nothing(QUIET)
        for socket in (seller, shopper, other):
            await socket.disconnect()

    run_async(scenario)


def test_placing_an_order_empties_the_cart_live_for_every_store_chatted_with():
    # given a shopper chatting with two stores, each with a line in the cart, sellers connected
    first, second, unchatted = buyable_variant(), buyable_variant(), buyable_variant()
    shopper = UserFactory()
    chats = [conversation(shopper=shopper, store=variant.store) for variant in (first, second)]
    checkout_cart(shopper, (first, 1), (second, 1), (unchatted, 1))
    headers = [session_headers(chat.store.owner) for chat in chats]
    headers.append(session_headers(unchatted.store.owner))

    async def scenario():
        sockets = [(await open_socket(h))[0] for h in headers]
        # when the shopper places the order (the cart's lines are bought and removed)
        await sync_to_async(place)(shopper)
        # then each store chatted with hears its conversation's buyer.cart
        for socket, chat in zip(sockets, chats, strict=False):
            assert await next_event(socket, "buyer.cart") == {"type": "buyer.cart", "conversation": chat.pk}
        # and the store the shopper never chatted with has no conversation to tell
        assert await sockets[2].receive_nothing(QUIET)
        for socket in sockets:
            await socket.disconnect()

    run_async(scenario)


def test_a_cart_change_rolled_back_is_never_published():
    # given the seller connected
    variant = buyable_variant(stock=1)
    chat = conversation(shopper=UserFactory(), store=variant.store)
    cart = checkout_services.cart_for_user(user=chat.shopper, create=True)
    headers = session_headers(chat.store.owner)

    async def scenario():
        seller, _, _ = await open_socket(headers)
        # when an add is refused (more than the stock): nothing was committed
        with pytest.raises(Exception, match="left in stock"):
            await sync_to_async(checkout_services.add_to_cart)(cart=cart, variant_id=variant.pk, quantity=5)
        # then nothing is published
        assert await seller.receive_nothing(QUIET)
        await seller.disconnect()

    run_async(scenario)
