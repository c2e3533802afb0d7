"""The same provider event delivered many times at the same moment, on PostgreSQL with real
parallel requests (threads with their own connections, tests/concurrency.py): one event row,
one message. Without ``ON CONFLICT DO NOTHING`` on the event's unique key, the racing inserts
fail with IntegrityError (a 500, and the provider retries); without the client id made from
the provider's id, two rows of one message would make two messages."""

import pytest
from django.test import Client

from chat.channels.models import ChannelContact, WebhookEvent
from chat.models import Conversation, Message
from tests.chat.channels import payloads
from tests.concurrency import in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres_only")]

COPIES = 20


def test_the_same_whatsapp_event_posted_at_once_makes_one_message(wa_store):
    # given
    payload = payloads.whatsapp_delivery(messages=[payloads.wa_text("Kak, ready? 🙏")])
    answers = []

    def post():
        answers.append(payloads.post_whatsapp(Client(), payload).status_code)

    # when
    errors = in_parallel([post] * COPIES)

    # then
    assert errors == []
    assert answers == [200] * COPIES
    assert WebhookEvent.objects.count() == 1
    assert Message.objects.count() == 1
    assert Conversation.objects.get().store_unread == 1


def test_a_new_customer_writing_twice_at_once_becomes_one_contact_with_one_conversation(wa_store):
    # given: two messages of someone new, in two deliveries at the same moment
    first = payloads.whatsapp_delivery(messages=[payloads.wa_text("Halo", sender="6285700001111")])
    second = payloads.whatsapp_delivery(messages=[payloads.wa_text("Ada yang M?", sender="6285700001111")])

    # when
    errors = in_parallel(
        [lambda: payloads.post_whatsapp(Client(), first), lambda: payloads.post_whatsapp(Client(), second)]
    )

    # then
    assert errors == []
    assert ChannelContact.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 2
    assert not WebhookEvent.objects.exclude(error="").exists()


def test_the_same_telegram_update_posted_at_once_makes_one_message(tg_store):
    from tests.chat.channels.conftest import TELEGRAM_SECRET

    update = payloads.tg_message("Kopi gayo masih ada? ☕")

    errors = in_parallel([lambda: payloads.post_telegram(Client(), update, secret=TELEGRAM_SECRET)] * COPIES)

    assert errors == []
    assert WebhookEvent.objects.count() == 1
    assert Message.objects.count() == 1
