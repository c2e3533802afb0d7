"""The one way a marketing email leaves, for campaigns and flows alike.

- ``capacity_left(store_id)`` and ``over_weekly_cap(store_id, contact_ids)``: the caps, counted
  from ``MarketingSend`` (every marketing email sent, campaigns and flows) plus the campaign
  recipients and flow steps being sent right now, so two tasks running side by side cannot both take the
  last places;
- ``may_send_now(store, contact)``: the whole check for one contact (mailable now, the store's
  hourly cap, the person's weekly cap);
- ``build_message``: an email personalised for one contact, with ``List-Unsubscribe`` and
  ``List-Unsubscribe-Post`` (RFC 8058), the signed links filled in and a Message-ID known before
  it is sent (webhooks and the log find it by that);
- ``record_send``: the log row the caps read;
- ``send_marketing_email``: all of it for one email (what a flow step calls).

Mail goes through Django's email backend: SMTP, or a django-anymail provider (``EMAIL_BACKEND``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db.models import Count, Model, QuerySet
from django.utils import timezone

from catalog.models import Store
from marketing import tokens
from marketing.campaign_models import MarketingSend, Recipient
from marketing.flow_models import FlowSend
from marketing.models import Contact
from marketing.selectors import mailable_contacts

HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)
IN_FLIGHT = (Recipient.State.CLAIMED, Recipient.State.SENDING)
# Namespace of the PostgreSQL advisory locks that serialise claims per store.
STORE_LOCK_NAMESPACE = 0x4D4B54  # "MKT"


class MailServerTrouble(Exception):
    """The mail server could not be reached or dropped the connection (no "250" came back):
    the task retries later. Campaigns and flows raise it alike."""


M = TypeVar("M", bound=Model)


def lock_store_sending(store_id: int) -> None:
    """Within a transaction: the store's claims and cap checks, one at a time (PostgreSQL; on
    SQLite writers are serialised by the database itself)."""
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [STORE_LOCK_NAMESPACE, store_id])


def capacity_left(store_id: int, *, now: datetime | None = None) -> int:
    """How many more marketing emails the store may send in the hour that ends now."""
    now = now or timezone.now()
    sent = MarketingSend.objects.filter(store_id=store_id, sent_at__gt=now - HOUR).count()
    in_flight = Recipient.objects.filter(campaign__store_id=store_id, state__in=IN_FLIGHT).count()
    in_flight += FlowSend.objects.filter(flow__store_id=store_id, state=FlowSend.State.SENDING).count()
    return max(settings.MARKETING_HOURLY_CAP - sent - in_flight, 0)


def next_capacity_at(store_id: int, *, now: datetime | None = None) -> datetime:
    """When the hourly cap next frees a place (the oldest send of the hour turns an hour old)."""
    now = now or timezone.now()
    oldest = (
        MarketingSend.objects.filter(store_id=store_id, sent_at__gt=now - HOUR)
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    return (oldest + HOUR) if oldest else now


def over_weekly_cap(
    store_id: int, contact_ids: list[int], *, now: datetime | None = None, exclude_claim: str = ""
) -> set[int]:
    """Of ``contact_ids``, those who got ``MARKETING_WEEKLY_CAP`` marketing emails from the
    store in the last 7 days, counting the emails being sent to them right now (except the
    claim ``exclude_claim``: the caller's own)."""
    now = now or timezone.now()
    counts: dict[int, int] = {}
    sent = (
        MarketingSend.objects.filter(store_id=store_id, contact_id__in=contact_ids, sent_at__gt=now - WEEK)
        .values("contact_id")
        .annotate(n=Count("pk"))
    )
    for row in sent:
        counts[row["contact_id"]] = row["n"]
    flying = (
        Recipient.objects.filter(campaign__store_id=store_id, contact_id__in=contact_ids, state__in=IN_FLIGHT)
        .exclude(claim=exclude_claim)
        .values("contact_id")
        .annotate(n=Count("pk"))
    )
    for row in flying:
        counts[row["contact_id"]] = counts.get(row["contact_id"], 0) + row["n"]
    flow_flying = (
        FlowSend.objects.filter(flow__store_id=store_id, contact_id__in=contact_ids, state=FlowSend.State.SENDING)
        .values("contact_id")
        .annotate(n=Count("pk"))
    )
    for row in flow_flying:
        counts[row["contact_id"]] = counts.get(row["contact_id"], 0) + row["n"]
    return {contact_id for contact_id, n in counts.items() if n >= settings.MARKETING_WEEKLY_CAP}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""  # "not_mailable", "hourly_cap", "weekly_cap"


def may_send_now(*, store: Store, contact: Contact) -> Decision:
    """May ``contact`` get a marketing email from ``store`` now?"""
    if not mailable_contacts(store=store).filter(pk=contact.pk).exists():
        return Decision(False, "not_mailable")
    if capacity_left(store.pk) <= 0:
        return Decision(False, "hourly_cap")
    if over_weekly_cap(store.pk, [contact.pk]):
        return Decision(False, "weekly_cap")
    return Decision(True)


def from_email(store: Store) -> str:
    address = settings.MARKETING_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL
    if "<" in address:
        address = address.split("<", 1)[1].rstrip(">").strip()
    name = store.name.replace('"', "").replace("\n", " ")
    return f'"{name}" <{address}>'


def new_message_id() -> str:
    domain = (settings.MARKETING_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL).rsplit("@", 1)[-1].strip(
        " >"
    ) or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def build_message(
    *,
    store: Store,
    contact: Contact,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    metadata: dict | None = None,
    connection=None,
) -> EmailMultiAlternatives:
    """The email to ``contact`` (its consent's address), text and HTML already personalised.
    ``contact.consent`` must be loaded (``mailable_contacts`` selects it)."""
    headers = {**tokens.list_unsubscribe_headers(contact), "Message-ID": message_id}
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_email(store),
        to=[contact.consent.email],
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    # django-anymail sends these to the provider, whose webhooks give them back; the SMTP
    # backend ignores them (its webhooks-free path matches on the Message-ID).
    message.metadata = metadata or {}
    message.track_clicks = False  # our own signed redirect counts clicks
    return message


def provider_message_id(message: EmailMultiAlternatives, default: str) -> str:
    """The id a provider's webhooks will name the message by (anymail's status), else ours."""
    status = getattr(message, "anymail_status", None)
    return (getattr(status, "message_id", None) or default)[:200]


def sent_email_of(event: object, *, rows: QuerySet[M], metadata_key: str) -> M | None:
    """The row of the email a provider's tracking event (django-anymail) is about: by the id
    sent in its metadata under ``metadata_key``, else by its Message-ID; ``None`` for email
    that is not ours."""
    metadata = getattr(event, "metadata", None) or {}
    value = str(metadata.get(metadata_key, ""))
    if value.isdigit():
        found = rows.filter(pk=int(value)).first()
        if found is not None:
            return found
    message_id = (getattr(event, "message_id", None) or "").strip()
    if message_id:
        candidates = {message_id, message_id.strip("<>"), f"<{message_id.strip('<>')}>"}
        return rows.filter(message_id__in=candidates).first()
    return None


def record_send(*, store_id: int, contact_id: int, ref: str, at: datetime | None = None) -> MarketingSend:
    return MarketingSend.objects.create(store_id=store_id, contact_id=contact_id, ref=ref, sent_at=at or timezone.now())


def send_marketing_email(
    *, store: Store, contact: Contact, subject: str, text: str, html: str, ref: str, connection=None
) -> str | None:
    """Check, send and record one marketing email (a flow's step). ``text`` and ``html`` may
    hold ``%%UNSUBSCRIBE%%`` (filled here). Returns the message id, or None when the check
    said no (nothing sent)."""
    contact = mailable_contacts(store=store).filter(pk=contact.pk).first()
    if contact is None or not may_send_now(store=store, contact=contact).allowed:
        return None
    from marketing.campaigns.content import html_values, personalise

    values = {
        "UNSUBSCRIBE": tokens.unsubscribe_url(store_id=store.pk, email=contact.consent.email),
        "NAME": contact.name,
    }
    message_id = new_message_id()
    message = build_message(
        store=store,
        contact=contact,
        subject=subject,
        text=personalise(text, values),
        html=personalise(html, html_values(values)),
        message_id=message_id,
        metadata={"ref": ref},
        connection=connection or get_connection(),
    )
    message.send()
    record_send(store_id=store.pk, contact_id=contact.pk, ref=ref)
    return provider_message_id(message, message_id)
