"""Consent to marketing email: double opt-in links (expired, tampered, replaced), withdrawal,
RFC 8058 unsubscribe (GET changes nothing, POST and one-click unsubscribe, a tampered token
is a 400), the suppression list, and ``mailable_contacts`` over random contact states."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.db.models import Q
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from marketing import selectors, services, tokens
from marketing.models import ConsentEvent, Contact, EmailConsent, Identity, Source, Suppression, address_hash
from marketing.services.contacts import Seen
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def asked_contact(store, email="sari@example.com"):
    contact = services.record_contact(store_id=store.pk, seen=[Seen(Identity.Kind.EMAIL, email)], source=Source.FORM)
    services.ask_consent(contact=contact, email=email, source=Source.FORM, text="Yes, news please.")
    return contact


def confirmed_contact(store, email="sari@example.com"):
    contact = asked_contact(store, email)
    event = contact.consent_events.get()
    services.confirm_consent(token=tokens.confirm_token(contact_id=contact.pk, event_id=event.pk))
    return Contact.objects.get(pk=contact.pk)


# --- Double opt-in ----------------------------------------------------------------------------


def test_an_expired_confirmation_link_is_refused_and_confirms_nothing(client, settings):
    # given a request whose link is older than MARKETING_CONFIRM_DAYS
    settings.MARKETING_CONFIRM_DAYS = 7
    store = StoreFactory()
    contact = asked_contact(store)
    event = contact.consent_events.get()
    # the link as it was signed 8 days ago (the signer's clock moved back)
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 8 * 24 * 3600):
        old = tokens.confirm_token(contact_id=contact.pk, event_id=event.pk)
    # when
    shown = client.get(f"/news/confirm/{old}/")
    posted = client.post(f"/news/confirm/{old}/")
    # then
    assert shown.status_code == posted.status_code == 410
    assert "expired" in posted.content.decode()
    contact.consent.refresh_from_db()
    assert contact.consent.state == EmailConsent.State.REQUESTED


def test_a_tampered_confirmation_link_is_a_400(client):
    store = StoreFactory()
    contact = asked_contact(store)
    event = contact.consent_events.get()
    token = tokens.confirm_token(contact_id=contact.pk, event_id=event.pk)
    forged = signing.dumps({"c": contact.pk, "e": event.pk}, salt="another.salt")
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "nonsense"):
        assert client.post(f"/news/confirm/{bad}/").status_code == 400
        assert client.get(f"/news/confirm/{bad}/").status_code == 400
    contact.consent.refresh_from_db()
    assert contact.consent.state == EmailConsent.State.REQUESTED


def test_a_link_replaced_by_a_newer_request_no_longer_confirms(client):
    store = StoreFactory()
    contact = asked_contact(store)
    first = contact.consent_events.get()
    services.ask_consent(contact=contact, email="sari@example.com", source=Source.FORM, text="Again")
    old = tokens.confirm_token(contact_id=contact.pk, event_id=first.pk)
    assert client.post(f"/news/confirm/{old}/").status_code == 400
    assert not selectors.mailable_contacts(store=store).exists()


def test_confirming_twice_changes_nothing_the_second_time(client):
    store = StoreFactory()
    contact = asked_contact(store)
    token = tokens.confirm_token(contact_id=contact.pk, event_id=contact.consent_events.get().pk)
    client.post(f"/news/confirm/{token}/")
    client.post(f"/news/confirm/{token}/")
    assert contact.consent_events.filter(kind=ConsentEvent.Kind.CONFIRMED).count() == 1


# --- Unsubscribe (RFC 8058) ---------------------------------------------------------------------


def test_the_unsubscribe_get_changes_nothing_and_the_post_unsubscribes_at_once():
    # given a mailable contact and the link its emails carry
    store = StoreFactory(name="Kopi Senja")
    contact = confirmed_contact(store)
    headers = tokens.list_unsubscribe_headers(contact)
    url = headers["List-Unsubscribe"].strip("<>")
    path = url.split("://", 1)[1].split("/", 1)[1]
    path = "/" + path
    mail_client = Client(enforce_csrf_checks=True)

    # when a mail scanner follows it
    shown = mail_client.get(path)

    # then nothing changed
    assert shown.status_code == 200
    assert "Stop news from Kopi Senja?" in shown.content.decode()
    assert list(selectors.mailable_contacts(store=store)) == [contact]
    assert not Suppression.objects.exists()

    # when the mail client posts RFC 8058's one-click body (no CSRF token, no session)
    done = mail_client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    # then at once
    assert done.status_code == 200
    assert not selectors.mailable_contacts(store=store).exists()
    contact.consent.refresh_from_db()
    assert contact.consent.state == EmailConsent.State.WITHDRAWN
    withdrawn = contact.consent_events.get(kind=ConsentEvent.Kind.WITHDRAWN)
    assert withdrawn.source == Source.ONE_CLICK
    assert Suppression.objects.filter(store=store, address_hash=address_hash("sari@example.com")).exists()


def test_the_list_unsubscribe_headers_follow_rfc_8058():
    store = StoreFactory()
    contact = confirmed_contact(store)
    headers = tokens.list_unsubscribe_headers(contact)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<http") and headers["List-Unsubscribe"].endswith(">")
    assert "/news/unsubscribe/" in headers["List-Unsubscribe"]


def test_a_tampered_unsubscribe_token_is_a_400_and_changes_nothing():
    store = StoreFactory()
    contact = confirmed_contact(store)
    token = tokens.unsubscribe_token(store_id=store.pk, email="sari@example.com")
    other_salt = signing.dumps({"s": store.pk, "a": address_hash("sari@example.com")}, salt="x", compress=True)
    for bad in (token[:-3] + "abc", other_salt, "x"):
        assert Client().get(f"/news/unsubscribe/{bad}/").status_code == 400
        assert (
            Client()
            .post(
                f"/news/unsubscribe/{bad}/",
                "List-Unsubscribe=One-Click",
                content_type="application/x-www-form-urlencoded",
            )
            .status_code
            == 400
        )
    assert list(selectors.mailable_contacts(store=store)) == [contact]


def test_an_unsubscribed_address_that_signs_up_again_is_mailable_only_after_confirming():
    store = StoreFactory()
    contact = confirmed_contact(store)
    services.withdraw_consent(contact=contact, source=Source.LINK)
    services.ask_consent(contact=contact, email="sari@example.com", source=Source.FORM, text="Again")
    assert not selectors.mailable_contacts(store=store).exists()  # suppressed and unconfirmed
    latest = contact.consent_events.filter(kind="requested").order_by("-pk").first()
    services.confirm_consent(token=tokens.confirm_token(contact_id=contact.pk, event_id=latest.pk))
    assert list(selectors.mailable_contacts(store=store)) == [contact]


def test_bounces_and_complaints_suppress_an_address_for_every_store_unsubscribes_for_one():
    first, second = StoreFactory(), StoreFactory()
    a = confirmed_contact(first, "x@example.com")
    b = confirmed_contact(second, "x@example.com")
    services.withdraw_consent(contact=a, source=Source.SELLER)
    assert list(selectors.mailable_contacts(store=second)) == [b]
    services.suppress_address(email="X@example.com", reason=Suppression.Reason.HARD_BOUNCE)
    assert not selectors.mailable_contacts(store=second).exists()


def test_transactional_email_is_not_affected_by_suppression(django_capture_on_commit_callbacks):
    from tests.factories import UserFactory, buyable_variant, place

    buyer = UserFactory()
    services.suppress_address(email=buyer.email, reason=Suppression.Reason.COMPLAINT)
    with django_capture_on_commit_callbacks(execute=True):
        place(buyer, (buyable_variant(), 1))
    assert any(buyer.email in message.to for message in mail.outbox)


# --- mailable_contacts over random states (property-style) ---------------------------------------

STATES = st.fixed_dictionaries(
    {
        "consent": st.sampled_from(["none", "requested", "confirmed", "withdrawn"]),
        "store_unsubscribe": st.booleans(),
        "other_store_unsubscribe": st.booleans(),
        "bounce": st.booleans(),
        "complaint": st.booleans(),
        "merged": st.booleans(),
    }
)


class TestMailableContactsProperty(HypothesisTestCase):
    """Whatever the mix of states, ``mailable_contacts`` returns exactly the contacts that
    consented, confirmed, never withdrew, are not merged away and whose address is on no
    suppression list that applies to the store."""

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(states=st.lists(STATES, min_size=1, max_size=8))
    def test_mailable_contacts_never_returns_a_contact_it_must_not_mail(self, states):
        from django.utils import timezone

        store, other = StoreFactory(), StoreFactory()
        keeper = Contact.objects.create(store=store, source=Source.FORM)
        expected = set()
        now = timezone.now()
        for index, state in enumerate(states):
            email = f"p{index}@example.com"
            contact = Contact.objects.create(store=store, source=Source.FORM)
            if state["consent"] != "none":
                EmailConsent.objects.create(
                    contact=contact,
                    email=email,
                    address_hash=address_hash(email),
                    state=state["consent"],
                    requested_at=now - timedelta(days=2),
                    confirmed_at=now - timedelta(days=1) if state["consent"] != "requested" else None,
                    withdrawn_at=now if state["consent"] == "withdrawn" else None,
                )
            hashed = address_hash(email)
            if state["store_unsubscribe"]:
                Suppression.objects.create(store=store, address_hash=hashed, reason="unsubscribed")
            if state["other_store_unsubscribe"]:
                Suppression.objects.create(store=other, address_hash=hashed, reason="unsubscribed")
            if state["bounce"]:
                Suppression.objects.create(store=None, address_hash=hashed, reason="hard_bounce")
            if state["complaint"]:
                Suppression.objects.create(store=None, address_hash=hashed, reason="complaint")
            if state["merged"]:
                Contact.objects.filter(pk=contact.pk).update(merged_into=keeper)
            if state["consent"] == "confirmed" and not (
                state["store_unsubscribe"] or state["bounce"] or state["complaint"] or state["merged"]
            ):
                expected.add(contact.pk)

        mailable = list(selectors.mailable_contacts(store=store))

        assert {contact.pk for contact in mailable} == expected
        for contact in mailable:
            consent = contact.consent
            assert consent.state == "confirmed" and consent.confirmed_at and not consent.withdrawn_at
            applies = Q(store__isnull=True) | Q(store=store)
            assert not Suppression.objects.filter(applies, address_hash=consent.address_hash).exists()
