"""Order updates on the buyer's WhatsApp, another delivery beside email and in-app: placed,
paid and shipped (with tracking) sent as the store's approved templates through its number,
once each, for a buyer who chose it."""

import pytest

from chat.channels import order_updates
from chat.channels.models import ChannelTemplate, OrderUpdateDelivery, WhatsAppOrderUpdates
from checkout import services as checkout
from shop.money import format_money
from tests.chat.channels import payloads
from tests.factories import UserFactory, buyable_variant, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def templates(wa_store):
    for purpose, body in [
        ("order_placed", "Pesanan {{1}} diterima, total {{2}}. Terima kasih!"),
        ("order_paid", "Pembayaran pesanan {{1}} sudah kami terima."),
        ("order_shipped", "Pesanan {{1}} dikirim dengan {{2}}, resi {{3}}."),
    ]:
        ChannelTemplate.objects.create(store=wa_store, name=purpose, language="id", body=body, purpose=purpose)


@pytest.fixture
def buyer():
    user = UserFactory()
    order_updates.opt_in(user=user, phone="0812-3456-7890")
    return user


def _order(buyer, store, committed):
    variant = buyable_variant(store=store, price=15_000_000)
    with committed():
        [order] = place(buyer, (variant, 1)).orders
    return order


def test_placed_paid_and_shipped_reach_the_buyer_whatsapp_as_templates(wa_store, templates, buyer, fake, committed):
    # given
    order = _order(buyer, wa_store, committed)

    # when
    with committed():
        checkout.confirm_transfer(order=order, actor=wa_store.owner)
    with committed():
        checkout.mark_shipped(order=order, actor=wa_store.owner, carrier="JNE", tracking_number="JN0012345678")

    # then
    calls = fake.sent("template")
    assert [c.body["to"] for c in calls] == ["6281234567890"] * 3
    assert [c.body["template"]["name"] for c in calls] == ["order_placed", "order_paid", "order_shipped"]
    values = [[p["text"] for p in c.body["template"]["components"][0]["parameters"]] for c in calls]
    order.refresh_from_db()
    assert values[0] == [order.number, format_money(order.total, order.currency)]
    assert values[1] == [order.number]
    assert values[2] == [order.number, "JNE", "JN0012345678"]
    assert set(OrderUpdateDelivery.objects.values_list("state", flat=True)) == {"sent"}


def test_a_buyer_who_did_not_choose_whatsapp_gets_nothing_there(wa_store, templates, fake, committed):
    _order(UserFactory(), wa_store, committed)

    assert fake.sent() == [] and not OrderUpdateDelivery.objects.exists()


def test_a_store_without_a_template_for_the_update_sends_nothing(wa_store, buyer, fake, committed):
    _order(buyer, wa_store, committed)

    assert fake.sent() == []


def test_an_update_is_sent_once_even_if_told_twice(wa_store, templates, buyer, fake, committed):
    order = _order(buyer, wa_store, committed)

    with committed():
        order_updates.on_order_placed(None, orders=[order])

    assert len(fake.sent("template")) == 1


def test_status_callbacks_move_an_order_update_forward(wa_store, templates, buyer, wa_post, committed):
    _order(buyer, wa_store, committed)
    wamid = OrderUpdateDelivery.objects.get().provider_message_id

    wa_post(payloads.whatsapp_delivery(statuses=[payloads.wa_status(wamid, "read", recipient="6281234567890")]))
    wa_post(payloads.whatsapp_delivery(statuses=[payloads.wa_status(wamid, "delivered", recipient="6281234567890")]))

    assert OrderUpdateDelivery.objects.get().state == "read"


def test_the_buyer_turns_updates_on_and_off_from_the_order_page(client, wa_store, templates, committed):
    # given
    user = UserFactory()
    order = _order(user, wa_store, committed)
    client.force_login(user)
    page = client.get(f"/orders/{order.number}/")
    assert "Get order updates on WhatsApp" in page.text

    # when
    bad = client.post(
        "/chat/whatsapp-updates/", {"on": "1", "phone": "12", "next": f"/orders/{order.number}/"}, follow=True
    )
    on = client.post("/chat/whatsapp-updates/", {"on": "1", "phone": "0812 3456 7890", "next": "https://evil.example/"})

    # then
    assert "Enter a WhatsApp number" in bad.text
    assert on["Location"] == "/orders/"
    assert WhatsAppOrderUpdates.objects.get(user=user).phone == "+6281234567890"
    assert "+6281234567890" in client.get(f"/orders/{order.number}/").text
    client.post("/chat/whatsapp-updates/", {"next": f"/orders/{order.number}/"})
    assert not WhatsAppOrderUpdates.objects.exists()


def test_the_form_is_only_for_the_buyer_of_a_store_that_sends_updates(client, wa_store, committed):
    user = UserFactory()
    order = _order(user, wa_store, committed)
    client.force_login(user)

    assert "Get order updates on WhatsApp" not in client.get(f"/orders/{order.number}/").text
