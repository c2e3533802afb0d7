"""Writing notifications: a row first, in the caller's transaction; a delivery second.

``notify`` is called by a service *inside* the transaction that makes the event (an order
placed, a follow): if the event rolls back, so does its notification. The email is a
``Delivery`` row written at the same time and sent by a Celery task enqueued on commit. If
the broker is down at that moment the row stays pending and the sweeper
(``shop.tasks.sweep_deliveries``) hands it over later: delayed, never lost. Each attempt is
handed to the broker once (``shop.notifications.delivery``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.broker import accepting_tasks, publish
from shop.models import Delivery, Notification, NotificationPreference, User
from shop.notifications import kinds
from shop.notifications.delivery import claim, release

log = logging.getLogger(__name__)

FAN_OUT_BATCH = 2000


def wants(*, user_id: int, kind: kinds.Kind, channel: str, preferences: dict | None = None) -> bool:
    """Whether the user gets ``kind`` on ``channel`` ("email" or "in_app")."""
    if kind.transactional:
        return True
    if preferences is None:
        row = NotificationPreference.objects.filter(user_id=user_id, kind=kind.name).first()
    else:
        row = preferences.get(user_id)
    if row is None:
        return kind.email_by_default if channel == "email" else True
    return getattr(row, channel)


def notify(
    *,
    recipient: User,
    kind: str,
    actor: User | None = None,
    target_url: str = "",
    data: dict | None = None,
    group_key: str = "",
) -> Notification | None:
    """Tell ``recipient`` about an event of ``kind``. Call inside the event's transaction.

    Nobody is notified of their own actions. Returns the notification, or ``None`` when
    the recipient turned this kind off entirely.
    """
    spec = kinds.get(kind)
    if spec is None:
        raise ValueError(f"Unknown notification kind {kind!r}: register it in an AppConfig.ready().")
    if actor is not None and actor.pk == recipient.pk:
        return None
    in_app = wants(user_id=recipient.pk, kind=spec, channel="in_app")
    email = spec.emails and bool(recipient.email) and wants(user_id=recipient.pk, kind=spec, channel="email")
    if not (in_app or email):
        return None
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        actor=actor,
        target_url=target_url[:300],
        group_key=group_key[:120],
        data=data or {},
        in_app=in_app,  # False: email only, never shown in the inbox
    )
    if email:
        delivery_id = Delivery.objects.create(notification=notification).pk
        transaction.on_commit(lambda: enqueue_delivery(delivery_id=delivery_id))
    return notification


def notify_many(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    actor: User | None = None,
    target_url: str = "",
    data: dict | None = None,
    group_key: str = "",
    batch_size: int = FAN_OUT_BATCH,
) -> int:
    """Fan one event out to many recipients in bulk inserts (run it in a task, never in a
    request). In-app only: kinds sent this way do not email one by one. Returns the count."""
    spec = kinds.get(kind)
    if spec is None:
        raise ValueError(f"Unknown notification kind {kind!r}")
    created = 0
    batch: list[int] = []

    def flush() -> int:
        preferences = {row.user_id: row for row in NotificationPreference.objects.filter(user_id__in=batch, kind=kind)}
        rows = [
            Notification(
                recipient_id=user_id,
                kind=kind,
                actor=actor,
                target_url=target_url[:300],
                group_key=group_key[:120],
                data=data or {},
            )
            for user_id in batch
            if (actor is None or user_id != actor.pk)
            and wants(user_id=user_id, kind=spec, channel="in_app", preferences=preferences)
        ]
        Notification.objects.bulk_create(rows, batch_size=batch_size)
        return len(rows)

    for user_id in recipient_ids:
        batch.append(user_id)
        if len(batch) >= batch_size:
            with transaction.atomic():
                created += flush()
            batch = []
    if batch:
        with transaction.atomic():
            created += flush()
    return created


def enqueue_delivery(*, delivery_id: int) -> bool:
    """Hand one delivery to the worker (see ``hand_over``). Returns whether it went."""
    return hand_over(delivery_ids=[delivery_id]) == 1


def hand_over(*, delivery_ids: Iterable[int]) -> int:
    """Hand the deliveries among ``delivery_ids`` that are due and have no task to the worker,
    each exactly once. Returns how many went. A broker failure is not raised (it is logged
    once per outage by ``shop.broker``): the rows are committed and pending, and the sweeper
    hands them over when the broker is back."""
    from shop.tasks import deliver_notification

    if not accepting_tasks():
        return 0  # the broker is down (logged): the deliveries stay unclaimed, for the sweeper
    handed = 0
    for delivery_id in claim(list(delivery_ids)):
        try:
            went = publish(deliver_notification, delivery_id)
        except Exception:  # no broker: the attempt ran here, failed, and is recorded on the row
            log.warning("Delivery %s failed in process; the sweeper will retry it.", delivery_id, exc_info=True)
            went = False
        if went:
            handed += 1
        else:
            release(delivery_id)
    return handed


def mark_read(*, user: User, notification_ids: Iterable[int]) -> int:
    """Mark the user's own notifications read (ids of others are ignored). Returns the count."""
    ids = [int(pk) for pk in notification_ids]
    return Notification.objects.filter(recipient=user, pk__in=ids, read_at__isnull=True, in_app=True).update(
        read_at=timezone.now()
    )


def mark_group_read(*, user: User, group_key: str) -> int:
    return Notification.objects.filter(recipient=user, group_key=group_key, read_at__isnull=True, in_app=True).update(
        read_at=timezone.now()
    )


def mark_all_read(*, user: User) -> int:
    # in_app: email-only notifications are never shown, never read; the partial indexes cover the rest.
    return Notification.objects.filter(recipient=user, read_at__isnull=True, in_app=True).update(read_at=timezone.now())


@transaction.atomic
def set_preferences(*, user: User, choices: dict[str, dict[str, bool]]) -> None:
    """``choices``: ``{kind: {"email": bool, "in_app": bool}}`` for optional kinds only."""
    for kind in kinds.optional_kinds():
        if kind.name not in choices:
            continue
        wanted = choices[kind.name]
        NotificationPreference.objects.update_or_create(
            user=user,
            kind=kind.name,
            defaults={"email": bool(wanted.get("email")), "in_app": bool(wanted.get("in_app", True))},
        )


def unsubscribe(*, user: User, kind: str) -> None:
    """Stop emails of ``kind`` (from the one-click link); in-app stays as it was."""
    spec = kinds.get(kind)
    if spec is None or spec.transactional:
        return
    NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"email": False})


def set_language(*, user: User, language: str) -> None:
    """The language of the user's emails: one of ``settings.LANGUAGES``."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError(_("Choose one of the languages offered."), code="invalid_language")
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language


def retry_deliveries(*, delivery_ids: Iterable[int]) -> int:
    """Send failed deliveries again (the back office's "send again"): pending once more,
    enqueued after commit. Returns how many were reset; deliveries not failed are left alone."""
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update()
            .filter(pk__in=list(delivery_ids), state=Delivery.State.FAILED)
            .values_list("pk", flat=True)
        )
        # A new round of attempts, due now.
        Delivery.objects.filter(pk__in=ids).update(
            state=Delivery.State.PENDING,
            last_error="",
            attempts=0,
            next_attempt_at=timezone.now(),
            handed_over_until=None,
        )
        transaction.on_commit(functools.partial(hand_over, delivery_ids=ids))
    return len(ids)
