""" "Order via WhatsApp" on the cart: a click-to-chat link to the store's number carrying the
order, and a signed link that opens the same cart for the seller, ready to turn into an offer."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from chat.channels import click_to_chat
from chat.models import Conversation
from tests.factories import StoreFactory, UserFactory, buyable_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(settings):
    settings.SITE_URL = "https://etalase.test"
    store = StoreFactory(name="Toko Batik Sari", whatsapp="+6281100001111")
    shirt = buyable_variant(store=store, price=12_500_000, options={"Ukuran": "M"})
    shirt.product.title = "Kemeja Batik Parang"
    shirt.product.save()
    scarf = buyable_variant(store=store, price=4_000_000)
    return store, shirt, scarf


def _whatsapp_link(page_text: str) -> str:
    match = re.search(r'href="(https://wa\.me/[^"]+)"', page_text)
    assert match, "no Order via WhatsApp link"
    return html.unescape(match.group(1))


def test_the_cart_offers_order_via_whatsapp_with_the_order_written_out(client, shop):
    # given
    store, shirt, scarf = shop
    shopper = UserFactory()
    client.force_login(shopper)
    client.post("/cart/add/", {"variant": shirt.pk, "quantity": "2"})
    client.post("/cart/add/", {"variant": scarf.pk, "quantity": "1"})

    # when
    page = client.get("/cart/")

    # then
    link = urlsplit(_whatsapp_link(page.content.decode()))
    assert link.netloc == "wa.me" and link.path == "/6281100001111"
    text = parse_qs(link.query)["text"][0]
    assert "Toko Batik Sari" in text
    assert "Kemeja Batik Parang (M) × 2" in text
    assert "Total: IDR290,000" in text  # 2 × 125,000 + 40,000
    seller_link = re.search(r"https://etalase\.test/chat/whatsapp-cart/([^/\s]+)/", text)
    assert seller_link
    cart = click_to_chat.read_cart(token=seller_link.group(1), seller=store.owner)
    assert cart.shopper == shopper
    assert [(variant.pk, quantity) for variant, quantity in cart.lines] == [(shirt.pk, 2), (scarf.pk, 1)]


def test_a_store_without_a_whatsapp_number_has_no_link(client):
    variant = buyable_variant(store=StoreFactory(whatsapp=""))
    client.post("/cart/add/", {"variant": variant.pk, "quantity": "1"})

    assert "wa.me" not in client.get("/cart/").content.decode()


def test_the_seller_opens_the_cart_and_turns_it_into_an_offer(client, shop):
    # given
    store, shirt, scarf = shop
    shopper = UserFactory()
    token = click_to_chat.cart_token(store=store, shopper_id=shopper.pk, lines=[(shirt.pk, 2), (scarf.pk, 1)])
    client.force_login(store.owner)

    # when
    page = client.get(f"/chat/whatsapp-cart/{token}/")
    made = client.post(f"/chat/whatsapp-cart/{token}/")
    thread = client.get(made["Location"])

    # then
    assert page.status_code == 200 and "Kemeja Batik Parang" in page.text and "Make an offer" in page.text
    conversation = Conversation.objects.get(store=store, shopper=shopper)
    assert made["Location"].startswith(f"/chat/{conversation.pk}/?offer_cart=")
    form = thread.context["offer_form"]
    assert form["variant_0"].value() == str(shirt.pk) and form["quantity_0"].value() == 2
    assert form["variant_1"].value() == str(scarf.pk) and form["quantity_1"].value() == 1


def test_another_seller_or_a_tampered_link_gets_nothing(client, shop):
    store, shirt, _scarf = shop
    token = click_to_chat.cart_token(store=store, shopper_id=None, lines=[(shirt.pk, 1)])

    client.force_login(StoreFactory().owner)
    assert client.get(f"/chat/whatsapp-cart/{token}/").status_code == 404
    client.force_login(store.owner)
    assert client.get(f"/chat/whatsapp-cart/{token[:-2]}xx/").status_code == 400


def test_a_visitors_cart_cannot_become_an_offer(client, shop):
    store, shirt, _scarf = shop
    token = click_to_chat.cart_token(store=store, shopper_id=None, lines=[(shirt.pk, 1)])
    client.force_login(store.owner)

    page = client.get(f"/chat/whatsapp-cart/{token}/")
    client.post(f"/chat/whatsapp-cart/{token}/")

    assert "an offer needs an Etalase account" in page.text
    assert not Conversation.objects.exists()
