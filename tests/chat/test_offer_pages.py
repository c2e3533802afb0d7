"""Offers on the site: the store sends one from the thread page; the shopper sees the card,
taps "Buy" and checks out on the normal checkout page at the offer's prices."""

import re

import pytest

from catalog.models import ProductVariant
from chat.models import Message, Offer
from checkout.models import Order
from tests.chat.offer_helpers import buy, offer_setup, send
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def hidden(response, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def checkout_url(offer) -> str:
    return f"/checkout/?source=offer:{offer.pk}"


def test_the_store_sends_an_offer_from_the_thread_page(client):
    chat, first, second = offer_setup()
    client.force_login(chat.store.owner)
    page = client.get(f"/chat/{chat.pk}/")
    assert "Send an offer" in page.content.decode()
    response = client.post(
        f"/chat/{chat.pk}/offer/",
        {
            "client_id": hidden(page, "client_id"),
            "variant_0": str(first.pk),
            "quantity_0": "2",
            "price_0": "120000",
            "variant_1": str(second.pk),
            "quantity_1": "1",
            "discount": "10000",
            "shipping": "",
            "valid_for": "24",
            "note": "Khusus kakak",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    offer = Offer.objects.get()
    assert offer.shipping is None and offer.discount == 1_000_000
    assert sorted(offer.lines.values_list("variant_id", "quantity", "unit_price")) == sorted(
        [(first.pk, 2, 12_000_000), (second.pk, 1, None)]
    )
    assert Message.objects.get(offer=offer).kind == Message.Kind.OFFER


def test_a_shopper_cannot_send_an_offer(client):
    chat, first, _second = offer_setup()
    client.force_login(chat.shopper)
    response = client.post(
        f"/chat/{chat.pk}/offer/",
        {"client_id": "x1", "variant_0": str(first.pk), "quantity_0": "1", "valid_for": "24"},
    )
    assert response.status_code in (400, 403)
    assert not Offer.objects.exists()


def test_the_shopper_buys_the_offer_on_the_checkout_page_at_its_prices(client):
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 2, 12_000_000)], discount=1_000_000, shipping=0)
    AddressFactory(user=chat.shopper, is_default=True)
    client.force_login(chat.shopper)
    thread = client.get(f"/chat/{chat.pk}/").content.decode()
    assert f'href="{checkout_url(offer)}"' in thread and "In stock" in thread

    page = client.get(checkout_url(offer))
    assert page.status_code == 200
    assert page.context["quote"].total == 23_000_000
    response = client.post(
        "/checkout/place/",
        {
            "source": hidden(page, "source"),
            "address": str(chat.shopper.addresses.get().pk),
            "payment_method": "bank_transfer",
            "idempotency_key": hidden(page, "idempotency_key"),
            "quote_digest": hidden(page, "quote_digest"),
            # whatever the client claims is not read
            "total": "1",
            "price": "1",
        },
    )
    assert response.status_code == 302
    order = Order.objects.get(buyer=chat.shopper)
    assert order.total - order.unique_code == 23_000_000
    assert ProductVariant.objects.get(pk=first.pk).stock == 8
    # the thread now shows the order card, and the offer as bought
    thread = client.get(f"/chat/{chat.pk}/").content.decode()
    assert order.number in thread and "Bought" in thread
    assert f'href="{checkout_url(offer)}"' not in thread


def test_a_shopper_without_an_address_adds_one_and_comes_back_to_the_offer(client):
    # given a shopper with no saved address, on their offer's checkout page
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 2, 12_000_000)], shipping=0)
    client.force_login(chat.shopper)
    page = client.get(checkout_url(offer))
    assert page.context["quote"].total == 24_000_000
    # when they follow "Add an address" and save one
    link = re.search(r'href="(/addresses/new/\?next=[^"]+)"[^>]*>Add an address<', page.content.decode())
    assert link, "no 'Add an address' link on the offer's checkout"
    response = client.post(
        link.group(1).replace("&amp;", "&"),
        {
            "label": "Home",
            "recipient": "Dewi Lestari",
            "phone": "0812 3456 7890",
            "street": "Jl. Kaliurang Km 5 No. 12",
            "district": "Depok",
            "city": "Sleman",
            "province": "DI Yogyakarta",
            "postal_code": "55281",
        },
    )
    # then they are back on the offer's checkout (not the cart's, which is empty), able to place it
    assert response.status_code == 302
    assert response.url == checkout_url(offer)
    page = client.get(response.url)
    assert page.context["quote"].total == 24_000_000
    assert page.context["page"].can_place


def test_another_shopper_gets_404_for_the_offer(client):
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)])
    stranger = UserFactory()
    AddressFactory(user=stranger, is_default=True)
    client.force_login(stranger)
    assert client.get(checkout_url(offer)).status_code == 404
    response = client.post(
        "/checkout/place/",
        {
            "source": f"offer:{offer.pk}",
            "address": str(stranger.addresses.get().pk),
            "payment_method": "bank_transfer",
            "idempotency_key": "k1",
            "quote_digest": "x",
        },
    )
    assert response.status_code == 404
    assert not Order.objects.exists()


def test_a_used_or_expired_offer_answers_409_with_a_message(client):
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)])
    buy(offer)
    client.force_login(chat.shopper)
    response = client.get(checkout_url(offer))
    assert response.status_code == 409
    assert "already bought" in response.content.decode()
    page_place = client.post(
        "/checkout/place/",
        {
            "source": f"offer:{offer.pk}",
            "address": str(chat.shopper.addresses.get().pk),
            "payment_method": "bank_transfer",
            "idempotency_key": "another",
            "quote_digest": "x",
        },
    )
    assert page_place.status_code == 409
    assert Order.objects.count() == 1


def test_the_store_withdraws_an_open_offer_from_the_thread(client):
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)])
    client.force_login(chat.shopper)
    assert client.post(f"/chat/offers/{offer.pk}/withdraw/").status_code == 403
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.OPEN
    client.force_login(chat.store.owner)
    client.post(f"/chat/offers/{offer.pk}/withdraw/")
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.WITHDRAWN
    client.force_login(UserFactory())
    assert client.post(f"/chat/offers/{offer.pk}/withdraw/").status_code == 404
