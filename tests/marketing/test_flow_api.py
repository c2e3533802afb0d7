"""Flows in the API: the seller's own flows, emails and tips only (another store's are a 404,
a shopper gets 403, a visitor 401); switching and settings; emails added, changed, moved and
removed (the last one is a 409); the report per email with the exits by reason; the test
send; usage tips as plain text; clear 400s for bad input."""

from __future__ import annotations

import pytest
from django.core import mail
from rest_framework.test import APIClient

from marketing.flow_models import Enrolment, Flow, FlowStep, ProductTips
from marketing.flows import defaults, engine
from tests.factories import StoreFactory, UserFactory, buyable_variant
from tests.marketing.campaign_helpers import mailable_contact

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def shop():
    store = StoreFactory(name="Batik Sekar")
    defaults.ensure_flows(store=store)  # as opening the store does (a factory's store skips it)
    product = buyable_variant(store=store).product
    other = StoreFactory()
    their_flow = defaults.ensure_flows(store=other)[0]
    their_product = buyable_variant(store=other).product
    return store, product, their_flow, their_product


def welcome_of(store) -> Flow:
    return defaults.ensure_flows(store=store)[0]


def test_the_api_shows_and_changes_only_the_sellers_own_flows(shop):
    store, product, their_flow, their_product = shop
    client = api(store.owner)
    their_step = their_flow.steps.first()

    listing = client.get("/api/v1/marketing/flows/")
    assert listing.status_code == 200
    assert [row["kind"] for row in listing.json()] == list(Flow.Kind.values)
    assert their_flow.pk not in [row["id"] for row in listing.json()]
    for method, url, body in (
        ("get", f"/api/v1/marketing/flows/{their_flow.pk}/", None),
        ("patch", f"/api/v1/marketing/flows/{their_flow.pk}/", {"enabled": True}),
        ("get", f"/api/v1/marketing/flows/{their_flow.pk}/report/", None),
        ("get", f"/api/v1/marketing/flows/{their_flow.pk}/steps/", None),
        ("post", f"/api/v1/marketing/flows/{their_flow.pk}/steps/", {"delay_hours": 1, "subject": "x", "blocks": []}),
        ("get", f"/api/v1/marketing/flow-steps/{their_step.pk}/", None),
        ("put", f"/api/v1/marketing/flow-steps/{their_step.pk}/", {"delay_hours": 1, "subject": "x", "blocks": []}),
        ("delete", f"/api/v1/marketing/flow-steps/{their_step.pk}/", None),
        ("post", f"/api/v1/marketing/flow-steps/{their_step.pk}/move/", {"direction": "down"}),
        ("post", f"/api/v1/marketing/flow-steps/{their_step.pk}/test/", None),
        ("get", f"/api/v1/marketing/product-tips/{their_product.pk}/", None),
        ("put", f"/api/v1/marketing/product-tips/{their_product.pk}/", {"text": "forged"}),
    ):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
    their_flow.refresh_from_db()
    assert not their_flow.enabled and their_flow.steps.count() == 2 and their_flow.steps.first().subject != "x"
    assert not ProductTips.objects.exists() and not mail.outbox
    assert api(UserFactory()).get("/api/v1/marketing/flows/").status_code == 403
    assert APIClient().get("/api/v1/marketing/flows/").status_code == 401


def test_switching_and_settings_through_the_api(shop):
    store, *_ = shop
    flow = welcome_of(store)
    client = api(store.owner)
    response = client.patch(
        f"/api/v1/marketing/flows/{flow.pk}/", {"enabled": True, "cooldown_days": 10}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["enabled"] is True and response.json()["cooldown_days"] == 10
    assert response.json()["description"].startswith("Greets each person")
    flow.refresh_from_db()
    assert flow.enabled and flow.cooldown_days == 10
    for body in ({"cooldown_days": 0}, {"inactive_days": "many"}, {"enabled": "perhaps"}, {"cooldown_days": 10**9}):
        bad = client.patch(f"/api/v1/marketing/flows/{flow.pk}/", body, format="json")
        assert bad.status_code == 400, body
        assert set(bad.json()) == set(body)
    flow.refresh_from_db()
    assert flow.enabled and flow.cooldown_days == 10


def test_emails_through_the_api(shop):
    store, product, _their_flow, their_product = shop
    flow = welcome_of(store)
    client = api(store.owner)
    body = {
        "delay_hours": 24,
        "subject": "Kabar dari kami",
        "blocks": [{"type": "text", "text": "Halo!"}, {"type": "products", "products": [product.pk]}, {"type": "tips"}],
    }
    created = client.post(f"/api/v1/marketing/flows/{flow.pk}/steps/", body, format="json")
    assert created.status_code == 201
    step = FlowStep.objects.get(pk=created.json()["id"])
    assert step.position == 3 and step.blocks[2] == {"type": "tips"}

    for bad, field in (
        ({**body, "blocks": [{"type": "products", "products": [their_product.pk]}]}, "blocks"),
        ({**body, "blocks": [{"type": "html", "html": "<script>"}]}, "blocks"),
        ({**body, "blocks": "not a list"}, "blocks"),
        ({**body, "subject": ""}, "subject"),
        ({**body, "subject": "nul\x00"}, "subject"),
        ({**body, "delay_hours": -1}, "delay_hours"),
    ):
        response = client.put(f"/api/v1/marketing/flow-steps/{step.pk}/", bad, format="json")
        assert response.status_code == 400, bad
        assert field in response.json(), response.json()
    changed = client.put(f"/api/v1/marketing/flow-steps/{step.pk}/", {**body, "subject": "Baru"}, format="json")
    assert changed.status_code == 200 and changed.json()["subject"] == "Baru"

    moved = client.post(f"/api/v1/marketing/flow-steps/{step.pk}/move/", {"direction": "up"}, format="json")
    assert moved.status_code == 200 and [row["id"] for row in moved.json()][1] == step.pk
    assert client.post(f"/api/v1/marketing/flow-steps/{step.pk}/move/", {"direction": "left"}).status_code == 400

    assert client.post(f"/api/v1/marketing/flow-steps/{step.pk}/test/").status_code == 204
    [test] = mail.outbox
    assert test.to == [store.owner.email] and test.subject == "[Test] Baru"

    first, *others = [row["id"] for row in client.get(f"/api/v1/marketing/flows/{flow.pk}/steps/").json()]
    assert step.pk in others and len(others) == 2
    for pk in others:
        assert client.delete(f"/api/v1/marketing/flow-steps/{pk}/").status_code == 204
    last = client.delete(f"/api/v1/marketing/flow-steps/{first}/")
    assert last.status_code == 409 and "at least one email" in last.json()["detail"]
    assert list(flow.steps.values_list("pk", flat=True)) == [first]


def test_the_report_counts_each_email_and_the_exits_by_reason(shop, django_capture_on_commit_callbacks):
    store, *_ = shop
    flow = defaults.switch(flow=welcome_of(store), enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        mailable_contact(store, "ayu@example.com")
        mailable_contact(store, "budi@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        engine.evaluate()
    defaults.switch(flow=flow, enabled=False)
    later = Enrolment.objects.first().due_at
    engine.evaluate(now=later, hand_over_to=lambda ids: 0)

    report = api(store.owner).get(f"/api/v1/marketing/flows/{flow.pk}/report/").json()

    assert [row["sent"] for row in report] == [2, 0]
    assert report[1]["exited"] == 2
    assert report[1]["exits"] == [{"reason": "the flow was switched off", "count": 2}]
    listing = api(store.owner).get("/api/v1/marketing/flows/").json()
    assert listing[0]["figures"] == {
        "enrolled": 2,
        "active": 0,
        "completed": 0,
        "exited": 2,
        "sent": 2,
        "clicked": 0,
        "orders": 0,
        "revenue": 0,
    }


def test_usage_tips_through_the_api(shop):
    store, product, *_ = shop
    client = api(store.owner)
    assert client.get("/api/v1/marketing/product-tips/").json() == []
    assert client.get(f"/api/v1/marketing/product-tips/{product.pk}/").json()["text"] == ""
    bad = client.put(f"/api/v1/marketing/product-tips/{product.pk}/", {"text": "<script>x</script>"}, format="json")
    assert bad.status_code == 400 and "Write plain text" in bad.json()["text"][0]
    saved = client.put(f"/api/v1/marketing/product-tips/{product.pk}/", {"text": "Simpan di tempat kering."})
    assert saved.status_code == 200 and saved.json()["text"] == "Simpan di tempat kering."
    assert [row["product"] for row in client.get("/api/v1/marketing/product-tips/").json()] == [product.pk]
    cleared = client.put(f"/api/v1/marketing/product-tips/{product.pk}/", {"text": ""}, format="json")
    assert cleared.status_code == 200 and cleared.json()["text"] == "" and not ProductTips.objects.exists()
