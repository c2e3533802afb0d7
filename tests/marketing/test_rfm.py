"""The nightly RFM scores and groups (marketing.rfm states the rule): set-based, idempotent,
run by the beat task."""

import pytest

from checkout.models import Order
from marketing.models import Contact, Source
from marketing.rfm import score_contacts
from marketing.services import record_contact, user_seen
from marketing.tasks import score_contacts_task
from tests.factories import StoreFactory, UserFactory
from tests.marketing.helpers import paid_order

pytestmark = pytest.mark.django_db


def buyer_with(store, orders: list[tuple[int, int]]) -> Contact:
    """A buyer with paid orders of ``(days ago, price)``, and their contact."""
    buyer = UserFactory()
    for days_ago, price in orders:
        paid_order(buyer, store, price=price, days_ago=days_ago)
    return record_contact(store_id=store.pk, seen=user_seen(user=buyer), source=Source.ORDER)


def test_each_named_group_follows_the_rule_and_a_second_run_changes_nothing():
    # given
    store = StoreFactory()
    champion = buyer_with(store, [(d, 50_000_000) for d in (1, 5, 9, 12, 20)])
    loyal = buyer_with(store, [(90, 1_000_000), (95, 1_000_000), (100, 1_000_000)])
    new = buyer_with(store, [(3, 2_000_000)])
    at_risk = buyer_with(store, [(150, 3_000_000), (200, 3_000_000)])
    lost = buyer_with(store, [(400, 4_000_000)])
    follower = record_contact(store_id=store.pk, seen=user_seen(user=UserFactory()), source=Source.FOLLOW)

    # when
    scored = score_contacts()
    first = list(
        Contact.objects.order_by("pk").values_list(
            "pk", "order_count", "total_spent", "recency_score", "frequency_score", "monetary_score", "rfm_group"
        )
    )
    score_contacts_task.delay()

    # then
    assert scored == 6
    groups = dict(Contact.objects.values_list("pk", "rfm_group"))
    assert groups == {
        champion.pk: "champions",
        loyal.pk: "loyal",
        new.pk: "new",
        at_risk.pk: "at_risk",
        lost.pk: "lost",
        follower.pk: "",
    }
    champion.refresh_from_db()
    spent = sum(
        Order.objects.filter(store=store, buyer_id=champion.identities.get(kind="user").user_id).values_list(
            "total", flat=True
        )
    )
    assert (champion.order_count, champion.total_spent) == (5, spent)
    assert (champion.recency_score, champion.frequency_score, champion.monetary_score) == (5, 4, 5)
    follower.refresh_from_db()
    assert (follower.recency_score, follower.frequency_score, follower.monetary_score) == (0, 0, 0)
    assert follower.scored_at is not None
    assert (
        list(
            Contact.objects.order_by("pk").values_list(
                "pk", "order_count", "total_spent", "recency_score", "frequency_score", "monetary_score", "rfm_group"
            )
        )
        == first
    )


def test_only_paid_and_kept_orders_count_and_stores_are_scored_apart():
    from checkout.services import transitions

    store, other = StoreFactory(), StoreFactory()
    buyer = UserFactory()
    kept = paid_order(buyer, store, price=5_000_000)
    refunded = paid_order(buyer, store, price=7_000_000)
    transitions.record_refund(order=refunded, actor=store.owner)
    paid_order(buyer, other, price=9_000_000)
    contact = record_contact(store_id=store.pk, seen=user_seen(user=buyer), source=Source.ORDER)
    score_contacts(store_id=store.pk)
    contact.refresh_from_db()
    refunded.refresh_from_db()
    assert refunded.status == "refunded"
    assert (contact.order_count, contact.total_spent) == (1, kept.total)
    assert not Contact.objects.filter(store=other).exists()
