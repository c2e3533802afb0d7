"""WhatsApp's webhook: the handshake, the signature over the raw body, each event stored once
and processed by the task into the store's inbox."""

import json

import pytest

from chat.channels.choices import Channel
from chat.channels.models import ChannelContact, WebhookEvent
from chat.models import Conversation, Message
from tests.chat.channels import payloads
from tests.chat.channels.fake_providers import jpeg_bytes

pytestmark = pytest.mark.django_db


def test_handshake_echoes_the_challenge_for_our_verify_token(client, fake):
    # given / when
    response = client.get(
        "/channels/whatsapp/webhook/",
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me-please", "hub.challenge": "1158201444"},
    )

    # then
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


def test_handshake_with_another_token_is_refused(client, fake):
    response = client.get(
        "/channels/whatsapp/webhook/",
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
    )

    assert response.status_code == 403


def test_handshake_is_refused_when_no_verify_token_is_configured(client, fake, settings):
    settings.WHATSAPP_VERIFY_TOKEN = ""

    response = client.get(
        "/channels/whatsapp/webhook/", {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=0000", "sha1=abc", "sha256=" + "0" * 64],
    ids=["missing", "empty", "short", "other-algorithm", "wrong"],
)
def test_unsigned_or_wrongly_signed_deliveries_are_refused_and_nothing_is_stored(wa_post, wa_store, signature):
    # given
    payload = payloads.whatsapp_delivery(messages=[payloads.wa_text("Halo kak")])

    # when
    response = wa_post(payload, signature=signature)

    # then
    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()
    assert not Message.objects.exists()


def test_a_signature_made_with_another_secret_is_refused(wa_post, wa_store):
    payload = payloads.whatsapp_delivery(messages=[payloads.wa_text("Halo kak")])
    body = json.dumps(payload).encode()

    response = wa_post(payload, body=body, signature=payloads.sign(body, "another-secret"))

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


def test_the_signature_covers_the_raw_bytes_not_the_parsed_json(wa_post, wa_store):
    # given: signed as sent, then re-spaced (same JSON, other bytes)
    payload = payloads.whatsapp_delivery(messages=[payloads.wa_text("Halo kak")])
    body = json.dumps(payload).encode()
    signature = payloads.sign(body)

    # when
    response = wa_post(payload, body=json.dumps(payload, indent=2).encode(), signature=signature)

    # then
    assert response.status_code == 403


def test_without_an_app_secret_every_delivery_is_refused(wa_post, wa_store, settings):
    payload = payloads.whatsapp_delivery(messages=[payloads.wa_text("Halo kak")])
    body = json.dumps(payload).encode()
    settings.WHATSAPP_APP_SECRET = ""

    response = wa_post(payload, body=body, signature=payloads.sign(body, ""))

    assert response.status_code == 403


def test_a_text_in_indonesian_with_emoji_becomes_a_message_in_the_store_inbox(wa_post, wa_store):
    # given
    text = "Kak, batik tulis yang motif parang masih ready? 🙏😊 Mau 2 pcs ya"
    payload = payloads.whatsapp_delivery(messages=[payloads.wa_text(text, sender="6281234567890")])

    # when
    response = wa_post(payload)

    # then
    assert response.status_code == 200
    contact = ChannelContact.objects.get()
    assert contact.phone == "+6281234567890"
    assert contact.display_name == "Siti Rahayu"
    assert contact.channel == Channel.WHATSAPP
    assert not contact.user.is_active and not contact.user.has_usable_password() and contact.user.email == ""
    conversation = Conversation.objects.get()
    assert conversation.store == wa_store and conversation.shopper == contact.user
    assert conversation.channel == Channel.WHATSAPP
    assert conversation.store_unread == 1
    message = Message.objects.get()
    assert message.body == text and message.sender_side == "shopper"
    assert WebhookEvent.objects.get().processed_at is not None


def test_the_store_owner_is_notified_in_app_of_a_whatsapp_message(wa_post, wa_store):
    from shop.models import Notification

    wa_post(payloads.whatsapp_delivery(messages=[payloads.wa_text("Permisi kak")]))

    notification = Notification.objects.get(kind="chat_message")
    assert notification.recipient == wa_store.owner
    assert notification.data["from"] == "Siti Rahayu"


def test_the_same_event_delivered_twice_makes_one_message(wa_post, wa_store):
    # given
    payload = payloads.whatsapp_delivery(messages=[payloads.wa_text("Ready kak?")])

    # when
    first = wa_post(payload)
    second = wa_post(payload)

    # then
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.content == b"stored 1" and second.content == b"stored 0"
    assert WebhookEvent.objects.count() == 1
    assert Message.objects.count() == 1
    assert Conversation.objects.get().store_unread == 1


def test_a_delivery_with_several_messages_stores_each_once(wa_post, wa_store):
    # given: two customers in one delivery
    messages = [payloads.wa_text("Halo", sender="6281234567890"), payloads.wa_text("Permisi", sender="628987654321")]
    payload = payloads.whatsapp_delivery(messages=messages)

    # when
    response = wa_post(payload)

    # then
    assert response.content == b"stored 2"
    assert ChannelContact.objects.count() == 2
    assert Conversation.objects.filter(store=wa_store, channel=Channel.WHATSAPP).count() == 2


def test_an_event_for_a_number_no_store_connected_is_answered_and_left(wa_post, wa_store):
    payload = payloads.whatsapp_delivery(messages=[payloads.wa_text("Halo")], phone_number_id="999")

    response = wa_post(payload)

    assert response.status_code == 200
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"{not json", json.dumps({"object": "page", "entry": []}).encode()])
def test_a_signed_body_that_is_not_a_whatsapp_event_is_a_400(wa_post, wa_store, body):
    response = wa_post({}, body=body, signature=payloads.sign(body))

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_picture_is_downloaded_verified_and_shown(wa_post, wa_store, fake):
    # given
    fake.media["1234567890123456"] = jpeg_bytes()
    payload = payloads.whatsapp_delivery(messages=[payloads.wa_image("1234567890123456", caption="Yang ini ada kak?")])

    # when
    wa_post(payload)

    # then
    message = Message.objects.get()
    assert message.kind == "image" and message.body == "Yang ini ada kak?"
    assert (message.image_width, message.image_height) == (40, 30)
    media_calls = [r for r in fake.requests if r.method == "GET"]
    assert media_calls and all(
        r.headers["Authorization"] == "Bearer " + fake.whatsapp_numbers[payloads.PHONE_NUMBER_ID] for r in media_calls
    )


def test_a_picture_that_is_not_an_image_is_recorded_as_an_error_and_no_message(wa_post, wa_store, fake):
    fake.media["666"] = b"<html><script>alert(1)</script></html>"
    payload = payloads.whatsapp_delivery(messages=[payloads.wa_image("666")])

    wa_post(payload)

    event = WebhookEvent.objects.get()
    assert event.processed_at is not None and event.error
    assert not Message.objects.exists()


def test_button_and_list_replies_arrive_as_the_customer_choice(wa_post, wa_store):
    # given
    payload = payloads.whatsapp_delivery(
        messages=[
            payloads.wa_button_reply("size-m", "Ukuran M"),
            payloads.wa_list_reply("ship-jne", "JNE REG", "2-3 hari"),
        ]
    )

    # when
    wa_post(payload)

    # then
    bodies = list(Message.objects.order_by("id").values_list("body", "data"))
    assert sorted(bodies) == sorted(
        [
            ("Ukuran M", {"reply": {"id": "size-m", "title": "Ukuran M"}}),
            ("JNE REG", {"reply": {"id": "ship-jne", "title": "JNE REG"}}),
        ]
    )


def test_an_unsupported_type_still_tells_the_seller_something_arrived(wa_post, wa_store):
    message = {
        "from": payloads.CUSTOMER_WA_ID,
        "id": payloads.wamid(),
        "timestamp": "1717000000",
        "type": "audio",
        "audio": {"mime_type": "audio/ogg; codecs=opus", "id": "55", "voice": True},
    }

    wa_post(payloads.whatsapp_delivery(messages=[message]))

    assert "audio" in Message.objects.get().body


def test_a_store_that_blocked_the_customer_gets_nothing_and_the_event_is_marked(wa_post, wa_store):
    # given
    from chat import services

    wa_post(payloads.whatsapp_delivery(messages=[payloads.wa_text("Halo")]))
    services.block(conversation=Conversation.objects.get(), by=wa_store.owner)

    # when
    wa_post(payloads.whatsapp_delivery(messages=[payloads.wa_text("Halo lagi")]))

    # then
    assert Message.objects.count() == 1
    assert WebhookEvent.objects.filter(error__contains="does not accept").exists()


def test_intake_and_processing_stay_within_their_query_budgets(
    client, wa_post, wa_store, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    # given: a customer known already (their second message)
    from chat.channels import inbound

    wa_post(payloads.whatsapp_delivery(messages=[payloads.wa_text("Halo")]))

    # when / then: the answer verifies, finds the number (cached by the first delivery), inserts
    with django_assert_max_num_queries(1), django_capture_on_commit_callbacks(execute=False):
        payloads.post_whatsapp(client, payloads.whatsapp_delivery(messages=[payloads.wa_text("Halo lagi")]))
    event = WebhookEvent.objects.order_by("-id").first()
    # the worker: lock the event, the contact, the conversation, the send, the notification, done
    with django_assert_max_num_queries(18):
        assert inbound.process(event.pk) == "message"
