"""Cards that change after they were sent follow live: an offer withdrawn or bought, an order
paid or shipped. The service (chat's for offers, checkout's for orders, through
checkout.signals.order_status_changed) tells both parties' sockets ``message.updated`` after
commit; the page fetches that one message again from chat:message (member only)."""

import pytest
from asgiref.sync import sync_to_async

from chat import services, signals
from chat.models import Message
from checkout import services as checkout_services
from tests.async_run import run_async
from tests.chat.factories import conversation, say
from tests.chat.offer_helpers import buy, offer_setup, send
from tests.chat.test_live_socket import QUIET, next_event, open_socket, session_headers
from tests.factories import StoreFactory, UserFactory, buyable_variant, place


def chat_with_an_order_card(method="bank_transfer"):
    store, shopper = StoreFactory(), UserFactory()
    [order] = place(shopper, (buyable_variant(store=store), 1), method=method).orders
    chat = conversation(shopper=shopper, store=store)
    card = say(chat, shopper, "", kind="order", order=order)
    return chat, order, card


@pytest.fixture
def updated():
    """The messages ``chat.signals.message_updated`` named, in order."""
    seen = []

    def record(sender, *, message, **kwargs):
        seen.append(message.pk)

    signals.message_updated.connect(record, dispatch_uid="test.card_updates")
    yield seen
    signals.message_updated.disconnect(dispatch_uid="test.card_updates")


# --- The one-message fragment --------------------------------------------------------------------


@pytest.mark.django_db
def test_each_party_fetches_one_message_of_their_thread_as_the_thread_renders_it(client, django_assert_max_num_queries):
    # given a thread with an order card waiting for its transfer
    chat, order, card = chat_with_an_order_card()
    url = f"/chat/{chat.pk}/messages/{card.pk}/"

    # when the seller fetches it
    client.force_login(chat.store.owner)
    with django_assert_max_num_queries(4):
        response = client.get(url)

    # then it is that message's <li>, with the store's buttons on the card
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith("<li") and f'id="message-{card.pk}"' in html
    assert order.number in html and "Confirm the transfer" in html
    # and the shopper gets the same card without them
    client.force_login(chat.shopper)
    shopper_html = client.get(url).content.decode()
    assert order.number in shopper_html and "Confirm the transfer" not in shopper_html


@pytest.mark.django_db
def test_nobody_fetches_a_message_of_another_thread(client):
    # given two threads
    chat, _order, card = chat_with_an_order_card()
    other = conversation()
    theirs = say(other, other.shopper, "Rahasia")

    # when a stranger, or a party asking through the wrong conversation, fetches a message
    client.force_login(UserFactory())
    stranger = client.get(f"/chat/{chat.pk}/messages/{card.pk}/")
    client.force_login(chat.shopper)
    crossed = client.get(f"/chat/{chat.pk}/messages/{theirs.pk}/")
    missing = client.get(f"/chat/{chat.pk}/messages/{2**63}/")
    client.logout()
    anonymous = client.get(f"/chat/{chat.pk}/messages/{card.pk}/")

    # then each is not found (or asked to sign in), and nothing leaks
    assert stranger.status_code == 404 and crossed.status_code == 404 and missing.status_code == 404
    assert "Rahasia" not in crossed.content.decode()
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


# --- What is announced -------------------------------------------------------------------------


@pytest.mark.django_db
def test_withdrawing_and_buying_offers_announce_their_cards_after_commit(updated, django_capture_on_commit_callbacks):
    # given two open offers in a thread
    chat, first, second = offer_setup()
    withdrawn, bought = send(chat, [(first, 1, None)]), send(chat, [(second, 1, None)])
    cards = dict(Message.objects.filter(kind="offer").values_list("offer_id", "pk"))

    # when the store withdraws one (nothing is told before the commit)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.withdraw_offer(offer=withdrawn, by=chat.store.owner)
        assert updated == []
    # and the shopper buys the other
    with django_capture_on_commit_callbacks(execute=True):
        buy(bought)

    # then each card was announced once, after its commit
    assert callbacks
    assert updated == [cards[withdrawn.pk], cards[bought.pk]]


@pytest.mark.django_db
def test_an_order_moving_on_announces_its_cards_and_only_them(updated, django_capture_on_commit_callbacks):
    # given an order with two cards in its thread, and another order's card
    chat, order, card = chat_with_an_order_card()
    again = say(chat, chat.store.owner, "", kind="order", order=order)
    chat_with_an_order_card()

    # when the seller confirms the transfer, then ships
    with django_capture_on_commit_callbacks(execute=True):
        checkout_services.confirm_transfer(order=order, actor=chat.store.owner)
        assert updated == []  # not before the commit
    with django_capture_on_commit_callbacks(execute=True):
        checkout_services.mark_shipped(order=order, actor=chat.store.owner, carrier="JNE", tracking_number="JN1")

    # then both cards of the order were announced at each move, newest first; not the other's
    assert updated == [again.pk, card.pk, again.pk, card.pk]


@pytest.mark.django_db
def test_a_cancelled_order_announces_its_card(updated, django_capture_on_commit_callbacks):
    chat, order, card = chat_with_an_order_card()
    with django_capture_on_commit_callbacks(execute=True):
        checkout_services.cancel_order(order=order, actor=chat.shopper)
    assert updated == [card.pk]


# --- Through the sockets -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_both_parties_sockets_hear_a_withdrawn_offer_and_fetch_the_card_as_it_is_now(client):
    # given an open offer, and both parties connected
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)])
    card = Message.objects.get(offer=offer)
    shopper_headers, seller_headers = session_headers(chat.shopper), session_headers(chat.store.owner)

    async def scenario():
        shopper = (await open_socket(shopper_headers))[0]
        seller = (await open_socket(seller_headers))[0]
        # when the store withdraws it
        await sync_to_async(services.withdraw_offer)(offer=offer, by=chat.store.owner)
        # then each socket is told which message to fetch again
        events = [await next_event(socket, "message.updated") for socket in (shopper, seller)]
        assert await shopper.receive_nothing(QUIET)
        for socket in (shopper, seller):
            await socket.disconnect()
        return events

    events = run_async(scenario)
    assert events == [{"type": "message.updated", "conversation": chat.pk, "message": card.pk}] * 2
    # and the card fetched again says so, without the "Buy" button
    client.force_login(chat.shopper)
    html = client.get(f"/chat/{chat.pk}/messages/{card.pk}/").content.decode()
    assert "Withdrawn" in html and "Buy" not in html


@pytest.mark.django_db(transaction=True)
def test_the_shopper_sees_the_order_card_shipped_with_its_tracking_number(client):
    # given an order card, and the shopper connected
    chat, order, card = chat_with_an_order_card()
    checkout_services.confirm_transfer(order=order, actor=chat.store.owner)
    shopper_headers = session_headers(chat.shopper)

    async def scenario():
        shopper = (await open_socket(shopper_headers))[0]
        # when the seller marks it shipped (checkout's service: checkout knows nothing of chat)
        await sync_to_async(checkout_services.mark_shipped)(
            order=order, actor=chat.store.owner, carrier="SiCepat", tracking_number="SC998877"
        )
        event = await next_event(shopper, "message.updated")
        await shopper.disconnect()
        return event

    # then the shopper's socket names the card, which now shows the carrier and the number
    assert run_async(scenario) == {"type": "message.updated", "conversation": chat.pk, "message": card.pk}
    client.force_login(chat.shopper)
    html = client.get(f"/chat/{chat.pk}/messages/{card.pk}/").content.decode()
    assert "Shipped" in html and "SiCepat · SC998877" in html
