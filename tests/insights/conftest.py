import pytest

from shop import events


@pytest.fixture
def collected(monkeypatch):
    """A sink that keeps the batches it is handed (the recorder's own tests)."""
    batches: list[list[events.Event]] = []
    monkeypatch.setattr(events, "_sink", batches.append)
    return batches


@pytest.fixture
def no_redis(settings):
    """Events stay in the process until flushed (as with ``make run``)."""
    settings.EVENTS_REDIS_URL = ""


@pytest.fixture
def events_redis(settings):
    """Events go through Redis (the ``REDIS_URL`` of the test run), its list emptied first."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL; CI runs this)")
    settings.EVENTS_REDIS_URL = settings.REDIS_URL
    client = events._redis()
    client.delete(events.REDIS_KEY, events._DRAIN_LOCK_KEY)
    yield client
    client.delete(events.REDIS_KEY, events._DRAIN_LOCK_KEY)


@pytest.fixture
def mailgun(settings):
    """Mailgun's webhook signing key, as the email figures' tests sign their deliveries."""
    from tests.marketing.test_campaign_tracking import SIGNING_KEY

    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "MAILGUN_API_KEY": "key-test"}
