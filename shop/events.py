"""The event recorder: what shoppers do, recorded as ids for the sellers' figures.

Lower apps call ``record(EventName.PRODUCT_VIEW, store_id=..., product_id=...)``; this module
imports no app. ``insights`` registers the *sink* that stores batches of events (its
``AppConfig.ready()`` calls ``register_sink``), so nothing below it knows where they go.

Recording never slows a page and never adds a query to it:

- ``record`` only appends a tuple to a buffer. In a request (``EventsMiddleware``) the
  request's viewer (its user and visitor id) fills what the caller left out, and nothing is
  recorded for a crawler (``is_crawler``: the one user-agent check).
- With ``REDIS_URL`` the buffer is pushed to a Redis list at the end of each request (one
  ``RPUSH``, no database), and a Celery task (``insights.tasks.drain_events_task``, every few
  seconds) hands the list to the sink in batches: read, stored, and only then trimmed, so an
  event is removed from Redis only once the sink has it (at least once; a crash between the
  two may store a batch twice, which the rollups' impression dedupe and the rare other events
  tolerate better than a loss).
- Without Redis (``make run``, the tests) the buffer is per process and handed to the sink
  when it holds ``EVENTS_BATCH_SIZE`` events or its oldest is ``EVENTS_FLUSH_SECONDS`` old
  (checked at the end of a request), or when someone calls ``flush()``.
- Whatever cannot be handed on (Redis or the database down) stays in the buffer, up to
  ``EVENTS_MAX_BUFFERED`` events, and goes with the next flush; Redis is not tried again for
  a few seconds after it failed, so an outage costs a request its timeout once, not every time.

No personal data: ids (store, post, product, order, user), a random visitor id from a
first-party cookie (``VISITOR_COOKIE``, set by ``static/js/insights.js``) and, for an order
paid, its amount.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import IntEnum
from typing import NamedTuple

from django.conf import settings

log = logging.getLogger(__name__)


class EventName(IntEnum):
    """What happened. The numbers are stored (a small int a row): never renumber one."""

    POST_IMPRESSION = 1  # a post card at least half visible for a second (the browser)
    TAG_TAP = 2  # a product tag on a post tapped (the browser)
    SHEET_OPEN = 3  # a post's product sheet served
    PRODUCT_VIEW = 4  # a product page served
    ADD_TO_CART = 5
    CHECKOUT_STARTED = 6
    ORDER_PLACED = 7
    ORDER_PAID = 8  # with the order's amount
    FOLLOW = 9
    # Reserved for the apps that record them when they land (chat, offers, campaigns).
    CHAT_STARTED = 20
    OFFER_SENT = 21
    OFFER_ACCEPTED = 22
    # Marketing email, ``ref_id`` the campaign. Sent: the mail server took it; delivered: the
    # provider's webhook said so; clicked: the recipient's first click (counted, and a touch),
    # clicked again: a later one (a touch only, so the last click still earns the sale).
    # A flow's emails (automatic follow-ups) have their own names, the same four, ``ref_id``
    # the flow: insights reads every email name through one table (``insights.sales.EMAIL_EVENTS``).
    CAMPAIGN_EMAIL_DELIVERED = 30
    CAMPAIGN_EMAIL_CLICKED = 31
    CAMPAIGN_EMAIL_SENT = 32
    CAMPAIGN_EMAIL_CLICKED_AGAIN = 33
    FLOW_EMAIL_DELIVERED = 40
    FLOW_EMAIL_CLICKED = 41
    FLOW_EMAIL_SENT = 42
    FLOW_EMAIL_CLICKED_AGAIN = 43

    @property
    def slug(self) -> str:
        return self.name.lower()


class Source(IntEnum):
    """Where the shopper came from. Stored as a small int: never renumber one."""

    DIRECT = 0
    FOLLOWING = 1
    FOR_YOU = 2
    HASHTAG = 3
    PROFILE = 4
    SHARED_LINK = 5
    SEARCH = 6
    CHAT = 7
    EMAIL = 8
    WHATSAPP = 9

    @property
    def slug(self) -> str:
        return self.name.lower()

    @classmethod
    def from_slug(cls, slug: str) -> Source | None:
        return _SOURCES_BY_SLUG.get(slug)


_SOURCES_BY_SLUG = {source.slug: source for source in Source}


class Event(NamedTuple):
    """One event as it is buffered and handed to the sink (ids only)."""

    name: int
    at: datetime
    source: int
    store_id: int | None
    post_id: int | None
    product_id: int | None
    order_id: int | None
    user_id: int | None
    visitor: int | None
    amount: int | None
    # What else the event is about, by kind: the conversation (chat started, offer sent or
    # accepted), the campaign or the flow (its email sent, delivered or clicked). Last, with a default:
    # batches pushed before it existed still decode.
    ref_id: int | None = None


# The sink takes a batch of events and stores them; it raises when it could not.
Sink = Callable[[Sequence[Event]], None]

VISITOR_COOKIE = "etv"
REDIS_KEY = "events:buffer"
_DRAIN_LOCK_KEY = "events:drain-lock"
_VISITOR_MAX = 2**63 - 1

# The one crawler check: user agents of bots, previews and scripts (case-insensitive). A
# request without a user agent is a script too.
_CRAWLER = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|preview|facebookexternalhit|whatsapp|telegram|embedly|"
    r"headless|lighthouse|curl/|wget/|python-requests|python-urllib|httpx|go-http-client|okhttp|"
    r"java/|libwww|scrapy|feedfetcher|mediapartners|apis-google|bingpreview|yandex|baidu",
    re.IGNORECASE,
)


def is_crawler(user_agent: str | None) -> bool:
    """Whether a request with this User-Agent is a crawler, a link preview or a script."""
    return not user_agent or _CRAWLER.search(user_agent) is not None


class Viewer:
    """Who a request is, for the events it records (ids only). The user is read when the first
    event is recorded, not before: a page that records nothing loads no session for this."""

    def __init__(self, request):
        self.request = request
        self.crawler = is_crawler(request.headers.get("User-Agent"))

    @property
    def user_id(self) -> int | None:
        user = getattr(self.request, "user", None)
        return user.pk if user is not None and user.is_authenticated else None

    @property
    def visitor(self) -> int | None:
        return visitor_from_cookie(self.request.COOKIES.get(VISITOR_COOKIE))


_viewer: contextvars.ContextVar[Viewer | None] = contextvars.ContextVar("events_viewer", default=None)


def visitor_from_cookie(value: str | None) -> int | None:
    """The visitor id a first-party cookie holds (a random positive 63-bit number), or None."""
    if not value or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= _VISITOR_MAX else None


# --- Recording --------------------------------------------------------------------------


class _Buffer:
    """This process's events not yet handed on, oldest first."""

    def __init__(self):
        self.events: list[Event] = []
        self.first_at = 0.0  # monotonic time of the oldest
        self.lock = threading.Lock()
        self.redis_retry_at = 0.0
        self.redis_down_since: float | None = None
        self.dropped = 0

    def add(self, events: Sequence[Event]) -> None:
        with self.lock:
            if not self.events:
                self.first_at = time.monotonic()
            self.events.extend(events)
            overflow = len(self.events) - settings.EVENTS_MAX_BUFFERED
            if overflow > 0:
                # Only when the store has been away for long: keep the newest, say so once per outage.
                del self.events[:overflow]
                if not self.dropped:
                    log.error("Event buffer full: the oldest events are dropped until it can be flushed.")
                self.dropped += overflow

    def take(self) -> list[Event]:
        with self.lock:
            events, self.events = self.events, []
            return events

    def put_back(self, events: list[Event]) -> None:
        with self.lock:
            self.events[:0] = events
            self.first_at = time.monotonic() if events else self.first_at

    def due(self) -> bool:
        with self.lock:
            if not self.events:
                return False
            if len(self.events) >= settings.EVENTS_BATCH_SIZE:
                return True
            seconds = settings.EVENTS_FLUSH_SECONDS
            return seconds is not None and time.monotonic() - self.first_at >= seconds


_buffer = _Buffer()
# What flush() and drain() hand batches to: None, or the fan-out to every registered sink.
_sink: Sink | None = None
_sinks: list[Sink] = []
_redis_client = None
_redis_lock = threading.Lock()


def register_sink(sink: Sink) -> None:
    """Where batches of events go (``insights`` stores them in its table; ``marketing`` keeps
    its own small record of product views). Several apps may register one (each once, a
    second registration of the same sink changes nothing); every batch goes to each of them,
    in the order they registered. When one raises, the batch stays for the next flush or
    drain and goes to *every* sink again: a sink must tolerate a batch twice (at least once,
    as for one sink)."""
    global _sink
    if sink not in _sinks:
        _sinks.append(sink)
    _sink = _to_every_sink


def _to_every_sink(events: Sequence[Event]) -> None:
    for sink in list(_sinks):
        sink(events)


def record(
    name: EventName,
    *,
    store_id: int | None = None,
    post_id: int | None = None,
    product_id: int | None = None,
    order_id: int | None = None,
    user_id: int | None = None,
    visitor: int | None = None,
    source: Source | None = None,
    amount: int | None = None,
    ref_id: int | None = None,
    at: datetime | None = None,
    from_request: bool = True,
) -> None:
    """Record that ``name`` happened (now, unless ``at``). In a request, the request's user and
    visitor fill ``user_id`` and ``visitor`` when they are not given, and a crawler's request
    records nothing. ``from_request=False`` for what the server learns from elsewhere in a
    request (a provider's webhook saying an email was delivered): the request is not the
    shopper, so it neither fills the ids nor is left out as a crawler (webhooks come from
    scripts). Costs an append: the event is stored later (see the module's docstring)."""
    viewer = _viewer.get() if from_request else None
    if viewer is not None:
        if viewer.crawler:
            return
        user_id = user_id if user_id is not None else viewer.user_id
        visitor = visitor if visitor is not None else viewer.visitor
    event = Event(
        name=int(name),
        at=at or datetime.now(UTC),
        source=int(source if source is not None else Source.DIRECT),
        store_id=store_id,
        post_id=post_id,
        product_id=product_id,
        order_id=order_id,
        user_id=user_id,
        visitor=visitor,
        amount=amount,
        ref_id=ref_id,
    )
    _buffer.add([event])
    if _viewer.get() is None and _buffer.due():
        flush()  # outside a request (a task, a command): nobody is waiting on a page here


def source_of(request) -> Source:
    """Where a page's shopper came from: the link's ``?src=`` (a ``Source`` slug: the site's
    own links carry it, e.g. ``?src=search``; so may links sent by email, chat or WhatsApp),
    else a shared link when the referring page is another site's, else direct."""
    source = Source.from_slug(request.GET.get("src", ""))
    if source is not None:
        return source
    referer = request.headers.get("Referer", "")
    host = request.get_host() if referer else ""
    if referer and referer.split("/")[2:3] != [host]:
        return Source.SHARED_LINK
    return Source.DIRECT


def id_from_query(value: str | None) -> int | None:
    """A positive id from a query parameter (``?post=12``), or None."""
    if not value or not value.isdigit() or len(value) > 18:
        return None
    return int(value) or None


def current_visitor() -> int | None:
    """The visitor id of the request being served (its ``etv`` cookie), or None outside a
    request or for a crawler. Insights keeps it with an order placed, so that what the shopper
    tapped before signing in is credited with the sale."""
    viewer = _viewer.get()
    return None if viewer is None or viewer.crawler else viewer.visitor


@contextmanager
def viewing(viewer: Viewer) -> Iterator[None]:
    """Events recorded inside are ``viewer``'s (the middleware wraps each request in this)."""
    token = _viewer.set(viewer)
    try:
        yield
    finally:
        _viewer.reset(token)


class EventsMiddleware:
    """Sets the request's viewer for ``record`` and hands the buffer on after the response
    is made: to Redis at once, or to the sink when a batch is due (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with viewing(Viewer(request)):
            response = self.get_response(request)
        if _use_redis() or _buffer.due():
            flush()
        return response


# --- Handing on -----------------------------------------------------------------------------


def _use_redis() -> bool:
    return bool(settings.EVENTS_REDIS_URL)


def _redis():
    """This process's client of ``EVENTS_REDIS_URL`` (short timeouts: a page waits on it)."""
    global _redis_client
    url = settings.EVENTS_REDIS_URL
    with _redis_lock:
        if _redis_client is None or _redis_client[0] != url:
            import redis

            _redis_client = (url, redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2))
        return _redis_client[1]


def encode(events: Sequence[Event]) -> bytes:
    """A batch as one compact JSON array of rows (time in microseconds since the epoch)."""
    return json.dumps(
        [[e.name, int(e.at.timestamp() * 1_000_000), *e[2:]] for e in events], separators=(",", ":")
    ).encode()


def decode(payload: bytes) -> list[Event]:
    return [Event(row[0], datetime.fromtimestamp(row[1] / 1_000_000, UTC), *row[2:]) for row in json.loads(payload)]


def flush() -> int:
    """Hand this process's buffered events on (to Redis or the sink); returns how many went.
    What could not be handed on stays buffered for the next flush."""
    if _use_redis():
        return _push_to_redis()
    events = _buffer.take()
    if not events:
        return 0
    if _sink is None:
        _buffer.put_back(events)
        return 0
    try:
        _sink(events)
    except Exception:
        log.exception("Storing %d events failed; they stay buffered.", len(events))
        _buffer.put_back(events)
        return 0
    return len(events)


def _push_to_redis() -> int:
    import redis

    if time.monotonic() < _buffer.redis_retry_at:
        return 0
    events = _buffer.take()
    if not events:
        return 0
    try:
        _redis().rpush(REDIS_KEY, encode(events))
    except (redis.RedisError, OSError) as exc:
        _buffer.put_back(events)
        first = _buffer.redis_down_since is None
        _buffer.redis_down_since = _buffer.redis_down_since or time.monotonic()
        _buffer.redis_retry_at = time.monotonic() + settings.BROKER_RETRY_SECONDS
        if first:
            log.error("Redis is unreachable (%s): events stay in this process until it answers.", exc)
        return 0
    if _buffer.redis_down_since is not None:
        log.warning("Redis answers again: buffered events handed over.")
        _buffer.redis_down_since = None
        _buffer.dropped = 0
    return len(events)


def drain(*, max_batches: int = 10_000, seconds: float = 20.0) -> int:
    """Hand the events waiting in Redis to the sink, a pushed batch at a time, until none wait
    or ``seconds`` have passed. One drainer at a time (a lock in Redis). A batch leaves Redis
    only after the sink stored it. Returns how many events were stored.

    ``seconds``, not ``max_batches``, is what normally ends a busy drain: a cap of 100 batches
    (5,000 pushes) a call, every 5 s, held the pipeline to 1,000 events a second when each
    request pushes one event, and at 10 a request the backlog never shrank once it formed."""
    if not _use_redis():
        return flush()
    if _sink is None:
        return 0
    client = _redis()
    token = str(time.time())
    if not client.set(_DRAIN_LOCK_KEY, token, nx=True, ex=int(seconds) + 60):
        return 0
    stored = 0
    deadline = time.monotonic() + seconds
    try:
        for _ in range(max_batches):
            if time.monotonic() >= deadline:
                break
            payloads = client.lrange(REDIS_KEY, 0, 49)
            if not payloads:
                break
            events = [event for payload in payloads for event in decode(payload)]
            _sink(events)
            client.ltrim(REDIS_KEY, len(payloads), -1)
            stored += len(events)
    finally:
        if client.get(_DRAIN_LOCK_KEY) == token.encode():
            client.delete(_DRAIN_LOCK_KEY)
    return stored


def waiting_in_redis() -> int:
    """How many pushed batches wait in Redis (for the health of the pipeline and the tests)."""
    return _redis().llen(REDIS_KEY) if _use_redis() else 0


def discard() -> None:
    """Forget this process's buffered events and Redis outage (tests start from nothing)."""
    _buffer.take()
    _buffer.redis_retry_at = 0.0
    _buffer.redis_down_since = None
    _buffer.dropped = 0


def buffered() -> int:
    with _buffer.lock:
        return len(_buffer.events)
