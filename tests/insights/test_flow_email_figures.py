"""The seller's automatic emails (marketing's flows) in insights, end to end through the real
code paths, as a campaign's are (``test_email_figures``): a flow's step sent by the flow
engine, delivered (the provider's signed webhook, as django-anymail receives it), clicked
(the signed redirect, twice, and once by a link scanner), an order paid after the click; the
events go through Redis and the drain task into the event table, the day is rolled up, and
the insights page, its CSV and the API show the flow with sent, delivered, clicked, orders and
revenue as marketing's own flow report counts them, to the store's seller only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from insights import rollups
from insights.models import DailyEmailFigures, EmailKind, OrderAttribution, TouchKind
from insights.selectors.store import EmailRow
from insights.tasks import drain_events_task
from marketing.flow_models import Enrolment, Flow, FlowSend
from marketing.flows import defaults, engine, tracking
from shop import events
from shop.money import to_major
from tests.factories import SellerFactory, StoreFactory, UserFactory, buyable_variant
from tests.insights.emails import BROWSER, SCANNER, click_path, csv_rows
from tests.marketing.campaign_helpers import mailable_contact
from tests.marketing.helpers import paid_order
from tests.marketing.test_campaign_tracking import mailgun_payload, post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mailgun")]


def _browse_flow_sent(store, *, buyer, others: int, capture) -> tuple[Flow, FlowSend]:
    """``store``'s browse-abandonment flow switched on and its first step sent by the engine
    to ``buyer``'s contact and ``others`` more. Returns the flow and the buyer's email."""
    flow = next(flow for flow in defaults.ensure_flows(store=store) if flow.kind == Flow.Kind.BROWSE_ABANDONMENT)
    flow = defaults.switch(flow=flow, enabled=True)
    product = buyable_variant(store=store, stock=10, price=20_000_000).product
    contacts = [mailable_contact(store, f"buyer{store.pk}@example.com", user=buyer)]
    contacts += [mailable_contact(store, f"s{store.pk}x{n}@example.com") for n in range(others)]
    for contact in contacts:
        Enrolment.objects.create(
            flow=flow, store=store, contact=contact, trigger_key="view:x", product=product, due_at=timezone.now()
        )
    with capture(execute=True):
        engine.evaluate()
    events.flush()  # what the worker's task_postrun does (here the task ran eagerly)
    return flow, FlowSend.objects.get(flow=flow, contact=contacts[0])


def _delivered(send: FlowSend) -> dict:
    """Mailgun's "delivered" for a flow email: its metadata names the flow send."""
    return mailgun_payload(
        "delivered", send, send.contact.consent.email, **{"user-variables": {"flow_send": str(send.pk)}}
    )


def test_a_flow_email_sent_delivered_clicked_and_bought_from_shows_in_its_sellers_insights(
    events_redis, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    # given a seller's browse-abandonment email sent to two people, the buyer among them
    store = StoreFactory(owner=SellerFactory())
    buyer = UserFactory()
    flow, send = _browse_flow_sent(store, buyer=buyer, others=1, capture=capture)
    assert FlowSend.objects.filter(flow=flow, state=FlowSend.State.SENT).count() == 2
    # and another store's flow email, sent the same day
    other_store = StoreFactory(owner=SellerFactory())
    other_flow, _ = _browse_flow_sent(other_store, buyer=UserFactory(), others=0, capture=capture)
    # when the provider says the buyer's was delivered (twice: counted once)
    provider = Client()  # the provider's script: no browser's user agent
    for _ in range(2):
        assert post(provider, _delivered(send)).status_code == 200
    # and a link scanner opens the buyer's link, then the buyer clicks it twice
    click = click_path(send.contact.consent.email, prefix="/m/f/")
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
    assert drain_events_task() > 0  # the order placed and paid
    assert events.waiting_in_redis() == 0
    rollups.roll_up_day(day=rollups.today())
    # then the order is credited to the flow, and the day's figures are marketing's own report's
    credited = OrderAttribution.objects.get(order_id=order.pk)
    assert (credited.kind, credited.ref_id) == (TouchKind.FLOW, flow.pk)
    [step] = tracking.flow_report(flow)
    assert (step.sent, step.clicked, step.orders, step.revenue) == (2, 1, 1, order.total)
    row = DailyEmailFigures.objects.get(kind=EmailKind.FLOW, ref_id=flow.pk)
    assert (row.store_id, row.sent, row.delivered, row.clicked) == (store.pk, 2, 1, 1)
    assert (row.orders_paid, row.revenue, row.refunds) == (1, order.total, 0)
    # and the seller's page shows it, named after its kind, and none of the other store's
    seller = Client(HTTP_USER_AGENT=BROWSER)
    seller.force_login(store.owner)
    page = seller.get(reverse("insights:dashboard"), {"range": "7d"})
    assert page.status_code == 200
    assert page.context["data"].emails == [
        EmailRow(
            kind=EmailKind.FLOW,
            ref_id=flow.pk,
            name="Browse abandonment",
            sent=2,
            delivered=1,
            clicked=1,
            orders_paid=1,
            revenue=order.total,
            refunds=0,
        )
    ]
    html = page.content.decode()
    assert "Browse abandonment" in html and "Automatic email" in html
    # and its CSV (the amount in rupiah) and the API say the same
    rupiah = str(to_major(order.total).to_integral_value())
    export = seller.get(reverse("insights:export", args=["emails"]), {"range": "7d"})
    assert export.status_code == 200
    assert csv_rows(export)[1:] == [["Browse abandonment", "Automatic email", "2", "1", "1", "1", rupiah, "0"]]
    api = seller.get(reverse("api:insights"), {"range": "7d"}).json()
    assert api["emails"] == [
        {
            "kind": "flow",
            "id": flow.pk,
            "name": "Browse abandonment",
            "sent": 2,
            "delivered": 1,
            "clicked": 1,
            "orders_paid": 1,
            "revenue": order.total,
            "refunds": 0,
        }
    ]
    assert {"kind": "flow", "orders_paid": 1, "revenue": order.total, "refunds": 0, "assisted": 0} in api["channels"]
    # and the other store's seller sees their own flow only, and not this store's at all
    rival = Client(HTTP_USER_AGENT=BROWSER)
    rival.force_login(other_store.owner)
    theirs = rival.get(reverse("api:insights"), {"range": "7d"}).json()["emails"]
    assert [(row["kind"], row["id"], row["sent"], row["clicked"], row["orders_paid"]) for row in theirs] == [
        ("flow", other_flow.pk, 1, 0, 0)
    ]
    assert csv_rows(rival.get(reverse("insights:export", args=["emails"]), {"range": "7d"}))[1:] == [
        ["Browse abandonment", "Automatic email", "1", "0", "0", "0", "0", "0"]
    ]
    assert rival.get(reverse("insights:dashboard"), {"store": store.pk}).status_code == 404
    assert rival.get(reverse("insights:export", args=["emails"]), {"store": store.pk}).status_code == 404
    assert rival.get(reverse("api:insights"), {"store": store.pk}).status_code == 404
    # and rolling the day up again gives the same figures
    before = list(DailyEmailFigures.objects.order_by("kind", "ref_id").values())
    rollups.roll_up_day(day=rollups.today())
    assert [
        {key: value for key, value in row.items() if key != "id"}
        for row in DailyEmailFigures.objects.order_by("kind", "ref_id").values()
    ] == [{key: value for key, value in row.items() if key != "id"} for row in before]


def test_an_email_row_is_never_named_after_another_stores_flow():
    # given a store's flow, and a row of another store that carries its id (a bad event)
    store = StoreFactory(owner=SellerFactory())
    [flow, *_] = defaults.ensure_flows(store=store)
    other = StoreFactory(owner=SellerFactory())
    DailyEmailFigures.objects.create(
        store_id=other.pk, day=rollups.today(), kind=EmailKind.FLOW, ref_id=flow.pk, sent=1
    )
    client = Client(HTTP_USER_AGENT=BROWSER)
    client.force_login(other.owner)
    # when the other store's seller reads their emails
    body = client.get(reverse("api:insights"), {"range": "7d"}).json()
    # then the row is theirs but carries no name of the first store's flow
    assert [(row["kind"], row["id"], row["name"]) for row in body["emails"]] == [("flow", flow.pk, "")]


def test_a_flow_click_the_providers_tracking_saw_first_is_counted_once(
    no_redis, collected, django_capture_on_commit_callbacks
):
    # given a flow email sent (its sending recorded)
    store = StoreFactory(owner=SellerFactory())
    buyer = UserFactory()
    flow, send = _browse_flow_sent(store, buyer=buyer, others=0, capture=django_capture_on_commit_callbacks)
    assert [(e.name, e.ref_id, e.store_id) for batch in collected for e in batch] == [
        (events.EventName.FLOW_EMAIL_SENT, flow.pk, store.pk)
    ]
    collected.clear()
    # when the provider's click tracking reports the click, then the signed redirect sees it
    email = send.contact.consent.email
    payload = mailgun_payload("clicked", send, email, **{"user-variables": {"flow_send": str(send.pk)}})
    assert post(Client(), payload).status_code == 200
    assert Client(HTTP_USER_AGENT=BROWSER).get(click_path(email, prefix="/m/f/")).status_code == 302
    events.flush()
    # then one click is counted (the first), the second is a touch only, both the buyer's
    clicks = [(e.name, e.user_id) for batch in collected for e in batch if e.ref_id == flow.pk]
    assert clicks == [
        (events.EventName.FLOW_EMAIL_CLICKED, buyer.pk),
        (events.EventName.FLOW_EMAIL_CLICKED_AGAIN, buyer.pk),
    ]
