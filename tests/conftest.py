import os
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.utils import translation

from shop import broker, events
from shop.celery import app as celery_app
from social import cards
from tests.celery_worker import REDIS_URL, delete_queue, new_queue_name, require_redis, shared_database


def pytest_configure(config):
    # Tests run Celery tasks in-process unless a test starts a real worker itself.
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    # Rendered fragments are kept as in production (settings turn that off with DEBUG, which is
    # the local default): the pages under test are the cached ones. Entries are pure functions
    # of their keys, so they are safe to share between tests.
    from django.conf import settings

    # Recorded events wait in the process until a test flushes them: a flush in the middle of
    # another test's page would add a query to its budget.
    settings.EVENTS_FLUSH_SECONDS = None
    settings.CACHES["fragments"] = {
        **settings.CACHES["fragments"],
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    }
    # Sessions are read as with Redis (from the cache, written through to the database), also
    # where the cache is the in-process one (``make test`` on a machine with nothing running):
    # the query budgets of signed-in pages are the same everywhere.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    # A deliberately slow hash protects real passwords; tests need none of that.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    cards.clear_local()  # the cards each process keeps in front of the cache
    broker.forget_outage()  # each test starts with the broker presumed up
    events.discard()  # and with no event buffered by an earlier test


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. LocaleMiddleware activates a request's language
    in the thread that handled it (the test's, with the test client) and leaves it active."""
    translation.deactivate()
    yield
    translation.deactivate()


def pytest_sessionfinish(session, exitstatus):
    """In CI (``FAIL_ON_SKIP=1``) a skipped test fails the run: nothing may skip for lack of a service."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("FAIL_ON_SKIP") == "1" and skipped:
        reporter.write_line(f"FAIL_ON_SKIP: {len(skipped)} test(s) were skipped; CI allows none.", red=True)
        session.exitstatus = 1


@pytest.fixture
def postgres_only():
    """For tests that need PostgreSQL: real parallel writes (tests/concurrency.py; SQLite
    serialises writers), prepared statements, its types."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (CI runs this)")


# --- For the tests that start a real Celery worker (tests/celery_worker.py) --------------------


@pytest.fixture
def queue() -> Iterator[str]:
    """A Celery queue of the test's own on ``REDIS_URL``; its Redis keys are removed afterwards."""
    require_redis()
    name = new_queue_name()
    yield name
    delete_queue(REDIS_URL, name)


@pytest.fixture
def shared_database_url(transactional_db, tmp_path) -> Iterator[str]:
    """A ``DATABASE_URL`` naming this test's database, for the processes the test starts."""
    with shared_database(tmp_path) as url:
        yield url
