"""Segments: each rule kind over real orders, follows, chats, tags and scores, evaluated as one
query on top of mailable_contacts; bad rules are refused with a message."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from chat.models import Conversation
from checkout.services.transitions import confirm_transfer
from marketing.campaigns.segments import segment_contacts, segment_count, validate_rules
from marketing.models import Contact, RFMGroup, Tag
from social.services import follow, profile_for_store
from tests.factories import CategoryFactory, ProductFactory, StoreFactory, UserFactory, buyable_variant, place
from tests.marketing.campaign_helpers import mailable_contact
from tests.marketing.helpers import paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shoppers():
    """A store and five mailable shoppers: a buyer of the bag, a follower who never bought, a
    chatter who never bought, a lapsed buyer, a buyer who also follows; one follower not
    mailable."""
    store = StoreFactory()
    people = {name: UserFactory() for name in ("bag", "follower", "chatter", "lapsed", "fan", "silent")}
    contacts = {
        name: mailable_contact(store, f"{name}@example.com", user=user, language="id" if name == "fan" else "en")
        for name, user in people.items()
        if name != "silent"
    }
    bag = buyable_variant(store=store, price=30_000_000)
    bag.product.category = CategoryFactory()
    bag.product.save(update_fields=["category"])
    [order] = place(people["bag"], (bag, 1)).orders
    confirm_transfer(order=order, actor=store.owner)
    paid_order(people["lapsed"], store, days_ago=60)
    paid_order(people["fan"], store, days_ago=2, price=90_000_000)
    for name in ("follower", "fan", "silent"):
        follow(follower=people[name], profile=profile_for_store(store=store))
    Conversation.objects.create(store=store, shopper=people["chatter"])
    return store, contacts, bag


def names(store, rules, contacts):
    by_pk = {contact.pk: name for name, contact in contacts.items()}
    return sorted(by_pk[pk] for pk in segment_contacts(store=store, rules=rules).values_list("pk", flat=True))


def test_each_rule_kind_selects_the_right_contacts(shoppers, django_assert_max_num_queries):
    store, contacts, bag = shoppers
    assert names(store, [{"kind": "bought_product", "product": bag.product_id}], contacts) == ["bag"]
    assert names(store, [{"kind": "bought_category", "category": bag.product.category_id}], contacts) == ["bag"]
    assert names(store, [{"kind": "follows_never_bought"}], contacts) == ["follower"]
    assert names(store, [{"kind": "chatted_never_bought"}], contacts) == ["chatter"]
    assert names(store, [{"kind": "no_order_for_days", "days": 30}], contacts) == ["lapsed"]
    assert names(store, [{"kind": "language", "language": "id"}], contacts) == ["fan"]
    Contact.objects.filter(pk=contacts["fan"].pk).update(total_spent=90_000_000, rfm_group=RFMGroup.LOYAL)
    assert names(store, [{"kind": "spent_over", "amount": 50_000_000}], contacts) == ["fan"]
    assert names(store, [{"kind": "group", "group": "loyal"}], contacts) == ["fan"]
    vip = Tag.objects.create(store=store, name="VIP")
    contacts["chatter"].tags.add(vip)
    contacts["bag"].tags.add(vip)
    assert names(store, [{"kind": "tag", "tag": vip.pk}], contacts) == ["bag", "chatter"]
    # rules combine with AND, and the count is one query
    rules = [{"kind": "tag", "tag": vip.pk}, {"kind": "chatted_never_bought"}]
    with django_assert_max_num_queries(1):
        assert segment_count(store=store, rules=rules) == 1


def test_a_segment_never_reaches_past_mailable_contacts(shoppers):
    store, contacts, _bag = shoppers
    from marketing import services
    from marketing.models import Source

    services.withdraw_consent(contact=contacts["follower"], source=Source.LINK)
    assert segment_count(store=store, rules=[{"kind": "follows_never_bought"}]) == 0


def test_bad_rules_are_refused_with_a_message():
    store, other = StoreFactory(), StoreFactory()
    foreign = ProductFactory(store=other)
    for rules in (
        "all",
        [{"kind": "nonsense"}],
        [{"kind": "bought_product", "product": foreign.pk}],
        [{"kind": "spent_over", "amount": -1}],
        [{"kind": "no_order_for_days", "days": "ten"}],
        [{"kind": "group", "group": "royalty"}],
        [{"kind": "tag", "tag": Tag.objects.create(store=other, name="x").pk}],
        [{"kind": "language", "language": "<script>"}],
    ):
        with pytest.raises(ValidationError):
            validate_rules(store=store, rules=rules)
    assert validate_rules(store=store, rules=[{"kind": "spent_over", "amount": 5, "extra": 1}]) == [
        {"kind": "spent_over", "amount": 5}
    ]
