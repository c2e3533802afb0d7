"""A campaign through a real Celery worker (a subprocess, through Redis, on the test's own
database) to a real SMTP server (aiosmtpd): 1,000 recipients get exactly one email each, the
contacts who may not be mailed get none, also when the worker is killed (SIGKILL) in the
middle of sending and another one started.

The kill is made at the worst moment on purpose: the SMTP server has just taken an email
(DATA received) and the worker dies before it hears "250" and marks its row. That row is
"interrupted" and never sent again (marketing.campaigns.engine states the trade-off), so the
address still gets exactly one email; the rows the dead worker had claimed but not begun go
back to the queue and are sent by the next worker.

Needs Redis (``REDIS_URL``), like tests/shop/test_worker_delivery.py; without it they skip, and
fail when ``FAIL_ON_SKIP=1``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from marketing import services
from marketing.campaign_models import Campaign, Recipient
from marketing.campaigns import engine, tracking
from marketing.models import Source, Suppression
from tests.celery_worker import REDIS_URL, publishing_to, running_worker, wait_for
from tests.factories import StoreFactory
from tests.marketing.campaign_helpers import bulk_mailable, campaign_for, mailable_contact
from tests.ports import free_low_port

pytestmark = [pytest.mark.django_db(transaction=True)]

AUDIENCE = 1000


class CountingHandler:
    """Counts the messages each address received (by RCPT, once per DATA accepted). When
    ``kill_after`` messages have arrived, SIGKILLs ``victim`` *before* answering "250"."""

    def __init__(self):
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.kill_after: int | None = None
        self.victim: int | None = None
        self.killed = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for address in envelope.rcpt_tos:
                self.received[address] += 1
            total = sum(self.received.values())
        if self.kill_after is not None and total >= self.kill_after and not self.killed.is_set():
            self.killed.set()
            os.kill(self.victim, signal.SIGKILL)
        return "250 Message accepted for delivery"

    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())


@pytest.fixture
def smtp() -> Iterator[tuple[CountingHandler, int]]:
    handler = CountingHandler()
    port = free_low_port("the SMTP server")
    controller = Controller(handler, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def worker_env(port: int) -> dict:
    return {
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "MARKETING_CHUNK_SIZE": "50",
        "MARKETING_PARALLEL_CHUNKS": "2",
        "MARKETING_HOURLY_CAP": "100000",
    }


def audience_with_people_who_may_not_be_mailed(store):
    bulk_mailable(store, AUDIENCE)
    refused = []
    left = mailable_contact(store, "left@example.com")
    services.withdraw_consent(contact=left, source=Source.LINK)
    refused.append("left@example.com")
    mailable_contact(store, "bounced@example.com")
    services.suppress_address(email="bounced@example.com", reason=Suppression.Reason.HARD_BOUNCE)
    refused.append("bounced@example.com")
    asked = services.record_contact(
        store_id=store.pk, seen=[services.Seen("email", "asked@example.com")], source=Source.FORM
    )
    services.ask_consent(contact=asked, email="asked@example.com", source=Source.FORM, text="Yes")
    refused.append("asked@example.com")
    return refused


def assert_exactly_once(handler: CountingHandler, refused: list[str]) -> None:
    expected = {f"buyer{n}@example.com" for n in range(AUDIENCE)}
    assert set(handler.received) == expected, sorted(set(handler.received) ^ expected)[:10]
    twice = {address: n for address, n in handler.received.items() if n != 1}
    assert not twice, f"mailed more than once: {list(twice.items())[:10]}"
    assert not set(refused) & set(handler.received)


def test_a_real_worker_sends_a_1000_recipient_campaign_once_to_each_address(queue, shared_database_url, smtp, tmp_path):
    handler, port = smtp
    store = StoreFactory()
    refused = audience_with_people_who_may_not_be_mailed(store)
    campaign = campaign_for(store)
    with running_worker(
        queue=queue,
        redis_url=REDIS_URL,
        database_url=shared_database_url,
        log_path=tmp_path / "worker.log",
        env=worker_env(port),
    ) as worker:
        with publishing_to(REDIS_URL, queue):
            assert engine.start_campaign(campaign) == AUDIENCE
        worker.wait_for(
            lambda: Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.SENT).exists(),
            "the campaign to be sent",
            timeout=120,
        )
    assert_exactly_once(handler, refused)
    report = tracking.campaign_report(campaign)
    assert (report.sent, report.interrupted, report.queued) == (AUDIENCE, 0, 0)


def test_a_worker_killed_mid_send_and_started_again_still_mails_each_address_once(
    queue, shared_database_url, smtp, tmp_path, settings
):
    handler, port = smtp
    settings.MARKETING_CLAIM_LEASE_SECONDS = 3  # the sweeper in this process takes dead claims back soon
    store = StoreFactory()
    refused = audience_with_people_who_may_not_be_mailed(store)
    campaign = campaign_for(store)
    env = {**worker_env(port), "MARKETING_CLAIM_LEASE_SECONDS": "3"}
    # given a worker that is SIGKILLed once the server holds 300 emails, before it answers the 300th
    with running_worker(
        queue=queue, redis_url=REDIS_URL, database_url=shared_database_url, log_path=tmp_path / "first.log", env=env
    ) as worker:
        handler.victim, handler.kill_after = worker.process.pid, 300
        with publishing_to(REDIS_URL, queue):
            engine.start_campaign(campaign)
        wait_for(handler.killed.is_set, timeout=120, what="the worker to be killed mid-send")
        worker.process.wait(timeout=10)
        assert worker.process.returncode == -signal.SIGKILL
    assert handler.total() == 300
    assert Recipient.objects.filter(campaign=campaign, state=Recipient.State.SENDING).count() == 1
    # when another worker starts and the sweeper runs (every minute in production; here until done)
    with (
        running_worker(
            queue=queue,
            redis_url=REDIS_URL,
            database_url=shared_database_url,
            log_path=tmp_path / "second.log",
            env=env,
        ) as worker,
        publishing_to(REDIS_URL, queue),
    ):

        def swept_and_sent() -> bool:
            engine.sweep()
            return Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.SENT).exists()

        worker.wait_for(swept_and_sent, "the campaign to be sent after the restart", timeout=120)
    # then every address got exactly one email: the one in flight is not sent again
    assert_exactly_once(handler, refused)
    report = tracking.campaign_report(campaign)
    assert (report.sent, report.interrupted, report.queued) == (AUDIENCE - 1, 1, 0)
