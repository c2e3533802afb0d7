"""Offers past their time: shown as expired everywhere at once (``Offer.current_status``),
and marked expired by the periodic task (``chat.services.expire_offers``: one UPDATE ...
RETURNING per batch, idempotent), which tells both parties' sockets to fetch the card."""

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chat import services, signals
from chat.models import Message, Offer
from chat.services import offers as offer_services
from chat.tasks import expire_offers_task
from shop.celery import app as celery_app
from tests.chat.offer_helpers import buy, offer_setup, send
from tests.concurrency import in_parallel


@pytest.fixture
def updated():
    seen = []

    def record(sender, *, message, **kwargs):
        seen.append(message.pk)

    signals.message_updated.connect(record, dispatch_uid="test.offer_expiry")
    yield seen
    signals.message_updated.disconnect(dispatch_uid="test.offer_expiry")


def later(hours: float):
    return timezone.now() + timedelta(hours=hours)


@pytest.mark.django_db
def test_open_offers_past_their_time_are_marked_expired_once(updated, django_capture_on_commit_callbacks):
    # given offers valid for 1 hour and for 2 days, one bought and one withdrawn within the hour
    chat, first, second = offer_setup()
    short, long = send(chat, [(first, 1, None)], hours=1), send(chat, [(first, 1, None)], hours=48)
    bought, withdrawn = send(chat, [(second, 1, None)], hours=1), send(chat, [(second, 2, None)], hours=1)
    buy(bought)
    services.withdraw_offer(offer=withdrawn, by=chat.store.owner)
    card = Message.objects.get(offer=short)
    updated.clear()

    # when the sweep runs two hours later, and again
    with django_capture_on_commit_callbacks(execute=True):
        first_run = services.expire_offers(now=later(2))
    with django_capture_on_commit_callbacks(execute=True):
        second_run = services.expire_offers(now=later(2))

    # then only the open offer past its time expired, once, and its card was announced
    assert (first_run, second_run) == (1, 0)
    statuses = dict(Offer.objects.values_list("pk", "status"))
    assert statuses == {short.pk: "expired", long.pk: "open", bought.pk: "accepted", withdrawn.pk: "withdrawn"}
    assert updated == [card.pk]


@pytest.mark.django_db
def test_an_open_offer_past_its_time_shows_as_expired_before_the_sweep(client):
    # given an offer whose hour ran out, not swept yet
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)], hours=1)
    Offer.objects.filter(pk=offer.pk).update(valid_until=timezone.now() - timedelta(minutes=1))

    # when the shopper looks at the thread and the API, and the store tries to withdraw it
    client.force_login(chat.shopper)
    page = client.get(f"/chat/{chat.pk}/").content.decode()
    api = client.get(f"/api/v1/chat/offers/{offer.pk}/").json()
    client.force_login(chat.store.owner)
    withdraw = client.post(f"/api/v1/chat/offers/{offer.pk}/withdraw/")

    # then it is expired everywhere: no "Buy", status "expired", no withdrawing it
    assert "Expired" in page and "?source=offer:" not in page
    assert api["status"] == "expired"
    assert withdraw.status_code == 409
    assert Offer.objects.get(pk=offer.pk).status == "open"


@pytest.mark.django_db
def test_the_sweep_goes_through_every_batch(monkeypatch):
    # given more offers past their time than one batch holds
    chat, first, _second = offer_setup()
    for _ in range(5):
        send(chat, [(first, 1, None)], hours=1)

    # when the sweep runs with batches of two
    expired = services.expire_offers(now=later(2), batch=2)

    # then every one expired
    assert expired == 5
    assert set(Offer.objects.values_list("status", flat=True)) == {"expired"}


@pytest.mark.django_db
def test_the_task_runs_the_sweep_every_minute(monkeypatch):
    # given an offer past its time
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)], hours=1)
    Offer.objects.filter(pk=offer.pk).update(valid_until=timezone.now() - timedelta(seconds=1))

    # when the scheduled task runs
    result = expire_offers_task.delay()

    # then it expired the offer; beat runs it every minute, by a name Celery knows
    assert result.get() == 1 and Offer.objects.get(pk=offer.pk).status == "expired"
    entry = settings.CELERY_BEAT_SCHEDULE["expire-chat-offers"]
    assert entry == {"task": "chat.tasks.expire_offers_task", "schedule": 60}
    assert entry["task"] in celery_app.tasks


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres_only")
def test_an_offer_bought_while_the_sweep_runs_stays_bought():
    """Why this can fail: the sweep picks the offer while it is open, and a purchase commits
    before the sweep writes. Placing holds the offer's row lock; the UPDATE waits for it,
    then checks ``status = 'open'`` again on the committed row and passes over it."""
    # given an open offer, and a purchase holding its row lock (as placing does)
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)], hours=1)
    locked = threading.Event()
    swept = []

    def purchase():
        with transaction.atomic():
            Offer.objects.select_for_update().get(pk=offer.pk)
            Offer.objects.filter(pk=offer.pk).update(status="accepted", accepted_at=timezone.now())
            locked.set()
            time.sleep(0.5)  # the sweep reaches the locked row meanwhile and waits

    def sweep():
        assert locked.wait(10)
        swept.append(offer_services.expire_offers(now=later(2)))

    # when the sweep runs two hours later while the purchase commits
    errors = in_parallel([purchase, sweep])

    # then the offer stays bought and the sweep expired nothing
    assert errors == []
    assert swept == [0]
    assert Offer.objects.get(pk=offer.pk).status == "accepted"
