"""Telegram's webhook: the secret token we registered names the store's bot; updates are
stored once and processed into the store's inbox."""

import pytest

from chat.channels import services
from chat.channels.choices import Channel
from chat.channels.models import ChannelContact, TelegramConnection, WebhookEvent
from chat.models import Conversation, Message
from tests.chat.channels import payloads
from tests.chat.channels.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN
from tests.chat.channels.fake_providers import jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "secret", [None, "", "wrong-secret", TELEGRAM_SECRET + "x"], ids=["missing", "empty", "wrong", "longer"]
)
def test_without_the_secret_token_an_update_is_refused_and_nothing_stored(tg_post, tg_store, secret):
    response = tg_post(payloads.tg_message("Halo"), secret=secret)

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()
    assert not Message.objects.exists()


def test_a_bot_switched_off_refuses_its_updates(tg_post, tg_store):
    TelegramConnection.objects.update(is_active=False)

    response = tg_post(payloads.tg_message("Halo"))

    assert response.status_code == 403


def test_a_text_becomes_a_message_in_the_store_inbox_marked_telegram(tg_post, tg_store):
    # given
    update = payloads.tg_message("Kak, kopi gayo 250 gr masih ada? ☕🙏", chat_id=555001)

    # when
    response = tg_post(update)

    # then
    assert response.status_code == 200
    contact = ChannelContact.objects.get()
    assert (contact.channel, contact.external_id, contact.display_name) == (Channel.TELEGRAM, "555001", "Budi Santoso")
    conversation = Conversation.objects.get()
    assert conversation.channel == Channel.TELEGRAM and conversation.store == tg_store
    assert Message.objects.get().body == "Kak, kopi gayo 250 gr masih ada? ☕🙏"


def test_the_same_update_twice_makes_one_message(tg_post, tg_store):
    update = payloads.tg_message("Halo")

    tg_post(update)
    response = tg_post(update)

    assert response.content == b"stored 0"
    assert Message.objects.count() == 1


def test_two_bots_with_the_same_update_id_are_two_events(tg_post, tg_store, fake):
    # given: update ids are per bot
    from tests.factories import StoreFactory

    other = StoreFactory()
    TelegramConnection.objects.create(
        store=other, bot_token="999:other", secret_token_hash=services.providers.secret_token_hash("other-secret")
    )

    # when
    tg_post(payloads.tg_message("Halo", update_id=42))
    tg_post(payloads.tg_message("Halo", update_id=42), secret="other-secret")

    # then
    assert Conversation.objects.filter(store=tg_store).count() == 1
    assert Conversation.objects.filter(store=other).count() == 1


def test_a_photo_is_fetched_and_verified(tg_post, tg_store, fake):
    fake.media["photos/AgACAgUAAxkBAAIB.jpg"] = jpeg_bytes()

    tg_post(payloads.tg_message(photo_file_id="AgACAgUAAxkBAAIB", caption="Yang ini kak"))

    message = Message.objects.get()
    assert message.kind == "image" and message.body == "Yang ini kak"


def test_a_button_tap_arrives_as_the_customer_choice_and_is_answered(tg_post, tg_store, fake):
    # when
    tg_post(payloads.tg_callback("size:250", "250 gram"))

    # then
    message = Message.objects.get()
    assert message.body == "250 gram" and message.data == {"reply": {"id": "size:250", "title": "250 gram"}}
    assert [r.path.rsplit("/", 1)[1] for r in fake.requests] == ["answerCallbackQuery"]


def test_a_group_chat_is_not_taken(tg_post, tg_store):
    update = payloads.tg_message("Halo")
    update["message"]["chat"] = {"id": -100123, "title": "Grup", "type": "group"}

    tg_post(update)

    assert not Message.objects.exists()
    assert WebhookEvent.objects.get().error


@pytest.mark.parametrize("body", [[], {"message": {}}, {"update_id": "1"}])
def test_an_update_that_is_not_one_is_a_400(tg_post, tg_store, body):
    response = tg_post(body)

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_registering_the_webhook_sets_a_new_secret_that_the_webhook_then_accepts(tg_post, tg_store, fake):
    # given
    connection = TelegramConnection.objects.get()

    # when
    services.register_telegram_webhook(connection=connection)

    # then
    call = next(r for r in fake.requests if r.path.endswith("/setWebhook"))
    assert call.path == f"/bot{TELEGRAM_TOKEN}/setWebhook"
    assert call.body["url"] == "https://etalase.test/channels/telegram/webhook/"
    assert call.body["allowed_updates"] == ["message", "callback_query"]
    secret = call.body["secret_token"]
    connection.refresh_from_db()
    assert connection.secret_token_hash != services.providers.secret_token_hash(TELEGRAM_SECRET)
    assert secret not in connection.secret_token_hash and connection.bot_username == "toko_bot"
    assert connection.webhook_registered_at is not None
    assert tg_post(payloads.tg_message("Halo"), secret=secret).status_code == 200
    assert tg_post(payloads.tg_message("Halo"), secret=TELEGRAM_SECRET).status_code == 403


def test_a_bot_token_telegram_refuses_is_a_clear_error(tg_store, fake):
    from django.core.exceptions import ValidationError

    connection = TelegramConnection.objects.get()
    connection.bot_token = "123:revoked"
    connection.save()

    with pytest.raises(ValidationError, match="Unauthorized"):
        services.register_telegram_webhook(connection=connection)
    connection.refresh_from_db()
    assert connection.webhook_registered_at is None
