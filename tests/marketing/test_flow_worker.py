"""A flow step through a real Celery worker (a subprocess, through Redis, on the test's own
database) to a real SMTP server (aiosmtpd): every due enrolment's step reaches its address
exactly once, also when the evaluation runs again while the worker is sending and when the
same chunk task is delivered twice (as ``acks_late`` allows after a lost acknowledgement); the
contacts who may not be mailed get nothing.

Needs Redis (``REDIS_URL``), like tests/marketing/test_campaign_worker.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketing import services
from marketing.flow_models import Enrolment, Flow, FlowSend
from marketing.flows import defaults, engine
from marketing.models import Contact, Source
from marketing.tasks import send_flow_steps_task
from tests.celery_worker import REDIS_URL, publishing_to, running_worker
from tests.factories import StoreFactory
from tests.marketing.campaign_helpers import bulk_mailable, mailable_contact
from tests.marketing.test_campaign_worker import smtp  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.django_db(transaction=True)]

ENROLLED = 100


def test_a_real_worker_sends_each_due_flow_step_exactly_once(queue, shared_database_url, smtp, tmp_path):  # noqa: F811
    handler, port = smtp
    # given a win-back flow with 200 due enrolments, and one contact who withdrew after enrolling
    store = StoreFactory()
    flow = next(flow for flow in defaults.ensure_flows(store=store) if flow.kind == Flow.Kind.WIN_BACK)
    defaults.switch(flow=flow, enabled=True)
    contacts = bulk_mailable(store, ENROLLED)
    left = mailable_contact(store, "left@example.com")
    now = timezone.now() - timedelta(minutes=1)
    Enrolment.objects.bulk_create(
        Enrolment(flow=flow, store=store, contact=contact, trigger_key="winback:x", due_at=now, enrolled_at=now)
        for contact in [*contacts, left]
    )
    services.withdraw_consent(contact=Contact.objects.get(pk=left.pk), source=Source.LINK)
    env = {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "MARKETING_FLOW_CHUNK_SIZE": "25", "MARKETING_HOURLY_CAP": "100000"}
    with (
        running_worker(
            queue=queue, redis_url=REDIS_URL, database_url=shared_database_url, log_path=tmp_path / "w.log", env=env
        ) as worker,
        publishing_to(REDIS_URL, queue),
    ):
        # when the evaluation hands the steps over, runs again at once, and a chunk is delivered twice
        first = engine.evaluate()
        again = engine.evaluate()
        ids = list(Enrolment.objects.filter(flow=flow).order_by("pk").values_list("pk", flat=True)[:25])
        send_flow_steps_task.apply_async((ids,), queue=queue)
        worker.wait_for(
            lambda: (
                FlowSend.objects.filter(state=FlowSend.State.SENT).count() == ENROLLED
                and not Enrolment.objects.filter(claimed_at__isnull=False).exists()
            ),
            "every step to be sent",
            timeout=240,
        )
    # then each address got the step once, the one who withdrew none
    assert first["exited"] == {engine.NOT_MAILABLE: 1} and first["claimed"] == ENROLLED
    assert again["claimed"] == 0
    expected = {f"buyer{n}@example.com" for n in range(ENROLLED)}
    assert set(handler.received) == expected
    assert set(handler.received.values()) == {1}
    assert Enrolment.objects.filter(flow=flow, position=2, state=Enrolment.State.ACTIVE).count() == ENROLLED
