"""``manage.py seed_demo``, marketing side: the demo stores' contacts gathered and scored, and
shoppers with confirmed consent in the demo seller's store; the same on a second run."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from catalog.demo.stores import STORES
from marketing import selectors
from marketing.models import ConsentEvent, Contact, Store

pytestmark = pytest.mark.django_db


def test_the_demo_seller_has_customers_with_consent_and_a_second_run_changes_nothing():
    out = io.StringIO()
    call_command("seed_demo", "--products-per-store=1", stdout=out)
    store = Store.objects.get(slug=STORES[0].slug)
    first = set(Contact.objects.values_list("pk", "store_id", "rfm_group"))
    events = ConsentEvent.objects.count()

    call_command("seed_demo", "--products-per-store=1", "--quiet", stdout=io.StringIO())

    assert "Customers:" in out.getvalue()
    mailable = list(selectors.mailable_contacts(store=store))
    assert len(mailable) == 4
    assert all(contact.consent_events.filter(kind="confirmed").exists() for contact in mailable)
    assert Contact.objects.filter(store=store, source="order").exists()
    assert Contact.objects.exclude(rfm_group="").exists()
    assert set(Contact.objects.values_list("pk", "store_id", "rfm_group")) == first
    assert ConsentEvent.objects.count() == events


def test_the_demo_seller_has_one_sent_campaign_with_its_figures_and_a_second_run_adds_nothing(
    django_capture_on_commit_callbacks,
):
    from checkout.models import Order
    from marketing.campaign_models import Campaign, CampaignOrder, MarketingSend, Recipient
    from marketing.campaigns.tracking import campaign_report
    from marketing.demo.seed import CAMPAIGN_NAME

    # The command runs in autocommit: what waits for a commit (checkout's order_paid) runs at once.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--products-per-store=2", "--quiet", stdout=io.StringIO())
    store = Store.objects.get(slug=STORES[0].slug)
    [campaign] = Campaign.objects.filter(store=store)
    sends = MarketingSend.objects.count()
    orders = Order.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--products-per-store=2", "--quiet", stdout=io.StringIO())

    assert campaign.name == CAMPAIGN_NAME
    assert campaign.state == Campaign.State.SENT
    assert [block["type"] for block in campaign.blocks][:2] == ["text", "products"]
    assert len(campaign.blocks[1]["products"]) == 2
    report = campaign_report(campaign)
    assert (report.sent, report.delivered, report.opened, report.clicked) == (4, 4, 3, 2)
    assert Campaign.objects.count() == 1
    assert MarketingSend.objects.count() == sends == 4
    # The first who clicked bought the product she clicked, paid within the week of her click:
    # credited by checkout's order_paid, not set by hand.
    [credited] = CampaignOrder.objects.filter(campaign=campaign)
    clicker = Recipient.objects.get(campaign=campaign, contact_id=credited.contact_id)
    order = Order.objects.get(pk=credited.order_id)
    assert clicker.clicked_at is not None and order.paid_at is not None
    assert clicker.clicked_at <= order.paid_at <= clicker.clicked_at + timedelta(days=7)
    assert order.store_id == store.pk and credited.amount == order.total > 0
    assert clicker.contact.identities.filter(kind="user", user_id=order.buyer_id).exists()
    assert order.lines.filter(variant__product_id=campaign.blocks[1]["products"][0]).exists()
    assert (report.orders, report.revenue) == (1, order.total)
    assert Order.objects.count() == orders  # a second run places no second order


def test_the_demo_seller_has_the_flows_switched_on_and_usage_tips():
    from marketing.flow_models import Enrolment, Flow, ProductTips

    call_command("seed_demo", "--products-per-store=2", "--quiet", stdout=io.StringIO())
    call_command("seed_demo", "--products-per-store=2", "--quiet", stdout=io.StringIO())
    store = Store.objects.get(slug=STORES[0].slug)
    flows = Flow.objects.filter(store=store)
    assert sorted(flows.filter(enabled=True).values_list("kind", flat=True)) == sorted(Flow.Kind.values)
    assert all(flow.steps.exists() for flow in flows)
    assert not Flow.objects.exclude(store=store).filter(enabled=True).exists()  # one store only
    assert ProductTips.objects.filter(store=store).count() == 2
    assert not Enrolment.objects.exists()  # nobody welcomed while seeding
