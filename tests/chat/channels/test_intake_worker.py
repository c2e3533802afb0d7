"""The webhook's hand-over to a real Celery worker (a subprocess, through Redis, as in
production): the events' ids go on a Redis list, one task hands over those that arrive until a
worker starts it, and each delivery is processed within moments, not when the sweeper comes by (every minute, for
events two minutes old: it does not run here at all). A burst of deliveries shares the
hand-over and none is left behind; with the broker down the delivery is still answered 200
and stored, and the sweeper hands it over later.

Needs Redis (``REDIS_URL``), like tests/shop/test_worker_delivery.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from django.test import Client

from chat.channels import intake
from chat.channels.models import WebhookEvent
from chat.models import Message
from chat.tasks import republish_channel_work_task
from tests.celery_worker import DEAD_BROKER, REDIS_URL, Worker, publishing_to, running_worker, shared_database
from tests.chat.channels import payloads

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def intake_prefix(settings) -> Iterator[str]:
    """Redis keys of this test's own for the queued ids and the flag."""
    prefix = f"test-intake-{uuid.uuid4().hex[:12]}"
    settings.CHANNELS_INTAKE_REDIS_PREFIX = prefix
    yield prefix
    redis.Redis.from_url(REDIS_URL).delete(f"{prefix}:queued", f"{prefix}:hand-over-sent")


@pytest.fixture
def start_worker(queue, intake_prefix, wa_store, tmp_path):
    """``with start_worker(): ...``: a worker on ``queue`` and the test's database."""

    @contextmanager
    def start() -> Iterator[Worker]:
        with shared_database(tmp_path) as database_url:
            env = {"CHANNELS_INTAKE_REDIS_PREFIX": intake_prefix, "CELERY_TASK_DEFAULT_QUEUE": queue}
            with running_worker(
                queue=queue, redis_url=REDIS_URL, database_url=database_url, log_path=tmp_path / "worker.log", env=env
            ) as running:
                yield running

    return start


@pytest.fixture
def worker(start_worker) -> Iterator[Worker]:
    with start_worker() as running:
        yield running


def _post(text: str) -> None:
    response = payloads.post_whatsapp(Client(), payloads.whatsapp_delivery(messages=[payloads.wa_text(text)]))
    assert response.status_code == 200
    assert response.content == b"stored 1"


def test_a_delivery_is_processed_by_the_worker_within_moments(worker, queue):
    # given: the worker has processed a first delivery (it is warm)
    with publishing_to(REDIS_URL, queue):
        _post("Halo kak")
    worker.wait_for(lambda: Message.objects.filter(body="Halo kak").exists(), "the first message")

    # when
    with publishing_to(REDIS_URL, queue):
        _post("Batik parang ukuran M masih ready? 🙏")

    # then: in the store's inbox within a few seconds (the sweeper would take minutes)
    worker.wait_for(
        lambda: Message.objects.filter(body="Batik parang ukuran M masih ready? 🙏").exists(),
        "the second message",
        timeout=5,
    )
    event = WebhookEvent.objects.get(payload__message__text__body="Batik parang ukuran M masih ready? 🙏")
    assert event.error == ""
    assert (event.processed_at - event.received_at).total_seconds() < 5


def test_a_burst_of_deliveries_shares_one_hand_over_and_every_one_is_processed(start_worker, queue, intake_prefix):
    # given: 30 deliveries arrive while no worker has taken the hand-over task yet
    with publishing_to(REDIS_URL, queue):
        for number in range(30):
            _post(f"Pesan {number}")
    client = redis.Redis.from_url(REDIS_URL)
    assert client.llen(f"{intake_prefix}:queued") == 30
    assert client.llen(queue) == 1  # one task for all of them, not one each

    # when
    with start_worker() as worker:
        worker.wait_for(lambda: Message.objects.count() == 30, "30 messages", timeout=30)
        worker.wait_until_idle()

    # then: each processed once, no id left on the list
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()
    assert sorted(Message.objects.values_list("body", flat=True)) == sorted(f"Pesan {n}" for n in range(30))
    assert client.llen(f"{intake_prefix}:queued") == 0


def test_with_the_broker_down_the_delivery_is_stored_and_the_sweeper_hands_it_over(worker, queue, settings):
    # given: Redis unreachable when the delivery arrives
    with publishing_to(DEAD_BROKER, queue):
        _post("Halo, ada orang?")
    event = WebhookEvent.objects.get()
    assert event.processed_at is None

    # when: the sweeper runs once Redis answers again (the event is old enough for it)
    settings.PENDING_WORK_AFTER_SECONDS = 0
    with publishing_to(REDIS_URL, queue):
        assert republish_channel_work_task() == 1

    # then
    worker.wait_for(lambda: Message.objects.filter(body="Halo, ada orang?").exists(), "the swept message")
    assert intake.hand_over_queued() == 0
