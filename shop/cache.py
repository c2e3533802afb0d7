"""The default cache: Redis, and a per-process stand-in while Redis cannot be reached.

Rate limits (DRF's throttles, allauth's login limits, ``social.ratelimit``), ``cached_db``
sessions and the cached counts all go through the cache. With plain django-redis an
unreachable Redis raises on the first of them, and no one can sign in or buy. Its
``IGNORE_EXCEPTIONS`` is no cure: reads miss and writes vanish, so nothing counts any more,
and allauth's lock (``cache.add``) never succeeds, so every login waits out its one-second
lock timeout.

``FailoverRedisCache`` sends every call to Redis; when Redis fails, the call (and every call
for the next ``RETRY_SECONDS``, without touching the network) goes to a ``LocMemCache`` of
this process instead: rate limits count per process, sessions read from the database, the
site keeps working. The outage is logged once per process, as is the recovery. When Redis
answers again, the keys this process wrote or deleted meanwhile are deleted from Redis, so a
value invalidated during the outage (a hidden post, a changed cart) does not come back.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

log = logging.getLogger(__name__)

# What an unreachable or failing Redis raises through django-redis.
REDIS_ERRORS = (ConnectionInterrupted, redis.ConnectionError, redis.TimeoutError, ConnectionError, TimeoutError)
# How long calls skip Redis after it failed, before one tries it again.
RETRY_SECONDS = 5.0
# Keys remembered during an outage, to delete from Redis when it is back; past this many the
# oldest are forgotten (their entries expire on their own).
MAX_TOUCHED_KEYS = 10_000


@dataclass
class Outage:
    """One Redis server as this process sees it (shared by the threads' cache instances)."""

    since: float | None = None
    retry_at: float = 0.0
    touched: dict[str, None] = field(default_factory=dict)  # ordered set of raw keys
    lock: threading.Lock = field(default_factory=threading.Lock)


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def _outage_of(location: str) -> Outage:
    with _outages_lock:
        return _outages.setdefault(location, Outage())


def forget_outages() -> None:
    """Forget every recorded outage (tests start from Redis presumed up)."""
    with _outages_lock:
        _outages.clear()


class FailoverRedisCache(BaseCache):
    """django-redis, with a per-process ``LocMemCache`` standing in while Redis is unreachable."""

    def __init__(self, server: str, params: dict[str, Any]):
        super().__init__(params)
        self.location = server
        self.redis = RedisCache(server, params)
        fallback_params = {
            name: params[name] for name in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION") if name in params
        }
        fallback_params["OPTIONS"] = {"MAX_ENTRIES": 10_000}
        self.fallback = LocMemCache(f"redis-fallback:{server}", fallback_params)
        self.outage = _outage_of(server)

    # --- The switch ---------------------------------------------------------------------------

    def _call(self, method: str, *args, touched=(), touched_version=None, **kwargs):
        """``method`` on Redis, or on the stand-in; ``touched``: the keys it writes or deletes."""
        outage = self.outage
        if outage.since is None or (time.monotonic() >= outage.retry_at and self._recovered()):
            try:
                return getattr(self.redis, method)(*args, **kwargs)
            except REDIS_ERRORS as exc:
                self._redis_failed(exc)
        if touched:
            self._remember(touched, touched_version)
        return getattr(self.fallback, method)(*args, **kwargs)

    def _redis_failed(self, exc: Exception) -> None:
        outage = self.outage
        now = time.monotonic()
        with outage.lock:
            first = outage.since is None
            if first:
                outage.since = now
            outage.retry_at = now + RETRY_SECONDS
        if first:
            log.error(
                "Redis at %s is unreachable (%s): the cache is per process until it answers "
                "(tried again every %g s); rate limits count per process meanwhile.",
                self.location,
                exc.__cause__ or exc,
                RETRY_SECONDS,
            )

    def _recovered(self) -> bool:
        """Try Redis again after an outage. Before any call reads from it, the keys this process
        wrote or deleted meanwhile are deleted from it (a stale value must not come back)."""
        outage = self.outage
        with outage.lock:
            touched = list(outage.touched)
        try:
            client = self.redis.client.get_client(write=True)
            if touched:
                client.delete(*touched)  # Redis's own keys (prefixed and versioned)
            else:
                client.ping()
        except REDIS_ERRORS as exc:
            self._redis_failed(exc)
            return False
        with outage.lock:
            since, outage.since = outage.since, None
            for key in touched:
                outage.touched.pop(key, None)
        if since is not None:  # another thread may have seen it first
            log.warning("Redis at %s answers again, after %.0f s.", self.location, time.monotonic() - since)
        return True

    def _remember(self, keys, version) -> None:
        # Redis's own (prefixed, versioned) keys: the ones deleted from it when it is back.
        raw_keys = [self.make_key(key, version=version) for key in keys]
        outage = self.outage
        with outage.lock:
            for key in raw_keys:
                outage.touched[key] = None
            while len(outage.touched) > MAX_TOUCHED_KEYS:
                outage.touched.pop(next(iter(outage.touched)))

    def redis_reachable(self) -> bool:
        """Ask Redis itself (for the health check): never the stand-in."""
        try:
            return bool(self.redis.client.get_client(write=False).ping())
        except REDIS_ERRORS:
            return False

    # --- The cache API ------------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version, touched=(key,), touched_version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version, touched=(key,), touched_version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version, touched=(key,), touched_version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version, touched=(key,), touched_version=version)

    def decr(self, key, delta=1, version=None):
        return self._call("decr", key, delta, version, touched=(key,), touched_version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version, touched=tuple(data), touched_version=version) or []

    def delete_many(self, keys, version=None):
        keys = list(keys)
        return self._call("delete_many", keys, version, touched=keys, touched_version=version)

    def clear(self):
        self.fallback.clear()
        return self._call("clear")

    def close(self, **kwargs):
        with contextlib.suppress(*REDIS_ERRORS):  # nothing to close when Redis is gone
            self.redis.close(**kwargs)
