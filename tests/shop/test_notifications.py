"""The core of notifications: a row written in the event's transaction, preferences, an email
sent exactly once through the task (retried on SMTP errors), the sweeper, and fan-out in batches.

No gettext call with a literal in this file: makemessages scans tests/ too.
"""

import random
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Reject
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from shop import tasks
from shop.celery import app as celery_app
from shop.cursors import BadCursor
from shop.models import Delivery, Notification, NotificationPreference
from shop.notifications import delivery as delivery_module
from shop.notifications import selectors, services
from shop.notifications.emails import build_email, read_unsubscribe_token
from tests.factories import UserFactory
from tests.shop.notification_kinds import COMMENT, FOLLOW, LIKE, ORDER, registered_test_kinds

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _test_kinds():
    with registered_test_kinds():
        yield


@pytest.fixture
def ani():
    return UserFactory(username="ani", first_name="Ani")


@pytest.fixture
def budi():
    return UserFactory(username="budi", first_name="Budi")


class FlakySMTPBackend(LocmemBackend):
    """The test outbox, behind a mail server that drops the connection the first ``failures`` times."""

    failures = 0

    def send_messages(self, messages):
        if FlakySMTPBackend.failures > 0:
            FlakySMTPBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def retries_run_in_process():
    """Celery's eager mode retries a task in place, as a worker would (with its countdowns
    skipped), only when eager errors do not propagate: the suite makes them propagate."""
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = True


@pytest.fixture
def flaky_smtp(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakySMTPBackend"
    yield FlakySMTPBackend
    FlakySMTPBackend.failures = 0


# --- A row first, in the caller's transaction -----------------------------------------------


def test_notify_writes_the_row_and_the_delivery_and_enqueues_it_on_commit(
    ani, budi, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        notification = services.notify(
            recipient=ani, kind=LIKE.name, actor=budi, target_url="/p/1/", group_key="like:post:1"
        )
        # then: both rows exist before the commit; nothing is sent yet
        assert Notification.objects.get() == notification
        assert Delivery.objects.get().notification == notification
        assert mail.outbox == []
    assert len(callbacks) == 1
    assert notification.recipient == ani and notification.actor == budi and notification.in_app


def test_notify_rolls_back_with_the_event(ani, budi, django_capture_on_commit_callbacks):
    # given an event whose transaction fails after notifying
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.notify(recipient=ani, kind=LIKE.name, actor=budi)
        raise RuntimeError("the event failed")
    # then: no notification, no delivery, no email, nothing enqueued
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_nobody_is_notified_of_their_own_action(ani, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = services.notify(recipient=ani, kind=LIKE.name, actor=ani)
        fanned = services.notify_many(recipient_ids=[ani.pk], kind=FOLLOW.name, actor=ani)
    assert result is None and fanned == 0
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_an_unknown_kind_is_refused(ani):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        services.notify(recipient=ani, kind="never_registered")


# --- Preferences ------------------------------------------------------------------------------


def test_turning_email_off_keeps_the_notification_in_the_app_only(ani, budi, django_capture_on_commit_callbacks):
    # given
    services.set_preferences(user=ani, choices={LIKE.name: {"email": False, "in_app": True}})
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(recipient=ani, kind=LIKE.name, actor=budi)
    # then
    assert notification.in_app
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_turning_the_app_off_keeps_the_email_only(ani, budi, django_capture_on_commit_callbacks):
    services.set_preferences(user=ani, choices={LIKE.name: {"email": True, "in_app": False}})
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(recipient=ani, kind=LIKE.name, actor=budi)
    assert notification.in_app is False
    assert Delivery.objects.get().state == Delivery.State.SENT
    assert len(mail.outbox) == 1


def test_turning_both_off_writes_nothing(ani, budi):
    services.set_preferences(user=ani, choices={LIKE.name: {"email": False, "in_app": False}})
    assert services.notify(recipient=ani, kind=LIKE.name, actor=budi) is None
    assert not Notification.objects.exists()


def test_a_kind_that_does_not_email_by_default_emails_once_turned_on(ani, budi, django_capture_on_commit_callbacks):
    # given: comments do not email by default
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=ani, kind=COMMENT.name, actor=budi, data={"text": "Nice!"})
    assert mail.outbox == []
    # when
    services.set_preferences(user=ani, choices={COMMENT.name: {"email": True, "in_app": True}})
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=ani, kind=COMMENT.name, actor=budi, data={"text": "Nicer!"})
    # then
    assert len(mail.outbox) == 1
    assert "budi commented: Nicer!" not in mail.outbox[0].body  # display names, not usernames
    assert "Budi commented: Nicer!" in mail.outbox[0].body


def test_transactional_kinds_ignore_preferences(ani, django_capture_on_commit_callbacks):
    # given: set_preferences leaves transactional kinds alone, and even a stored "off" row is ignored
    services.set_preferences(user=ani, choices={ORDER.name: {"email": False, "in_app": False}})
    assert not NotificationPreference.objects.filter(kind=ORDER.name).exists()
    NotificationPreference.objects.create(user=ani, kind=ORDER.name, email=False, in_app=False)
    services.unsubscribe(user=ani, kind=ORDER.name)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(recipient=ani, kind=ORDER.name, data={"number": "INV-1"})
    # then
    assert notification.in_app
    assert len(mail.outbox) == 1


def test_unsubscribe_turns_the_email_off_and_leaves_the_app_as_it_was(ani, budi, django_capture_on_commit_callbacks):
    services.unsubscribe(user=ani, kind=LIKE.name)
    preference = NotificationPreference.objects.get(user=ani, kind=LIKE.name)
    assert preference.email is False and preference.in_app is True
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify(recipient=ani, kind=LIKE.name, actor=budi).in_app
    assert mail.outbox == []


def test_a_user_without_an_email_address_gets_the_notification_in_the_app(budi, django_capture_on_commit_callbacks):
    nomail = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(recipient=nomail, kind=ORDER.name, actor=budi, data={"number": "INV-2"})
    assert notification.in_app
    assert not Delivery.objects.exists()


# --- Delivery: exactly once, in the recipient's language, retried ------------------------------


def test_the_email_goes_exactly_once_even_when_the_task_runs_twice(ani, budi, django_capture_on_commit_callbacks):
    # given: the email went out through the on-commit task
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=ani, kind=LIKE.name, actor=budi, target_url="/p/1/")
    delivery = Delivery.objects.get()
    assert len(mail.outbox) == 1
    # when: a duplicate of the task runs (a redelivered message, the sweeper racing it)
    assert tasks.deliver_notification.delay(delivery.pk).get() == "done"
    tasks.deliver_notification.apply(args=[delivery.pk])
    # then
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT
    assert delivery.attempts == 1
    assert delivery.sent_at is not None


def test_an_optional_kind_email_carries_the_text_and_a_one_click_unsubscribe(
    ani, budi, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=ani, kind=LIKE.name, actor=budi, target_url="/p/7/", data={"what": "your batik post"})
    message = mail.outbox[0]
    assert message.to == [ani.email]
    assert "Budi liked your batik post" in message.subject
    assert "Budi liked your batik post" in message.body
    assert "http://127.0.0.1:8000/p/7/" in message.body
    html = message.alternatives[0][0]
    assert "Budi liked your batik post" in html
    # RFC 2369 and RFC 8058 headers, naming a signed link for this user and this kind
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://127.0.0.1:8000/notifications/unsubscribe/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert read_unsubscribe_token(token) == (ani.pk, LIKE.name)
    assert link in message.body and link in html


def test_a_transactional_email_has_no_unsubscribe(ani, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=ani, kind=ORDER.name, data={"number": "INV-9"})
    message = mail.outbox[0]
    assert "Order INV-9 is confirmed" in message.subject
    assert "List-Unsubscribe" not in message.extra_headers
    assert "unsubscribe" not in message.body.lower()


def test_the_email_is_written_in_the_recipients_language(ani, budi, django_capture_on_commit_callbacks):
    # given: Ani reads Indonesian; Budi's request (this thread) is in English
    ani.language = "id"
    ani.save(update_fields=["language"])
    budi_fan = UserFactory(language="")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=ani, kind=ORDER.name, data={"number": "INV-3"})
        services.notify(recipient=budi_fan, kind=ORDER.name, data={"number": "INV-4"})
    # then: each text was made in its recipient's language (the default for no choice)
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert "Order INV-3 is confirmed [id]" in by_recipient[ani.email].body
    assert "Order INV-4 is confirmed [en]" in by_recipient[budi_fan.email].body
    assert '<html lang="id">' in by_recipient[ani.email].alternatives[0][0]
    assert '<html lang="en">' in by_recipient[budi_fan.email].alternatives[0][0]


def test_an_unknown_language_falls_back_to_the_default(ani):
    ani.language = "xx"
    notification = Notification.objects.create(recipient=ani, kind=ORDER.name, data={"number": "INV-5"})
    assert "[en]" in build_email(notification).body


def test_a_transient_smtp_error_is_recorded_and_retried_until_it_goes(
    ani, budi, flaky_smtp, retries_run_in_process, django_capture_on_commit_callbacks
):
    # given: the mail server drops the first two attempts
    flaky_smtp.failures = 2
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=ani, kind=LIKE.name, actor=budi)
    # then: the third attempt went, once
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.SENT
    assert delivery.attempts == 3
    assert delivery.last_error == ""
    assert len(mail.outbox) == 1


def test_without_a_worker_a_failed_attempt_waits_for_the_sweeper(
    ani, budi, flaky_smtp, settings, django_capture_on_commit_callbacks
):
    # given the embedded set-up (tasks run in the request, errors propagate): the first attempt fails
    flaky_smtp.failures = 1
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=ani, kind=LIKE.name, actor=budi)
    # then: the event stands, the attempt is recorded, the delivery is still pending
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PENDING
    assert delivery.attempts == 1
    assert "Connection unexpectedly closed" in delivery.last_error
    assert mail.outbox == []
    # and the sweeper leaves it be while its retry's backoff runs
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=5)
    assert tasks.sweep_deliveries() == 0
    # when the backoff is over and the sweeper runs
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert tasks.sweep_deliveries() == 1
    # then
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT
    assert delivery.attempts == 2
    assert len(mail.outbox) == 1


def test_each_failed_attempt_is_recorded(ani, budi, flaky_smtp, django_capture_on_commit_callbacks):
    # given a pending delivery (its task could not be enqueued)
    with (
        mock.patch.object(tasks.deliver_notification, "apply_async", side_effect=OperationalError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.notify(recipient=ani, kind=LIKE.name, actor=budi)
    delivery = Delivery.objects.get()
    flaky_smtp.failures = 1
    # when
    with pytest.raises(delivery_module.DeliveryFailed):
        delivery_module.send_delivery(delivery.pk)
    # then
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING
    assert delivery.attempts == 1
    assert "Connection unexpectedly closed" in delivery.last_error
    assert mail.outbox == []


def test_the_task_retries_with_exponential_backoff(ani, budi, flaky_smtp):
    # given a pending delivery and a mail server that fails once
    with mock.patch.object(tasks.deliver_notification, "apply_async", side_effect=OperationalError("broker down")):
        services.notify(recipient=ani, kind=LIKE.name, actor=budi)
    delivery = Delivery.objects.get()
    flaky_smtp.failures = 1
    # when
    with (
        mock.patch.object(tasks.deliver_notification, "retry", side_effect=RuntimeError("retry")) as retry,
        pytest.raises(RuntimeError, match="retry"),
    ):
        tasks.deliver_notification.apply(args=[delivery.pk], throw=True)
    # then: the first retry waits 10 s (10, 20, 40 ... capped at 10 minutes)
    assert retry.call_args.kwargs["countdown"] == 10


def test_a_delivery_that_keeps_failing_is_given_up(
    ani, budi, flaky_smtp, retries_run_in_process, django_capture_on_commit_callbacks
):
    flaky_smtp.failures = 1000
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=ani, kind=LIKE.name, actor=budi)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.FAILED
    assert delivery.attempts == delivery_module.MAX_ATTEMPTS
    assert "Connection unexpectedly closed" in delivery.last_error
    assert mail.outbox == []


# --- A broker outage delays, never loses ------------------------------------------------------


def test_enqueue_swallows_a_broker_error_and_leaves_the_delivery_pending(ani, budi, django_capture_on_commit_callbacks):
    # when the broker is down at commit time
    with (
        mock.patch.object(
            tasks.deliver_notification, "apply_async", side_effect=OperationalError("broker down")
        ) as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = services.notify(recipient=ani, kind=LIKE.name, actor=budi)
    # then: the event's rows stand, the email waits
    assert delay.called
    assert Notification.objects.get() == notification
    assert Delivery.objects.get().state == Delivery.State.PENDING
    assert mail.outbox == []


@pytest.fixture
def pending_delivery(django_capture_on_commit_callbacks):
    """Makes a delivery whose hand-over to the broker failed."""

    def make(recipient, actor) -> Delivery:
        with (
            mock.patch.object(tasks.deliver_notification, "apply_async", side_effect=OperationalError("broker down")),
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.notify(recipient=recipient, kind=LIKE.name, actor=actor)
        delivery = Delivery.objects.latest("pk")
        assert delivery.state == Delivery.State.PENDING and delivery.handed_over_until is None
        return delivery

    return make


def test_the_sweeper_hands_over_due_deliveries_without_a_task_and_nothing_else(
    ani, budi, pending_delivery, django_capture_on_commit_callbacks
):
    # given a delivery whose hand-over failed, one waiting for a retry, one with a task in the
    # queue, and one already sent
    stuck = pending_delivery(ani, budi)
    waiting = pending_delivery(budi, ani)
    Delivery.objects.filter(pk=waiting.pk).update(attempts=1, next_attempt_at=timezone.now() + timedelta(seconds=20))
    queued = pending_delivery(UserFactory(), budi)
    assert delivery_module.claim([queued.pk]) == [queued.pk]  # as an on-commit hand-over does
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=UserFactory(), kind=LIKE.name, actor=budi)  # sent at once (tasks run in-process)
    mail.outbox.clear()
    # when the broker is back and the sweeper runs
    assert tasks.sweep_deliveries.delay().get() == 1
    # then only the stuck one went
    assert Delivery.objects.get(pk=stuck.pk).state == Delivery.State.SENT
    assert Delivery.objects.get(pk=waiting.pk).state == Delivery.State.PENDING
    assert Delivery.objects.get(pk=queued.pk).state == Delivery.State.PENDING
    assert [message.to for message in mail.outbox] == [[ani.email]]
    # and a second sweep finds nothing more to do
    assert tasks.sweep_deliveries() == 0
    assert len(mail.outbox) == 1


def test_a_hand_over_that_expired_is_taken_again_by_the_sweeper(ani, budi, pending_delivery):
    # given a delivery handed to a worker that died with its task
    delivery = pending_delivery(ani, budi)
    assert delivery_module.claim([delivery.pk]) == [delivery.pk]
    assert delivery_module.claim([delivery.pk]) == []  # handed over once
    assert tasks.sweep_deliveries() == 0
    # when its hand-over expires
    Delivery.objects.filter(pk=delivery.pk).update(handed_over_until=timezone.now() - timedelta(seconds=1))
    # then the sweeper hands it over again, and it goes
    assert tasks.sweep_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT
    assert delivery.attempts == 1
    assert [message.to for message in mail.outbox] == [[ani.email]]


def test_a_retry_the_broker_refused_is_left_to_the_sweeper_when_due(ani, budi, pending_delivery, flaky_smtp):
    # given a delivery handed to a worker, whose attempt fails while the broker is down
    delivery = pending_delivery(ani, budi)
    assert delivery_module.claim([delivery.pk]) == [delivery.pk]
    flaky_smtp.failures = 1
    # when the task cannot hand its retry over (Celery rejects the message then)
    with mock.patch.object(tasks.deliver_notification, "retry", side_effect=Reject("broker down", requeue=False)):
        tasks.deliver_notification.apply(args=[delivery.pk])
    # then the attempt is recorded, and no task holds the delivery any more
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.state == Delivery.State.PENDING
    assert delivery.handed_over_until is None
    # and the sweeper takes it once its backoff is over, not before
    assert tasks.sweep_deliveries() == 0
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert tasks.sweep_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT and delivery.attempts == 2


def test_the_sweeper_counts_only_what_it_could_hand_over(ani, budi, pending_delivery):
    delivery = pending_delivery(ani, budi)
    with mock.patch.object(tasks.deliver_notification, "apply_async", side_effect=OperationalError("still down")):
        assert tasks.sweep_deliveries() == 0
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING
    assert delivery.handed_over_until is None  # the sweeper's next run takes it again


def test_send_again_resets_failed_deliveries_only(
    ani, budi, flaky_smtp, retries_run_in_process, django_capture_on_commit_callbacks
):
    # given one failed delivery and one sent
    flaky_smtp.failures = 1000
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=ani, kind=LIKE.name, actor=budi)
    failed = Delivery.objects.get()
    flaky_smtp.failures = 0
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=budi, kind=LIKE.name, actor=ani)
    sent = Delivery.objects.exclude(pk=failed.pk).get()
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        count = services.retry_deliveries(delivery_ids=[failed.pk, sent.pk])
    # then
    assert count == 1
    failed.refresh_from_db()
    assert failed.state == Delivery.State.SENT
    assert [message.to for message in mail.outbox] == [[ani.email]]


# --- Fan-out in batches -------------------------------------------------------------------------


def _fan_out_queries(recipient_ids, batch_size, actor) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.notify_many(recipient_ids=recipient_ids, kind=FOLLOW.name, actor=actor, batch_size=batch_size)
    return len(queries)


def test_notify_many_costs_queries_per_batch_not_per_recipient(budi):
    people = [UserFactory().pk for _ in range(24)]
    # given the same number of batches (2), for 6 and for 24 recipients
    two_small = _fan_out_queries(people[:6], 3, budi)
    two_large = _fan_out_queries(people, 12, budi)
    # and twice as many batches for the same 24 recipients
    four = _fan_out_queries(people, 6, budi)
    # then
    assert two_small == two_large
    assert four == 2 * two_large
    assert Notification.objects.count() == 6 + 24 + 24


def test_notify_many_honours_preferences_and_skips_the_actor(budi):
    # given
    people = [UserFactory() for _ in range(5)]
    services.set_preferences(user=people[0], choices={FOLLOW.name: {"email": True, "in_app": False}})
    services.set_preferences(user=people[1], choices={FOLLOW.name: {"email": False, "in_app": True}})
    # when
    created = services.notify_many(
        recipient_ids=[person.pk for person in people] + [budi.pk], kind=FOLLOW.name, actor=budi, batch_size=2
    )
    # then
    assert created == 4
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {person.pk for person in people[1:]}
    assert not Delivery.objects.exists()  # fan-out is in-app only


# --- The inbox selector ---------------------------------------------------------------------------


@pytest.mark.parametrize("window, limit", [(500, 20), (7, 4), (3, 5), (1, 1)])
def test_inbox_pages_list_each_group_once_at_its_latest_notification(ani, monkeypatch, window, limit):
    # given: 60 notifications at random times over 8 groups and single ones, some read
    monkeypatch.setattr(selectors, "WINDOW", window)
    monkeypatch.setattr(selectors, "MAX_WINDOWS", 2)
    chance = random.Random(6)
    fans = [UserFactory(first_name=f"Fan{number}") for number in range(5)]
    now = timezone.now()
    for _number in range(60):
        group = chance.choice(["", "", *[f"like:post:{post}" for post in range(8)]])
        notification = services.notify(recipient=ani, kind=LIKE.name, actor=chance.choice(fans), group_key=group)
        # same-second ties too: the id breaks them
        Notification.objects.filter(pk=notification.pk).update(
            created_at=now - timedelta(seconds=chance.randrange(30)),
            read_at=now if chance.random() < 0.3 else None,
        )
    services.notify(recipient=UserFactory(), kind=LIKE.name, actor=ani)  # someone else's
    # the expected rows, worked out the slow way
    everything = list(Notification.objects.filter(recipient=ani).order_by("-created_at", "-pk"))
    expected, seen = [], set()
    for notification in everything:
        if not notification.group_key:
            expected.append(notification.pk)
        elif notification.group_key not in seen:
            seen.add(notification.group_key)
            expected.append(notification.pk)
    # when
    rows, cursor = [], None
    for _page in range(200):
        page = selectors.inbox(user=ani, cursor=cursor, limit=limit)
        assert len(page.rows) <= limit
        rows += page.rows
        cursor = page.next_cursor
        if cursor is None:
            break
    # then
    assert [row.id for row in rows] == expected
    for row in rows:
        members = [n for n in everything if row.group_key and n.group_key == row.group_key] or [row.latest]
        assert row.count == len(members)
        assert row.unread == any(n.read_at is None for n in members)
        assert row.actor_count == len({n.actor_id for n in members})
        assert row.actor_names[0] == row.latest.actor.display_name


def test_unread_count_counts_in_app_unread_only_and_stops_at_the_cap(ani, budi):
    services.set_preferences(user=ani, choices={COMMENT.name: {"email": True, "in_app": False}})
    services.notify(recipient=ani, kind=COMMENT.name, actor=budi)  # email only
    services.notify(recipient=ani, kind=LIKE.name, actor=budi)
    assert selectors.unread_count(ani) == 1
    Notification.objects.bulk_create(Notification(recipient=ani, kind=LIKE.name) for _ in range(150))
    assert selectors.unread_count(ani) == selectors.UNREAD_COUNT_CAP


def test_a_forged_cursor_is_refused(ani):
    for cursor in ("x", "bm9wZQ", "MjAyNi0wMS0wMXwx", "MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHww"):
        with pytest.raises(BadCursor):
            selectors.inbox(user=ani, cursor=cursor)
