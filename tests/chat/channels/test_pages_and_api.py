"""A channel conversation in the seller's inbox and thread (marked with its channel, delivery
states on the store's messages, the 24-hour window and the templates), in the API, and the
channel customers' users kept out of everything else on the site."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from chat.channels.models import ChannelContact, ChannelTemplate, OutboundMessage
from chat.models import Conversation, Message
from shop.models import Notification
from tests.chat.channels import payloads
from tests.chat.factories import store_says

pytestmark = pytest.mark.django_db


@pytest.fixture
def wa_chat(wa_post, wa_store):
    wa_post(payloads.whatsapp_delivery(messages=[payloads.wa_text("Kak, ready? 🙏")]))
    return Conversation.objects.select_related("store__owner", "shopper").get()


def _close_window(chat):
    ChannelContact.objects.filter(user=chat.shopper).update(last_inbound_at=timezone.now() - timedelta(days=2))


def test_the_inbox_marks_the_whatsapp_conversation(client, wa_chat):
    client.force_login(wa_chat.store.owner)

    page = client.get("/chat/store/")

    assert page.status_code == 200
    assert "Siti Rahayu" in page.text
    assert 'chat-channel--whatsapp">WhatsApp<' in page.text


def test_the_thread_shows_the_channel_and_each_reply_s_delivery_state(client, wa_chat, committed, wa_post):
    # given
    with committed():
        message = store_says(wa_chat, "Ready kak")
    wamid = OutboundMessage.objects.get(message=message).provider_message_id
    wa_post(payloads.whatsapp_delivery(statuses=[payloads.wa_status(wamid, "read")]))
    client.force_login(wa_chat.store.owner)

    # when
    page = client.get(f"/chat/{wa_chat.pk}/")

    # then
    assert "on WhatsApp" in page.text
    assert 'chat-message__delivery--read">· Read<' in page.text


def test_outside_the_window_the_page_says_so_and_refuses_free_text_with_the_reason(client, wa_chat):
    # given
    _close_window(wa_chat)
    ChannelTemplate.objects.create(store=wa_chat.store, name="follow_up", body="Halo {{1}}, pesanan kakak sudah siap.")
    client.force_login(wa_chat.store.owner)

    # when
    page = client.get(f"/chat/{wa_chat.pk}/")
    refused = client.post(f"/chat/{wa_chat.pk}/send/", {"client_id": uuid.uuid4().hex, "body": "Halo kak"})

    # then
    assert "within 24 hours" in page.text and "follow_up" in page.text
    assert refused.status_code == 400 and "Choose an approved template" in refused.text
    assert not Message.objects.filter(sender_side="store").exists()


def test_the_seller_sends_a_template_from_the_thread(client, wa_chat, fake, django_capture_on_commit_callbacks):
    # given
    _close_window(wa_chat)
    template = ChannelTemplate.objects.create(
        store=wa_chat.store, name="follow_up", body="Halo {{1}}, pesanan {{2}} siap."
    )
    client.force_login(wa_chat.store.owner)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/chat/{wa_chat.pk}/template/",
            {"template": template.pk, "client_id": uuid.uuid4().hex, "param1": "Siti", "param2": "EM-7"},
        )

    # then
    assert response.status_code == 302
    assert Message.objects.get(sender_side="store").body == "Halo Siti, pesanan EM-7 siap."
    assert fake.sent("template")[0].body["template"]["name"] == "follow_up"


def test_a_shopper_cannot_send_templates(client, wa_chat):
    from tests.chat.factories import conversation

    chat = conversation(store=wa_chat.store)
    template = ChannelTemplate.objects.create(store=wa_chat.store, name="t", body="Halo")
    client.force_login(chat.shopper)

    client.post(f"/chat/{wa_chat.pk}/template/", {"template": template.pk, "client_id": "x1"})
    client.post(f"/chat/{chat.pk}/template/", {"template": template.pk, "client_id": "x2"})

    assert not Message.objects.filter(body="Halo").exists()


def test_the_api_shows_the_channel_the_delivery_and_refuses_free_text_outside_the_window(client, wa_chat, committed):
    # given
    with committed():
        store_says(wa_chat, "Ready kak")
    client.force_login(wa_chat.store.owner)

    # when
    inbox = client.get("/api/v1/chat/inbox/").json()
    thread = client.get(f"/api/v1/chat/conversations/{wa_chat.pk}/messages/").json()
    _close_window(wa_chat)
    refused = client.post(
        f"/api/v1/chat/conversations/{wa_chat.pk}/messages/",
        {"client_id": uuid.uuid4().hex, "body": "Halo lagi"},
        content_type="application/json",
    )

    # then
    assert inbox["results"][0]["channel"] == "whatsapp"
    assert [m["delivery"] for m in thread["results"]] == [None, "sent"]
    assert refused.status_code == 400 and "approved template" in str(refused.json())


def test_the_api_lists_and_sends_templates(client, wa_chat, committed):
    _close_window(wa_chat)
    template = ChannelTemplate.objects.create(store=wa_chat.store, name="follow_up", body="Halo {{1}}")
    client.force_login(wa_chat.store.owner)

    listing = client.get(f"/api/v1/chat/conversations/{wa_chat.pk}/templates/").json()
    with committed():
        sent = client.post(
            f"/api/v1/chat/conversations/{wa_chat.pk}/templates/",
            {"client_id": "tmpl-1", "template": template.pk, "values": ["Siti"]},
            content_type="application/json",
        )
    missing = client.post(
        f"/api/v1/chat/conversations/{wa_chat.pk}/templates/",
        {"client_id": "tmpl-2", "template": template.pk, "values": []},
        content_type="application/json",
    )

    assert listing["window_open"] is False and listing["results"][0]["values"] == 1
    assert sent.status_code == 201 and sent.json()["body"] == "Halo Siti" and sent.json()["delivery"] == "queued"
    assert missing.status_code == 400


def test_the_api_refuses_templates_on_a_site_chat(client):
    from tests.chat.factories import conversation

    chat = conversation()
    client.force_login(chat.store.owner)

    response = client.get(f"/api/v1/chat/conversations/{chat.pk}/templates/")

    assert response.status_code == 400


# --- The channel customers' users stay out of the site -------------------------------------


def test_a_channel_customer_has_no_profile_and_cannot_log_in(client, wa_chat):
    user = wa_chat.shopper

    assert client.get(f"/@{user.username}/").status_code == 404
    assert client.get(f"/api/v1/users/{user.username}/").status_code == 404
    assert not client.login(username=user.username, password="")
    assert client.post("/accounts/login/", {"login": user.username, "password": ""}).status_code == 200


def test_a_channel_customer_gets_no_notification_nor_unread_email(wa_chat, committed):
    # given: the store answered a WhatsApp customer and a site shopper alike
    from chat.services.unread_emails import email_unread_conversations
    from tests.chat.factories import conversation

    site_chat = conversation(store=wa_chat.store)
    with committed():
        store_says(wa_chat, "Ready kak")
        store_says(site_chat, "Ready kak")

    # when
    email_unread_conversations(now=timezone.now() + timedelta(days=1))

    # then
    assert Conversation.objects.get(pk=wa_chat.pk).shopper_unread == 1
    assert not Notification.objects.filter(recipient=wa_chat.shopper).exists()
    assert Notification.objects.filter(recipient=site_chat.shopper, kind="chat_unread").exists()
