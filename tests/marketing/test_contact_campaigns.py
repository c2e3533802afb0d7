"""A contact's page, its API detail and its JSON export show the campaigns the contact received:
when each was sent, delivered or bounced, opened (unreliable), clicked, and the orders credited.
Constant queries whatever the number of campaigns; another store's seller gets a 404."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from marketing.campaign_models import Campaign, CampaignOrder, Recipient
from marketing.campaigns import engine
from tests.factories import StoreFactory, UserFactory
from tests.marketing.campaign_helpers import campaign_for, mailable_contact
from tests.marketing.helpers import paid_order

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


def seller(store) -> Client:
    client = Client()
    client.force_login(store.owner)
    return client


@pytest.fixture
def clicked_and_bought(settings, django_capture_on_commit_callbacks):
    """Sari got two campaigns: she clicked the second and paid an order within the week."""
    settings.EVENTS_REDIS_URL = ""
    store = StoreFactory()
    buyer = UserFactory()
    contact = mailable_contact(store, "sari@example.com", user=buyer, name="Sari")
    first = campaign_for(store, name="Welcome back", subject="Hello again")
    second = campaign_for(store, name="Ramadan sale", subject="Our Ramadan sale")
    with django_capture_on_commit_callbacks(execute=True):
        engine.start_campaign(first)
    with django_capture_on_commit_callbacks(execute=True):
        engine.start_campaign(second)
    message = next(message for message in mail.outbox if message.subject == "Our Ramadan sale")
    click = re.search(r"https?://[^/\s]+(/m/c/[^\s]+)", message.body).group(1)
    assert Client(HTTP_USER_AGENT=BROWSER).get(click).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(buyer, store, price=20_000_000)
    return store, contact, first, second, order


def test_the_contact_page_shows_the_campaigns_received_clicked_and_the_orders_credited(clicked_and_bought):
    # given
    store, contact, first, second, order = clicked_and_bought
    # when
    response = seller(store).get(f"/customers/{contact.pk}/")
    # then
    assert response.status_code == 200
    received = response.context["campaigns"]
    assert [row.campaign_id for row in received] == [second.pk, first.pk]  # newest first
    newest, oldest = received
    assert newest.subject == "Our Ramadan sale" and newest.clicked_at is not None
    assert (newest.orders, newest.revenue) == (1, order.total)
    assert (oldest.clicked_at, oldest.orders, oldest.revenue) == (None, 0, 0)
    page = response.content.decode()
    assert "Campaigns received and clicked" in page and "Opened (unreliable)" in page
    rows = re.findall(r'<li data-campaign="(\d+)">(.*?)</li>', page, flags=re.S)
    assert [int(pk) for pk, _html in rows] == [second.pk, first.pk]
    assert 'class="campaign-orders">1<' in rows[0][1] and 'class="campaign-orders">0<' in rows[1][1]
    assert f"/customers/campaigns/{second.pk}/" in rows[0][1]


def test_delivered_bounced_and_opened_come_from_the_recipient_rows(clicked_and_bought):
    store, contact, first, second, _order = clicked_and_bought
    now = timezone.now()
    Recipient.objects.filter(campaign=first, contact=contact).update(bounced_at=now)
    Recipient.objects.filter(campaign=second, contact=contact).update(delivered_at=now, opened_at=now)
    page = seller(store).get(f"/customers/{contact.pk}/").content.decode()
    rows = dict(re.findall(r'<li data-campaign="(\d+)">(.*?)</li>', page, flags=re.S))
    assert "Bounced" in rows[str(first.pk)] and "Delivered" not in rows[str(first.pk)]
    assert "Delivered" in rows[str(second.pk)]
    assert "Delivery not reported" not in page


def test_the_api_detail_and_the_export_carry_the_campaigns(clicked_and_bought):
    store, contact, first, second, order = clicked_and_bought
    api = APIClient()
    api.force_authenticate(store.owner)
    body = api.get(f"/api/v1/marketing/contacts/{contact.pk}/").json()
    assert [row["campaign_id"] for row in body["campaigns_received"]] == [second.pk, first.pk]
    assert body["campaigns_received"][0]["orders"] == 1
    assert body["campaigns_received"][0]["revenue"] == order.total
    assert body["campaigns_received"][0]["clicked_at"] is not None
    # the list stays light: no campaigns per row
    assert "campaigns_received" not in api.get("/api/v1/marketing/contacts/").json()["results"][0]
    export = json.loads(seller(store).get(f"/customers/{contact.pk}/export.json").content)
    assert [row["campaign"] for row in export["campaigns_received"]] == ["Ramadan sale", "Welcome back"]
    assert export["campaigns_received"][0]["orders_credited"] == 1


def test_another_stores_seller_gets_a_404(clicked_and_bought):
    _store, contact, *_rest = clicked_and_bought
    other = StoreFactory()
    assert seller(other).get(f"/customers/{contact.pk}/").status_code == 404
    assert seller(other).get(f"/customers/{contact.pk}/export.json").status_code == 404
    api = APIClient()
    api.force_authenticate(other.owner)
    assert api.get(f"/api/v1/marketing/contacts/{contact.pk}/").status_code == 404


def test_a_contact_who_got_no_campaign_sees_the_empty_state():
    store = StoreFactory()
    contact = mailable_contact(store, "new@example.com", name="New")
    response = seller(store).get(f"/customers/{contact.pk}/")
    assert response.context["campaigns"] == []
    assert 'id="no-campaigns"' in response.content.decode()


def _sent_campaigns(store, contact, count: int) -> None:
    now = timezone.now()
    for n in range(count):
        campaign = Campaign.objects.create(store=store, name=f"C{n}", subject=f"S{n}", state=Campaign.State.SENT)
        Recipient.objects.create(
            campaign=campaign, contact=contact, state=Recipient.State.SENT, sent_at=now, clicked_at=now
        )


def test_the_page_costs_the_same_queries_for_two_or_twenty_campaigns(clicked_and_bought):
    store, contact, *_rest = clicked_and_bought
    client = seller(store)
    client.get(f"/customers/{contact.pk}/")  # warm the session and the caches
    with CaptureQueriesContext(connection) as two:
        assert len(client.get(f"/customers/{contact.pk}/").context["campaigns"]) == 2
    _sent_campaigns(store, contact, 18)
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get(f"/customers/{contact.pk}/").context["campaigns"]) == 20
    assert len(twenty) == len(two)
    api = APIClient()
    api.force_authenticate(store.owner)
    with CaptureQueriesContext(connection) as detail:
        assert len(api.get(f"/api/v1/marketing/contacts/{contact.pk}/").json()["campaigns_received"]) == 20
    _sent_campaigns(store, contact, 10)
    with CaptureQueriesContext(connection) as thirty:
        assert len(api.get(f"/api/v1/marketing/contacts/{contact.pk}/").json()["campaigns_received"]) == 30
    assert len(thirty) == len(detail)


def test_orders_credited_from_another_contact_are_not_counted(clicked_and_bought):
    store, contact, first, second, order = clicked_and_bought
    other = mailable_contact(store, "budi@example.com", name="Budi")
    Recipient.objects.create(campaign=second, contact=other, state=Recipient.State.SENT, sent_at=timezone.now())
    other_order = paid_order(UserFactory(), store)
    CampaignOrder.objects.create(campaign=second, order=other_order, contact=other, amount=other_order.total)
    received = seller(store).get(f"/customers/{contact.pk}/").context["campaigns"]
    assert (received[0].orders, received[0].revenue) == (1, order.total)
    assert seller(store).get(f"/customers/{other.pk}/").context["campaigns"][0].orders == 1
