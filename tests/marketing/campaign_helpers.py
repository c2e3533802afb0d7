"""Campaign tests' helpers: mailable contacts (through the consent services, or in bulk for
audiences of a thousand), and campaigns."""

from __future__ import annotations

from django.utils import timezone

from marketing import services, tokens
from marketing.campaign_models import Campaign
from marketing.campaigns.services import save_campaign, save_segment
from marketing.models import Contact, EmailConsent, Identity, Source, address_hash
from marketing.services.contacts import Seen


def mailable_contact(store, email: str, *, user=None, name: str = "", language: str = "") -> Contact:
    """A contact who asked for news and confirmed it by the link (the real double opt-in)."""
    seen = [Seen(Identity.Kind.EMAIL, email)]
    if user is not None:
        seen.append(Seen(Identity.Kind.USER, str(user.pk), verified=True, user_id=user.pk))
    contact = services.record_contact(store_id=store.pk, seen=seen, source=Source.FORM, name=name, language=language)
    services.ask_consent(contact=contact, email=email, source=Source.FORM, text="Yes, news please.")
    event = contact.consent_events.latest("pk")
    services.confirm_consent(token=tokens.confirm_token(contact_id=contact.pk, event_id=event.pk))
    return Contact.objects.get(pk=contact.pk)


def bulk_mailable(store, count: int, *, prefix: str = "buyer") -> list[Contact]:
    """``count`` confirmed contacts written in bulk (the consent flow itself is tested in
    test_consent.py; a thousand of them through it would only be slow)."""
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        [Contact(store=store, name=f"{prefix.title()} {n}", source=Source.IMPORT) for n in range(count)]
    )
    consents = []
    for n, contact in enumerate(contacts):
        email = f"{prefix}{n}@example.com"
        consents.append(
            EmailConsent(
                contact=contact,
                email=email,
                address_hash=address_hash(email),
                state=EmailConsent.State.CONFIRMED,
                requested_at=now,
                confirmed_at=now,
            )
        )
    EmailConsent.objects.bulk_create(consents)
    return contacts


def campaign_for(store, *, segment=None, blocks=None, **data) -> Campaign:
    values = {"name": "Ramadan sale", "subject": "Our Ramadan sale", "preheader": "Up to 30% off", **data}
    values["blocks"] = blocks if blocks is not None else [{"type": "text", "text": "Hello again!"}]
    values["segment"] = segment
    return save_campaign(store=store, data=values)


def segment_for(store, rules, name="Segment") -> object:
    return save_segment(store=store, name=name, rules=rules)
