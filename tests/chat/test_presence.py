"""Presence (chat.live.presence) in the configured cache (Redis when REDIS_URL is set, as in
CI; one process's memory without), and through the socket: who has a chat socket open gets
no in-app notification of a message, who has none gets one."""

import time

import pytest
from asgiref.sync import sync_to_async

from chat.live import presence
from shop.models import Notification
from tests.async_run import run_async
from tests.chat.factories import conversation, say
from tests.chat.test_live_socket import open_socket, session_headers
from tests.factories import StoreFactory, UserFactory


class Clock:
    """``presence._clock`` that a test moves forward by hand."""

    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(presence, "_clock", fake)
    return fake


def test_a_user_is_connected_while_one_of_their_sockets_is_open():
    # given two tabs of one user
    presence.mark_connected(7, "tab-a")
    presence.mark_connected(7, "tab-b")

    # when one closes, then the user is still connected; when the other closes too, not
    presence.mark_disconnected(7, "tab-a")
    assert presence.is_connected(7)
    presence.mark_disconnected(7, "tab-b")
    assert not presence.is_connected(7)
    # and nobody else was ever connected; closing an unknown socket changes nothing
    presence.mark_disconnected(8, "never-opened")
    assert not presence.is_connected(8)


def test_a_socket_not_heard_from_runs_out_and_a_ping_keeps_it(clock):
    # given a tab that died without closing (its process crashed) and one that pings
    presence.mark_connected(1, "crashed")
    presence.mark_connected(2, "alive")

    # when most of the TTL passes, the live tab pings, and the TTL passes again
    clock.now += presence.TTL - 1
    presence.mark_connected(2, "alive")
    clock.now += 2

    # then the dead one counts no more, the live one still does
    assert not presence.is_connected(1)
    assert presence.is_connected(2)
    clock.now += presence.TTL
    assert not presence.is_connected(2)


def test_the_entry_expires_from_the_real_cache(monkeypatch):
    # given a one-second TTL (the cache's own expiry, with the real clock)
    monkeypatch.setattr(presence, "TTL", 1)
    presence.mark_connected(3, "tab")
    assert presence.is_connected(3)

    # when the second passes without a ping
    time.sleep(1.3)

    # then the user is not connected, and the cache holds nothing for them
    assert not presence.is_connected(3)
    from django.core.cache import cache

    assert cache.get(presence._key(3)) is None


def test_a_stale_socket_is_dropped_when_another_one_changes_the_entry(clock):
    # given a socket that ran out, and a new tab of the same user
    presence.mark_connected(4, "old")
    clock.now += presence.TTL + 1
    presence.mark_connected(4, "new")

    # when the new tab closes
    presence.mark_disconnected(4, "new")

    # then the old one does not come back
    assert not presence.is_connected(4)


@pytest.mark.django_db(transaction=True)
def test_the_socket_marks_its_user_connected_until_it_closes():
    # given a user with two tabs
    user = UserFactory()
    headers = session_headers(user)

    async def scenario():
        first, connected, _ = await open_socket(headers)
        assert connected
        second, _, _ = await open_socket(headers)
        # then the user is connected while either is open
        assert await sync_to_async(presence.is_connected)(user.pk)
        await first.disconnect()
        assert await sync_to_async(presence.is_connected)(user.pk)
        await second.disconnect()
        return await sync_to_async(presence.is_connected)(user.pk)

    # and not once both closed
    assert run_async(scenario) is False


@pytest.mark.django_db(transaction=True)
def test_a_ping_is_answered_and_refreshes_the_sockets_presence(clock, monkeypatch):
    # given a socket open for most of the TTL
    monkeypatch.setattr(presence, "REFRESH_EVERY", 0)
    user = UserFactory()
    headers = session_headers(user)

    async def scenario():
        socket, _, _ = await open_socket(headers)
        clock.now += presence.TTL - 1
        # when the client pings
        await socket.send_json_to({"type": "ping"})
        answer = await socket.receive_json_from(timeout=3)
        clock.now += 2
        alive = await sync_to_async(presence.is_connected)(user.pk)
        # a socket that stays silent past the TTL counts as gone, though nobody closed it
        clock.now += presence.TTL
        gone = not await sync_to_async(presence.is_connected)(user.pk)
        await socket.disconnect()
        return answer, alive, gone

    answer, alive, gone = run_async(scenario)
    # then it is answered, and the user counts as connected a TTL after the ping
    assert answer == {"type": "pong"}
    assert alive and gone


@pytest.mark.django_db(transaction=True)
def test_only_a_recipient_with_no_socket_open_gets_the_in_app_notification():
    # given the seller has the chat open in a tab, the shopper has no socket
    chat = conversation(shopper=UserFactory(), store=StoreFactory())
    seller_headers = session_headers(chat.store.owner)

    async def scenario():
        seller, _, _ = await open_socket(seller_headers)
        # when the shopper writes, and the seller answers
        await sync_to_async(say)(chat, chat.shopper, "Ready kak?")
        await sync_to_async(say)(chat, chat.store.owner, "Ready, silakan diorder")
        await seller.disconnect()
        # and the shopper writes again once the seller closed the tab
        await sync_to_async(say)(chat, chat.shopper, "Oke kak, saya order")

    run_async(scenario)

    # then the seller was notified only of the message written while away; the shopper was
    notified = Notification.objects.filter(kind="chat_message")
    assert notified.filter(recipient=chat.store.owner).count() == 1
    assert notified.filter(recipient=chat.shopper).count() == 1
