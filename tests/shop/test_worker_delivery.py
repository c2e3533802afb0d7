"""A real Celery worker delivers order emails: the task goes through Redis, the worker (a
subprocess, as in production) reads the test's own database and writes the email into a test
outbox (the file backend) or a real SMTP server. A broker outage at the moment of an order
delays its email but loses nothing: the order commits, the delivery waits pending, the
sweeper sends it once. A mail-server outage retries each email with backoff, each attempt
handed to the broker once, whatever the sweeper does meanwhile.

Needs Redis: ``REDIS_URL`` (CI sets it). Without it the tests skip, and FAIL when
``FAIL_ON_SKIP=1``: CI must never pass without having run a real worker. The helpers (the
worker, its queue and database, publishing from this process) are in ``tests/celery_worker.py``.

No gettext call with a literal in this file: makemessages scans tests/ too.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from shop import tasks
from shop.models import Delivery, Notification
from shop.money import format_money
from tests.celery_worker import (
    DEAD_BROKER,
    REDIS_URL,
    Worker,
    outbox_messages,
    plain_text,
    publishing_to,
    running_worker,
    sent_to,
    wait_for,
)
from tests.factories import UserFactory, buyable_variant, place
from tests.ports import free_low_port

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def outbox(tmp_path) -> Path:
    path = tmp_path / "outbox"
    path.mkdir()
    return path


@pytest.fixture
def worker(queue, shared_database_url, outbox, tmp_path) -> Iterator[Worker]:
    """A worker on ``queue`` and the test's database, mailing into ``outbox`` (the file backend)."""
    env = {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(outbox)}
    with running_worker(
        queue=queue, redis_url=REDIS_URL, database_url=shared_database_url, log_path=tmp_path / "worker.log", env=env
    ) as running:
        yield running


# --- A mail server that can be down -----------------------------------------------------------


class OutageHandler:
    """An aiosmtpd handler: while ``down`` it answers every recipient "421 try again later"
    (smtplib then raises, as for a server in trouble) and counts the refusals per address;
    once up it accepts and keeps the messages."""

    def __init__(self):
        self.down = True
        self.refused: Counter[str] = Counter()
        self.received: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.down:
            self.refused[address] += 1
            return "421 4.3.2 Service not available, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def received_by(self, user) -> list[email.message.EmailMessage]:
        return [message for message in self.received if message["To"] == user.email]


@pytest.fixture
def smtp_server() -> Iterator[tuple[OutageHandler, int]]:
    handler = OutageHandler()
    port = free_low_port("the SMTP server")
    controller = Controller(handler, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_worker(queue, shared_database_url, smtp_server, tmp_path) -> Iterator[Worker]:
    """A worker on ``queue`` that mails through ``smtp_server``, retrying after 1 s, 2 s, 4 s ..."""
    _handler, port = smtp_server
    env = {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "NOTIFICATION_RETRY_SECONDS": "1"}
    with running_worker(
        queue=queue, redis_url=REDIS_URL, database_url=shared_database_url, log_path=tmp_path / "worker.log", env=env
    ) as running:
        yield running


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


def test_a_broker_outage_delays_the_email_until_the_sweeper_runs(worker, queue, outbox, caplog):
    buyer = UserFactory()
    variant = buyable_variant(price=15_000_000)
    # given the broker unreachable when the order is placed
    with publishing_to(DEAD_BROKER, queue), caplog.at_level(logging.WARNING, logger="shop.broker"):
        started = time.monotonic()
        placed = place(buyer, (variant, 1))
        elapsed = time.monotonic() - started
    # then the order committed all the same, quickly, and its deliveries wait pending
    order = placed.orders[0]
    assert elapsed < 10, f"publishing to a dead broker took {elapsed:.1f} s: broker timeouts are missing"
    assert Notification.objects.filter(recipient=buyer, kind="order_placed").exists()
    pending = Delivery.objects.filter(state=Delivery.State.PENDING)
    assert pending.count() == 2  # the buyer's confirmation and the seller's new order
    assert caplog.text.count("The task broker is unreachable") == 1  # once for the outage, not per email
    time.sleep(1)
    assert outbox_messages(outbox) == []
    # when the broker is back and the sweeper runs (twice, as two beats could: harmless)
    with publishing_to(REDIS_URL, queue):
        assert tasks.sweep_deliveries() == 2
        assert tasks.sweep_deliveries() == 0  # handed over already
    # then the worker sends the confirmation, exactly once
    worker.wait_for(
        lambda: not Delivery.objects.filter(state=Delivery.State.PENDING).exists(), "the swept deliveries sent"
    )
    worker.wait_until_idle()
    (confirmation,) = sent_to(outbox, buyer)
    assert order.number in confirmation["Subject"]
    assert format_money(order.total, language="en") in plain_text(confirmation)
    assert len(sent_to(outbox, variant.store.owner)) == 1


def test_a_mail_server_outage_hands_each_attempt_over_once_and_sends_once(smtp_worker, smtp_server, queue):
    handler, _port = smtp_server
    buyer = UserFactory()
    variant = buyable_variant(price=15_000_000)
    seller = variant.store.owner
    # given the mail server refusing mail when the order is placed
    with publishing_to(REDIS_URL, queue):
        order = place(buyer, (variant, 1)).orders[0]
        # (five minutes ago: an outage outlasts any delay a sweeper might wait before acting)
        Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=5))
        sweeps: list[int] = []

        def sweep_until(condition) -> bool:
            """The sweeper runs all along, as beat would (far more often here)."""
            sweeps.append(tasks.sweep_deliveries())
            return condition()

        def attempted(times: int) -> bool:
            return all(attempts >= times for attempts in Delivery.objects.values_list("attempts", flat=True))

        # when the worker has tried each email three times (after 1 s, then 2 s)
        wait_for(lambda: sweep_until(lambda: attempted(3)), timeout=20, what="three attempts", interval=0.2)
        assert handler.received == []
        # and the mail server comes back
        handler.down = False
        wait_for(
            lambda: sweep_until(lambda: not Delivery.objects.filter(state=Delivery.State.PENDING).exists()),
            timeout=20,
            what="the emails sent after the outage",
            interval=0.2,
        )
    smtp_worker.wait_until_idle()
    # then the sweeper never handed over an email that was waiting for its retry
    assert set(sweeps) == {0}, sweeps
    # and each email went exactly once
    assert len(handler.received_by(buyer)) == 1 and len(handler.received_by(seller)) == 1
    assert order.number in handler.received_by(buyer)[0]["Subject"]
    # and its attempts are the real ones: every refusal, and the one that went
    deliveries = {delivery.notification.recipient.email: delivery for delivery in Delivery.objects.all()}
    for address, delivery in deliveries.items():
        assert delivery.state == Delivery.State.SENT
        assert delivery.attempts == handler.refused[address] + 1 >= 4
    # and each attempt was one task handed to the worker: no more
    received = re.findall(r"Task shop\.tasks\.deliver_notification\[[^\]]+\] received", smtp_worker.log())
    assert len(received) == sum(delivery.attempts for delivery in deliveries.values())
