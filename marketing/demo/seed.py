"""The demo's customer lists, through ``marketing.services``: every demo store's contacts are
gathered (orders, chats, followers) and scored; in the first store (the demo seller's) a few
shoppers signed up on the store page and confirmed by the emailed link, so they have
consent with its proof, and carry tags. Idempotent: a second run finds everything there."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from catalog.demo.stores import STORES
from catalog.models import Store
from marketing import services, texts, tokens
from marketing.models import Contact, EmailConsent, Source
from marketing.rfm import score_contacts
from social.demo.base import demo_people

# Shoppers of the demo seller's store who signed up for its news, with the seller's tags.
SUBSCRIBERS = (("ani", ["VIP"]), ("budi", ["Reseller"]), ("citra", []), ("dewi", ["VIP", "Batik tulis"]))


@dataclass
class MarketingReport:
    contacts: int = 0
    consented: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"Customers: {self.contacts} contacts in the demo stores, {self.consented} with confirmed consent "
            f"({self.seconds:.1f} s)."
        )


def seed_marketing(*, progress: Callable[[str], None] | None = None) -> MarketingReport:
    report = MarketingReport()
    started = time.perf_counter()
    stores = list(Store.objects.filter(slug__in=[spec.slug for spec in STORES]))
    for store in stores:
        services.gather_contacts(store_id=store.pk)
    first = next((store for store in stores if store.slug == STORES[0].slug), None)
    people = demo_people()
    if first is not None:
        for username, tags in SUBSCRIBERS:
            person = people.get(username)
            if person is None or not person.email:
                continue
            contact = services.record_contact(
                store_id=first.pk, seen=services.user_seen(person), source=Source.FORM, name=person.get_full_name()
            )
            event = services.ask_consent(
                contact=contact, email=person.email, source=Source.FORM, text=texts.form_text(first.name)
            )
            if event is not None:
                services.confirm_consent(token=tokens.confirm_token(contact_id=contact.pk, event_id=event.pk))
            if tags:
                services.set_details(contact=contact, tags=tags)
    for store in stores:
        score_contacts(store_id=store.pk)
    report.contacts = Contact.objects.filter(store__in=stores, merged_into__isnull=True).count()
    report.consented = EmailConsent.objects.filter(
        contact__store__in=stores, state=EmailConsent.State.CONFIRMED
    ).count()
    report.seconds = time.perf_counter() - started
    if progress:
        progress(report.summary())
    return report
