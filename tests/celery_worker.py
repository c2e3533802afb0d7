"""A real Celery worker for tests: a subprocess, as in production, on the test's own database
and queue, mailing through whatever backend the test gives it.

Isolation: the test's messages go to a queue of its own (``test-worker-<random>``), which
only its own worker consumes, so two runs sharing a Redis never take each other's tasks.
On PostgreSQL the worker opens the test database itself; SQLite's test database lives in
this process's memory, so the test switches to a file copy of it that both processes open.
"""

from __future__ import annotations

import email
import email.policy
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

from shop import broker
from shop.celery import app as celery_app

# The Redis the real-worker tests use (CI sets it; tests/xdist_redis.py gives each test process its own).
REDIS_URL = os.environ.get("REDIS_URL", "")
# Nobody listens on port 1: publishing there is refused at once.
DEAD_BROKER = "redis://127.0.0.1:1/0"


def require_redis() -> None:
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


WORKER_READY_TIMEOUT = 30
DELIVERY_TIMEOUT = 20
ROOT = Path(__file__).resolve().parents[1]


# --- The database both processes open --------------------------------------------------------


def _postgres_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = quote(settings_dict.get("HOST") or "localhost", safe="")
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


@contextmanager
def shared_database(tmp_path: Path) -> Iterator[str]:
    """A ``DATABASE_URL`` for the worker that names the database this test uses (the test must
    use ``transactional_db``).

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


# --- The queue and the worker -----------------------------------------------------------------


def new_queue_name() -> str:
    return f"test-worker-{uuid.uuid4().hex[:12]}"


def delete_queue(redis_url: str, name: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path
    queue: str
    redis_url: str

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = DELIVERY_TIMEOUT) -> None:
        wait_for(condition, timeout=timeout, what=what, process=self.process, log_path=self.log_path)

    def wait_until_idle(self) -> None:
        """Until the queue is empty and every message taken is acknowledged (done)."""
        import redis

        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)

        def idle() -> bool:
            unacked = [entry for entry in client.hvals("unacked") if self.queue.encode() in entry]
            return client.llen(self.queue) == 0 and not unacked

        self.wait_for(idle, "the worker to empty its queue")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_worker(*, queue: str, redis_url: str, database_url: str, log_path: Path, env: dict) -> Iterator[Worker]:
    """``celery -A shop worker`` on ``queue`` and ``database_url``, with ``env`` on top (the mail
    backend, say). Stopped (warm shutdown, then killed if it lingers) on the way out, before
    the test's database is cleaned."""
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    full_env.pop("EMAIL_URL", None)
    full_env.update(env)
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
        process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(
            lambda: "ready." in log_path.read_text(errors="replace"),
            timeout=WORKER_READY_TIMEOUT,
            what="the worker to start",
            process=process,
            log_path=log_path,
        )
        yield Worker(process=process, log_path=log_path, queue=queue, redis_url=redis_url)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # warm shutdown: finishes the task in hand
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_for(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    process: subprocess.Popen | None = None,
    log_path: Path | None = None,
    interval: float = 0.1,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            break
        time.sleep(interval)
    log = log_path.read_text(errors="replace")[-4000:] if log_path and log_path.exists() else ""
    pytest.fail(f"Timed out waiting for {what} ({timeout} s).\n--- worker log ---\n{log}")


# --- This process publishing for real ---------------------------------------------------------


@contextmanager
def publishing_to(broker_url: str, queue: str) -> Iterator[None]:
    """This process publishes tasks for real (no eager mode) to ``broker_url``, routed to
    ``queue``. Celery caches its connection and producer pools and its router: reset them on
    the way in and out, so the next publish uses the new settings (and a broker outage this
    process recorded is forgotten: it is another broker)."""
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("task_always_eager", "broker_url", "task_routes")}

    def reset() -> None:
        kombu.pools.reset()  # closes and forgets every pooled broker connection of this process
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app.amqp.flush_routes()
        celery_app.amqp.__dict__.pop("router", None)
        broker.forget_outage()

    conf.task_always_eager = False
    conf.broker_url = broker_url
    conf.task_routes = {"*": {"queue": queue}}  # every app's tasks: none is left on a queue no one reads
    reset()
    try:
        yield
    finally:
        for key, value in saved.items():
            conf[key] = value
        reset()


# --- What the file backend wrote --------------------------------------------------------------


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
