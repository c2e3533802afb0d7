"""Consent to marketing email (UU PDP): asked, confirmed by a signed link (double opt-in),
withdrawn at any time; every step an append-only ``ConsentEvent`` holding the exact text
agreed to, when, from where, the IP address and the user agent.

The state a send reads is ``EmailConsent`` plus ``Suppression``, through
``marketing.selectors.mailable_contacts`` only. Transactional email never looks here.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketing import tokens
from marketing.models import (
    ConsentEvent,
    Contact,
    EmailConsent,
    Identity,
    Source,
    Suppression,
    address_hash,
    normalise_email,
)
from shop.client import ClientInfo
from shop.emails import queue_email, render_plain_text
from shop.models import User

State = EmailConsent.State


class InvalidLink(Exception):
    """A confirmation link that does not name a pending request (tampered, or for a request
    replaced by a newer one)."""


def _event(
    *,
    contact: Contact,
    kind: str,
    email: str,
    source: str,
    text: str,
    client: ClientInfo | None,
    actor: User | AnonymousUser | None = None,
) -> ConsentEvent:
    client = client or ClientInfo()
    return ConsentEvent.objects.create(
        contact=contact,
        store_id=contact.store_id,
        kind=kind,
        email=email,
        source=source,
        text=text,
        language=translation.get_language() or "",
        ip_address=client.ip_address,
        user_agent=client.user_agent,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )


def ask_consent(
    *,
    contact: Contact,
    email: str,
    source: str,
    text: str,
    client: ClientInfo | None = None,
    actor: User | AnonymousUser | None = None,
) -> ConsentEvent | None:
    """``contact`` agreed to ``text`` for ``email``: record it and send the confirmation email
    (on commit). Until its link is followed the contact is not mailable. Nothing is done
    (``None``) when that address is confirmed already."""
    email = normalise_email(email)
    if "@" not in email:
        raise ValidationError({"email": _("Enter a valid email address.")})
    now = timezone.now()
    with transaction.atomic():
        consent = EmailConsent.objects.select_for_update().filter(contact=contact).first()
        if consent is not None and consent.state == State.CONFIRMED and consent.email == email:
            return None
        values = {
            "email": email,
            "address_hash": address_hash(email),
            "state": State.REQUESTED,
            "requested_at": now,
            "confirmed_at": None,
            "withdrawn_at": None,
        }
        if consent is None:
            EmailConsent.objects.create(contact=contact, **values)
        else:
            EmailConsent.objects.filter(pk=consent.pk).update(**values)
        event = _event(
            contact=contact,
            kind=ConsentEvent.Kind.REQUESTED,
            email=email,
            source=source,
            text=text,
            client=client,
            actor=actor,
        )
        _send_confirmation(contact=contact, event=event)
    return event


def _send_confirmation(*, contact: Contact, event: ConsentEvent) -> None:
    store = contact.store
    context = {
        "store": store,
        "text": event.text,
        "confirm_url": tokens.confirm_url(contact_id=contact.pk, event_id=event.pk),
        "days": settings.MARKETING_CONFIRM_DAYS,
    }
    subject = " ".join(render_plain_text("marketing/emails/confirm_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_plain_text("marketing/emails/confirm.txt", context),
        to=[event.email],
    )
    message.attach_alternative(render_to_string("marketing/emails/confirm.html", context), "text/html")
    queue_email(message)


def pending_request(*, token: str) -> ConsentEvent:
    """The request a confirmation link names, if it is still the one waiting. Raises
    ``tokens.ExpiredLink``, ``signing.BadSignature`` (tampered) or ``InvalidLink``."""
    contact_id, event_id = tokens.read_confirm_token(token)
    event = (
        ConsentEvent.objects.select_related("contact__store", "contact__consent")
        .filter(pk=event_id, contact_id=contact_id, kind=ConsentEvent.Kind.REQUESTED)
        .first()
    )
    if event is None or event.contact.merged_into_id is not None:
        raise InvalidLink
    return event


def confirm_consent(*, token: str, client: ClientInfo | None = None) -> EmailConsent:
    """Follow a confirmation link (its POST): the consent is confirmed and the address is a
    verified identity of the contact (which may merge it with the contact already holding it).
    A second press changes nothing. Raises as ``pending_request``; also ``InvalidLink`` when a
    newer request or a withdrawal replaced this one."""
    try:
        event = pending_request(token=token)
    except signing.BadSignature:
        raise
    with transaction.atomic():
        consent = EmailConsent.objects.select_for_update().filter(contact_id=event.contact_id).first()
        if consent is None or consent.email != event.email:
            raise InvalidLink
        if consent.state == State.CONFIRMED:
            return consent
        latest = ConsentEvent.objects.filter(contact_id=event.contact_id).order_by("-created_at", "-pk").first()
        if consent.state != State.REQUESTED or latest is None or latest.pk != event.pk:
            raise InvalidLink
        now = timezone.now()
        consent.state, consent.confirmed_at = State.CONFIRMED, now
        consent.save(update_fields=["state", "confirmed_at"])
        confirmed = _event(
            contact=event.contact,
            kind=ConsentEvent.Kind.CONFIRMED,
            email=event.email,
            source=Source.LINK,
            text=event.text,
            client=client,
        )
        # They asked again and confirmed: the store's own unsubscribe of this address is lifted
        # (bounces and complaints stay: they are about the address, site-wide).
        Suppression.objects.filter(
            store_id=event.contact.store_id,
            address_hash=consent.address_hash,
            reason=Suppression.Reason.UNSUBSCRIBED,
        ).delete()
    from marketing.services.contacts import verify_identity

    verify_identity(contact=event.contact, kind=Identity.Kind.EMAIL, value=event.email)
    consent.refresh_from_db()
    # The welcome series (marketing.flows), once the confirmation is committed.
    from marketing.flows.triggers import welcome_on_commit

    contact_id, event_id = event.contact_id, confirmed.pk
    transaction.on_commit(lambda: welcome_on_commit(contact_id=contact_id, event_id=event_id))
    return consent


def withdraw_consent(
    *, contact: Contact, source: str, client: ClientInfo | None = None, actor: User | AnonymousUser | None = None
) -> bool:
    """The contact no longer wants marketing email from the store: at once, and the address
    goes on the store's suppression list. False when there was no consent to withdraw."""
    with transaction.atomic():
        consent = EmailConsent.objects.select_for_update().filter(contact=contact).first()
        if consent is None:
            return False
        _suppress_for_store(store_id=contact.store_id, email=consent.email)
        if consent.state == State.WITHDRAWN:
            return False
        consent.state, consent.withdrawn_at = State.WITHDRAWN, timezone.now()
        consent.save(update_fields=["state", "withdrawn_at"])
        _event(
            contact=contact,
            kind=ConsentEvent.Kind.WITHDRAWN,
            email=consent.email,
            source=source,
            text="",
            client=client,
            actor=actor,
        )
    return True


def unsubscribe(*, token: str, source: str = Source.LINK, client: ClientInfo | None = None) -> int:
    """An unsubscribe link's POST (the page's button or a mail client's one click): the
    address is suppressed for the store and every consent of the store at that address
    withdrawn. Returns how many consents were withdrawn. ``signing.BadSignature`` if the
    token was changed."""
    store_id, hashed = tokens.read_unsubscribe_token(token)
    withdrawn = 0
    with transaction.atomic():
        consents = list(
            EmailConsent.objects.select_related("contact").filter(contact__store_id=store_id, address_hash=hashed)
        )
        for consent in consents:
            withdrawn += withdraw_consent(contact=consent.contact, source=source, client=client)
        if not consents:
            from catalog.models import Store

            if Store.objects.filter(pk=store_id).exists():
                _suppress_for_store(store_id=store_id, email="", hashed=hashed)
    return withdrawn


def _suppress_for_store(*, store_id: int, email: str, hashed: str = "") -> None:
    hashed = hashed or address_hash(email)
    try:
        with transaction.atomic():
            Suppression.objects.get_or_create(
                store_id=store_id,
                address_hash=hashed,
                defaults={"email": normalise_email(email), "reason": Suppression.Reason.UNSUBSCRIBED},
            )
    except IntegrityError:
        pass  # a parallel unsubscribe of the same address got there first


def suppress_address(*, email: str, reason: str) -> Suppression:
    """A hard bounce or a spam complaint: nobody on the site mails ``email`` again
    (marketing only). For the providers' webhooks."""
    if reason == Suppression.Reason.UNSUBSCRIBED:
        raise ValueError("an unsubscribe is per store: use withdraw_consent or unsubscribe")
    hashed = address_hash(email)
    try:
        with transaction.atomic():
            row, _created = Suppression.objects.get_or_create(
                store=None, address_hash=hashed, reason=reason, defaults={"email": normalise_email(email)}
            )
    except IntegrityError:
        row = Suppression.objects.get(store=None, address_hash=hashed, reason=reason)
    return row
