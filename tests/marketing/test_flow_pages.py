"""The seller's flow pages: only the store's own flows, emails and products (another store's
are a 404, a shopper gets 403, a visitor is sent to sign in, a POST without the CSRF token is
refused); switching a flow on and off; its settings; an email's wait, subject and blocks
(added, moved, removed without saving, then saved); moving, adding and removing emails; the
preview and the test send; the report per email with the exits by reason; the usage tips
(plain text only); clear 400s for bad input; query budgets on the list and a flow's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from marketing.flow_models import Enrolment, Flow, FlowOrder, FlowSend, FlowStep, ProductTips
from marketing.flows import defaults, engine
from tests.factories import SellerFactory, StoreFactory, UserFactory, buyable_variant
from tests.marketing.campaign_helpers import mailable_contact
from tests.marketing.helpers import paid_order

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def flow_of(store, kind: str) -> Flow:
    return next(flow for flow in defaults.ensure_flows(store=store) if flow.kind == kind)


@pytest.fixture
def shop():
    """A store with a product and its six flows, and a second store with its own."""
    store = StoreFactory(name="Batik Sekar")
    product = buyable_variant(store=store, price=12_500_000).product
    defaults.ensure_flows(store=store)
    other = StoreFactory(name="Other Shop")
    defaults.ensure_flows(store=other)
    their_product = buyable_variant(store=other).product
    return store, product, other, their_product


def step_post(step: FlowStep, **extra) -> dict:
    """The step form as the page posts it, for a step of a text and a button block."""
    return {
        "delay_hours": "0",
        "subject": "Selamat datang!",
        "preheader": "",
        "layout": "text,button",
        "b0-text": "Terima kasih sudah bergabung.",
        "b1-label": "Lihat toko",
        "b1-url": "https://etalase.example/s/batik/",
        **extra,
    }


def test_a_seller_sees_only_their_own_flows_emails_and_products(shop):
    store, product, other, their_product = shop
    client = as_user(store.owner)
    theirs = flow_of(other, Flow.Kind.WELCOME)
    their_step = theirs.steps.first()

    listing = client.get("/customers/flows/")
    assert listing.status_code == 200
    assert listing.content.decode().count('class="card flow-card"') == 6
    assert f"/customers/flows/{theirs.pk}/" not in listing.content.decode()
    for url in (
        f"/customers/flows/{theirs.pk}/",
        f"/customers/flows/emails/{their_step.pk}/",
        f"/customers/flows/emails/{their_step.pk}/preview/",
        f"/customers/flows/tips/{their_product.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (f"/customers/flows/{theirs.pk}/switch/", {"enabled": "1"}),
        (f"/customers/flows/{theirs.pk}/settings/", {"cooldown_days": "5"}),
        (f"/customers/flows/{theirs.pk}/emails/new/", {}),
        (f"/customers/flows/emails/{their_step.pk}/", step_post(their_step)),
        (f"/customers/flows/emails/{their_step.pk}/remove/", {}),
        (f"/customers/flows/emails/{their_step.pk}/up/", {}),
        (f"/customers/flows/emails/{their_step.pk}/test/", {}),
        (f"/customers/flows/tips/{their_product.pk}/", {"text": "Forged"}),
    ):
        assert client.post(url, data).status_code == 404, url
    theirs.refresh_from_db()
    their_step.refresh_from_db()
    assert not theirs.enabled and theirs.cooldown_days == 180 and their_step.subject != "Selamat datang!"
    assert theirs.steps.count() == 2 and not ProductTips.objects.exists() and not mail.outbox
    # a shopper has no flows; a visitor is sent to sign in
    assert as_user(UserFactory()).get("/customers/flows/").status_code == 403
    visitor = Client().get("/customers/flows/")
    assert visitor.status_code == 302 and visitor["Location"].startswith("/accounts/login/")


def test_a_post_without_the_csrf_token_is_refused(shop):
    store, *_ = shop
    flow = flow_of(store, Flow.Kind.WELCOME)
    client = Client(enforce_csrf_checks=True)
    client.force_login(store.owner)
    assert client.post(f"/customers/flows/{flow.pk}/switch/", {"enabled": "1"}).status_code == 403
    flow.refresh_from_db()
    assert not flow.enabled


def test_the_list_shows_the_six_flows_and_says_what_each_does(shop):
    # given a seller whose flows were set up
    store = StoreFactory()
    defaults.ensure_flows(store=store)
    client = as_user(store.owner)
    # when they open the list
    page = client.get("/customers/flows/").content.decode()
    # then the six flows are there, off, each with what it does and its emails
    assert Flow.objects.filter(store=store, enabled=False).count() == 6
    for text in ("Welcome series", "After delivery", "Win-back", "Browse abandonment", "Back in stock"):
        assert text in page
    assert "whose last order was 90 days ago" in page
    assert f"Welcome to {store.name}" in page  # the first email's subject
    assert page.count(">Switch on</button>") == 6
    # and the customer list and the campaigns lead here
    assert "/customers/flows/" in client.get("/customers/").content.decode()
    assert "/customers/flows/" in client.get("/customers/campaigns/").content.decode()


def test_switching_a_flow_on_and_off(shop):
    store, *_ = shop
    client = as_user(store.owner)
    flow = flow_of(store, Flow.Kind.WELCOME)

    response = client.post(f"/customers/flows/{flow.pk}/switch/", {"enabled": "1", "next": "list"})
    assert response.status_code == 302 and response["Location"] == "/customers/flows/"
    flow.refresh_from_db()
    assert flow.enabled
    assert "“Welcome series” is on." in client.get("/customers/flows/").content.decode()

    response = client.post(f"/customers/flows/{flow.pk}/switch/", {"enabled": "0"})
    assert response["Location"] == f"/customers/flows/{flow.pk}/"
    flow.refresh_from_db()
    assert not flow.enabled
    bad = client.post(f"/customers/flows/{flow.pk}/switch/", {"enabled": "maybe"})
    assert bad.status_code == 400 and "Say whether the flow is to be on or off." in bad.content.decode()
    assert client.get(f"/customers/flows/{flow.pk}/switch/").status_code == 405


def test_the_settings_are_checked_and_saved(shop):
    store, *_ = shop
    client = as_user(store.owner)
    win_back = flow_of(store, Flow.Kind.WIN_BACK)
    welcome = flow_of(store, Flow.Kind.WELCOME)
    assert "Days without an order" in client.get(f"/customers/flows/{win_back.pk}/").content.decode()
    assert "Days without an order" not in client.get(f"/customers/flows/{welcome.pk}/").content.decode()

    for data in ({"inactive_days": "0", "cooldown_days": "30"}, {"inactive_days": "60", "cooldown_days": "x"}):
        response = client.post(f"/customers/flows/{win_back.pk}/settings/", data)
        assert response.status_code == 400
        assert "errorlist" in response.content.decode()
    response = client.post(f"/customers/flows/{win_back.pk}/settings/", {"inactive_days": "60", "cooldown_days": "45"})
    assert response.status_code == 302
    win_back.refresh_from_db()
    assert (win_back.inactive_days, win_back.cooldown_days) == (60, 45)
    assert "whose last order was 60 days ago" in client.get("/customers/flows/").content.decode()
    # the welcome series has no "days without an order": a posted one is ignored
    client.post(f"/customers/flows/{welcome.pk}/settings/", {"inactive_days": "5", "cooldown_days": "10"})
    welcome.refresh_from_db()
    assert (welcome.inactive_days, welcome.cooldown_days) == (90, 10)


def test_an_email_is_changed_with_blocks_added_moved_and_removed_before_saving(shop):
    store, product, *_ = shop
    client = as_user(store.owner)
    flow = flow_of(store, Flow.Kind.WELCOME)
    step = flow.steps.order_by("position").first()
    url = f"/customers/flows/emails/{step.pk}/"
    page = client.get(url).content.decode()
    assert step.subject in page and 'name="layout" value="text,button"' in page

    # when they add a product block: the page comes back with it, what was typed kept, nothing saved
    response = client.post(url, step_post(step, subject="Typed, not saved", edit="add:products"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="text,button,products"' in body and "Typed, not saved" in body and product.title in body
    step.refresh_from_db()
    assert step.subject != "Typed, not saved"
    # moved up, then the text removed
    moved = client.post(url, step_post(step, layout="text,button,products", edit="up:2", **{"b2-products": []}))
    assert 'value="text,products,button"' in moved.content.decode()
    removed = client.post(url, step_post(step, edit="remove:0"))
    assert 'value="button"' in removed.content.decode()
    assert 'value="Lihat toko"' in removed.content.decode()  # the button's label moved with it

    # when they save a layout with the products of the trigger and a product card
    data = step_post(
        step,
        layout="text,products,trigger_products,button",
        **{"b1-products": [str(product.pk)], "b3-label": "Lihat toko", "b3-url": "https://etalase.example/s/"},
        delay_hours="5",
    )
    data.pop("b1-label"), data.pop("b1-url")
    response = client.post(url, data)
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.subject == "Selamat datang!" and step.delay_hours == 5
    assert step.blocks == [
        {"type": "text", "text": "Terima kasih sudah bergabung."},
        {"type": "products", "products": [product.pk]},
        {"type": "trigger_products"},
        {"type": "button", "label": "Lihat toko", "url": "https://etalase.example/s/"},
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"subject": ""}, "This field is required."),
        ({"delay_hours": "-1"}, "greater than or equal to 0"),
        ({"delay_hours": "99999"}, "less than or equal to 2160"),
        ({"b1-url": "javascript:alert(1)"}, "needs a web address starting with https://"),
        ({"b0-text": ""}, "This field is required."),
        ({"layout": "text,<script>"}, "cannot be: reload the page"),
        ({"edit": "remove:7"}, "cannot be: reload the page"),
        ({"edit": "add:html"}, "cannot be: reload the page"),
    ],
)
def test_a_bad_email_is_a_clear_400_and_changes_nothing(shop, change, message):
    store, *_ = shop
    step = flow_of(store, Flow.Kind.WELCOME).steps.order_by("position").first()
    before = (step.subject, step.blocks, step.delay_hours)
    response = as_user(store.owner).post(f"/customers/flows/emails/{step.pk}/", step_post(step, **change))
    assert response.status_code == 400
    assert message in response.content.decode()
    step.refresh_from_db()
    assert (step.subject, step.blocks, step.delay_hours) == before


def test_another_stores_product_in_a_card_is_refused(shop):
    store, _product, _other, their_product = shop
    step = flow_of(store, Flow.Kind.WELCOME).steps.first()
    data = step_post(step, layout="products", **{"b0-products": [str(their_product.pk)]})
    response = as_user(store.owner).post(f"/customers/flows/emails/{step.pk}/", data)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_emails_are_added_moved_and_removed_but_the_last_one_stays(shop):
    store, *_ = shop
    client = as_user(store.owner)
    flow = flow_of(store, Flow.Kind.WELCOME)
    first, second = flow.steps.order_by("position")

    added = client.post(f"/customers/flows/{flow.pk}/emails/new/")
    third = flow.steps.order_by("position").last()
    assert added["Location"] == f"/customers/flows/emails/{third.pk}/" and third.position == 3

    client.post(f"/customers/flows/emails/{third.pk}/up/")
    assert list(flow.steps.order_by("position").values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    client.post(f"/customers/flows/emails/{first.pk}/up/")  # already first: nothing moves
    client.post(f"/customers/flows/emails/{first.pk}/down/")
    assert list(flow.steps.order_by("position").values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]
    assert client.post(f"/customers/flows/emails/{first.pk}/sideways/").status_code == 404

    client.post(f"/customers/flows/emails/{second.pk}/remove/")
    client.post(f"/customers/flows/emails/{third.pk}/remove/")
    assert list(flow.steps.values_list("pk", flat=True)) == [first.pk]
    refused = client.post(f"/customers/flows/emails/{first.pk}/remove/")
    assert refused.status_code == 409 and "switch the flow off instead" in refused.content.decode()
    assert flow.steps.count() == 1
    # at most ten emails
    for _ in range(12):
        client.post(f"/customers/flows/{flow.pk}/emails/new/")
    assert flow.steps.count() == 10
    assert client.post(f"/customers/flows/{flow.pk}/emails/new/").status_code == 409


def test_the_preview_and_the_test_send_show_the_email_with_an_example_product(shop):
    store, product, *_ = shop
    client = as_user(store.owner)
    step = flow_of(store, Flow.Kind.BROWSE_ABANDONMENT).steps.first()  # "You looked at this:" + the products
    preview = client.get(f"/customers/flows/emails/{step.pk}/preview/")
    assert preview.status_code == 200 and product.title in preview.content.decode()
    assert "frame-ancestors 'self'" in preview["Content-Security-Policy"]

    response = client.post(f"/customers/flows/emails/{step.pk}/test/")
    assert response.status_code == 302
    [test] = mail.outbox
    assert test.to == [store.owner.email] and test.subject == "[Test] Still interested?"
    assert product.title in test.body and "Batik Sekar" in test.from_email
    assert not FlowSend.objects.exists() and not Enrolment.objects.exists()  # nothing recorded

    # a seller without an email address gets a clear 400
    nameless = StoreFactory(owner=SellerFactory(email=""))
    own = flow_of(nameless, Flow.Kind.WELCOME).steps.first()
    refused = as_user(nameless.owner).post(f"/customers/flows/emails/{own.pk}/test/")
    assert refused.status_code == 400 and "no email address" in refused.content.decode()
    assert len(mail.outbox) == 1


def test_the_flow_page_reports_each_email_with_the_exits_by_reason(shop, django_capture_on_commit_callbacks):
    # given a welcome series on, three people who joined, two sends (one clicked and ordered)
    store, *_ = shop
    flow = defaults.switch(flow=flow_of(store, Flow.Kind.WELCOME), enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        buyer = UserFactory()
        ayu = mailable_contact(store, "ayu@example.com", user=buyer)
        mailable_contact(store, "budi@example.com")
        mailable_contact(store, "citra@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        engine.evaluate()
    first = flow.steps.order_by("position").first()
    send = FlowSend.objects.get(contact=ayu)
    FlowSend.objects.filter(pk=send.pk).update(clicked_at=send.sent_at)
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(buyer, store)  # credited to the click, and ayu leaves the flow: she ordered
    Enrolment.objects.filter(contact__consent__email="citra@example.com").update(
        state=Enrolment.State.EXITED, exit_reason=engine.NOT_MAILABLE, finished_at=send.sent_at
    )
    with django_capture_on_commit_callbacks(execute=True):
        engine.evaluate(now=send.sent_at + timedelta(hours=flow.steps.order_by("position").last().delay_hours + 1))
    assert FlowOrder.objects.filter(step=first, order=order).exists()

    page = as_user(store.owner).get(f"/customers/flows/{flow.pk}/").content.decode()

    assert 'data-figure="step-sent">3<' in page
    assert 'data-figure="step-clicked">1<' in page
    assert 'data-figure="step-orders">1<' in page
    assert 'data-figure="enrolled">3<' in page
    assert "Left before this email:" in page
    assert "ordered: 1" in page and "no longer agrees to your emails: 1" in page


def test_usage_tips_are_plain_text_and_reach_the_after_delivery_page(shop):
    store, product, _other, their_product = shop
    client = as_user(store.owner)
    flow = flow_of(store, Flow.Kind.POST_DELIVERY)
    page = client.get(f"/customers/flows/{flow.pk}/").content.decode()
    assert "0 products have your usage tips." in page and "/customers/flows/tips/" in page
    listing = client.get("/customers/flows/tips/").content.decode()
    assert product.title in listing and their_product.title not in listing and "No tips yet" in listing

    for text, message in (
        ("<b>Cuci</b> dengan air dingin", "Write plain text"),
        ("Cuci &amp; jemur", "Write plain text"),
        ("x" * 3001, "at most 3000 characters"),
    ):
        response = client.post(f"/customers/flows/tips/{product.pk}/", {"text": text})
        assert response.status_code == 400 and message in response.content.decode()
    assert not ProductTips.objects.exists()

    response = client.post(
        f"/customers/flows/tips/{product.pk}/", {"text": "Cuci dengan air dingin.\r\nJangan diperas."}
    )
    assert response.status_code == 302
    tips = ProductTips.objects.get(product=product)
    assert tips.text == "Cuci dengan air dingin.\nJangan diperas." and tips.store == store
    assert "1 product has your usage tips." in client.get(f"/customers/flows/{flow.pk}/").content.decode()
    assert "Has tips" in client.get("/customers/flows/tips/").content.decode()
    # the after-delivery preview shows them with the product
    step = flow.steps.first()
    assert "Jangan diperas." in client.get(f"/customers/flows/emails/{step.pk}/preview/").content.decode()
    # emptied: no tips
    client.post(f"/customers/flows/tips/{product.pk}/", {"text": "  "})
    assert not ProductTips.objects.exists()
    assert client.get("/customers/flows/tips/?page=9").status_code == 404


def test_the_tips_list_shows_its_empty_state():
    store = StoreFactory()
    page = as_user(store.owner).get("/customers/flows/tips/").content.decode()
    assert "No products yet." in page


def test_the_list_and_a_flow_page_keep_to_their_query_budgets(
    shop, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    # given six flows on, of four emails each, and people in the welcome series
    store, product, *_ = shop
    client = as_user(store.owner)
    flows = defaults.ensure_flows(store=store)
    for flow in flows:
        defaults.switch(flow=flow, enabled=True)
        for _ in range(3):
            client.post(f"/customers/flows/{flow.pk}/emails/new/")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            mailable_contact(store, f"person{n}@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        engine.evaluate()
    assert FlowSend.objects.filter(state=FlowSend.State.SENT).count() == 4
    welcome = flows[0]
    after_delivery = flows[1]
    # a fixed number of queries, whatever the number of flows, emails and figures: the session's
    # user and store, the flows and their emails, then one grouped query per figure
    with django_assert_max_num_queries(7):
        assert client.get("/customers/flows/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/customers/flows/{welcome.pk}/").status_code == 200
    with django_assert_max_num_queries(13):  # and the number of products with tips
        assert client.get(f"/customers/flows/{after_delivery.pk}/").status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get("/customers/flows/tips/").status_code == 200


def test_the_pages_speak_indonesian(shop):
    store, *_ = shop
    client = as_user(store.owner)
    flow = flow_of(store, Flow.Kind.WELCOME)
    listing = client.get("/customers/flows/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Email otomatis" in listing and "Rangkaian sambutan" in listing and ">Nyalakan</button>" in listing
    page = client.get(f"/customers/flows/{flow.pk}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Jeda sebelum bisa masuk lagi (hari)" in page and "Ubah email 1" in page


def test_opening_a_store_sets_up_its_six_flows_switched_off_in_the_sellers_language(
    django_capture_on_commit_callbacks,
):
    from django.utils import translation

    from catalog.services import open_store

    # given a seller opening their store, in Indonesian
    owner = UserFactory()
    with translation.override("id"), django_capture_on_commit_callbacks(execute=True):
        store = open_store(owner=owner, name="Toko Sekar")
    # then the store has its six flows, each off, with ready-made emails in that language
    flows = list(Flow.objects.filter(store=store))
    assert sorted(flow.kind for flow in flows) == sorted(Flow.Kind.values)
    assert not any(flow.enabled for flow in flows)
    welcome = next(flow for flow in flows if flow.kind == Flow.Kind.WELCOME)
    assert welcome.steps.order_by("position").first().subject == "Selamat datang di Toko Sekar"


def test_reading_the_flows_makes_nothing_and_the_seller_sets_them_up():
    from rest_framework.test import APIClient

    # given a store whose flows were never set up (opened before flows existed)
    store = StoreFactory()
    client = as_user(store.owner)
    # when the seller reads them, on the page and through the API
    page = client.get("/customers/flows/")
    api = APIClient()
    api.force_authenticate(store.owner)
    listing = api.get("/api/v1/marketing/flows/")
    # then nothing was made: the page offers to set them up, the API lists none
    assert page.status_code == 200 and listing.status_code == 200
    assert "Set up the automatic emails" in page.content.decode()
    assert page.content.decode().count('class="card flow-card"') == 0
    assert listing.json() == []
    assert not Flow.objects.filter(store=store).exists()
    # when the seller sets them up (twice: a double click)
    assert client.post("/customers/flows/").status_code == 302
    response = client.post("/customers/flows/", follow=True)
    # then the six are there, off, once each, and the button is gone
    page = response.content.decode()
    assert "Your automatic emails are ready." in page and "Set up the automatic emails" not in page
    assert page.count('class="card flow-card"') == 6
    assert Flow.objects.filter(store=store).count() == 6
    assert not Flow.objects.filter(store=store, enabled=True).exists()
    # and another seller does the same through the API, which answers with the six
    other = StoreFactory()
    api.force_authenticate(other.owner)
    made = api.post("/api/v1/marketing/flows/")
    assert made.status_code == 200
    assert [row["kind"] for row in made.json()] == list(Flow.Kind.values)
    assert Flow.objects.filter(store=other).count() == 6 and Flow.objects.filter(store=store).count() == 6
    # and a shopper cannot set up anything
    assert as_user(UserFactory()).post("/customers/flows/").status_code == 403
