"""The seller's campaign pages: only the store's own campaigns (another store's is a 404, a
shopper gets 403); the composer's validation (clear 400s with messages, never a 500); the
audience count before sending; sending, pausing, resuming, cancelling and scheduling through
the pages' buttons; the test send; the report; the segment builder and its live count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from marketing.campaign_models import Campaign, Recipient, Segment
from social.services import follow, profile_for_store
from tests.factories import DiscountCodeFactory, StoreFactory, UserFactory, buyable_variant
from tests.marketing.campaign_helpers import campaign_for, mailable_contact, segment_for

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shop():
    """A store with two products, a discount code, three mailable contacts (one follows the
    store and never bought) and a second store with a campaign of its own."""
    store = StoreFactory()
    first, second = buyable_variant(store=store, price=12_500_000), buyable_variant(store=store, price=9_900_000)
    DiscountCodeFactory(store=store, code="HEMAT10")
    fan = UserFactory()
    mailable_contact(store, "fan@example.com", user=fan, name="Fan")
    mailable_contact(store, "a@example.com")
    mailable_contact(store, "b@example.com")
    follow(follower=fan, profile=profile_for_store(store=store))
    other = StoreFactory()
    theirs = campaign_for(other, name="Their secret sale")
    return store, [first.product, second.product], theirs


def composer_data(cards, **extra) -> dict:
    return {
        "name": "Ramadan",
        "subject": "Our Ramadan sale",
        "preheader": "Up to 30% off",
        "segment": "",
        "text": "Hello!\n\nNew batik is here.",
        "picture_url": "",
        "picture_alt": "",
        "products": [str(product.pk) for product in cards],
        "discount": "HEMAT10",
        "button_label": "Shop now",
        "button_url": "https://etalase.example/shop",
        **extra,
    }


def test_a_seller_sees_and_changes_only_their_own_campaigns(shop):
    store, products, theirs = shop
    mine = campaign_for(store, name="My own sale")
    client = as_user(store.owner)

    listing = client.get("/customers/campaigns/")
    assert listing.status_code == 200
    assert "My own sale" in listing.content.decode()
    assert "Their secret sale" not in listing.content.decode()
    for url in (
        f"/customers/campaigns/{theirs.pk}/",
        f"/customers/campaigns/{theirs.pk}/edit/",
        f"/customers/campaigns/{theirs.pk}/preview/",
    ):
        assert client.get(url).status_code == 404, url
    for action in ("send", "pause", "cancel", "test", "schedule"):
        assert client.post(f"/customers/campaigns/{theirs.pk}/{action}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == Campaign.State.DRAFT
    assert client.get(f"/customers/campaigns/{mine.pk}/").status_code == 200
    # a shopper has no campaigns, a visitor is sent to sign in
    assert as_user(UserFactory()).get("/customers/campaigns/").status_code == 403
    assert Client().get("/customers/campaigns/").status_code == 302


def test_the_list_shows_the_empty_state_then_pages_of_campaigns_with_their_figures(shop):
    store, _products, _theirs = shop
    client = as_user(store.owner)
    assert "No campaigns yet." in client.get("/customers/campaigns/").content.decode()
    for n in range(21):
        campaign_for(store, name=f"Campaign {n}")
    page_one, page_two = client.get("/customers/campaigns/"), client.get("/customers/campaigns/?page=2")
    assert page_one.content.decode().count('class="marketing-list__row"') == 20
    assert page_two.content.decode().count('class="marketing-list__row"') == 1
    assert client.get("/customers/campaigns/?page=9").status_code == 404
    assert client.get("/customers/campaigns/?page=x").status_code == 404


def test_the_composer_saves_a_campaign_with_every_block_and_shows_its_preview(shop):
    store, products, _theirs = shop
    client = as_user(store.owner)
    form = client.get("/customers/campaigns/new/").content.decode()
    assert "Rp125.000" in form or "IDR125,000" in form  # the product's live price
    assert "3 people will get this email" in form

    response = client.post("/customers/campaigns/new/", composer_data(products))

    campaign = Campaign.objects.get(store=store)
    assert response.status_code == 302 and response["Location"] == f"/customers/campaigns/{campaign.pk}/"
    assert [block["type"] for block in campaign.blocks] == ["text", "products", "discount", "button"]
    assert campaign.blocks[1]["products"] == [product.pk for product in products]
    assert campaign.created_by == store.owner
    page = client.get(response["Location"]).content.decode()
    assert "Send now to 3 people" in page
    preview = client.get(f"/customers/campaigns/{campaign.pk}/preview/")
    assert preview.status_code == 200
    body = preview.content.decode()
    assert products[0].title in body and "HEMAT10" in body
    assert products[0].get_absolute_url() in body  # links lead straight to the product
    policy = preview["Content-Security-Policy"]  # the email's inline styles, and still no script
    assert "style-src 'unsafe-inline'" in policy and "script-src 'self'" in policy
    # changed later: the form shows what was saved, and the change is kept
    edit = client.get(f"/customers/campaigns/{campaign.pk}/edit/").content.decode()
    assert 'value="Our Ramadan sale"' in edit
    client.post(f"/customers/campaigns/{campaign.pk}/edit/", composer_data(products[:1], subject="Last days"))
    campaign.refresh_from_db()
    assert campaign.subject == "Last days" and campaign.blocks[1]["products"] == [products[0].pk]


def test_the_preview_escapes_what_the_seller_typed(shop):
    store, products, _theirs = shop
    client = as_user(store.owner)
    client.post("/customers/campaigns/new/", composer_data(products, text="<script>alert(1)</script>"))
    campaign = Campaign.objects.get(store=store)
    body = client.get(f"/customers/campaigns/{campaign.pk}/preview/").content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    page = client.get(f"/customers/campaigns/{campaign.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"subject": ""}, "This field is required."),
        ({"subject": "x" * 151}, "at most 150 characters"),
        ({"button_url": "javascript:alert(1)"}, "needs a web address starting with https://."),
        ({"button_label": ""}, "A button needs a text"),
        ({"picture_url": "ftp://example.com/a.png"}, "A picture needs a web address starting with https://."),
        ({"discount": "NOTMINE"}, "Select a valid choice."),
        ({"segment": "999999"}, "Select a valid choice."),
        ({"products": ["999999"]}, "Select a valid choice."),
    ],
)
def test_the_composer_refuses_bad_input_with_a_message(shop, change, message):
    store, products, theirs = shop
    client = as_user(store.owner)
    response = client.post("/customers/campaigns/new/", composer_data(products, **change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Campaign.objects.filter(store=store).exists()


def test_another_stores_products_codes_and_segments_cannot_be_used(shop):
    store, products, theirs = shop
    other_variant = buyable_variant(store=theirs.store)
    DiscountCodeFactory(store=theirs.store, code="THEIRS")
    their_segment = segment_for(theirs.store, [{"kind": "follows_never_bought"}])
    client = as_user(store.owner)
    for change in (
        {"products": [str(other_variant.product_id)]},
        {"discount": "THEIRS"},
        {"segment": str(their_segment.pk)},
    ):
        assert client.post("/customers/campaigns/new/", composer_data(products, **change)).status_code == 400
    assert not Campaign.objects.filter(store=store).exists()


def test_the_count_follows_the_segment_chosen(shop):
    store, _products, theirs = shop
    followers = segment_for(store, [{"kind": "follows_never_bought"}], name="Followers")
    their_segment = segment_for(theirs.store, [{"kind": "follows_never_bought"}])
    client = as_user(store.owner)
    assert "3 people will get this email" in client.get("/customers/segments/count/?segment=").content.decode()
    one = client.get(f"/customers/segments/count/?segment={followers.pk}")
    assert "1 person will get this email" in one.content.decode()
    assert client.get(f"/customers/segments/count/?segment={their_segment.pk}").status_code == 404
    bad = client.get("/customers/segments/count/?segment=abc")
    assert bad.status_code == 400 and bad["X-Swap-Errors"] == "true"


def test_the_segment_builder_counts_live_and_saves(shop):
    store, products, _theirs = shop
    client = as_user(store.owner)
    count = client.post("/customers/segments/count/", {"follows_never_bought": "on"})
    assert "1 person will get this email" in count.content.decode()
    bad = client.post("/customers/segments/count/", {"no_order_for_days": "0"})
    assert bad.status_code == 400 and "greater than or equal to 1" in bad.content.decode()
    assert client.post("/customers/segments/new/", {"follows_never_bought": "on"}).status_code == 400  # no name

    response = client.post(
        "/customers/segments/new/", {"name": "Followers", "follows_never_bought": "on", "spent_over": "0"}
    )

    assert response.status_code == 302
    segment = Segment.objects.get(store=store)
    assert segment.rules == [{"kind": "follows_never_bought"}, {"kind": "spent_over", "amount": 0}]
    assert "Followers" in client.get("/customers/segments/").content.decode()
    assert "Followers" in client.get("/customers/campaigns/new/").content.decode()


def test_a_test_send_goes_to_the_seller_only(shop):
    store, products, _theirs = shop
    campaign = campaign_for(store, blocks=[{"type": "products", "products": [products[0].pk]}])
    client = as_user(store.owner)
    response = client.post(f"/customers/campaigns/{campaign.pk}/test/")
    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == [store.owner.email] and email.subject.startswith("[Test]")
    assert products[0].get_absolute_url() in email.body
    assert not Recipient.objects.filter(campaign=campaign).exists()


def test_send_pause_resume_and_cancel_through_the_pages(shop, settings):
    store, products, _theirs = shop
    settings.MARKETING_HOURLY_CAP = 0  # nothing leaves: the campaign stays "sending"
    campaign = campaign_for(store)
    client = as_user(store.owner)
    url = f"/customers/campaigns/{campaign.pk}"

    assert client.post(f"{url}/pause/").status_code == 409  # a draft is not sending
    assert client.post(f"{url}/send/").status_code == 302
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.SENDING
    assert Recipient.objects.filter(campaign=campaign).count() == 3
    assert client.post(f"{url}/send/").status_code == 409  # not twice
    assert client.get(f"{url}/edit/").status_code == 409  # no longer editable
    assert client.post(f"{url}/pause/").status_code == 302
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.PAUSED
    page = client.get(f"{url}/").content.decode()
    assert 'data-figure="queued">3<' in page and "Resume" in page
    assert client.post(f"{url}/resume/").status_code == 302
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.SENDING
    assert client.post(f"{url}/cancel/").status_code == 302
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.CANCELLED
    assert client.post(f"{url}/resume/").status_code == 409
    assert client.post(f"{url}/nonsense/").status_code == 404
    assert client.get(f"{url}/send/").status_code == 405


def test_sending_now_reaches_everyone_and_the_report_shows_it(shop, django_capture_on_commit_callbacks):
    store, products, _theirs = shop
    campaign = campaign_for(store)
    client = as_user(store.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/customers/campaigns/{campaign.pk}/send/")
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.SENT
    assert sorted(address for email in mail.outbox for address in email.to) == [
        "a@example.com",
        "b@example.com",
        "fan@example.com",
    ]
    page = client.get(f"/customers/campaigns/{campaign.pk}/").content.decode()
    assert 'data-figure="sent">3<' in page and 'data-figure="clicked">0<' in page
    listing = client.get("/customers/campaigns/").content.decode()
    assert "3 sent" in listing and "0 clicked" in listing


def test_scheduling_needs_a_time_in_the_future(shop):
    store, _products, _theirs = shop
    campaign = campaign_for(store)
    client = as_user(store.owner)
    url = f"/customers/campaigns/{campaign.pk}/schedule/"
    assert client.post(url, {"at": "not a time"}).status_code == 400
    past = client.post(url, {"at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
    assert past.status_code == 400 and "Choose a time in the future." in past.content.decode()
    at = (timezone.localtime() + timedelta(days=1)).replace(second=0, microsecond=0)
    assert client.post(url, {"at": at.strftime("%Y-%m-%dT%H:%M")}).status_code == 302
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.SCHEDULED and campaign.scheduled_at == at


def test_the_customer_list_and_the_back_office_link_to_the_campaigns(shop):
    store, _products, _theirs = shop
    client = as_user(store.owner)
    assert 'href="/customers/campaigns/"' in client.get("/customers/").content.decode()
    assert 'href="/customers/campaigns/"' in client.get("/admin/").content.decode()
