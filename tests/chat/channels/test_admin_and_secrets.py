"""Connecting a store's channels in the back office: the tokens are written once and never
shown again, nor logged; the Telegram webhook is registered from the admin; templates and raw
events are scoped."""

import logging

import pytest
from django.core.exceptions import ValidationError

from chat.channels.models import ChannelTemplate, TelegramConnection, WebhookEvent, WhatsAppConnection
from tests.admin_helpers import admin_url, form_data
from tests.chat.channels import payloads
from tests.chat.channels.conftest import TELEGRAM_TOKEN, WHATSAPP_TOKEN
from tests.chat.factories import store_says
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_TOKEN = "EAAGnewAccessToken0000secretZZZ"


def test_a_seller_connects_whatsapp_and_the_token_is_never_shown_again(client):
    # given
    store = StoreFactory()
    client.force_login(store.owner)

    # when
    response = client.post(
        admin_url(WhatsAppConnection, "add"),
        {
            "phone_number_id": "106540352242922",
            "display_number": "+62 811-0000-1111",
            "access_token": NEW_TOKEN,
            "is_active": "on",
        },
    )

    # then
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    connection = WhatsAppConnection.objects.get()
    assert connection.store == store and connection.access_token == NEW_TOKEN
    for page in (
        client.get(admin_url(WhatsAppConnection, "changelist")),
        client.get(admin_url(WhatsAppConnection, "change", connection.pk)),
        client.get(admin_url(WhatsAppConnection, "history", connection.pk)),
    ):
        assert page.status_code == 200
        assert NEW_TOKEN not in page.text


def test_saving_without_typing_the_token_keeps_it_and_typing_one_replaces_it(client, wa_store):
    # given
    connection = WhatsAppConnection.objects.get()
    client.force_login(wa_store.owner)
    page = client.get(admin_url(WhatsAppConnection, "change", connection.pk))

    # when
    data = form_data(page) | {"display_number": "+62 811-2222-3333"}
    assert data.get("access_token", "") == ""
    client.post(admin_url(WhatsAppConnection, "change", connection.pk), data)

    # then
    connection.refresh_from_db()
    assert connection.display_number == "+62 811-2222-3333" and connection.access_token == WHATSAPP_TOKEN

    client.post(admin_url(WhatsAppConnection, "change", connection.pk), data | {"access_token": NEW_TOKEN})
    connection.refresh_from_db()
    assert connection.access_token == NEW_TOKEN


def test_a_seller_cannot_see_another_stores_connection_nor_add_a_second(client, wa_store):
    other = StoreFactory()
    client.force_login(other.owner)

    assert client.get(admin_url(WhatsAppConnection, "change", WhatsAppConnection.objects.get().pk)).status_code == 404
    assert WHATSAPP_TOKEN not in client.get(admin_url(WhatsAppConnection, "changelist")).text

    client.force_login(wa_store.owner)
    assert client.get(admin_url(WhatsAppConnection, "add")).status_code == 403


def test_the_admin_action_registers_the_telegram_webhook(client, tg_store, fake):
    # given
    connection = TelegramConnection.objects.get()
    client.force_login(tg_store.owner)

    # when
    response = client.post(
        admin_url(TelegramConnection, "changelist"),
        {"action": "register_webhook", "_selected_action": [connection.pk]},
        follow=True,
    )

    # then
    assert "Telegram now sends" in response.text
    connection.refresh_from_db()
    assert connection.webhook_registered_at is not None and connection.bot_username == "toko_bot"
    page = client.get(admin_url(TelegramConnection, "change", connection.pk))
    assert TELEGRAM_TOKEN not in page.text and TELEGRAM_TOKEN not in response.text


def test_tokens_never_reach_the_logs_even_when_calls_fail(caplog, tg_store, wa_post, wa_store, fake, committed):
    # given: everything logged, providers failing
    caplog.set_level(logging.DEBUG)
    from chat.channels import services

    fake.fail_next += [(500, {})] * 20
    wa_post(payloads.whatsapp_delivery(messages=[payloads.wa_text("Halo")]))

    # when
    with committed():
        store_says(wa_store.conversations.get(), "Halo kak")
    with pytest.raises(ValidationError):
        services.register_telegram_webhook(connection=TelegramConnection.objects.get())

    # then
    text = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    assert "HTTP 500" in text
    assert WHATSAPP_TOKEN not in text and TELEGRAM_TOKEN not in text


def test_templates_are_scoped_and_checked(client, wa_store):
    client.force_login(wa_store.owner)
    other = ChannelTemplate.objects.create(store=StoreFactory(), name="theirs", body="Halo")

    bad = client.post(
        admin_url(ChannelTemplate, "add"), {"name": "x", "language": "id", "body": "Halo {{2}}", "is_active": "on"}
    )
    good = client.post(
        admin_url(ChannelTemplate, "add"),
        {"name": "follow_up", "language": "id", "body": "Halo {{1}}", "is_active": "on"},
    )

    assert bad.status_code == 200 and "without gaps" in bad.text
    assert good.status_code == 302
    assert ChannelTemplate.objects.get(name="follow_up").store == wa_store
    assert client.get(admin_url(ChannelTemplate, "change", other.pk)).status_code == 404


def test_webhook_events_are_for_staff_only(client, wa_post, wa_store):
    wa_post(payloads.whatsapp_delivery(messages=[payloads.wa_text("Halo")]))
    event = WebhookEvent.objects.get()

    client.force_login(wa_store.owner)
    assert client.get(admin_url(WebhookEvent, "changelist")).status_code == 403
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(admin_url(WebhookEvent, "changelist")).status_code == 200
    assert client.get(admin_url(WebhookEvent, "change", event.pk)).status_code == 200
