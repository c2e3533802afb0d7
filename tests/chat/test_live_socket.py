"""The chat socket (/ws/chat/) through the whole ASGI stack (shop.asgi.application) with
channels' WebsocketCommunicator: who may connect, what reaches whom and when (after commit
only), and what a client may send. ``transaction=True``: the socket's database work runs in
other threads and the events are published on commit (PostgreSQL in CI; SQLite works too).
"""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from chat import services
from chat.live import consumer as live_consumer
from chat.models import ChatSettings, Conversation
from shop.asgi import application
from tests.async_run import run_async
from tests.chat.factories import client_id, conversation, say, store_says
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = b"http://testserver"
QUIET = 0.3  # seconds a socket must stay silent to show that nothing was sent to it


def session_headers(user, origin: bytes = ORIGIN) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [(b"cookie", cookie.encode()), (b"origin", origin)]


async def open_socket(headers=None, subprotocols=None) -> tuple[WebsocketCommunicator, bool, object]:
    socket = WebsocketCommunicator(application, "/ws/chat/", headers=headers or [], subprotocols=subprotocols)
    connected, detail = await socket.connect()
    return socket, connected, detail


async def next_event(socket, kind: str) -> dict:
    """The next event of ``kind`` (a ``read`` may come before a ``message``, say)."""
    for _ in range(10):
        event = await socket.receive_json_from(timeout=3)
        if event["type"] == kind:
            return event
    raise AssertionError(f"no {kind} event")


@pytest.fixture
def chat():
    return conversation(shopper=UserFactory(), store=StoreFactory())


def test_the_shopper_and_the_seller_connect_and_anonymous_sockets_are_refused(chat):
    # given a session for each party, and an API token
    shopper_headers = session_headers(chat.shopper)
    seller_headers = session_headers(chat.store.owner)
    token = Token.objects.create(user=chat.shopper)

    async def scenario():
        # when each connects with the session cookie from a page of the site
        for headers in (shopper_headers, seller_headers):
            socket, connected, _ = await open_socket(headers)
            # then the socket is open
            assert connected
            await socket.disconnect()
        # an anonymous socket, a wrong token, and the right session from another site are refused
        for headers, subprotocols in (
            ([(b"origin", ORIGIN)], None),
            ([(b"origin", ORIGIN)], ["etalase.v1", "token.wrong"]),
            (session_headers_elsewhere, None),
        ):
            socket, connected, _ = await open_socket(headers, subprotocols)
            assert not connected
        # a program authenticates with its token in a subprotocol (no origin needed); the
        # server answers with the protocol's name, never the key
        socket, connected, subprotocol = await open_socket([], ["etalase.v1", f"token.{token.key}"])
        assert connected and subprotocol == "etalase.v1"
        await socket.disconnect()

    session_headers_elsewhere = session_headers(chat.shopper, origin=b"https://evil.example")
    run_async(scenario)


def test_a_message_sent_over_the_api_reaches_both_parties_sockets(chat):
    # given both parties connected, and the shopper's API client
    seller_headers, shopper_headers = session_headers(chat.store.owner), session_headers(chat.shopper)
    api = Client()
    api.force_login(chat.shopper)

    async def scenario():
        seller, _, _ = await open_socket(seller_headers)
        shopper, _, _ = await open_socket(shopper_headers)
        # when the shopper sends a message over HTTP
        response = await sync_to_async(api.post)(
            f"/api/v1/chat/conversations/{chat.pk}/messages/",
            data=json.dumps({"client_id": client_id(), "body": "Ready kak?"}),
            content_type="application/json",
        )
        assert response.status_code == 201
        message_id = response.json()["id"]
        # then the seller's socket, and the shopper's other tabs, are told which message came
        for socket in (seller, shopper):
            event = await next_event(socket, "message")
            assert event == {
                "type": "message",
                "conversation": chat.pk,
                "message": message_id,
                "side": "shopper",
                "kind": "text",
            }
        await seller.disconnect()
        await shopper.disconnect()

    run_async(scenario)


def test_a_message_is_published_after_commit_and_never_on_rollback(chat):
    seller_headers = session_headers(chat.store.owner)

    async def scenario():
        seller, _, _ = await open_socket(seller_headers)
        # given a send inside a transaction not committed yet
        atomic = transaction.atomic()
        message = await sync_to_async(_enter_and_send)(atomic, chat, "first")
        # then nothing is published before the commit
        assert await seller.receive_nothing(QUIET)
        # when it commits, the seller hears of it
        await sync_to_async(atomic.__exit__)(None, None, None)
        assert (await next_event(seller, "message"))["message"] == message.pk
        # when a send rolls back, nothing is published (the message does not exist)
        atomic = transaction.atomic()
        await sync_to_async(_enter_and_send)(atomic, chat, "never")
        await sync_to_async(atomic.__exit__)(RuntimeError, RuntimeError("rolled back"), None)
        assert await seller.receive_nothing(QUIET)
        await seller.disconnect()

    run_async(scenario)


def _enter_and_send(atomic, chat, body):
    atomic.__enter__()
    return say(chat, chat.shopper, body)


def test_typing_reaches_the_other_party_only_and_is_rate_limited(chat):
    shopper_headers, seller_headers = session_headers(chat.shopper), session_headers(chat.store.owner)

    async def scenario():
        shopper, _, _ = await open_socket(shopper_headers)
        seller, _, _ = await open_socket(seller_headers)
        # when the shopper types (three key presses in a row)
        for _ in range(3):
            await shopper.send_json_to({"type": "typing", "conversation": chat.pk})
        # then the seller sees "typing" once, and the shopper's own socket hears nothing
        assert await seller.receive_json_from(timeout=3) == {
            "type": "typing",
            "conversation": chat.pk,
            "side": "shopper",
        }
        assert await seller.receive_nothing(QUIET)
        assert await shopper.receive_nothing(QUIET)
        await shopper.disconnect()
        await seller.disconnect()

    run_async(scenario)


def test_nobody_types_resyncs_or_reads_into_another_persons_conversation(chat):
    # given a thread with a message, and someone else with a socket
    say(chat, chat.shopper, "Ukuran M ada?")
    stranger = UserFactory()
    stranger_headers = session_headers(stranger)
    seller_headers, shopper_headers = session_headers(chat.store.owner), session_headers(chat.shopper)

    async def scenario():
        outsider, _, _ = await open_socket(stranger_headers)
        seller, _, _ = await open_socket(seller_headers)
        shopper, _, _ = await open_socket(shopper_headers)
        # when the stranger types, resyncs and reads in the conversation
        for frame in (
            {"type": "typing", "conversation": chat.pk},
            {"type": "resync", "conversation": chat.pk, "after": 0},
            {"type": "read", "conversation": chat.pk, "up_to": 2**40},
        ):
            await outsider.send_json_to(frame)
            # then each is refused as for a conversation that does not exist
            answer = await outsider.receive_json_from(timeout=3)
            assert answer["type"] == "error" and answer["code"] == "not_found"
            assert answer["conversation"] == chat.pk
        # and neither party heard anything
        assert await seller.receive_nothing(QUIET)
        assert await shopper.receive_nothing(QUIET)
        for socket in (outsider, seller, shopper):
            await socket.disconnect()

    run_async(scenario)
    # nothing was read
    assert Conversation.objects.get(pk=chat.pk).store_unread == 1


def test_resync_returns_exactly_the_messages_missed_while_away(chat, monkeypatch):
    # given the shopper's socket saw up to the shopper's own message
    last_seen = say(chat, chat.shopper, "Ready kak?")
    # when the seller answers three times while the shopper is away
    missed = [store_says(chat, f"Answer {n}").pk for n in range(3)]
    monkeypatch.setattr(live_consumer, "RESYNC_LIMIT", 2)
    shopper_headers = session_headers(chat.shopper)

    async def scenario():
        shopper, _, _ = await open_socket(shopper_headers)
        # and the shopper reconnects and asks for what came after the last id it has
        await shopper.send_json_to({"type": "resync", "conversation": chat.pk, "after": last_seen.pk})
        first = await shopper.receive_json_from(timeout=3)
        await shopper.send_json_to({"type": "resync", "conversation": chat.pk, "after": first["messages"][-1]["id"]})
        second = await shopper.receive_json_from(timeout=3)
        await shopper.disconnect()
        return first, second

    first, second = run_async(scenario)
    # then it gets exactly the missed messages, oldest first, in pages (has_more till the end)
    assert first["type"] == "messages" and first["conversation"] == chat.pk and first["has_more"] is True
    assert [m["id"] for m in first["messages"] + second["messages"]] == missed
    assert second["has_more"] is False
    assert first["messages"][0]["body"] == "Answer 0" and first["messages"][0]["mine"] is False


def test_read_over_the_socket_tells_the_other_party_unless_the_store_hides_receipts(chat):
    message = say(chat, chat.shopper, "Ready kak?")
    seller_headers, shopper_headers = session_headers(chat.store.owner), session_headers(chat.shopper)

    async def scenario():
        seller, _, _ = await open_socket(seller_headers)
        shopper, _, _ = await open_socket(shopper_headers)
        # when the seller reads the shopper's message
        await seller.send_json_to({"type": "read", "conversation": chat.pk, "up_to": message.pk})
        # then the seller's socket gets its new read state, and the shopper sees "Seen"
        state = await next_event(seller, "read_state")
        assert state == {"type": "read_state", "conversation": chat.pk, "last_read_id": message.pk, "unread": 0}
        seen = await next_event(shopper, "read")
        assert seen == {"type": "read", "conversation": chat.pk, "side": "store", "last_read_id": message.pk}
        # when the store turned read receipts off, its next read is not told to the shopper
        await sync_to_async(ChatSettings.objects.create)(store=chat.store, read_receipts=False)
        newer = await sync_to_async(say)(chat, chat.shopper, "Halo?")
        await next_event(shopper, "message")
        await seller.send_json_to({"type": "read", "conversation": chat.pk, "up_to": newer.pk})
        assert (await next_event(seller, "read_state"))["last_read_id"] == newer.pk
        assert await shopper.receive_nothing(QUIET)
        await seller.disconnect()
        await shopper.disconnect()

    run_async(scenario)


def test_bad_frames_get_an_error_and_the_socket_stays_open(chat):
    message = say(chat, chat.shopper, "Ready kak?")
    shopper_headers = session_headers(chat.shopper)

    async def scenario():
        shopper, _, _ = await open_socket(shopper_headers)
        # when the client sends frames that are not what the protocol takes
        for frame, code in (
            ("not json", "bad_frame"),
            ("[1, 2]", "bad_frame"),
            ('{"type": "delete_everything", "conversation": 1}', "bad_frame"),
            ('{"type": "resync"}', "invalid"),
            ('{"type": "resync", "conversation": "1"}', "invalid"),
            ('{"type": "resync", "conversation": true}', "invalid"),
            (json.dumps({"type": "resync", "conversation": 2**70}), "invalid"),
            (json.dumps({"type": "resync", "conversation": chat.pk, "after": -1}), "invalid"),
            (json.dumps({"type": "read", "conversation": chat.pk, "up_to": "all"}), "invalid"),
            (
                json.dumps({"type": "typing", "conversation": chat.pk, "pad": "x" * live_consumer.FRAME_MAX}),
                "bad_frame",
            ),
        ):
            await shopper.send_to(text_data=frame)
            answer = await shopper.receive_json_from(timeout=3)
            # then each gets an error event naming the case
            assert answer["type"] == "error" and answer["code"] == code, frame
            assert answer["detail"]
        await shopper.send_to(bytes_data=b"\x00\x01")
        assert (await shopper.receive_json_from(timeout=3))["code"] == "bad_frame"
        # and the socket still works
        await shopper.send_json_to({"type": "resync", "conversation": chat.pk, "after": 0})
        answer = await shopper.receive_json_from(timeout=3)
        assert [m["id"] for m in answer["messages"]] == [message.pk]
        await shopper.disconnect()

    run_async(scenario)


def test_a_blocked_conversation_relays_no_typing(chat):
    services.block(conversation=chat, by=chat.store.owner)
    shopper_headers, seller_headers = session_headers(chat.shopper), session_headers(chat.store.owner)

    async def scenario():
        shopper, _, _ = await open_socket(shopper_headers)
        seller, _, _ = await open_socket(seller_headers)
        await shopper.send_json_to({"type": "typing", "conversation": chat.pk})
        assert await seller.receive_nothing(QUIET)
        await shopper.disconnect()
        await seller.disconnect()

    run_async(scenario)
