"""A real Celery worker delivers order emails: the task goes through Redis, the worker (a
subprocess, as in production) reads the test's own database and writes the email into a test
outbox (the file backend). And a broker outage at the moment of an order delays its email
but loses nothing: the order commits, the delivery waits pending, the sweeper sends it once.

Needs Redis: ``REDIS_URL`` (CI sets it). Without it the tests skip, and FAIL when
``FAIL_ON_SKIP=1``: CI must never pass without having run a real worker.

Isolation: the test's messages go to a queue of its own (``test-worker-<random>``), which
only its own worker consumes, so two runs sharing a Redis never take each other's tasks.
On PostgreSQL the worker opens the test database itself; SQLite's test database lives in
this process's memory, so the test switches to a file copy of it that both processes open.

No gettext call with a literal in this file: makemessages scans tests/ too.
"""

from __future__ import annotations

import email
import email.policy
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
from django.db import connection

from shop import tasks
from shop.celery import app as celery_app
from shop.models import Delivery, Notification
from shop.money import format_money
from tests.factories import UserFactory, buyable_variant, place

REDIS_URL = os.environ.get("REDIS_URL", "")
# Nobody listens on port 1: publishing there is refused at once.
DEAD_BROKER = "redis://127.0.0.1:1/0"
WORKER_READY_TIMEOUT = 30
DELIVERY_TIMEOUT = 20
ROOT = Path(__file__).resolve().parents[2]


def _require_redis() -> None:
    """Skip without Redis, except in CI (``FAIL_ON_SKIP=1``), where that is a failure."""
    problem = ""
    if not REDIS_URL:
        problem = "REDIS_URL is not set: the real-worker tests need Redis (CI sets it)"
    else:
        import redis

        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            problem = f"Redis at REDIS_URL={REDIS_URL} does not answer: {exc}"
    if problem:
        if os.environ.get("FAIL_ON_SKIP") == "1":
            pytest.fail(problem)
        pytest.skip(problem)


pytestmark = [pytest.mark.django_db(transaction=True)]


# --- The database both processes open --------------------------------------------------------


def _postgres_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = quote(settings_dict.get("HOST") or "localhost", safe="")
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


@pytest.fixture
def shared_database_url(transactional_db, tmp_path) -> Iterator[str]:
    """A ``DATABASE_URL`` for the worker that names the database this test uses.

    PostgreSQL: the test database. SQLite: the test database is in this process's memory,
    which no other process can open, so it is copied to a file (the backup API, a few
    milliseconds) and the test's connection switched to that file until the end of the test.
    """
    if connection.vendor == "postgresql":
        yield _postgres_url(connection.settings_dict)
        return
    assert connection.vendor == "sqlite", connection.vendor
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    in_memory = connection.connection
    if connection.is_in_memory_db():
        copy = sqlite3.connect(path)
        in_memory.backup(copy)
        copy.close()
    else:  # a test run configured with a file test database: use it as it is
        path = Path(connection.settings_dict["NAME"])
    original_name = connection.settings_dict["NAME"]
    # Not close(): Django ignores close() on an in-memory database (it would destroy it). The
    # in-memory connection is set aside, untouched, and put back after the test.
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original_name
        connection.connection = in_memory


# --- The worker, the queue, the outbox -------------------------------------------------------


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue of this test's own; its Redis keys are removed afterwards."""
    _require_redis()
    name = f"test-worker-{uuid.uuid4().hex[:12]}"
    yield name
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")


@pytest.fixture
def outbox(tmp_path) -> Path:
    path = tmp_path / "outbox"
    path.mkdir()
    return path


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path
    queue: str

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = DELIVERY_TIMEOUT) -> None:
        _wait_for(condition, timeout=timeout, what=what, process=self.process, log_path=self.log_path)

    def wait_until_idle(self) -> None:
        """Until the queue is empty and every message taken is acknowledged (done)."""
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)

        def idle() -> bool:
            unacked = [entry for entry in client.hvals("unacked") if self.queue.encode() in entry]
            return client.llen(self.queue) == 0 and not unacked

        self.wait_for(idle, "the worker to empty its queue")


@pytest.fixture
def worker(queue, shared_database_url, outbox, tmp_path) -> Iterator[Worker]:
    """``celery -A shop worker`` on ``queue``, on the test's database, mailing into ``outbox``.
    Stopped (warm shutdown, then killed if it lingers) before the database is cleaned."""
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DATABASE_URL": shared_database_url,
        "REDIS_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("EMAIL_URL", None)  # it would replace the file backend
    celery = Path(sys.executable).with_name("celery")
    command = [
        str(celery),
        "-A",
        "shop",
        "worker",
        "--pool=solo",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(
            lambda: "ready." in log_path.read_text(errors="replace"),
            timeout=WORKER_READY_TIMEOUT,
            what="the worker to start",
            process=process,
            log_path=log_path,
        )
        yield Worker(process=process, log_path=log_path, queue=queue)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # warm shutdown: finishes the task in hand
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_for(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    process: subprocess.Popen | None = None,
    log_path: Path | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.1)
    log = log_path.read_text(errors="replace")[-4000:] if log_path and log_path.exists() else ""
    pytest.fail(f"Timed out waiting for {what} ({timeout} s).\n--- worker log ---\n{log}")


def outbox_messages(outbox: Path) -> list[email.message.EmailMessage]:
    """Every message the file backend wrote (one file per connection, messages separated by a
    line of 79 dashes)."""
    separator = b"\n" + b"-" * 79 + b"\n"
    messages = []
    for path in sorted(outbox.iterdir()):
        for chunk in path.read_bytes().split(separator):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default))
    return messages


def plain_text(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def sent_to(outbox: Path, user) -> list[email.message.EmailMessage]:
    return [message for message in outbox_messages(outbox) if message["To"] == user.email]


@contextmanager
def publishing_to(broker_url: str, queue: str) -> Iterator[None]:
    """This process publishes tasks for real (no eager mode) to ``broker_url``, routed to
    ``queue``. Celery caches its connection and producer pools and its router: reset them on
    the way in and out, so the next publish uses the new settings."""
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("task_always_eager", "broker_url", "task_routes")}

    def reset() -> None:
        kombu.pools.reset()  # closes and forgets every pooled broker connection of this process
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app.amqp.flush_routes()
        celery_app.amqp.__dict__.pop("router", None)

    conf.task_always_eager = False
    conf.broker_url = broker_url
    conf.task_routes = {"shop.tasks.*": {"queue": queue}}
    reset()
    try:
        yield
    finally:
        for key, value in saved.items():
            conf[key] = value
        reset()


# --- The tests ----------------------------------------------------------------------------


def test_a_real_worker_delivers_the_order_confirmation_into_the_outbox_once(worker, queue, outbox):
    # given a shopper and a store
    buyer = UserFactory(first_name="Ani")
    variant = buyable_variant(price=15_000_000)
    seller = variant.store.owner
    # when the order is placed, with this process publishing to Redis
    with publishing_to(REDIS_URL, queue):
        order = place(buyer, (variant, 2)).orders[0]
    # then the worker sends the confirmation, with the invoice's total, into the outbox
    worker.wait_for(lambda: sent_to(outbox, buyer) and sent_to(outbox, seller), "the worker to send both emails")
    worker.wait_for(
        lambda: not Delivery.objects.filter(state=Delivery.State.PENDING).exists(), "the deliveries marked sent"
    )
    worker.wait_until_idle()
    (confirmation,) = sent_to(outbox, buyer)
    assert order.number in confirmation["Subject"]
    assert format_money(order.total, language="en") in plain_text(confirmation)
    assert "BCA" in plain_text(confirmation)
    (new_order,) = sent_to(outbox, seller)
    assert order.number in new_order["Subject"]
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}
    assert Delivery.objects.get(notification__recipient=buyer).attempts == 1


def test_a_broker_outage_delays_the_email_until_the_sweeper_runs(worker, queue, outbox, settings, caplog):
    buyer = UserFactory()
    variant = buyable_variant(price=15_000_000)
    # given the broker unreachable when the order is placed
    with publishing_to(DEAD_BROKER, queue), caplog.at_level(logging.WARNING, logger="shop.notifications.services"):
        started = time.monotonic()
        placed = place(buyer, (variant, 1))
        elapsed = time.monotonic() - started
    # then the order committed all the same, quickly, and its deliveries wait pending
    order = placed.orders[0]
    assert elapsed < 10, f"publishing to a dead broker took {elapsed:.1f} s: broker timeouts are missing"
    assert Notification.objects.filter(recipient=buyer, kind="order_placed").exists()
    pending = Delivery.objects.filter(state=Delivery.State.PENDING)
    assert pending.count() == 2  # the buyer's confirmation and the seller's new order
    assert caplog.text.count("the sweeper will retry it") == 2
    time.sleep(1)
    assert outbox_messages(outbox) == []
    # when the broker is back and the sweeper runs (twice, as two beats could: harmless)
    settings.NOTIFICATION_SWEEP_AFTER_SECONDS = 0
    with publishing_to(REDIS_URL, queue):
        assert tasks.sweep_deliveries() == 2
        tasks.sweep_deliveries()
    # then the worker sends the confirmation, exactly once
    worker.wait_for(
        lambda: not Delivery.objects.filter(state=Delivery.State.PENDING).exists(), "the swept deliveries sent"
    )
    worker.wait_until_idle()  # a duplicate task, if the second sweep enqueued one, has had its turn
    (confirmation,) = sent_to(outbox, buyer)
    assert order.number in confirmation["Subject"]
    assert format_money(order.total, language="en") in plain_text(confirmation)
    assert len(sent_to(outbox, variant.store.owner)) == 1
