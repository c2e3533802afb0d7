"""What the live thread's script reads over HTTP: the messages after an id, rendered as the
thread renders them (chat:messages); and the header's chat link with its unread badge."""

import pytest
from django.urls import reverse

from chat import services
from tests.chat.factories import conversation, say, store_says
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat():
    return conversation(shopper=UserFactory(), store=StoreFactory())


def test_the_messages_after_an_id_are_rendered_as_in_the_thread_and_escaped(client, chat):
    # given a question and two answers, one with markup in it
    question = say(chat, chat.shopper, "Ready kak?")
    first = store_says(chat, "Ready <script>alert(1)</script> https://example.com")
    second = store_says(chat, "Silakan diorder")
    client.force_login(chat.shopper)
    # when the shopper's page asks for what came after its question
    response = client.get(reverse("chat:messages", kwargs={"pk": chat.pk}), {"after": question.pk})
    # then both answers come, oldest first, as "theirs", escaped, links clickable
    assert response.status_code == 200
    assert response["X-Chat-Has-More"] == "0"
    html = response.text
    assert f'id="message-{question.pk}"' not in html
    assert html.index(f'id="message-{first.pk}"') < html.index(f'id="message-{second.pk}"')
    assert "chat-message--theirs" in html and "chat-message--mine" not in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="https://example.com" rel="nofollow">' in html


def test_seen_shows_on_the_senders_messages_the_other_side_read(client, chat):
    mine = say(chat, chat.shopper, "Ready kak?")
    services.mark_read(conversation=chat, reader=chat.store.owner, up_to_message_id=mine.pk)
    client.force_login(chat.shopper)
    html = client.get(reverse("chat:messages", kwargs={"pk": chat.pk}), {"after": 0}).text
    assert "chat-message--mine" in html and "Seen" in html


def test_nobody_reads_another_persons_messages_and_a_bad_id_is_a_400(client, chat):
    say(chat, chat.shopper, "Ukuran M ada?")
    url = reverse("chat:messages", kwargs={"pk": chat.pk})
    # anonymous: to the login page; someone else: no such conversation
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url, {"after": 0}).status_code == 404
    client.force_login(chat.shopper)
    assert client.get(url, {"after": "x"}).status_code == 400
    assert client.get(url, {"after": str(2**70)}).status_code == 400


def test_signed_in_pages_have_the_chat_link_with_its_badge_and_visitors_do_not(client):
    # a visitor
    assert "data-chat-live" not in client.get("/").text
    # a shopper: to their chats; a seller: to the store's inbox
    client.force_login(UserFactory())
    html = client.get("/").text
    assert 'href="/chat/"' in html and "data-chat-unread" in html and 'data-chat-socket="/ws/chat/"' in html
    client.force_login(StoreFactory().owner)
    assert 'href="/chat/store/"' in client.get("/").text
