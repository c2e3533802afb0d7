"""Sending a campaign: its audience written once as recipient rows, then chunks sent by Celery
tasks (``marketing.tasks.send_campaign_chunk_task``), ``MARKETING_PARALLEL_CHUNKS`` side by side,
each handing over the next when it is done.

Exactly once per recipient. A chunk task *claims* its rows (queued -> claimed, with a claim
token of its own, in one transaction under the store's lock, where the caps are checked too).
Then, for each row, it moves it claimed -> sending (committed) *before* talking to the mail
server, and sending -> sent (committed, with the ``MarketingSend`` log row) right after the
server accepted it. Every move is a conditional ``UPDATE`` (the state and the claim token must
still be the expected ones), so a row can only be sent by the task that claimed it, once.

The worker can die anywhere (SIGKILL, a lost machine). The sweeper (``sweep``, every minute,
and once when asked) finds claims older than ``MARKETING_CLAIM_LEASE_SECONDS``:

- rows still *claimed* never reached the mail server: queued again, sent by the next chunk;
- a row in *sending* is the one email that was in the mail server's hands when the worker
  died. Whether the server accepted it (its "250" after DATA) is unknowable afterwards: it is
  marked *unknown* and never sent again. That is the trade-off, chosen on purpose: at most
  one email per dead worker process may be lost, none is ever sent twice (a duplicate
  marketing email brings complaints; the report shows the interrupted rows). The window is
  one SMTP transaction (a few milliseconds), because each row is committed on its own.

A connection error in the middle of a chunk (the server went away) puts the row being sent
back in the queue (the server had not answered "250": it did not take it) and the rest of the
claim too, and the task is retried with backoff.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Case, CharField, F, IntegerField, Q, Value, When
from django.db.models.functions import Mod
from django.utils import timezone

from marketing import tokens
from marketing.campaign_models import Campaign, MarketingSend, Recipient
from marketing.campaigns import content, links, prebuilt
from marketing.campaigns.segments import audience
from marketing.models import Contact
from marketing.selectors import mailable_contacts
from marketing.sending import (
    MailServerTrouble,
    build_message,
    capacity_left,
    lock_store_sending,
    new_message_id,
    next_capacity_at,
    over_weekly_cap,
    provider_message_id,
)
from shop import events

log = logging.getLogger(__name__)

State = Campaign.State
MATERIALISE_STEP = 20_000
# A chunk looks at its campaign's state again after this many emails (a pause takes effect).
STATE_CHECK_EVERY = 50


class CampaignStateError(Exception):
    """The campaign is not in a state that allows this (e.g. pausing a draft)."""


# --- The audience -------------------------------------------------------------------------------


def materialise_recipients(campaign: Campaign) -> int:
    """Write one queued recipient per contact of the campaign's audience, in set-based
    ``INSERT ... SELECT`` statements over ranges of contact ids (``ON CONFLICT DO NOTHING``:
    running it again adds nobody twice). Returns the number of recipients."""
    contacts = audience(campaign)
    bounds = Contact.objects.filter(store_id=campaign.store_id).order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    if campaign.has_ab_test:
        half = max(campaign.ab_test_percent // 2, 1)
        variant = Case(
            When(Q(bucket__lt=half), then=Value("a")),
            When(Q(bucket__lt=2 * half), then=Value("b")),
            default=Value(""),
            output_field=CharField(),
        )
    else:
        variant = Value("", output_field=CharField())
    table = Recipient._meta.db_table
    if low is not None:
        start = low - 1
        while start < high:
            end = start + MATERIALISE_STEP
            rows = (
                contacts.filter(pk__gt=start, pk__lte=end)
                .annotate(bucket=Mod(F("pk"), Value(100), output_field=IntegerField()))
                .annotate(variant_value=variant)
                .values("pk", "variant_value")
            )
            sql, params = rows.query.sql_with_params()
            with db_connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (campaign_id, contact_id, variant, state, skip_reason, claim, message_id) "
                    f"SELECT %s, audience.pk, audience.variant_value, %s, '', '', '' FROM ({sql}) AS audience "
                    "WHERE 1 = 1 ON CONFLICT (campaign_id, contact_id) DO NOTHING",
                    [campaign.pk, Recipient.State.QUEUED, *params],
                )
            start = end
    return Recipient.objects.filter(campaign=campaign).count()


# --- Starting, pausing, resuming, cancelling ----------------------------------------------------


def start_campaign(campaign: Campaign, *, now: datetime | None = None) -> int:
    """Send now: the audience is written and the chunks handed over. From draft or scheduled."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.state not in (State.DRAFT, State.SCHEDULED):
            raise CampaignStateError(locked.state)
        if not locked.audience_ready:
            materialise_recipients(locked)
        values = {"state": State.SENDING, "started_at": now, "audience_ready": True, "paused_reason": ""}
        if locked.has_ab_test:
            values["ab_decide_at"] = now + timedelta(minutes=locked.ab_wait_minutes)
        Campaign.objects.filter(pk=locked.pk).update(**values)
        count = Recipient.objects.filter(campaign=locked).count()
        transaction.on_commit(lambda: hand_over_chunks(locked.pk))
    campaign.refresh_from_db()
    return count


def schedule_campaign(campaign: Campaign, *, at: datetime) -> None:
    """Send at ``at`` (the sweeper starts it when due). From draft or scheduled."""
    updated = Campaign.objects.filter(pk=campaign.pk, state__in=[State.DRAFT, State.SCHEDULED]).update(
        state=State.SCHEDULED, scheduled_at=at
    )
    if not updated:
        raise CampaignStateError(campaign.state)
    campaign.refresh_from_db()


def pause_campaign(campaign: Campaign, *, reason: str = "") -> None:
    """Stop sending after the email in hand; the claimed rows go back to the queue."""
    updated = Campaign.objects.filter(pk=campaign.pk, state=State.SENDING).update(
        state=State.PAUSED, paused_reason=reason[:200]
    )
    if not updated:
        raise CampaignStateError(campaign.state)
    campaign.refresh_from_db()


def resume_campaign(campaign: Campaign) -> None:
    with transaction.atomic():
        updated = Campaign.objects.filter(pk=campaign.pk, state=State.PAUSED).update(
            state=State.SENDING, paused_reason=""
        )
        if not updated:
            raise CampaignStateError(campaign.state)
        transaction.on_commit(lambda: hand_over_chunks(campaign.pk))
    campaign.refresh_from_db()


def cancel_campaign(campaign: Campaign) -> None:
    """No more emails: what is queued stays unsent (the report shows it)."""
    updated = Campaign.objects.filter(
        pk=campaign.pk, state__in=[State.DRAFT, State.SCHEDULED, State.SENDING, State.PAUSED]
    ).update(state=State.CANCELLED, finished_at=timezone.now())
    if not updated:
        raise CampaignStateError(campaign.state)
    campaign.refresh_from_db()


def hand_over_chunks(campaign_id: int, *, count: int | None = None) -> None:
    """Hand ``count`` chunk tasks to the broker (``MARKETING_PARALLEL_CHUNKS`` by default). A
    hand-over lost to a broker outage is made good by the sweeper (the campaign stalls)."""
    from marketing.tasks import send_campaign_chunk_task
    from shop.broker import publish

    for _n in range(count or settings.MARKETING_PARALLEL_CHUNKS):
        publish(send_campaign_chunk_task, campaign_id)


# --- A chunk ------------------------------------------------------------------------------------


def _claimable(campaign: Campaign):
    rows = Recipient.objects.filter(campaign=campaign, state=Recipient.State.QUEUED)
    if campaign.has_ab_test and not campaign.ab_winner:
        rows = rows.filter(variant__in=["a", "b"])  # the rest waits for the winner
    return rows


def claim_chunk(campaign: Campaign, *, size: int, now: datetime) -> tuple[str, list[int], datetime | None]:
    """Claim up to ``size`` queued rows under the store's lock, within the hourly cap; rows of
    people at their weekly cap are skipped. Returns ``(claim, row ids, retry_at)``: ``retry_at``
    when the hourly cap is reached (nothing claimed)."""
    claim = uuid.uuid4().hex
    with transaction.atomic():
        lock_store_sending(campaign.store_id)
        room = capacity_left(campaign.store_id, now=now)
        if room <= 0:
            return claim, [], next_capacity_at(campaign.store_id, now=now)
        candidates = _claimable(campaign).order_by("pk")
        if db_connection.vendor == "postgresql":
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[: min(size, room)])
        if not ids:
            return claim, [], None
        Recipient.objects.filter(pk__in=ids, state=Recipient.State.QUEUED).update(
            state=Recipient.State.CLAIMED, claim=claim, claimed_at=now
        )
        rows = dict(Recipient.objects.filter(claim=claim).values_list("contact_id", "pk"))
        capped = over_weekly_cap(campaign.store_id, list(rows), now=now, exclude_claim=claim)
        if capped:
            Recipient.objects.filter(claim=claim, contact_id__in=capped, state=Recipient.State.CLAIMED).update(
                state=Recipient.State.SKIPPED, skip_reason="weekly_cap"
            )
    return claim, [pk for contact_id, pk in rows.items() if contact_id not in capped], None


def _release(claim: str) -> None:
    Recipient.objects.filter(claim=claim, state=Recipient.State.CLAIMED).update(
        state=Recipient.State.QUEUED, claim="", claimed_at=None
    )


def _still_sending(campaign_id: int) -> bool:
    return Campaign.objects.filter(pk=campaign_id, state=State.SENDING).exists()


def send_chunk(campaign_id: int, *, now: datetime | None = None, hand_over_next=None) -> int:
    """Send one chunk of the campaign, then hand over the next. Returns how many were sent.
    Idempotent: a repeated or stale task finds nothing to claim, or a campaign not sending.

    At the hourly cap nothing is claimed and no task is handed over: the sweeper hands the
    campaign over again once it has been quiet for a while. Without a broker (tasks run in
    the process) the chunks follow each other in a loop here instead of nested tasks.
    ``hand_over_next(campaign_id)``: how the next chunk is handed over (the task sends it to
    the queue it came from); by default ``hand_over_chunks(count=1)``."""
    from shop.celery import app

    sent = 0
    while True:
        campaign = Campaign.objects.select_related("store").filter(pk=campaign_id).first()
        if campaign is None or campaign.state != State.SENDING:
            return sent
        claim, ids, retry_at = claim_chunk(campaign, size=settings.MARKETING_CHUNK_SIZE, now=now or timezone.now())
        if retry_at is not None:
            return sent
        if not ids:
            finish_if_done(campaign)
            return sent
        try:
            sent += _send_claimed(campaign, claim)
        finally:
            _release(claim)
        if app.conf.task_always_eager:
            continue
        if _still_sending(campaign_id):
            if hand_over_next is not None:
                hand_over_next(campaign_id)
            else:
                hand_over_chunks(campaign_id, count=1)
        return sent


def _send_claimed(campaign: Campaign, claim: str) -> int:
    store = campaign.store
    rows = list(
        Recipient.objects.filter(claim=claim, state=Recipient.State.CLAIMED)
        .order_by("pk")
        .values_list("pk", "contact_id", "variant")
    )
    contacts = mailable_contacts(store=store).filter(pk__in=[contact_id for _pk, contact_id, _v in rows]).in_bulk()
    gone = [pk for pk, contact_id, _v in rows if contact_id not in contacts]
    if gone:
        Recipient.objects.filter(pk__in=gone, claim=claim, state=Recipient.State.CLAIMED).update(
            state=Recipient.State.SKIPPED, skip_reason="not_mailable"
        )
    rendered: dict[str, content.Rendered] = {}
    templates: dict[str, prebuilt.MessageTemplate | None] = {}
    ref = f"campaign:{campaign.pk}"
    connection = get_connection()
    fast = prebuilt.usable_with(connection)
    sent = 0
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        raise MailServerTrouble(str(exc)) from exc
    done: Sent | None = None  # the last email the server accepted, its sent mark not yet written
    try:
        for number, (pk, contact_id, variant) in enumerate(rows):
            contact = contacts.get(contact_id)
            if contact is None:
                continue
            if number and number % STATE_CHECK_EVERY == 0 and not _still_sending(campaign.pk):
                break
            if variant not in rendered:
                rendered[variant] = content.render(campaign=campaign, subject=campaign.subject_for(variant))
            page = rendered[variant]
            if fast and variant not in templates:
                templates[variant] = prebuilt.message_template(
                    build_message=build_message,
                    store=store,
                    contact=contact,
                    subject=page.subject,
                    text=page.text,
                    html_body=page.html,
                )
            message_id = new_message_id()
            # claimed_at restarts here: the sweeper's lease then measures this one email's
            # hand-over, not the chunk's (a live worker's email is never taken for a dead one's).
            claimed = mark_sending(recipient_id=pk, claim=claim, message_id=message_id, done=done)
            done = None
            if not claimed:
                continue  # taken back by the sweeper: not ours any more
            message = _message_for(
                store,
                contact,
                page,
                templates.get(variant),
                recipient_id=pk,
                message_id=message_id,
                connection=connection,
            )
            try:
                accepted = connection.send_messages([message])
            except smtplib.SMTPRecipientsRefused:
                Recipient.objects.filter(pk=pk, state=Recipient.State.SENDING).update(
                    state=Recipient.State.FAILED, skip_reason="refused"
                )
                continue
            except (smtplib.SMTPException, OSError) as exc:
                # No "250" came back: the server did not take it. Back in the queue.
                Recipient.objects.filter(pk=pk, state=Recipient.State.SENDING).update(
                    state=Recipient.State.QUEUED, claim="", claimed_at=None
                )
                raise MailServerTrouble(str(exc)) from exc
            if not accepted:
                Recipient.objects.filter(pk=pk, state=Recipient.State.SENDING).update(
                    state=Recipient.State.FAILED, skip_reason="not_accepted"
                )
                continue
            done = Sent(
                recipient_id=pk,
                store_id=store.pk,
                contact_id=contact_id,
                ref=ref,
                message_id=provider_message_id(message, message_id),
                at=timezone.now(),
            )
            # For the seller's insights (an append; handed on when the task ends).
            events.record(
                events.EventName.CAMPAIGN_EMAIL_SENT,
                store_id=store.pk,
                ref_id=campaign.pk,
                source=events.Source.EMAIL,
                from_request=False,
            )
            sent += 1
    finally:
        try:
            if done is not None:
                mark_sent(**asdict(done))
        finally:
            connection.close()
    return sent


@dataclass(frozen=True)
class Sent:
    """An email the mail server accepted ("250"), its sent mark still to be written."""

    recipient_id: int
    store_id: int
    contact_id: int
    ref: str
    message_id: str
    at: datetime


def mark_sending(*, recipient_id: int, claim: str, message_id: str, done: Sent | None = None) -> bool:
    """The row claimed -> sending, committed before the mail server hears of it. False when
    the row is no longer ours (the sweeper took the claim back). ``done``: the email sent just
    before, marked sent (with its log row) first. On PostgreSQL both in one statement: one round
    trip an email instead of two, each mark committed before the next SMTP conversation as
    before (a dead worker still leaves at most the one email it was sending in *sending*)."""
    now = timezone.now()
    if done is not None and db_connection.vendor == "postgresql":
        table, log_table = Recipient._meta.db_table, MarketingSend._meta.db_table
        with db_connection.cursor() as cursor:
            cursor.execute(
                f"WITH sent AS (UPDATE {table} SET state = %s, sent_at = %s, message_id = %s "
                "WHERE id = %s AND state = %s), "
                f"logged AS (INSERT INTO {log_table} (store_id, contact_id, ref, sent_at) VALUES (%s, %s, %s, %s)) "
                f"UPDATE {table} SET state = %s, message_id = %s, claimed_at = %s "
                "WHERE id = %s AND claim = %s AND state = %s RETURNING id",
                [
                    Recipient.State.SENT,
                    done.at,
                    done.message_id,
                    done.recipient_id,
                    Recipient.State.SENDING,
                    done.store_id,
                    done.contact_id,
                    done.ref,
                    done.at,
                    Recipient.State.SENDING,
                    message_id,
                    now,
                    recipient_id,
                    claim,
                    Recipient.State.CLAIMED,
                ],
            )
            return cursor.fetchone() is not None
    if done is not None:
        mark_sent(**asdict(done))
    return bool(
        Recipient.objects.filter(pk=recipient_id, claim=claim, state=Recipient.State.CLAIMED).update(
            state=Recipient.State.SENDING, message_id=message_id, claimed_at=now
        )
    )


def mark_sent(
    *, recipient_id: int, store_id: int, contact_id: int, ref: str, message_id: str, at: datetime | None = None
) -> None:
    """After the server's "250": the row sending -> sent, and the log row the caps read, together.
    On PostgreSQL one statement (a data-modifying ``WITH``): one round trip instead of four
    (BEGIN, UPDATE, INSERT, COMMIT), atomic as a statement is. The log row is written even if
    the row is no longer *sending* (the sweeper marked it unknown): the email did leave."""
    at = at or timezone.now()
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute(
                f"WITH sent AS (UPDATE {Recipient._meta.db_table} SET state = %s, sent_at = %s, message_id = %s "
                "WHERE id = %s AND state = %s) "
                f"INSERT INTO {MarketingSend._meta.db_table} (store_id, contact_id, ref, sent_at) "
                "VALUES (%s, %s, %s, %s)",
                [
                    Recipient.State.SENT,
                    at,
                    message_id,
                    recipient_id,
                    Recipient.State.SENDING,
                    store_id,
                    contact_id,
                    ref,
                    at,
                ],
            )
        return
    with transaction.atomic():
        Recipient.objects.filter(pk=recipient_id, state=Recipient.State.SENDING).update(
            state=Recipient.State.SENT, sent_at=at, message_id=message_id
        )
        MarketingSend.objects.create(store_id=store_id, contact_id=contact_id, ref=ref, sent_at=at)


def personal_values(*, store_id: int, contact, recipient_id: int, page: content.Rendered) -> dict[str, str]:
    values = {
        "NAME": contact.name or contact.consent.email.split("@", 1)[0],
        "UNSUBSCRIBE": tokens.unsubscribe_url(store_id=store_id, email=contact.consent.email),
        "OPEN": links.open_url(recipient_id=recipient_id),
    }
    for index, key in enumerate(page.links):
        values[f"LINK{index}"] = links.click_url(recipient_id=recipient_id, key=key)
    return values


def _message_for(store, contact, page: content.Rendered, template, *, recipient_id: int, message_id: str, connection):
    """The recipient's email: the chunk's prebuilt bytes personalised when there are some
    and substitution is exact (``marketing.campaigns.prebuilt``), else built whole."""
    if template is not None:
        values = personal_values(store_id=store.pk, contact=contact, recipient_id=recipient_id, page=page)
        raw = prebuilt.personalise(template=template, email=contact.consent.email, message_id=message_id, values=values)
        if raw is not None:
            return prebuilt.PrebuiltEmail(
                raw=raw,
                from_email=template.from_email,
                to=contact.consent.email,
                encoding=template.encoding,
                connection=connection,
            )
    return _personalised(store, contact, page, recipient_id=recipient_id, message_id=message_id, connection=connection)


def _personalised(store, contact, page: content.Rendered, *, recipient_id: int, message_id: str, connection):
    values = personal_values(store_id=store.pk, contact=contact, recipient_id=recipient_id, page=page)
    return build_message(
        store=store,
        contact=contact,
        subject=page.subject,
        text=content.personalise(page.text, values),
        html=content.personalise(page.html, content.html_values(values)),
        message_id=message_id,
        metadata={"recipient": str(recipient_id)},
        connection=connection,
    )


def finish_if_done(campaign: Campaign) -> bool:
    """A sending campaign with nothing queued nor in flight is sent (an A/B test without a
    winner waits for it)."""
    if campaign.has_ab_test and not campaign.ab_winner:
        return False
    left = Recipient.objects.filter(
        campaign=campaign, state__in=[Recipient.State.QUEUED, Recipient.State.CLAIMED, Recipient.State.SENDING]
    ).exists()
    if left:
        return False
    return bool(
        Campaign.objects.filter(pk=campaign.pk, state=State.SENDING).update(
            state=State.SENT, finished_at=timezone.now()
        )
    )


# --- A/B winner and the sweeper -----------------------------------------------------------------


def decide_ab_winner(campaign: Campaign, *, now: datetime | None = None) -> str:
    """The subject whose test recipients clicked more (ties: A) goes to the rest."""
    now = now or timezone.now()
    clicks = {
        variant: Recipient.objects.filter(campaign=campaign, variant=variant, clicked_at__isnull=False).count()
        for variant in ("a", "b")
    }
    winner = "b" if clicks["b"] > clicks["a"] else "a"
    updated = Campaign.objects.filter(pk=campaign.pk, ab_winner="", ab_decide_at__lte=now).update(ab_winner=winner)
    campaign.refresh_from_db()
    if updated and campaign.state == State.SENDING:
        transaction.on_commit(lambda: hand_over_chunks(campaign.pk))
    return campaign.ab_winner


def recover_stale_claims(*, now: datetime | None = None) -> tuple[int, int]:
    """Claims of dead workers: rows still claimed go back to the queue; a row that was being
    sent is marked unknown (never sent twice). Returns ``(queued again, unknown)``."""
    now = now or timezone.now()
    before = now - timedelta(seconds=settings.MARKETING_CLAIM_LEASE_SECONDS)
    requeued = Recipient.objects.filter(state=Recipient.State.CLAIMED, claimed_at__lt=before).update(
        state=Recipient.State.QUEUED, claim="", claimed_at=None
    )
    unknown = Recipient.objects.filter(state=Recipient.State.SENDING, claimed_at__lt=before).update(
        state=Recipient.State.UNKNOWN, skip_reason="worker_lost"
    )
    return requeued, unknown


def sweep(*, now: datetime | None = None) -> dict:
    """Every minute: start the scheduled campaigns that are due, decide the A/B tests that are
    due, take back dead workers' claims and hand over the chunks of a sending campaign that
    stalled (its chunk tasks were lost with their worker): nothing in flight and nothing sent
    for ``MARKETING_CLAIM_LEASE_SECONDS``. A spare chunk task finds nothing and stops."""
    now = now or timezone.now()
    started = 0
    for campaign in Campaign.objects.filter(state=State.SCHEDULED, scheduled_at__lte=now):
        try:
            start_campaign(campaign, now=now)
            started += 1
        except CampaignStateError:
            pass
    for campaign in Campaign.objects.filter(state=State.SENDING, ab_winner="", ab_decide_at__lte=now).exclude(
        subject_b=""
    ):
        decide_ab_winner(campaign, now=now)
    requeued, unknown = recover_stale_claims(now=now)
    sending = list(Campaign.objects.filter(state=State.SENDING))
    quiet_since = now - timedelta(seconds=settings.MARKETING_CLAIM_LEASE_SECONDS)
    for campaign in sending:
        if finish_if_done(campaign) or not _claimable(campaign).exists():
            continue
        # Stalled (its chunk tasks died with a worker): nothing in flight, nothing sent lately.
        busy = Recipient.objects.filter(campaign=campaign).filter(
            Q(state__in=[Recipient.State.CLAIMED, Recipient.State.SENDING]) | Q(sent_at__gt=quiet_since)
        )
        if not busy.exists():
            hand_over_chunks(campaign.pk)
    return {"started": started, "requeued": requeued, "unknown": unknown, "sending": len(sending)}
