"""A seller sees only their own store's contacts: the pages, the API, the admin and the
exports; a shopper has no customer list."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from marketing import services
from marketing.models import ConsentEvent, Contact, ContactMerge, Identity, Source, Suppression
from marketing.services.contacts import Seen
from tests.admin_helpers import admin_url
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stores():
    mine, theirs = StoreFactory(), StoreFactory()
    own = services.record_contact(
        store_id=mine.pk, seen=[Seen("email", "own@example.com")], source=Source.FORM, name="Own Person"
    )
    other = services.record_contact(
        store_id=theirs.pk, seen=[Seen("email", "other@example.com")], source=Source.FORM, name="Other Person"
    )
    services.ask_consent(contact=other, email="other@example.com", source=Source.FORM, text="x")
    services.withdraw_consent(contact=other, source=Source.LINK)
    return mine, theirs, own, other


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_pages_show_only_the_sellers_own_contacts(two_stores):
    mine, theirs, own, other = two_stores
    client = as_user(mine.owner)
    listing = client.get("/customers/").content.decode()
    assert "Own Person" in listing and "Other Person" not in listing
    assert client.get("/customers/?q=other").context["contacts"].__len__() == 0
    assert client.get(f"/customers/{own.pk}/").status_code == 200
    for path in (f"/customers/{other.pk}/", f"/customers/{other.pk}/export.json", f"/customers/{other.pk}/erase/"):
        assert client.get(path).status_code == 404
    for path in (f"/customers/{other.pk}/", f"/customers/{other.pk}/erase/", f"/customers/{other.pk}/withdraw/"):
        assert client.post(path, {"note": "mine now"}).status_code == 404
    assert Contact.objects.filter(pk=other.pk, note="").exists()


def test_a_shopper_has_no_customer_list(two_stores):
    shopper = as_user(UserFactory())
    assert shopper.get("/customers/").status_code == 403
    api = APIClient()
    api.force_authenticate(UserFactory())
    assert api.get("/api/v1/marketing/contacts/").status_code == 403
    assert APIClient().get("/api/v1/marketing/contacts/").status_code in (401, 403)
    assert Client().get("/customers/").status_code == 302  # to log in


def test_the_api_lists_reads_and_changes_only_the_sellers_own_contacts(two_stores):
    mine, theirs, own, other = two_stores
    api = APIClient()
    api.force_authenticate(mine.owner)
    listing = api.get("/api/v1/marketing/contacts/").json()
    assert [row["id"] for row in listing["results"]] == [own.pk]
    for method, path in (
        ("get", f"/api/v1/marketing/contacts/{other.pk}/"),
        ("patch", f"/api/v1/marketing/contacts/{other.pk}/"),
        ("get", f"/api/v1/marketing/contacts/{other.pk}/export/"),
        ("post", f"/api/v1/marketing/contacts/{other.pk}/erase/"),
        ("post", f"/api/v1/marketing/contacts/{other.pk}/withdraw-consent/"),
    ):
        assert getattr(api, method)(path, {"note": "x"}, format="json").status_code == 404
    changed = api.patch(
        f"/api/v1/marketing/contacts/{own.pk}/",
        {"tags": ["VIP", "vip", "Reseller"], "note": "Likes indigo"},
        format="json",
    )
    assert changed.status_code == 200
    assert sorted(changed.json()["tags"]) == ["Reseller", "VIP"] and changed.json()["note"] == "Likes indigo"
    assert api.get("/api/v1/marketing/contacts/?group=champions").json()["count"] == 0
    assert api.get("/api/v1/marketing/contacts/?group=nonsense").status_code == 400
    assert Contact.objects.filter(pk=other.pk).exists()


def test_the_admin_shows_only_the_sellers_own_rows(two_stores):
    mine, theirs, own, other = two_stores
    client = as_user(mine.owner)
    changelist = client.get(admin_url(Contact, "changelist"))
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].queryset) == [own]
    assert client.get(admin_url(Contact, "change", other.pk)).status_code == 404
    assert client.get(admin_url(Contact, "change", own.pk)).status_code == 200
    events = client.get(admin_url(ConsentEvent, "changelist"))
    assert events.status_code == 200 and not list(events.context["cl"].queryset)
    suppressed = client.get(admin_url(Suppression, "changelist"))
    assert not list(suppressed.context["cl"].queryset)
    theirs_client = as_user(theirs.owner)
    assert [row.store_id for row in theirs_client.get(admin_url(Suppression, "changelist")).context["cl"].queryset] == [
        theirs.pk
    ]
    # the proof cannot be changed, even by its store
    event = ConsentEvent.objects.filter(store=theirs).first()
    assert theirs_client.post(admin_url(ConsentEvent, "change", event.pk), {"text": "forged"}).status_code == 403


def test_the_admin_action_undoes_only_the_sellers_own_merges(two_stores):
    mine, theirs, own, other = two_stores
    merges = {}
    for store in (mine, theirs):
        buyer = UserFactory()
        first = services.record_contact(
            store_id=store.pk, seen=[Seen("whatsapp", f"62811{store.pk}", True)], source=Source.WHATSAPP
        )
        services.record_contact(store_id=store.pk, seen=services.user_seen(user=buyer), source=Source.ORDER)
        services.record_contact(
            store_id=store.pk,
            seen=[*services.user_seen(user=buyer), Seen("whatsapp", f"62811{store.pk}", True)],
            source=Source.ORDER,
        )
        merges[store.pk] = ContactMerge.objects.get(kept=first)
    client = as_user(mine.owner)
    response = client.post(
        admin_url(ContactMerge, "changelist"),
        {"action": "undo", "_selected_action": [merges[mine.pk].pk, merges[theirs.pk].pk]},
    )
    assert response.status_code == 302
    merges[mine.pk].refresh_from_db()
    merges[theirs.pk].refresh_from_db()
    assert merges[mine.pk].undone_at is not None
    assert merges[theirs.pk].undone_at is None
    assert Identity.objects.filter(store=theirs, kind="user").count() == 1
