"""Notifying many people at once, each with their own text and email: reminders and digests.

``notify`` writes one notification in a few queries; ``notify_many`` fans one event out in
bulk but in-app only. The periodic reminders (back in stock, abandoned carts, review
requests, daily digests) need both: many recipients, each with their own data, and an email
for those whose preferences want one. ``notify_batch`` writes one batch of them in a
constant number of queries, whatever its size, and can skip the recipients who already got
the same thing recently ("at most once a day"). Like every notification it is a row first
and a delivery second: the emails are enqueued after commit, and the sweeper picks up any
that the broker lost.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction

from shop.models import Delivery, Notification, NotificationPreference, User
from shop.notifications import kinds
from shop.notifications.services import hand_over, wants


@dataclass
class Draft:
    """One notification to write: to whom, where it links, what its text and email need."""

    recipient_id: int
    target_url: str = ""
    data: dict = field(default_factory=dict)
    group_key: str = ""


def notify_batch(kind: str, drafts: Sequence[Draft], *, unless_since: datetime | None = None) -> list[Notification]:
    """Write the notifications of ``drafts`` (one batch: a few hundred or thousand) in bulk.

    Each recipient's preferences decide the channels, as for ``notify``: in the inbox, by
    email (if they have an address), both, or not at all. Inactive users are skipped.
    ``unless_since``: skip a draft whose recipient already has a ``kind`` notification
    with the same ``group_key`` created since then (the "once per variant per day" rule);
    on PostgreSQL the check holds under concurrent runs too (a transaction-level advisory
    lock per group key, taken in one fixed order). Runs in its own transaction (or the
    caller's); the emails are enqueued once it commits. Returns the notifications written.
    """
    spec = kinds.get(kind)
    if spec is None:
        raise ValueError(f"Unknown notification kind {kind!r}: register it in an AppConfig.ready().")
    if not drafts:
        return []
    recipient_ids = {draft.recipient_id for draft in drafts}
    group_keys = sorted({draft.group_key[:120] for draft in drafts})
    with transaction.atomic():
        emails = dict(User.objects.filter(pk__in=recipient_ids, is_active=True).values_list("pk", "email"))
        preferences = {
            row.user_id: row for row in NotificationPreference.objects.filter(user_id__in=recipient_ids, kind=kind)
        }
        already: set[tuple[int, str]] = set()
        if unless_since is not None:
            _lock_groups(kind, group_keys)
            already = set(
                Notification.objects.filter(
                    recipient_id__in=recipient_ids, kind=kind, group_key__in=group_keys, created_at__gte=unless_since
                ).values_list("recipient_id", "group_key")
            )
        rows: list[Notification] = []
        by_email: list[bool] = []
        for draft in drafts:
            key = (draft.recipient_id, draft.group_key[:120])
            if draft.recipient_id not in emails or key in already:
                continue
            already.add(key)  # one per recipient and group, even if a draft repeats
            in_app = wants(user_id=draft.recipient_id, kind=spec, channel="in_app", preferences=preferences)
            email = (
                spec.emails
                and bool(emails[draft.recipient_id])
                and wants(user_id=draft.recipient_id, kind=spec, channel="email", preferences=preferences)
            )
            if not (in_app or email):
                continue
            rows.append(
                Notification(
                    recipient_id=draft.recipient_id,
                    kind=kind,
                    target_url=draft.target_url[:300],
                    group_key=key[1],
                    data=draft.data,
                    in_app=in_app,
                )
            )
            by_email.append(email)
        created = Notification.objects.bulk_create(rows)
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(notification=notification)
                for notification, email in zip(created, by_email, strict=True)
                if email
            ]
        )
        if deliveries:
            transaction.on_commit(functools.partial(hand_over, delivery_ids=[delivery.pk for delivery in deliveries]))
    return created


def _lock_groups(kind: str, group_keys: list[str]) -> None:
    """Serialise concurrent writers of the same groups until the transaction ends (PostgreSQL;
    SQLite has one writer at a time anyway). Taken in the keys' sorted order (``unnest``
    keeps the array's order), so two batches never deadlock."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest(%s::text[]) AS k",
            [[f"notify:{kind}:{key}" for key in group_keys]],
        )
