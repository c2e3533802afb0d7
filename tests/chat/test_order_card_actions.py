"""The store confirms a transfer and marks an order shipped from its order card in the thread,
through checkout's own services: only the store's seller, only legal moves."""

import pytest

from checkout.models import Order
from tests.chat.factories import conversation, say
from tests.factories import StoreFactory, UserFactory, buyable_variant, place

pytestmark = pytest.mark.django_db


def chat_with_an_order():
    store = StoreFactory()
    shopper = UserFactory()
    [order] = place(shopper, (buyable_variant(store=store), 1), method="bank_transfer").orders
    chat = conversation(shopper=shopper, store=store)
    say(chat, shopper, "", kind="order", order=order)
    return chat, order


def confirm(client, chat, order):
    return client.post(f"/chat/{chat.pk}/orders/{order.number}/confirm-transfer/")


def ship(client, chat, order, carrier="JNE", tracking="JNE123456"):
    return client.post(
        f"/chat/{chat.pk}/orders/{order.number}/ship/", {"carrier": carrier, "tracking_number": tracking}
    )


def test_the_seller_confirms_the_transfer_then_ships_and_the_card_shows_it(client):
    chat, order = chat_with_an_order()
    client.force_login(chat.store.owner)
    page = client.get(f"/chat/{chat.pk}/").content.decode()
    assert "Confirm the transfer" in page and "Mark as shipped" not in page
    assert confirm(client, chat, order).status_code == 302
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert "Mark as shipped" in client.get(f"/chat/{chat.pk}/").content.decode()
    assert ship(client, chat, order).status_code == 302
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "JNE", "JNE123456")
    client.force_login(chat.shopper)
    page = client.get(f"/chat/{chat.pk}/").content.decode()
    assert "JNE123456" in page and "Shipped" in page and "Confirm the transfer" not in page


def test_illegal_moves_answer_409_and_change_nothing(client):
    chat, order = chat_with_an_order()
    client.force_login(chat.store.owner)
    response = ship(client, chat, order)  # not paid yet
    assert response.status_code == 409
    assert Order.objects.get(pk=order.pk).status == "pending_payment"
    confirm(client, chat, order)
    assert confirm(client, chat, order).status_code == 409  # paid already


def test_missing_tracking_is_a_400(client):
    chat, order = chat_with_an_order()
    client.force_login(chat.store.owner)
    confirm(client, chat, order)
    assert ship(client, chat, order, tracking="").status_code == 400
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_only_the_stores_seller_acts(client):
    chat, order = chat_with_an_order()
    client.force_login(chat.shopper)
    assert confirm(client, chat, order).status_code == 403
    client.force_login(UserFactory())
    assert confirm(client, chat, order).status_code == 404
    # another store's seller, in their own chat with the same shopper: not their order
    other = conversation(shopper=chat.shopper, store=StoreFactory())
    client.force_login(other.store.owner)
    assert confirm(client, other, order).status_code == 404
    assert Order.objects.get(pk=order.pk).status == "pending_payment"
