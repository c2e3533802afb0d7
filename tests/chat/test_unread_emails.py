"""One email per conversation left unread for ten minutes, never one per message: the sweep,
its preferences and one-click unsubscribe, escaped message text, and two sweeps at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat import services
from chat.services.unread_emails import email_unread_conversations
from shop.models import Delivery, NotificationPreference
from tests.chat.factories import conversation, say, store_says
from tests.concurrency import in_parallel

pytestmark = pytest.mark.django_db


def later(minutes: int):
    return timezone.now() + timedelta(minutes=minutes)


def sweep(capture, minutes: int = 11) -> int:
    with capture(execute=True):
        return email_unread_conversations(now=later(minutes))


def test_a_message_unread_for_ten_minutes_brings_one_email_for_the_conversation(
    mailoutbox, django_capture_on_commit_callbacks
):
    # given
    chat = conversation()
    say(chat, chat.shopper, "Ready kak?")
    say(chat, chat.shopper, "Size M ada?")

    # when
    too_early = sweep(django_capture_on_commit_callbacks, minutes=5)
    first = sweep(django_capture_on_commit_callbacks)
    say(chat, chat.shopper, "Halo kak?")
    again = sweep(django_capture_on_commit_callbacks, minutes=30)

    # then
    assert (too_early, first, again) == (0, 1, 0)
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [chat.store.owner.email]
    assert "2 unread messages from" in email.subject
    assert "Ready kak?" in email.body and "Size M ada?" in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_after_reading_the_next_unread_streak_emails_again(mailoutbox, django_capture_on_commit_callbacks):
    # given
    chat = conversation()
    first = say(chat, chat.shopper)
    sweep(django_capture_on_commit_callbacks)
    services.mark_read(conversation=chat, reader=chat.store.owner, up_to_message_id=first.pk)

    # when
    say(chat, chat.shopper, "Masih ada?")
    sent = sweep(django_capture_on_commit_callbacks)

    # then
    assert sent == 1 and len(mailoutbox) == 2


def test_a_conversation_read_in_time_brings_no_email(mailoutbox, django_capture_on_commit_callbacks):
    chat = conversation()
    message = say(chat, chat.shopper)
    services.mark_read(conversation=chat, reader=chat.store.owner, up_to_message_id=message.pk)
    assert sweep(django_capture_on_commit_callbacks) == 0 and mailoutbox == []


def test_the_shopper_is_emailed_about_the_stores_answer_with_its_text_escaped(
    mailoutbox, django_capture_on_commit_callbacks
):
    # given
    chat = conversation()
    say(chat, chat.shopper)
    store_says(chat, '<script>alert("x")</script> Ready kak')

    # when
    sweep(django_capture_on_commit_callbacks)

    # then
    (email,) = mailoutbox
    assert email.to == [chat.shopper.email] and chat.store.name in email.subject
    html = email.alternatives[0][0]
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Ready kak" in html
    assert '<script>alert("x")</script> Ready kak' in email.body  # plain text stays plain


def test_someone_who_turned_these_emails_off_gets_none(mailoutbox, django_capture_on_commit_callbacks):
    chat = conversation()
    NotificationPreference.objects.create(user=chat.store.owner, kind="chat_unread", email=False, in_app=True)
    say(chat, chat.shopper)
    sweep(django_capture_on_commit_callbacks)
    assert mailoutbox == [] and not Delivery.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_one_email(postgres_only, mailoutbox):
    # given
    chat = conversation()
    say(chat, chat.shopper)

    # when
    errors = in_parallel([lambda: email_unread_conversations(now=later(11)) for _ in range(4)])

    # then
    assert errors == []
    assert Delivery.objects.filter(notification__recipient=chat.store.owner).count() == 1
