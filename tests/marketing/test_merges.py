"""Contacts merge only on a verified identity; each merge is logged and can be undone (the
service, the contact page's button and the admin action), and stays undone."""

import pytest
from django.test import Client

from marketing import selectors, services, tokens
from marketing.models import Contact, ContactMerge, EmailConsent, Identity, Source
from marketing.services.contacts import Seen
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def kinds(contact) -> set[tuple[str, str, bool]]:
    return {(row.kind, row.value, row.verified) for row in Identity.objects.filter(contact=contact)}


def test_an_unverified_address_never_joins_a_verified_contact():
    # given a buyer's contact (account and verified address)
    store = StoreFactory()
    buyer = UserFactory(email="ani@example.com")
    services.record_contact(store_id=store.pk, seen=services.user_seen(user=buyer), source=Source.ORDER)
    # when someone types that address into the form
    typed = services.record_contact(
        store_id=store.pk, seen=[Seen(Identity.Kind.EMAIL, "ANI@example.com")], source=Source.FORM
    )
    # then it is a contact of its own, and nothing was merged
    assert Contact.objects.filter(store=store, merged_into__isnull=True).count() == 2
    assert kinds(typed) == {("email", "ani@example.com", False)}
    assert not ContactMerge.objects.exists()
    # and the same form sent again is the same contact
    again = services.record_contact(
        store_id=store.pk, seen=[Seen(Identity.Kind.EMAIL, "ani@example.com")], source=Source.FORM
    )
    assert again == typed


def confirm(contact):
    event = contact.consent_events.order_by("-pk").first()
    services.confirm_consent(token=tokens.confirm_token(contact_id=contact.pk, event_id=event.pk))


def test_confirming_an_address_held_verified_by_another_contact_merges_them_and_undo_restores():
    # given a buyer's contact with a tag and a form contact with the same address, a note
    store = StoreFactory()
    buyer = UserFactory(email="ani@example.com")
    kept = services.record_contact(
        store_id=store.pk, seen=services.user_seen(user=buyer), source=Source.ORDER, name="Ani"
    )
    services.set_details(contact=kept, tags=["VIP"])
    typed = services.record_contact(
        store_id=store.pk,
        seen=[Seen(Identity.Kind.EMAIL, "ani@example.com"), Seen(Identity.Kind.PHONE, "0812 1111 2222")],
        source=Source.FORM,
    )
    services.set_details(contact=typed, tags=["Form"], note="Asked about batik tulis")
    services.ask_consent(contact=typed, email="ani@example.com", source=Source.FORM, text="News please")

    # when the address is confirmed by its link: proven to be the buyer's
    confirm(typed)

    # then one contact holds everything, the merge is logged
    [merge] = ContactMerge.objects.all()
    assert (merge.kept_id, merge.merged_id, merge.reason) == (kept.pk, typed.pk, "email:ani@example.com")
    kept.refresh_from_db()
    typed.refresh_from_db()
    assert typed.merged_into_id == kept.pk
    assert list(selectors.store_contacts(store=store)) == [kept]
    assert ("phone", "+6281211112222", False) in kinds(kept)
    assert {tag.name for tag in kept.tags.all()} == {"VIP", "Form"}
    assert kept.note == "Asked about batik tulis"
    assert kept.consent.state == "confirmed"
    assert list(selectors.mailable_contacts(store=store)) == [kept]
    assert kept.consent_events.count() == 2

    # when the seller undoes it from the contact's page
    client = Client()
    client.force_login(store.owner)
    response = client.post(f"/customers/merges/{merge.pk}/undo/")

    # then both are back as they were before the merge
    assert response.status_code == 302
    kept.refresh_from_db()
    typed.refresh_from_db()
    assert typed.merged_into_id is None
    assert kinds(kept) == {("user", str(buyer.pk), True), ("email", "ani@example.com", True)}
    # (the address stays verified on the buyer's contact only: the seller said they are two people)
    assert kinds(typed) == {("email", "ani@example.com", False), ("phone", "+6281211112222", False)}
    assert {tag.name for tag in kept.tags.all()} == {"VIP"}
    assert {tag.name for tag in typed.tags.all()} == {"Form"}
    assert kept.note == ""
    assert typed.consent.state == "confirmed"
    assert not EmailConsent.objects.filter(contact=kept).exists()
    assert typed.consent_events.count() == 2 and kept.consent_events.count() == 0
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by == store.owner

    # and the next sighting of the buyer does not merge them again
    services.record_contact(store_id=store.pk, seen=services.user_seen(user=buyer), source=Source.ORDER)
    assert ContactMerge.objects.count() == 1
    assert selectors.store_contacts(store=store).count() == 2


def test_a_sighting_with_two_verified_identities_of_two_contacts_merges_them():
    # given a WhatsApp contact and a site account's contact, then an order proving both
    store = StoreFactory()
    buyer = UserFactory()
    whatsapp = services.record_contact(
        store_id=store.pk,
        seen=[Seen(Identity.Kind.WHATSAPP, "6281299990000", True), Seen(Identity.Kind.PHONE, "+6281299990000", True)],
        source=Source.WHATSAPP,
    )
    account = services.record_contact(store_id=store.pk, seen=services.user_seen(user=buyer), source=Source.ORDER)
    # when a sighting carries both the account and the verified number
    services.record_contact(
        store_id=store.pk,
        seen=[*services.user_seen(user=buyer), Seen(Identity.Kind.PHONE, "+6281299990000", True)],
        source=Source.ORDER,
    )
    # then the older is kept
    [merge] = ContactMerge.objects.all()
    assert (merge.kept_id, merge.merged_id) == (whatsapp.pk, account.pk)
    assert ("user", str(buyer.pk), True) in kinds(whatsapp)
    # and the service undoes it; a second undo is refused
    services.undo_merge(merge=merge)
    assert ("user", str(buyer.pk), True) in kinds(account)
    with pytest.raises(Exception, match="undone already"):
        services.undo_merge(merge=merge)
