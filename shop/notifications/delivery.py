"""Sending a notification's email exactly once.

The ``Delivery`` row is locked while its email goes out and marked sent in the same
transaction, so a retried or duplicated task finds it sent and does nothing. (If the
process dies between the SMTP server accepting the message and the commit, the email can go
twice: the one window no database can close.)
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shop.models import Delivery
from shop.notifications.emails import build_email

log = logging.getLogger(__name__)

# Errors worth retrying: the mail server or the network, not a bug in a template.
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)


class DeliveryFailed(Exception):
    """A transient error: the task retries with backoff."""


def send_delivery(delivery_id: int) -> str:
    """Send the delivery's email unless it went already. Returns ``"sent"``, ``"done"``
    (nothing to do) or raises ``DeliveryFailed`` after recording the attempt."""
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
            Delivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1, last_error=str(exc)[:500])
        else:
            Delivery.objects.filter(pk=delivery.pk).update(
                state=Delivery.State.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
    if error is not None:
        raise DeliveryFailed(str(error)) from error
    return "sent"


def give_up(delivery_id: int, reason: str) -> None:
    Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING).update(
        state=Delivery.State.FAILED, last_error=reason[:500]
    )
    log.error("Gave up on delivery %s: %s", delivery_id, reason)


def stuck_deliveries(limit: int = 1000) -> list[int]:
    """Pending deliveries older than the sweep delay: their task never ran or was lost."""
    cutoff = timezone.now() - timedelta(seconds=settings.NOTIFICATION_SWEEP_AFTER_SECONDS)
    return list(
        Delivery.objects.filter(state=Delivery.State.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
