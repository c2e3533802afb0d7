"""Redis down: the shop keeps selling. A real Redis (``redis-server``, started by the test on a
port of its own) is the cache, the session cache and the broker; the test stops it, signs in,
shops and places orders through the HTML checkout and the API, then starts it again and
checks that the orders' emails go out once, handed over by the sweeper to a real worker.

Each test sets the cache and session settings itself; pytest-django's ``settings`` fixture
puts the real ones back afterwards (and Django drops the cache connections it made).

No gettext call with a literal in this file: makemessages scans tests/ too.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from checkout.models import Order
from shop import cache as failover_cache
from shop import tasks
from shop.models import Delivery
from tests.celery_worker import (
    delete_queue,
    new_queue_name,
    publishing_to,
    running_worker,
    sent_to,
    shared_database,
    wait_for,
)
from tests.factories import PASSWORD, AddressFactory, UserFactory, buyable_variant, make_post
from tests.ports import free_low_port

REDIS_SERVER = shutil.which("redis-server")


@dataclass
class RedisServer:
    """A ``redis-server`` of the test's own, on a port nothing else uses, that the test stops
    and starts again on the same port (like an outage and a recovery)."""

    port: int
    directory: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)]
        # Its data survives the restart (as a production Redis's does): stale entries could come back.
        command += ["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"]
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def answers() -> bool:
            try:
                return client.ping()
            except redis.RedisError:
                return False

        wait_for(answers, timeout=10, what="redis-server to start", process=self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        # As for the other tests that need a service: a skip, which fails CI (FAIL_ON_SKIP=1).
        problem = "redis-server is not installed (apt-get install redis-server; CI has it)"
        if os.environ.get("FAIL_ON_SKIP") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    server = RedisServer(port=free_low_port("redis-server"), directory=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def on_redis(redis_server, settings, monkeypatch) -> Iterator[RedisServer]:
    """The site configured as in production on ``redis_server``: the failover cache, sessions
    cached there, short waits before Redis and the broker are tried again."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "shop.cache.FailoverRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        },
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.BROKER_RETRY_SECONDS = 1
    monkeypatch.setattr(failover_cache, "RETRY_SECONDS", 0.5)
    failover_cache.forget_outages()
    yield redis_server
    failover_cache.forget_outages()


def _place_through_the_html_checkout(client, buyer, variant) -> Order:
    assert client.post("/cart/add/", {"variant": variant.pk, "quantity": 1}).status_code == 302
    page = client.get("/checkout/")
    assert page.status_code == 200
    html = page.content.decode()
    key = html.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    digest = html.split('name="quote_digest" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/checkout/place/",
        {
            "address": str(buyer.addresses.get(is_default=True).pk),
            "discount_code": "",
            "payment_method": "bank_transfer",
            "note": "",
            "idempotency_key": key,
            "quote_digest": digest,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Order.objects.filter(buyer=buyer).latest("pk")


def _place_through_the_api(buyer, variant) -> Order:
    api = APIClient()
    token = api.post("/api/v1/auth/token/", {"email": buyer.email, "password": PASSWORD}, format="json")
    assert token.status_code == 200, token.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.post("/api/v1/cart/lines/", {"variant": variant.pk}, format="json").status_code in (200, 201)
    address = buyer.addresses.get(is_default=True)
    quote = api.post(
        "/api/v1/checkout/quote/", {"address": address.pk, "payment_method": "bank_transfer"}, format="json"
    )
    assert quote.status_code == 200, quote.content
    placed = api.post(
        "/api/v1/checkout/place/",
        {
            "address": address.pk,
            "payment_method": "bank_transfer",
            "discount_code": "",
            "idempotency_key": uuid.uuid4().hex,
            "quote_digest": quote.json()["digest"],
        },
        format="json",
    )
    assert placed.status_code == 201, placed.content
    return Order.objects.get(number=placed.json()["orders"][0]["number"])


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_shoppers_sign_in_and_buy_and_the_emails_go_out_when_it_is_back(
    on_redis, client, caplog, tmp_path
):
    # given a shopper, two products, and this process handing tasks to the same Redis
    buyer = UserFactory(first_name="Ani")
    AddressFactory(user=buyer, is_default=True)
    batik, kopi = buyable_variant(price=15_000_000), buyable_variant(price=6_000_000)
    queue = new_queue_name()
    with publishing_to(on_redis.url, queue), caplog.at_level(logging.WARNING):
        assert client.get("/").status_code == 200  # with Redis up, the cache is Redis
        # when Redis goes down
        on_redis.stop()
        # then pages answer
        assert client.get("/").status_code == 200
        assert client.get(batik.product.get_absolute_url()).status_code == 200
        # and the shopper signs in (allauth's rate limits, the session) and stays signed in
        login = client.post(reverse("account_login"), {"login": buyer.email, "password": PASSWORD})
        assert login.status_code == 302, login.content.decode()[:2000]
        assert client.get("/checkout/").wsgi_request.user == buyer
        # and buys through the HTML checkout and through the API (its throttles)
        started = time.monotonic()
        by_page = _place_through_the_html_checkout(client, buyer, batik)
        by_api = _place_through_the_api(buyer, kopi)
        assert time.monotonic() - started < 10, "a request waited for Redis"
        # and the health check says what is down
        health = client.get("/healthz")
        assert health.status_code == 503
        assert "cache" in health.json()["down"]
    # then both orders committed, and their emails wait, pending, with no task
    assert {by_page.store_id, by_api.store_id} == {batik.store_id, kopi.store_id}
    pending = Delivery.objects.filter(state=Delivery.State.PENDING, handed_over_until__isnull=True)
    assert pending.count() == 4  # each order's confirmation to the buyer and new order to its seller
    # and each outage was logged once, not per request
    assert caplog.text.count("is unreachable (") == 1 + 1  # the cache's and the broker's
    assert "Redis at" in caplog.text and "The task broker is unreachable" in caplog.text
    caplog.clear()

    # when Redis is back, and a worker with it
    on_redis.start()
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    mail = {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(outbox)}
    with (
        shared_database(tmp_path) as database_url,
        running_worker(
            queue=queue, redis_url=on_redis.url, database_url=database_url, log_path=tmp_path / "w.log", env=mail
        ) as worker,
        publishing_to(on_redis.url, queue),
        caplog.at_level(logging.WARNING),
    ):
        time.sleep(0.6)  # past the cache's wait before trying Redis again
        assert client.get("/").status_code == 200
        assert "answers again" in caplog.text
        # and the sweeper runs (beat would, within a minute)
        assert tasks.sweep_deliveries() == 4
        worker.wait_for(
            lambda: not Delivery.objects.filter(state=Delivery.State.PENDING).exists(), "the emails to go out"
        )
        worker.wait_until_idle()
    delete_queue(on_redis.url, queue)
    # then every email went, once
    assert len(sent_to(outbox, buyer)) == 2
    for order in (by_page, by_api):
        assert len(sent_to(outbox, order.store.owner)) == 1
        assert any(order.number in message["Subject"] for message in sent_to(outbox, buyer))


@pytest.mark.django_db
def test_with_redis_down_rate_limits_count_per_process_sign_up_and_posting_work_and_nothing_stale_comes_back(
    on_redis, caplog, mailoutbox, django_capture_on_commit_callbacks
):
    # given a value cached while Redis is up
    cache.set("greeting", "stale", 60)
    assert redis.Redis.from_url(on_redis.url).keys("*greeting*")
    # when Redis goes down
    on_redis.stop()
    with caplog.at_level(logging.WARNING):
        # then the API's login throttle still counts, in this process: the 11th try in a minute is refused
        api = APIClient()
        answers = [
            api.post("/api/v1/auth/token/", {"email": "nobody@example.com", "password": "wrong"}, format="json")
            for _attempt in range(11)
        ]
    assert [answer.status_code for answer in answers] == [401] * 10 + [429]
    # and someone signs up: the confirmation cannot wait for the broker, so it is sent from here
    with (
        publishing_to(on_redis.url, new_queue_name()),
        caplog.at_level(logging.WARNING),
        django_capture_on_commit_callbacks(execute=True),
    ):
        signup = Client().post(
            reverse("account_signup"),
            {
                "email": "sari@example.com",
                "username": "sari",
                "password1": "kain-tenun-99",
                "password2": "kain-tenun-99",
            },
        )
        # and someone posts (its fan-out and pictures' renditions cannot be handed over: skipped)
        post = make_post(UserFactory(), caption="Batik tulis baru")
    assert signup.status_code == 302, signup.content.decode()[:2000]
    assert [message.to for message in mailoutbox] == [["sari@example.com"]]
    assert post.pk is not None
    assert caplog.text.count("Redis at") == 1 and caplog.text.count("The task broker is unreachable") == 1
    # and a value changed meanwhile is changed here
    cache.delete("greeting")
    assert cache.get("greeting") is None
    # when Redis is back
    on_redis.start()
    time.sleep(0.6)
    with caplog.at_level(logging.WARNING):
        # then the value deleted during the outage does not come back from Redis, not even for
        # the first read after the wait, the one that finds Redis again
        assert cache.get("greeting") is None
    assert "answers again" in caplog.text
    assert not redis.Redis.from_url(on_redis.url).keys("*greeting*")
    assert django_settings.CACHES["default"]["LOCATION"] == on_redis.url
