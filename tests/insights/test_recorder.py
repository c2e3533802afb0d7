"""shop.events: recording is an append; batches reach the sink; nothing is lost on the way."""

from datetime import UTC, datetime

import pytest
from django.test import RequestFactory

from shop import events
from shop.events import EventName, Source

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


def _request(user_agent=BROWSER, cookie=None):
    request = RequestFactory().get("/", headers={"User-Agent": user_agent} if user_agent else {})
    if cookie:
        request.COOKIES[events.VISITOR_COOKIE] = cookie
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return request


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "WhatsApp/2.23.20.0 A",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0 Safari/537.36",
        "",
    ],
)
def test_a_crawler_records_nothing(user_agent, collected, no_redis):
    # given a request from a crawler, a link preview or a script
    request = _request(user_agent)
    # when a page records an event
    with events.viewing(events.Viewer(request)):
        events.record(EventName.PRODUCT_VIEW, store_id=1, product_id=2)
    # then nothing is buffered
    assert events.buffered() == 0


def test_an_event_in_a_request_carries_its_visitor_and_waits_for_a_flush(collected, no_redis):
    # given a browser with a visitor cookie
    request = _request(cookie="123456789012")
    # when a page records a product view
    with events.viewing(events.Viewer(request)):
        events.record(EventName.PRODUCT_VIEW, store_id=1, product_id=2, source=Source.SEARCH)
    # then it waits in the process, and a flush hands it to the sink with ids only
    assert collected == []
    assert events.flush() == 1
    [[event]] = collected
    assert (event.name, event.store_id, event.product_id, event.source) == (4, 1, 2, Source.SEARCH)
    assert (event.user_id, event.visitor, event.amount) == (None, 123456789012, None)


@pytest.mark.parametrize("cookie", ["abc", "-5", "0", "99999999999999999999", "9223372036854775808"])
def test_a_forged_visitor_cookie_is_no_visitor(cookie):
    assert events.visitor_from_cookie(cookie) is None


def test_outside_a_request_a_full_batch_goes_at_once(collected, no_redis, settings):
    # given a batch size of three, in a task (no request)
    settings.EVENTS_BATCH_SIZE = 3
    # when three events are recorded
    for order_id in (1, 2, 3):
        events.record(EventName.ORDER_PAID, store_id=9, order_id=order_id, amount=1000)
    # then they went to the sink as one batch
    assert [[event.order_id for event in batch] for batch in collected] == [[1, 2, 3]]
    assert events.buffered() == 0


def test_a_failing_sink_keeps_the_events_for_the_next_flush(monkeypatch, no_redis):
    # given a sink that fails once
    stored, calls = [], []

    def sink(batch):
        calls.append(len(batch))
        if len(calls) == 1:
            raise RuntimeError("database down")
        stored.extend(batch)

    monkeypatch.setattr(events, "_sink", sink)
    events.record(EventName.FOLLOW, store_id=1, user_id=5)
    # when flushing fails, then succeeds
    assert events.flush() == 0
    events.record(EventName.FOLLOW, store_id=2, user_id=5)
    assert events.flush() == 2
    # then no event was lost, in their order
    assert [event.store_id for event in stored] == [1, 2]


def test_through_redis_a_batch_leaves_the_list_only_once_stored(collected, events_redis):
    # given two requests' events pushed to Redis
    at = datetime(2026, 12, 1, 3, 4, 5, 678901, tzinfo=UTC)
    for post_id in (1, 2):
        with events.viewing(events.Viewer(_request(cookie="77"))):
            events.record(EventName.POST_IMPRESSION, post_id=post_id, source=Source.FOR_YOU, at=at)
        events.flush()
    assert events.buffered() == 0 and events.waiting_in_redis() == 2
    # when the drain runs
    stored = events.drain()
    # then the sink has them as recorded, and Redis is empty
    assert stored == 2 and events.waiting_in_redis() == 0
    assert [(e.post_id, e.at, e.visitor, e.source) for batch in collected for e in batch] == [
        (1, at, 77, Source.FOR_YOU),
        (2, at, 77, Source.FOR_YOU),
    ]


def test_one_drain_empties_a_backlog_of_many_small_pushes(monkeypatch, events_redis):
    # given a backlog of 6,000 requests' pushes of one event each (past 100 batches of 50)
    stored = []
    monkeypatch.setattr(events, "_sink", stored.extend)
    one = events.encode([events.Event(EventName.PRODUCT_VIEW, datetime.now(UTC), 0, 1, None, 2, None, None, 3, None)])
    pipe = events_redis.pipeline()
    for _ in range(6_000):
        pipe.rpush(events.REDIS_KEY, one)
    pipe.execute()
    # when the drain task runs once, then it stores them all and Redis is empty
    assert events.drain() == 6_000
    assert len(stored) == 6_000 and events.waiting_in_redis() == 0


def test_through_redis_a_failing_sink_leaves_the_batch_in_redis(monkeypatch, events_redis):
    # given an event in Redis and a sink that fails
    events.record(EventName.FOLLOW, store_id=1, user_id=5)
    events.flush()

    def failing(batch):
        raise RuntimeError("database down")

    monkeypatch.setattr(events, "_sink", failing)
    # when the drain runs, then it fails and the batch stays
    with pytest.raises(RuntimeError):
        events.drain()
    assert events.waiting_in_redis() == 1


def test_while_redis_is_down_events_stay_in_the_process(collected, events_redis, settings):
    # given Redis unreachable (nothing listens on this port)
    settings.EVENTS_REDIS_URL = "redis://127.0.0.1:9/0"
    events.record(EventName.FOLLOW, store_id=1, user_id=5)
    # when a request ends, then the event is kept (and Redis not tried again for a while)
    assert events.flush() == 0
    events.record(EventName.FOLLOW, store_id=2, user_id=5)
    assert events.flush() == 0
    assert events.buffered() == 2
    # when Redis is back, the next flush hands both over, and the drain stores them
    settings.EVENTS_REDIS_URL = settings.REDIS_URL
    events._buffer.redis_retry_at = 0.0  # the retry pause is over
    assert events.flush() == 2
    events.drain()
    assert [event.store_id for batch in collected for event in batch] == [1, 2]
