"""Sending a notification's email exactly once, handing each attempt to the broker once.

The ``Delivery`` row is locked while its email goes out and marked sent in the same
transaction, so a retried or duplicated task finds it sent and does nothing. (If the
process dies between the SMTP server accepting the message and the commit, the email can go
twice: the one window no database can close.)

Hand-over: a delivery is given to the broker only after it is marked handed over
(``handed_over_until``), in a conditional update that one caller wins; a failed attempt
schedules its retry (``next_attempt_at``) and keeps the mark, since its task re-queues
itself. The sweeper therefore takes only deliveries that are due and with no task: their
hand-over failed (the broker was down), or it expired (a worker died with the task).
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from shop.models import Delivery
from shop.notifications.emails import build_email

log = logging.getLogger(__name__)

# Errors worth retrying: the mail server or the network, not a bug in a template.
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)
# Attempts before a delivery is given up (the back office can send it again).
MAX_ATTEMPTS = 9
# The longest wait between two attempts.
MAX_BACKOFF_SECONDS = 600


class DeliveryFailed(Exception):
    """A transient error: the attempt is recorded and the next one is due in ``retry_in`` s."""

    def __init__(self, message: str, *, retry_in: int):
        super().__init__(message)
        self.retry_in = retry_in


def backoff_seconds(attempts: int) -> int:
    """The wait after the ``attempts``-th failed attempt: 10 s, 20 s, 40 s ... up to 10 min
    (``NOTIFICATION_RETRY_SECONDS`` is the first)."""
    return min(MAX_BACKOFF_SECONDS, settings.NOTIFICATION_RETRY_SECONDS * 2 ** (attempts - 1))


def _hand_over_deadline(due):
    """Until when a task handed over for an attempt due at ``due`` is presumed alive."""
    return max(due, timezone.now()) + timedelta(seconds=settings.NOTIFICATION_HAND_OVER_SECONDS)


def send_delivery(delivery_id: int) -> str:
    """Send the delivery's email unless it went already. Returns ``"sent"``, ``"done"``
    (nothing to do) or ``"failed"`` (given up after ``MAX_ATTEMPTS``); raises
    ``DeliveryFailed`` after recording a failed attempt and scheduling the next."""
    error = None
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification__recipient", "notification__actor")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state != Delivery.State.PENDING:
            return "done"
        try:
            build_email(delivery.notification).send()
        except TRANSIENT_ERRORS as exc:
            error = exc
            attempts = delivery.attempts + 1  # the row is locked: no other attempt counts meanwhile
            failure = {"attempts": attempts, "last_error": str(exc)[:500]}
            if attempts >= MAX_ATTEMPTS:
                failure.update(state=Delivery.State.FAILED, handed_over_until=None)
            else:
                # The task re-queues itself for the retry: still handed over, until the retry is overdue.
                due = timezone.now() + timedelta(seconds=backoff_seconds(attempts))
                failure.update(next_attempt_at=due, handed_over_until=_hand_over_deadline(due))
            Delivery.objects.filter(pk=delivery.pk).update(**failure)
        else:
            Delivery.objects.filter(pk=delivery.pk).update(
                state=Delivery.State.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
    if error is None:
        return "sent"
    if attempts >= MAX_ATTEMPTS:
        log.error("Gave up on delivery %s after %s attempts: %s", delivery_id, attempts, error)
        return "failed"
    raise DeliveryFailed(str(error), retry_in=backoff_seconds(attempts)) from error


def claim(delivery_ids: list[int]) -> list[int]:
    """Mark the due deliveries among ``delivery_ids`` that have no task as handed over, and
    return them: the caller hands exactly these to the broker. Safe against a concurrent
    claimer (another sweeper, an on-commit hand-over): each delivery is claimed by one."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            _hand_over_candidates(now)
            .filter(pk__in=delivery_ids)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=ids).update(handed_over_until=_hand_over_deadline(now))
    return ids


def release(delivery_id: int) -> None:
    """The hand-over failed (the broker is down): the sweeper may take the delivery when due."""
    Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING).update(handed_over_until=None)


def deliveries_to_hand_over(limit: int = 1000) -> list[int]:
    """Pending deliveries that are due and have no task: their hand-over failed or expired."""
    return list(_hand_over_candidates(timezone.now()).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def _hand_over_candidates(now):
    return Delivery.objects.filter(
        Q(handed_over_until__isnull=True) | Q(handed_over_until__lte=now),
        state=Delivery.State.PENDING,
        next_attempt_at__lte=now,
    )
