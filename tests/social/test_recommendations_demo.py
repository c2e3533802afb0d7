"""``seed_demo``, friends side: demo people share their purchases with friends, some send each
other products with a note, "you may also like" is filled; a second seed changes nothing."""

import io

import pytest
from django.core.management import call_command

from catalog.demo.specs import SHOPPERS
from shop.models import Notification, User
from social.models import ProductAffinity, Recommendation
from social.selectors.recommendations import friends_among

pytestmark = pytest.mark.django_db


def seed() -> None:
    call_command("seed_demo", "--products-per-store=2", "--quiet", stdout=io.StringIO())


def recommendations() -> set[tuple]:
    return set(Recommendation.objects.values_list("sender__username", "recipient__username", "product__slug", "note"))


def test_the_demo_shares_purchases_recommends_to_friends_and_fills_you_may_also_like():
    # when
    seed()
    # then: every demo person opted in
    demo = User.objects.filter(email__in=[person.email for person in SHOPPERS])
    assert demo.exists() and not demo.filter(share_purchases=False).exists()
    # some recommendations, each between friends, each notified
    made = list(Recommendation.objects.select_related("sender", "recipient"))
    assert len(made) >= 3
    assert all(row.recipient_id in friends_among(user=row.sender, user_ids=[row.recipient_id]) for row in made)
    assert Notification.objects.filter(kind="friend_recommendation").count() == len(made)
    assert ProductAffinity.objects.exists()
    first = recommendations()
    affinities = ProductAffinity.objects.count()
    # when seeded again: nothing new
    seed()
    assert recommendations() == first
    assert Notification.objects.filter(kind="friend_recommendation").count() == len(made)
    assert ProductAffinity.objects.count() == affinities
