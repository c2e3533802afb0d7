"""Campaigns and segments in the API and the admin: a seller builds a campaign with two
product cards for "follows but never bought", counts the audience, sends a test to
themselves, sends it, reads the report; they see only their own store's campaigns and
segments everywhere; bad input is a 4xx."""

from __future__ import annotations

import pytest
from django.core import mail
from rest_framework.test import APIClient

from marketing.campaign_models import Campaign, Segment
from social.services import follow, profile_for_store
from tests.admin_helpers import admin_url
from tests.factories import StoreFactory, UserFactory, buyable_variant
from tests.marketing.campaign_helpers import campaign_for, mailable_contact, segment_for

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_seller_builds_counts_tests_sends_and_reads_the_report(django_capture_on_commit_callbacks):
    # given a store with two products, a follower who never bought and a contact who does not follow
    store = StoreFactory()
    first, second = buyable_variant(store=store), buyable_variant(store=store)
    fan = UserFactory()
    mailable_contact(store, "fan@example.com", user=fan)
    mailable_contact(store, "other@example.com", user=UserFactory())
    follow(follower=fan, profile=profile_for_store(store=store))
    client = api(store.owner)
    rules = [{"kind": "follows_never_bought"}]
    # the count is shown before saving
    assert client.post("/api/v1/marketing/segments/count/", {"rules": rules}, format="json").json() == {"count": 1}
    segment = client.post("/api/v1/marketing/segments/", {"name": "Fans", "rules": rules}, format="json")
    assert segment.status_code == 201 and segment.json()["count"] == 1
    body = {
        "subject": "Two new bags",
        "preheader": "Just in",
        "segment": segment.json()["id"],
        "blocks": [
            {"type": "text", "text": "Look what came in."},
            {"type": "products", "products": [first.product_id, second.product_id]},
        ],
    }
    created = client.post("/api/v1/marketing/campaigns/", body, format="json")
    assert created.status_code == 201, created.json()
    campaign_id = created.json()["id"]
    # a test to oneself
    mail.outbox.clear()
    assert client.post(f"/api/v1/marketing/campaigns/{campaign_id}/test/").status_code == 200
    (test,) = mail.outbox
    assert test.to == [store.owner.email] and first.product.title in test.body
    # sent: only the follower gets it
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/api/v1/marketing/campaigns/{campaign_id}/send/")
    assert sent.status_code == 200
    assert [message.to for message in mail.outbox] == [["fan@example.com"]]
    report = client.get(f"/api/v1/marketing/campaigns/{campaign_id}/report/").json()
    assert (report["sent"], report["clicked"], report["orders"]) == (1, 0, 0)
    # a sent campaign cannot be changed, nor sent again
    assert client.put(f"/api/v1/marketing/campaigns/{campaign_id}/", body, format="json").status_code == 400
    assert client.post(f"/api/v1/marketing/campaigns/{campaign_id}/send/").status_code == 409
    assert client.post(f"/api/v1/marketing/campaigns/{campaign_id}/pause/").status_code == 409


def test_bad_campaigns_and_segments_are_4xx():
    store, other = StoreFactory(), StoreFactory()
    foreign = buyable_variant(store=other)
    client = api(store.owner)
    for blocks in (
        "text",
        [{"type": "video"}],
        [{"type": "products", "products": [foreign.product_id]}],
        [{"type": "button", "label": "Go", "url": "javascript:alert(1)"}],
        [{"type": "discount", "code": "NOPE"}],
    ):
        response = client.post("/api/v1/marketing/campaigns/", {"subject": "x", "blocks": blocks}, format="json")
        assert response.status_code == 400, blocks
    theirs = segment_for(other, [])
    response = client.post("/api/v1/marketing/campaigns/", {"subject": "x", "segment": theirs.pk}, format="json")
    assert response.status_code == 400
    assert client.post("/api/v1/marketing/segments/", {"name": "x", "rules": "all"}, format="json").status_code == 400
    campaign = campaign_for(store)
    schedule = f"/api/v1/marketing/campaigns/{campaign.pk}/schedule/"
    assert client.post(schedule, {"at": "2000-01-01T00:00:00Z"}, format="json").status_code == 400
    assert client.post(schedule, {"at": "2100-01-01T00:00:00Z"}, format="json").json()["state"] == "scheduled"


def test_a_seller_sees_only_their_own_campaigns_and_segments_in_the_api_and_the_admin():
    mine, theirs = StoreFactory(), StoreFactory()
    own, other = campaign_for(mine, name="Mine"), campaign_for(theirs, name="Theirs")
    own_segment, other_segment = segment_for(mine, [], name="Mine"), segment_for(theirs, [], name="Theirs")
    client = api(mine.owner)
    assert [row["id"] for row in client.get("/api/v1/marketing/campaigns/").json()] == [own.pk]
    assert [row["id"] for row in client.get("/api/v1/marketing/segments/").json()] == [own_segment.pk]
    for path in (
        f"/api/v1/marketing/campaigns/{other.pk}/",
        f"/api/v1/marketing/campaigns/{other.pk}/report/",
        f"/api/v1/marketing/segments/{other_segment.pk}/",
    ):
        assert client.get(path).status_code == 404
    assert client.post(f"/api/v1/marketing/campaigns/{other.pk}/send/").status_code == 404
    assert Campaign.objects.get(pk=other.pk).state == Campaign.State.DRAFT
    # a shopper has no campaigns
    assert api(UserFactory()).get("/api/v1/marketing/campaigns/").status_code == 403
    # the admin
    admin_client = APIClient()
    admin_client.force_login(mine.owner)
    changelist = admin_client.get(admin_url(Campaign, "changelist"))
    assert changelist.status_code == 200 and list(changelist.context["cl"].queryset) == [own]
    assert admin_client.get(admin_url(Campaign, "change", other.pk)).status_code == 404
    assert admin_client.get(admin_url(Campaign, "change", own.pk)).status_code == 200
    assert list(admin_client.get(admin_url(Segment, "changelist")).context["cl"].queryset) == [own_segment]
    # an action on another store's campaign does nothing to it
    admin_client.post(admin_url(Campaign, "changelist"), {"action": "cancel", "_selected_action": [own.pk, other.pk]})
    assert Campaign.objects.get(pk=other.pk).state == Campaign.State.DRAFT
    assert Campaign.objects.get(pk=own.pk).state == Campaign.State.CANCELLED
