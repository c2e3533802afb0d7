"""Sending a message over the chat socket (``send`` frame, answered ``sent`` or ``error``):
the same service as the API (permission, blocks, rate limit, idempotency on the client id),
through the whole ASGI stack with channels' WebsocketCommunicator. ``transaction=True``: the
send runs in a thread of the consumer's loop and publishes on commit."""

import json

import pytest

from chat import services
from chat.live import consumer as live_consumer
from chat.models import Message
from chat.services import rules
from social.ratelimit import Limit
from tests.async_run import run_async
from tests.chat.factories import client_id, conversation
from tests.chat.test_live_socket import QUIET, next_event, open_socket, session_headers
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chat():
    return conversation(shopper=UserFactory(), store=StoreFactory())


def send_frame(chat, cid: str, body: str = "Ready kak?") -> dict:
    return {"type": "send", "conversation": chat.pk, "client_id": cid, "body": body}


def test_a_message_sent_over_the_socket_is_sent_once_however_often_it_is_retried(chat):
    # given both parties connected
    shopper_headers, seller_headers = session_headers(chat.shopper), session_headers(chat.store.owner)
    cid = client_id()

    async def scenario():
        shopper, _, _ = await open_socket(shopper_headers)
        seller, _, _ = await open_socket(seller_headers)
        # when the shopper sends over the socket
        await shopper.send_json_to(send_frame(chat, cid, "Ukuran M ada?"))
        sent = await next_event(shopper, "sent")
        # then the answer names the message, and the seller hears of it
        assert sent == {"type": "sent", "conversation": chat.pk, "client_id": cid, "message": sent["message"]}
        event = await next_event(seller, "message")
        assert event == {
            "type": "message",
            "conversation": chat.pk,
            "message": sent["message"],
            "side": "shopper",
            "kind": "text",
        }
        # when the client retries with the same client id (its answer was lost, say)
        await shopper.send_json_to(send_frame(chat, cid, "Ukuran M ada?"))
        again = await next_event(shopper, "sent")
        # then it gets the same message, and nothing new reaches the seller
        assert again["message"] == sent["message"]
        assert await seller.receive_nothing(QUIET)
        await shopper.disconnect()
        await seller.disconnect()
        return sent["message"]

    message_id = run_async(scenario)
    message = Message.objects.get(pk=message_id)
    assert Message.objects.filter(conversation=chat).count() == 1
    assert (message.sender_id, message.body, message.client_id) == (chat.shopper_id, "Ukuran M ada?", cid)
    chat.refresh_from_db()
    assert chat.store_unread == 1 and chat.last_message_id == message_id


def test_nobody_sends_into_someone_elses_conversation_over_the_socket(chat):
    # given someone who is neither the shopper nor the store, with a socket
    stranger_headers = session_headers(UserFactory())
    seller_headers = session_headers(chat.store.owner)
    cid = client_id()

    async def scenario():
        stranger, _, _ = await open_socket(stranger_headers)
        seller, _, _ = await open_socket(seller_headers)
        # when they send into the conversation, or into one that does not exist
        answers = []
        for conversation_id in (chat.pk, chat.pk + 1000):
            await stranger.send_json_to({**send_frame(chat, cid), "conversation": conversation_id})
            answers.append(await stranger.receive_json_from(timeout=3))
        # then both get the same "not found", and the seller hears nothing
        for answer in answers:
            assert answer["type"] == "error" and answer["code"] == "not_found" and answer["client_id"] == cid
        assert answers[0]["detail"] == answers[1]["detail"]
        assert await seller.receive_nothing(QUIET)
        await stranger.disconnect()
        await seller.disconnect()

    run_async(scenario)
    assert not Message.objects.filter(conversation=chat).exists()


def test_sending_over_the_socket_is_rate_limited(chat, monkeypatch):
    # given a limit of two messages a minute
    monkeypatch.setattr(rules, "MESSAGE_LIMIT", Limit(2, 60, "Too fast"))
    shopper_headers = session_headers(chat.shopper)
    cids = [client_id() for _ in range(3)]

    async def scenario():
        shopper, _, _ = await open_socket(shopper_headers)
        # when the shopper sends three messages
        answers = []
        for cid in cids:
            await shopper.send_json_to(send_frame(chat, cid))
            answers.append(await next_event(shopper, "sent" if len(answers) < 2 else "error"))
        # then the third is refused, and the socket stays open
        assert [answer["type"] for answer in answers] == ["sent", "sent", "error"]
        assert answers[2] == {"type": "error", "client_id": cids[2], "code": "rate_limited", "detail": "Too fast"}
        # (the two sent messages' own "message" events may still be on their way: skip them)
        await shopper.send_json_to({"type": "ping"})
        assert (await next_event(shopper, "pong"))["type"] == "pong"
        await shopper.disconnect()

    run_async(scenario)
    assert Message.objects.filter(conversation=chat).count() == 2


def test_a_blocked_conversation_refuses_messages_over_the_socket_and_bad_ones_are_invalid(chat):
    # given the store blocked the shopper
    services.block(conversation=chat, by=chat.store.owner)
    shopper_headers = session_headers(chat.shopper)
    cid = client_id()

    async def scenario():
        shopper, _, _ = await open_socket(shopper_headers)
        # when the shopper sends
        await shopper.send_json_to(send_frame(chat, cid))
        blocked = await shopper.receive_json_from(timeout=3)
        # and sends frames the service refuses: no body, a bad client id, a body too long
        invalid = []
        for frame in (
            send_frame(chat, client_id(), "   "),
            send_frame(chat, "no spaces allowed"),
            {"type": "send", "conversation": chat.pk, "body": "no client id"},
            {"type": "send", "conversation": "1", "client_id": cid, "body": "x"},
        ):
            await shopper.send_json_to(frame)
            invalid.append(await shopper.receive_json_from(timeout=3))
        await shopper.disconnect()
        return blocked, invalid

    blocked, invalid = run_async(scenario)
    # then the block is named, and the rest are invalid (the client id echoed when there is one)
    assert blocked["type"] == "error" and blocked["code"] == "forbidden" and blocked["client_id"] == cid
    assert blocked["detail"] == "This store does not accept messages from you."
    assert [answer["code"] for answer in invalid] == ["invalid"] * 4
    assert [answer.get("client_id") for answer in invalid[1:]] == ["no spaces allowed", None, cid]
    assert not Message.objects.filter(conversation=chat).exists()


def test_a_frame_with_the_longest_body_fits(chat):
    # given the longest body, in characters that JSON escapes (6 characters each)
    shopper_headers = session_headers(chat.shopper)
    body = "\u00e9" * 2000
    frame = json.dumps(send_frame(chat, client_id(), body))
    assert len(frame) <= live_consumer.FRAME_MAX

    async def scenario():
        shopper, _, _ = await open_socket(shopper_headers)
        await shopper.send_to(text_data=frame)
        answer = await next_event(shopper, "sent")
        await shopper.disconnect()
        return answer

    # then it is sent whole
    answer = run_async(scenario)
    assert Message.objects.get(pk=answer["message"]).body == body
