"""``manage.py seed_demo``, marketing side: the demo stores' contacts gathered and scored, and
shoppers with confirmed consent in the demo seller's store; the same on a second run."""

import io

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
    mailable = list(selectors.mailable_contacts(store))
    assert len(mailable) == 4
    assert all(contact.consent_events.filter(kind="confirmed").exists() for contact in mailable)
    assert Contact.objects.filter(store=store, source="order").exists()
    assert Contact.objects.exclude(rfm_group="").exists()
    assert set(Contact.objects.values_list("pk", "store_id", "rfm_group")) == first
    assert ConsentEvent.objects.count() == events


def test_the_demo_seller_has_one_sent_campaign_with_its_figures_and_a_second_run_adds_nothing():
    from marketing.campaign_models import Campaign, MarketingSend
    from marketing.campaigns.tracking import campaign_report
    from marketing.demo.seed import CAMPAIGN_NAME

    call_command("seed_demo", "--products-per-store=2", "--quiet", stdout=io.StringIO())
    store = Store.objects.get(slug=STORES[0].slug)
    [campaign] = Campaign.objects.filter(store=store)
    sends = MarketingSend.objects.count()

    call_command("seed_demo", "--products-per-store=2", "--quiet", stdout=io.StringIO())

    assert campaign.name == CAMPAIGN_NAME
    assert campaign.state == Campaign.State.SENT
    assert [block["type"] for block in campaign.blocks][:2] == ["text", "products"]
    assert len(campaign.blocks[1]["products"]) == 2
    report = campaign_report(campaign)
    assert (report.sent, report.delivered, report.opened, report.clicked) == (4, 4, 3, 2)
    assert Campaign.objects.count() == 1
    assert MarketingSend.objects.count() == sends == 4


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
