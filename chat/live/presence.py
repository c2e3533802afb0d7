"""Who has a chat socket open right now, kept in the cache (Redis when ``REDIS_URL`` is set,
so every ASGI process and every web worker sees the same; one process's memory without it,
which is what ``make run`` is).

Each user has one cache entry: their open sockets, each with the time it stops counting.
A socket counts as connected for ``TTL`` seconds after it connected or was last heard from;
the consumer refreshes it on the client's ``ping`` (``static/js/chat.js`` sends one every
``HEARTBEAT`` seconds) and on its other frames, and removes it when it closes. A process
that dies without closing its sockets leaves entries that simply run out: the TTL is what
makes presence robust, the removal only makes it prompt.

The entry is read, changed and written back under a short lock (``cache.add``, atomic on
Redis), so two tabs connecting and closing at once do not undo each other. Were the lock
ever given up on (a slow cache), the damage heals itself: each socket writes itself back on
its next ping, and a stale socket runs out.

``chat.services`` asks ``is_connected`` before writing an in-app notification: someone
with a socket open sees the message (or the header's badge) live already.
"""

from __future__ import annotations

import time

from django.core.cache import cache

# A socket not heard from for this long is taken for gone (three missed pings).
TTL = 90
# How often the client pings, and how often other frames may refresh the entry.
HEARTBEAT = 30
REFRESH_EVERY = 20
# The lock around a read-change-write of one user's entry.
LOCK_SECONDS = 2
LOCK_TRIES = 20
LOCK_WAIT = 0.005


def _key(user_id: int) -> str:
    return f"chat:presence:{user_id}"


def _clock() -> float:
    """Wall-clock seconds (the entries are shared by processes, maybe on several hosts)."""
    return time.time()


def _live(entry, now: float) -> dict[str, float]:
    if not isinstance(entry, dict):
        return {}
    return {
        connection: until
        for connection, until in entry.items()
        if isinstance(connection, str) and isinstance(until, int | float) and until > now
    }


def _change(user_id: int, change) -> None:
    """Apply ``change(connections, now)`` to the user's live connections under the lock."""
    key, lock = _key(user_id), f"{_key(user_id)}:lock"
    locked = False
    for _attempt in range(LOCK_TRIES):
        if cache.add(lock, 1, timeout=LOCK_SECONDS):
            locked = True
            break
        time.sleep(LOCK_WAIT)
    try:
        now = _clock()
        connections = _live(cache.get(key), now)
        change(connections, now)
        if connections:
            cache.set(key, connections, timeout=TTL)
        else:
            cache.delete(key)
    finally:
        if locked:
            cache.delete(lock)


def mark_connected(user_id: int, connection_id: str) -> None:
    """``connection_id`` (a socket of ``user_id``) is open: it counts for the next ``TTL``
    seconds. Called again to refresh it (a ping)."""

    def add(connections: dict[str, float], now: float) -> None:
        connections[connection_id] = now + TTL

    _change(user_id, add)


def mark_disconnected(user_id: int, connection_id: str) -> None:
    """``connection_id`` closed; the user stays connected while another socket of theirs is open."""
    _change(user_id, lambda connections, now: connections.pop(connection_id, None))


def is_connected(user_id: int) -> bool:
    """Whether ``user_id`` has a socket open (heard from within ``TTL`` seconds)."""
    return bool(_live(cache.get(_key(user_id)), _clock()))
