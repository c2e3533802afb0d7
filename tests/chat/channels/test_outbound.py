"""The store's replies delivered through WhatsApp and Telegram (against the local provider
server), their delivery states from the callbacks, and WhatsApp's 24-hour window."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from chat.channels import outbound, services
from chat.channels.models import ChannelContact, ChannelTemplate, OutboundMessage, WebhookEvent
from chat.models import Conversation, Message
from tests.chat.channels import payloads
from tests.chat.channels.conftest import WHATSAPP_TOKEN
from tests.chat.factories import client_id, store_says

pytestmark = pytest.mark.django_db

State = OutboundMessage.State


@pytest.fixture
def wa_chat(wa_post, wa_store):
    wa_post(payloads.whatsapp_delivery(messages=[payloads.wa_text("Kak, ready?")]))
    return Conversation.objects.select_related("store__owner", "shopper").get()


@pytest.fixture
def tg_chat(tg_post, tg_store):
    tg_post(payloads.tg_message("Halo kak", chat_id=555001))
    return Conversation.objects.select_related("store__owner", "shopper").get()


def test_the_seller_reply_goes_out_on_whatsapp_and_is_marked_sent(wa_chat, fake, committed):
    # when
    with committed():
        message = store_says(wa_chat, "Ready kak, silakan diorder 😊")

    # then
    [call] = fake.sent()
    assert call.path == f"/v26.0/{payloads.PHONE_NUMBER_ID}/messages"
    assert call.headers["Authorization"] == f"Bearer {WHATSAPP_TOKEN}"
    assert call.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": payloads.CUSTOMER_WA_ID,
        "type": "text",
        "text": {"body": "Ready kak, silakan diorder 😊", "preview_url": True},
    }
    delivery = OutboundMessage.objects.get(message=message)
    assert delivery.state == State.SENT and delivery.provider_message_id.startswith("wamid.")


def test_a_site_conversation_sends_nothing_out(fake, committed):
    from tests.chat.factories import conversation

    chat = conversation()
    with committed():
        store_says(chat, "Halo")

    assert fake.requests == [] and not OutboundMessage.objects.exists()


def test_a_provider_that_fails_for_a_while_is_retried_until_it_takes_the_message(wa_chat, fake, committed):
    # given
    fake.fail_next += [(503, {"error": {"code": 2, "message": "Service temporarily unavailable"}})] * 2

    # when
    with committed():
        message = store_says(wa_chat, "Ditunggu ya kak")

    # then
    delivery = OutboundMessage.objects.get(message=message)
    assert delivery.state == State.SENT and delivery.attempts == 3
    assert len(fake.sent()) == 3


def test_a_provider_down_past_the_retries_fails_the_delivery(wa_chat, fake, committed, settings):
    settings.CHANNELS_SEND_RETRIES = 2
    fake.fail_next += [(500, {})] * 5

    with committed():
        message = store_says(wa_chat, "Halo")

    delivery = OutboundMessage.objects.get(message=message)
    assert delivery.state == State.FAILED and "HTTP 500" in delivery.error
    assert len(fake.sent()) == 3


def test_a_refusal_is_not_retried_and_says_why(wa_chat, fake, committed):
    fake.fail_next.append((400, {"error": {"code": 131026, "message": "Message undeliverable"}}))

    with committed():
        message = store_says(wa_chat, "Halo")

    delivery = OutboundMessage.objects.get(message=message)
    assert delivery.state == State.FAILED and "Message undeliverable" in delivery.error
    assert len(fake.sent()) == 1


def _sent_wamid(wa_chat, committed) -> str:
    with committed():
        message = store_says(wa_chat, "Sudah dikirim kak")
    return OutboundMessage.objects.get(message=message).provider_message_id


def test_status_callbacks_move_the_delivery_forward(wa_chat, wa_post, committed):
    wamid = _sent_wamid(wa_chat, committed)

    wa_post(payloads.whatsapp_delivery(statuses=[payloads.wa_status(wamid, "delivered")]))
    assert OutboundMessage.objects.get().state == State.DELIVERED
    wa_post(payloads.whatsapp_delivery(statuses=[payloads.wa_status(wamid, "read")]))
    assert OutboundMessage.objects.get().state == State.READ


def test_statuses_out_of_order_never_move_back(wa_chat, wa_post, committed):
    # given
    wamid = _sent_wamid(wa_chat, committed)

    # when: read arrives first, then delivered and sent late, in one delivery and apart
    wa_post(payloads.whatsapp_delivery(statuses=[payloads.wa_status(wamid, "read")]))
    wa_post(
        payloads.whatsapp_delivery(statuses=[payloads.wa_status(wamid, "delivered"), payloads.wa_status(wamid, "sent")])
    )
    wa_post(
        payloads.whatsapp_delivery(
            statuses=[payloads.wa_status(wamid, "failed", errors=[{"code": 131000, "title": "x"}])]
        )
    )

    # then
    assert OutboundMessage.objects.get().state == State.READ
    assert WebhookEvent.objects.filter(kind="status").count() == 4
    assert not WebhookEvent.objects.exclude(error="").exists()


def test_a_failed_status_ends_a_sent_delivery_with_its_reason(wa_chat, wa_post, committed):
    wamid = _sent_wamid(wa_chat, committed)
    errors = [{"code": 131047, "title": "Re-engagement message"}]

    wa_post(payloads.whatsapp_delivery(statuses=[payloads.wa_status(wamid, "failed", errors=errors)]))
    wa_post(payloads.whatsapp_delivery(statuses=[payloads.wa_status(wamid, "delivered")]))

    delivery = OutboundMessage.objects.get()
    assert delivery.state == State.FAILED and delivery.error == "Re-engagement message"


def test_a_status_for_a_message_not_recorded_yet_is_retried_then_given_up(wa_post, wa_store):
    wa_post(payloads.whatsapp_delivery(statuses=[payloads.wa_status("wamid.UNKNOWN==", "delivered")]))

    event = WebhookEvent.objects.get()
    assert event.processed_at is not None and "gave up" in event.error


def test_record_status_says_what_it_did(wa_chat, committed):
    wamid = _sent_wamid(wa_chat, committed)

    assert outbound.record_status(provider_message_id=wamid, state="read") == "moved"
    assert outbound.record_status(provider_message_id=wamid, state="delivered") == "stale"
    assert outbound.record_status(provider_message_id=wamid, state="deleted") == "stale"
    assert outbound.record_status(provider_message_id="wamid.other", state="read") == "unknown"


# --- The 24-hour window ------------------------------------------------------------------


def _close_window(chat):
    ChannelContact.objects.filter(user=chat.shopper).update(
        last_inbound_at=timezone.now() - timedelta(hours=24, minutes=1)
    )


def test_outside_the_window_free_text_is_refused_with_a_clear_message(wa_chat, fake):
    # given
    _close_window(wa_chat)

    # when
    with pytest.raises(ValidationError) as refused:
        store_says(wa_chat, "Halo kak, masih minat?")

    # then
    assert "24 hours" in " ".join(refused.value.messages) and "template" in " ".join(refused.value.messages)
    assert refused.value.error_dict["body"][0].code == "window_closed"
    assert Message.objects.filter(sender_side="store").count() == 0 and fake.sent() == []


def test_inside_the_window_free_text_goes(wa_chat, fake, committed):
    ChannelContact.objects.filter(user=wa_chat.shopper).update(last_inbound_at=timezone.now() - timedelta(hours=23))

    with committed():
        store_says(wa_chat, "Halo kak")

    assert len(fake.sent("text")) == 1


def test_a_new_customer_message_reopens_the_window(wa_chat, wa_post, committed, fake):
    _close_window(wa_chat)

    wa_post(payloads.whatsapp_delivery(messages=[payloads.wa_text("Kak?")]))
    with committed():
        store_says(wa_chat, "Ya kak")

    assert len(fake.sent("text")) == 1


def test_outside_the_window_an_approved_template_goes_with_its_values(wa_chat, fake, committed):
    # given
    _close_window(wa_chat)
    template = ChannelTemplate.objects.create(
        store=wa_chat.store, name="follow_up_order", language="id", body="Halo {{1}}, pesanan {{2}} sudah siap dikirim."
    )

    # when
    with committed():
        message, created = services.send_template(
            conversation=wa_chat,
            sender=wa_chat.store.owner,
            client_id=client_id(),
            template_id=template.pk,
            params=["Siti", "EM-1042"],
        )

    # then
    assert created and message.body == "Halo Siti, pesanan EM-1042 sudah siap dikirim."
    [call] = fake.sent("template")
    assert call.body["template"] == {
        "name": "follow_up_order",
        "language": {"code": "id"},
        "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "Siti"}, {"type": "text", "text": "EM-1042"}]}
        ],
    }
    assert OutboundMessage.objects.get(message=message).state == State.SENT


@pytest.mark.parametrize("params", [[], ["Siti"], ["Siti", ""], ["Siti", "x" * 201], "Siti"])
def test_a_template_needs_exactly_its_values(wa_chat, params):
    template = ChannelTemplate.objects.create(store=wa_chat.store, name="t", body="Halo {{1}}, {{2}}")

    with pytest.raises(ValidationError):
        services.send_template(
            conversation=wa_chat,
            sender=wa_chat.store.owner,
            client_id=client_id(),
            template_id=template.pk,
            params=params,
        )


def test_another_store_template_cannot_be_used(wa_chat):
    from tests.factories import StoreFactory

    other = ChannelTemplate.objects.create(store=StoreFactory(), name="t", body="Halo")

    with pytest.raises(ValidationError, match="approved templates"):
        services.send_template(
            conversation=wa_chat, sender=wa_chat.store.owner, client_id=client_id(), template_id=other.pk, params=[]
        )


def test_a_template_in_a_site_conversation_is_refused():
    from tests.chat.factories import conversation

    chat = conversation()
    template = ChannelTemplate.objects.create(store=chat.store, name="t", body="Halo")

    with pytest.raises(ValidationError, match="WhatsApp conversations"):
        services.send_template(
            conversation=chat, sender=chat.store.owner, client_id=client_id(), template_id=template.pk, params=[]
        )


def test_a_refusal_by_whatsapp_for_a_closed_window_says_to_send_a_template(wa_chat, fake, committed):
    fake.fail_next.append((400, {"error": {"code": 131047, "message": "Re-engagement message"}}))

    with committed():
        message = store_says(wa_chat, "Halo")

    assert "template" in OutboundMessage.objects.get(message=message).error


# --- What is sent: cards, pictures, the assistant's choices --------------------------------


def _queued(chat, *, body="Mau ukuran apa kak?", data=None) -> OutboundMessage:
    message = Message.objects.create(
        conversation=chat, sender=chat.store.owner, sender_side="store", body=body, data=data or {}
    )
    return OutboundMessage.objects.create(message=message, conversation=chat, channel=chat.channel)


def test_up_to_three_choices_go_as_reply_buttons_within_their_limits(wa_chat, fake):
    choices = [
        {"id": "size-s", "title": "S"},
        {"id": "size-m", "title": "M"},
        {"id": "size-l", "title": "L (lingkar dada 104 cm)"},
    ]
    delivery = _queued(wa_chat, data={"choices": choices})

    assert outbound.deliver(delivery.pk) == "sent"

    [call] = fake.sent("interactive")
    interactive = call.body["interactive"]
    assert interactive["type"] == "button"
    assert [b["reply"]["title"] for b in interactive["action"]["buttons"]] == ["S", "M", "L (lingkar dada 104"]


def test_four_to_ten_choices_go_as_a_list(wa_chat, fake):
    choices = [
        {"id": f"p{n}", "title": f"Batik motif nomor {n} yang panjang", "description": "x" * 100} for n in range(7)
    ]
    delivery = _queued(wa_chat, data={"choices": choices, "choices_button": "Pilih produk"})

    assert outbound.deliver(delivery.pk) == "sent"

    [call] = fake.sent("interactive")
    action = call.body["interactive"]["action"]
    assert call.body["interactive"]["type"] == "list" and action["button"] == "Pilih produk"
    rows = action["sections"][0]["rows"]
    assert len(rows) == 7 and all(len(r["title"]) <= 24 and len(r["description"]) <= 72 for r in rows)


def test_more_choices_than_a_list_holds_go_as_numbered_text(wa_chat, fake):
    delivery = _queued(wa_chat, data={"choices": [{"id": str(n), "title": f"Pilihan {n}"} for n in range(12)]})

    outbound.deliver(delivery.pk)

    [call] = fake.sent("text")
    assert "12. Pilihan 11" in call.body["text"]["body"]


def test_a_product_card_goes_as_text_with_its_link(wa_chat, fake, committed):
    from tests.factories import ProductFactory, VariantFactory

    product = ProductFactory(store=wa_chat.store, title="Kemeja Batik Parang")
    VariantFactory(product=product, price=25_000_000)

    with committed():
        store_says(wa_chat, "", kind="product", product=product)

    [call] = fake.sent("text")
    assert "Kemeja Batik Parang" in call.body["text"]["body"]
    assert f"https://etalase.test/p/{product.slug}/" in call.body["text"]["body"]


def test_a_picture_goes_by_its_public_link(wa_chat, fake, committed):
    from tests.factories import image_file

    with committed():
        store_says(wa_chat, "Ini fotonya kak", kind="image", image=image_file())

    [call] = fake.sent("image")
    assert call.body["image"]["link"].startswith("https://etalase.test/media/chat/")
    assert call.body["image"]["caption"] == "Ini fotonya kak"


def test_an_offer_is_not_sent_to_a_channel_customer(wa_chat):
    from chat import services as chat_services
    from chat.services.offers import OfferLineInput
    from tests.factories import buyable_variant

    variant = buyable_variant(store=wa_chat.store)

    with pytest.raises(ValidationError, match="Etalase account"):
        chat_services.send_offer(
            conversation=wa_chat,
            sender=wa_chat.store.owner,
            client_id=client_id(),
            lines=[OfferLineInput(variant_id=variant.pk, quantity=1)],
            valid_until=timezone.now() + timedelta(days=1),
        )


def test_on_telegram_the_reply_goes_to_the_chat_with_an_inline_keyboard(tg_chat, fake):
    delivery = _queued(
        tg_chat, data={"choices": [{"id": "size:250", "title": "250 gram"}, {"id": "x" * 65, "title": "too long"}]}
    )

    assert outbound.deliver(delivery.pk) == "sent"

    [call] = fake.sent()
    assert call.path.endswith("/sendMessage")
    assert call.body["chat_id"] == "555001"
    assert call.body["reply_markup"] == {"inline_keyboard": [[{"text": "250 gram", "callback_data": "size:250"}]]}
    assert OutboundMessage.objects.get().provider_message_id.startswith("tg:555001:")


def test_telegram_has_no_window(tg_chat, fake, committed):
    ChannelContact.objects.update(last_inbound_at=timezone.now() - timedelta(days=30))

    with committed():
        store_says(tg_chat, "Kopi gayo ready lagi kak ☕")

    assert fake.sent()[0].body["text"] == "Kopi gayo ready lagi kak ☕"
    assert OutboundMessage.objects.get().state == State.SENT


def test_a_delivery_already_sent_is_not_sent_again(wa_chat, fake, committed):
    with committed():
        message = store_says(wa_chat, "Halo")
    delivery = OutboundMessage.objects.get(message=message)

    assert outbound.deliver(delivery.pk) == "nothing to do"
    assert len(fake.sent()) == 1


def test_a_store_message_written_outside_send_message_is_delivered_once(wa_chat, fake, committed):
    # given: an automated answer written directly, as the assistant's service does, then announced
    import functools

    from django.db import transaction

    from chat import signals

    # when
    with committed():
        message = Message.objects.create(
            conversation=wa_chat,
            sender=None,
            sender_side="store",
            body="Halo! Toko buka jam 08.00-17.00 😊",
            is_automated=True,
            data={"choices": [{"id": "faq:hours", "title": "Jam buka"}]},
        )
        message.conversation = wa_chat
        transaction.on_commit(functools.partial(signals.message_sent.send, sender=Message, message=message))

    # then
    [call] = fake.sent("interactive")
    assert call.body["interactive"]["action"]["buttons"][0]["reply"] == {"id": "faq:hours", "title": "Jam buka"}
    assert OutboundMessage.objects.get(message=message).state == State.SENT
