"""The seller's email figures, end to end through the real code paths: a campaign sent by the
marketing engine, delivered (the provider's signed webhook, as django-anymail receives it),
clicked (the signed redirect, twice, and once by a link scanner), an order paid after the
click; the events go through Redis and the drain task into the event table, the day is rolled
up, and the insights page, its CSV and the API show sent, delivered, clicked, orders and
revenue as marketing's own campaign report counts them, to the store's seller only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from insights import rollups
from insights.models import DailyEmailFigures, EmailKind
from insights.selectors.store import EmailRow
from insights.tasks import drain_events_task
from marketing.campaign_models import Recipient
from marketing.campaigns import engine, tracking
from shop import events
from shop.money import to_major
from tests.factories import SellerFactory, StoreFactory, UserFactory
from tests.insights.emails import BROWSER, SCANNER, click_path, csv_rows
from tests.marketing.campaign_helpers import bulk_mailable, campaign_for, mailable_contact
from tests.marketing.helpers import paid_order
from tests.marketing.test_campaign_tracking import mailgun_payload, post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mailgun")]


def _send(store, name: str, *, buyer, others: int, capture) -> tuple:
    """A campaign of ``store`` sent by the engine to ``buyer``'s contact and ``others`` more."""
    contact = mailable_contact(store, f"buyer{store.pk}@example.com", user=buyer)
    bulk_mailable(store, others, prefix=f"s{store.pk}x")
    campaign = campaign_for(store, name=name)
    with capture(execute=True):
        engine.start_campaign(campaign)
    events.flush()  # what the worker's task_postrun does (here the task ran eagerly)
    return campaign, Recipient.objects.get(campaign=campaign, contact=contact)


def test_a_campaign_sent_delivered_clicked_and_bought_from_shows_in_its_sellers_insights(
    events_redis, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    # given a seller's campaign sent to three people, the buyer among them
    store = StoreFactory(owner=SellerFactory())
    buyer = UserFactory()
    campaign, recipient = _send(store, "Ramadan sale", buyer=buyer, others=2, capture=capture)
    assert Recipient.objects.filter(campaign=campaign, state=Recipient.State.SENT).count() == 3
    # and another store's campaign, sent the same day
    other_store = StoreFactory(owner=SellerFactory())
    other, _ = _send(other_store, "Kopi promo", buyer=UserFactory(), others=0, capture=capture)
    provider = Client()  # the provider's script: no browser's user agent
    # when the provider says two were delivered (the buyer's twice: counted once)
    others = Recipient.objects.filter(campaign=campaign).exclude(pk=recipient.pk)
    for delivered in (recipient, recipient, others.first()):
        payload = mailgun_payload("delivered", delivered, delivered.contact.consent.email)
        assert post(provider, payload).status_code == 200
    # and a link scanner opens the buyer's link, then the buyer clicks it twice
    click = click_path(recipient.contact.consent.email, prefix="/m/c/")
    assert Client(HTTP_USER_AGENT=SCANNER).get(click).status_code == 302
    shopper = Client(HTTP_USER_AGENT=BROWSER)
    assert shopper.get(click).status_code == 302
    assert shopper.get(click).status_code == 302
    # and the events are drained (every few seconds in production: long before a checkout ends)
    assert drain_events_task() > 0
    # and the buyer pays an order from the store (within the seven days)
    with capture(execute=True):
        order = paid_order(buyer, store, price=25_000_000)
    events.flush()
    # and the events are drained from Redis into the table and the day rolled up
    assert drain_events_task() > 0  # the order placed and paid
    assert events.waiting_in_redis() == 0
    rollups.roll_up_day(day=rollups.today())
    # then the day's email figures are those of marketing's own report
    report = tracking.campaign_report(campaign)
    assert (report.sent, report.delivered, report.clicked, report.orders, report.revenue) == (
        3,
        2,
        1,
        1,
        order.total,
    )
    row = DailyEmailFigures.objects.get(kind=EmailKind.CAMPAIGN, ref_id=campaign.pk)
    assert (row.store_id, row.sent, row.delivered, row.clicked) == (store.pk, 3, 2, 1)
    assert (row.orders_paid, row.revenue, row.refunds) == (1, order.total, 0)
    # and the seller's page shows it, named, and none of the other store's
    seller = Client(HTTP_USER_AGENT=BROWSER)
    seller.force_login(store.owner)
    page = seller.get(reverse("insights:dashboard"), {"range": "7d"})
    assert page.status_code == 200
    assert page.context["data"].emails == [
        EmailRow(
            kind=EmailKind.CAMPAIGN,
            ref_id=campaign.pk,
            name="Ramadan sale",
            sent=3,
            delivered=2,
            clicked=1,
            orders_paid=1,
            revenue=order.total,
            refunds=0,
        )
    ]
    html = page.content.decode()
    assert "Ramadan sale" in html and "Kopi promo" not in html
    # and its CSV (the amount in rupiah) and the API say the same
    assert to_major(order.total) == to_major(order.total).to_integral_value()  # whole rupiah
    export = seller.get(reverse("insights:export", args=["emails"]), {"range": "7d"})
    assert export.status_code == 200
    assert csv_rows(export)[1:] == [
        ["Ramadan sale", "Campaign", "3", "2", "1", "1", str(to_major(order.total).to_integral_value()), "0"]
    ]
    api = seller.get(reverse("api:insights"), {"range": "7d"}).json()
    assert api["emails"] == [
        {
            "kind": "campaign",
            "id": campaign.pk,
            "name": "Ramadan sale",
            "sent": 3,
            "delivered": 2,
            "clicked": 1,
            "orders_paid": 1,
            "revenue": order.total,
            "refunds": 0,
        }
    ]
    # and the other store's seller sees their own campaign only, and not this store's at all
    rival = Client(HTTP_USER_AGENT=BROWSER)
    rival.force_login(other_store.owner)
    theirs = rival.get(reverse("api:insights"), {"range": "7d"}).json()["emails"]
    assert [(row["name"], row["sent"], row["clicked"], row["orders_paid"]) for row in theirs] == [
        ("Kopi promo", 1, 0, 0)
    ]
    assert csv_rows(rival.get(reverse("insights:export", args=["emails"]), {"range": "7d"}))[1:] == [
        ["Kopi promo", "Campaign", "1", "0", "0", "0", "0", "0"]
    ]
    assert rival.get(reverse("insights:dashboard"), {"store": store.pk}).status_code == 404
    assert rival.get(reverse("insights:export", args=["emails"]), {"store": store.pk}).status_code == 404
    assert rival.get(reverse("api:insights"), {"store": store.pk}).status_code == 404
    assert other.pk != campaign.pk
    # and rolling the day up again gives the same figures
    rollups.roll_up_day(day=rollups.today())
    again = DailyEmailFigures.objects.get(kind=EmailKind.CAMPAIGN, ref_id=campaign.pk)
    assert (again.sent, again.delivered, again.clicked, again.orders_paid, again.revenue) == (3, 2, 1, 1, order.total)


def test_an_email_row_is_never_named_after_another_stores_campaign(django_capture_on_commit_callbacks):
    # given a store's campaign, and a row of another store that carries its id (a bad event)
    store = StoreFactory(owner=SellerFactory())
    campaign = campaign_for(store, name="Secret launch")
    other = StoreFactory(owner=SellerFactory())
    DailyEmailFigures.objects.create(store_id=other.pk, day=rollups.today(), ref_id=campaign.pk, sent=1)
    client = Client(HTTP_USER_AGENT=BROWSER)
    client.force_login(other.owner)
    # when the other store's seller reads their emails
    body = client.get(reverse("api:insights"), {"range": "7d"}).json()
    # then the row is theirs but carries no name of the first store's
    assert [(row["id"], row["name"]) for row in body["emails"]] == [(campaign.pk, "")]


def test_a_provider_webhook_records_the_delivery_whatever_its_user_agent(no_redis, collected):
    # given a request from a script (the recorder leaves crawlers and scripts out)
    with events.viewing(events.Viewer(_Request("python-requests/2.32"))):
        # when an email's delivery is recorded from it as the server's own knowledge
        events.record(events.EventName.CAMPAIGN_EMAIL_DELIVERED, store_id=1, ref_id=2, from_request=False)
        # and a shopper's event from it as usual
        events.record(events.EventName.PRODUCT_VIEW, store_id=1, product_id=3)
    events.flush()
    # then the delivery is kept, without the request's ids, and the script's view is not
    (batch,) = collected
    assert [(event.name, event.ref_id, event.user_id, event.visitor) for event in batch] == [
        (events.EventName.CAMPAIGN_EMAIL_DELIVERED, 2, None, None)
    ]


def test_events_a_task_records_go_to_redis_when_the_task_ends(events_redis, settings):
    from shop.celery import hand_on_events

    # given a worker (tasks not run eagerly) whose task recorded an email sent
    settings.CELERY_TASK_ALWAYS_EAGER = False
    events.discard()
    events.record(events.EventName.CAMPAIGN_EMAIL_SENT, store_id=1, ref_id=2)
    assert events.buffered() == 1
    # when the task ends
    hand_on_events()
    # then the event waits in Redis for the drain task, not in the worker
    assert events.buffered() == 0
    (payload,) = events_redis.lrange(events.REDIS_KEY, 0, -1)
    assert [event.name for event in events.decode(payload)] == [events.EventName.CAMPAIGN_EMAIL_SENT]


class _Request:
    def __init__(self, user_agent: str):
        self.headers = {"User-Agent": user_agent}
        self.COOKIES = {"etv": "12345"}
        self.user = None


def test_a_campaign_named_like_a_formula_is_text_in_the_csv():
    # given a campaign name the seller typed as a formula, when the emails' CSV is written
    from insights.tables import csv_response

    response = csv_response(table="emails", header=["Email"], body=[["=HYPERLINK(1)"]], filename="x.csv")
    # then a spreadsheet reads it as text
    assert csv_rows(response)[1][0] == "'=HYPERLINK(1)"


def test_a_click_the_providers_tracking_saw_first_is_counted_once(
    no_redis, collected, django_capture_on_commit_callbacks
):
    # given a sent campaign
    store = StoreFactory(owner=SellerFactory())
    buyer = UserFactory()
    campaign, recipient = _send(store, "Flash sale", buyer=buyer, others=0, capture=django_capture_on_commit_callbacks)
    email = recipient.contact.consent.email
    collected.clear()
    # when the provider's click tracking reports the click, then the signed redirect sees it
    assert post(Client(), mailgun_payload("clicked", recipient, email)).status_code == 200
    assert Client(HTTP_USER_AGENT=BROWSER).get(click_path(email, prefix="/m/c/")).status_code == 302
    events.flush()
    # then one click is counted (the first), the second is a touch only, both the buyer's
    clicks = [(e.name, e.user_id) for batch in collected for e in batch if e.ref_id == campaign.pk]
    assert clicks == [
        (events.EventName.CAMPAIGN_EMAIL_CLICKED, buyer.pk),
        (events.EventName.CAMPAIGN_EMAIL_CLICKED_AGAIN, buyer.pk),
    ]
