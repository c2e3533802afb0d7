"""A contact's data and consent history as JSON, erasure on request, and the seller's CSV
import (bad rows reported per line, never a 500), through the pages and the API."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from marketing import selectors, services, tokens
from marketing.models import ConsentEvent, Contact, ContactErasure, EmailConsent, Identity, Source, Suppression
from marketing.services.contacts import Seen
from tests.factories import StoreFactory, UserFactory
from tests.marketing.helpers import paid_order

pytestmark = pytest.mark.django_db


def seller_client(store) -> Client:
    client = Client()
    client.force_login(store.owner)
    return client


def subscribed_buyer(store):
    buyer = UserFactory(email="rina@example.com")
    order = paid_order(buyer, store)
    contact = services.record_contact(store_id=store.pk, seen=services.user_seen(user=buyer), source=Source.ORDER)
    services.ask_consent(contact=contact, email=buyer.email, source=Source.CHECKOUT, text="News please")
    event = contact.consent_events.get()
    services.confirm_consent(token=tokens.confirm_token(contact_id=contact.pk, event_id=event.pk))
    return contact, order


def test_the_export_holds_the_contact_its_consent_history_and_orders():
    store = StoreFactory()
    contact, order = subscribed_buyer(store)
    response = seller_client(store).get(f"/customers/{contact.pk}/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="contact-{contact.pk}.json"'
    data = json.loads(response.content)
    assert data["contact"]["id"] == contact.pk
    assert data["consent"]["state"] == "confirmed"
    assert [event["what"] for event in data["consent_history"]] == ["requested", "confirmed"]
    assert data["consent_history"][0]["text"] == "News please"
    assert [row["number"] for row in data["orders"]] == [order.number]
    assert {"kind": "email", "value": "rina@example.com", "verified": True} in [
        {key: row[key] for key in ("kind", "value", "verified")} for row in data["contact"]["identities"]
    ]


def test_erasure_asks_first_then_deletes_the_contact_and_keeps_an_unsubscribe_as_a_hash():
    # given a contact who unsubscribed
    store = StoreFactory()
    contact, order = subscribed_buyer(store)
    services.withdraw_consent(contact=contact, source=Source.LINK)
    client = seller_client(store)
    # when the seller opens the erase page (nothing happens), then confirms
    asked = client.get(f"/customers/{contact.pk}/erase/")
    assert asked.status_code == 200 and "Erase for good" in asked.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()
    done = client.post(f"/customers/{contact.pk}/erase/")
    # then
    assert done.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not Identity.objects.exists() and not ConsentEvent.objects.exists() and not EmailConsent.objects.exists()
    [suppression] = Suppression.objects.all()
    assert suppression.email == "" and suppression.store == store
    assert ContactErasure.objects.get().actor == store.owner
    order.refresh_from_db()  # the order stays: a record of the sale
    # and a new sign-up of the address is never mailable before confirming, still suppressed now
    again = services.record_contact(store_id=store.pk, seen=[Seen("email", "rina@example.com")], source=Source.FORM)
    services.ask_consent(contact=again, email="rina@example.com", source=Source.FORM, text="x")
    assert not selectors.mailable_contacts(store=store).exists()


def test_the_api_exports_erases_and_withdraws():
    store = StoreFactory()
    contact, _order = subscribed_buyer(store)
    api = APIClient()
    api.force_authenticate(store.owner)
    assert api.get(f"/api/v1/marketing/contacts/{contact.pk}/export/").json()["consent"]["state"] == "confirmed"
    withdrawn = api.post(f"/api/v1/marketing/contacts/{contact.pk}/withdraw-consent/")
    assert withdrawn.status_code == 200 and withdrawn.json()["consent"]["state"] == "withdrawn"
    assert not selectors.mailable_contacts(store=store).exists()
    assert api.post(f"/api/v1/marketing/contacts/{contact.pk}/erase/").status_code == 204
    assert api.get(f"/api/v1/marketing/contacts/{contact.pk}/").status_code == 404


CSV = (
    "Email;Name;Phone;Tags;Consent\n"
    "ayu@example.com;Ayu;0812 3333 4444;VIP|Reseller;yes\n"
    "not-an-email;Bad;;;no\n"
    ";Nobody;;;\n"
    "budi@example.com;Budi;12;;\n"
    "citra@example.com;Citra;;;maybe\n"
    ";Dimas;+62 813 5555 6666;;yes\n"
    "eka@example.com;Eka;;;no\n"
)


def test_the_csv_import_reports_each_bad_row_and_adds_the_others(django_capture_on_commit_callbacks):
    from django.core import mail

    store = StoreFactory()
    client = seller_client(store)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/customers/import/", {"file": SimpleUploadedFile("list.csv", CSV.encode(), "text/csv")})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.added == 2 and report.consent_asked == 1
    assert [line for line, _problem in report.errors] == [3, 4, 5, 6, 7]
    html = response.content.decode()
    assert "“not-an-email” is not an email address." in html
    assert "“12” is not a phone number." in html
    assert "Consent needs an email address." in html
    ayu = Contact.objects.get(store=store, name="Ayu")
    assert {tag.name for tag in ayu.tags.all()} == {"VIP", "Reseller"}
    assert ayu.consent.state == "requested" and ayu.consent_events.get().source == "import"
    assert [message.to for message in mail.outbox] == [["ayu@example.com"]]
    # importing the same file again adds no contact
    client.post("/customers/import/", {"file": SimpleUploadedFile("list.csv", CSV.encode(), "text/csv")})
    assert Contact.objects.filter(store=store).count() == 2


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00b\x00a\x00d", b"name,city\nAni,Bogor\n", b"", b"email\n" + b"a@example.com\n" * 5001, b"\x00\x00"],
)
def test_a_file_the_import_cannot_read_is_a_clear_400(content):
    store = StoreFactory()
    response = seller_client(store).post("/customers/import/", {"file": SimpleUploadedFile("x.csv", content)})
    assert response.status_code == 400
    api = APIClient()
    api.force_authenticate(store.owner)
    answer = api.post(
        "/api/v1/marketing/contacts/import/", {"file": SimpleUploadedFile("x.csv", content)}, format="multipart"
    )
    assert answer.status_code == 400
    assert not Contact.objects.exists()


def test_the_api_import_reports_rows():
    store = StoreFactory()
    api = APIClient()
    api.force_authenticate(store.owner)
    answer = api.post(
        "/api/v1/marketing/contacts/import/", {"file": SimpleUploadedFile("l.csv", CSV.encode())}, format="multipart"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["added"] == 2
    assert [row["line"] for row in body["errors"]] == [3, 4, 5, 6, 7]
