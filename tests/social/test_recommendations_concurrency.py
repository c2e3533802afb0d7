"""Friends' writes under real parallel requests: threads with their own PostgreSQL connections."""

import pytest

from shop.models import Notification
from social import services
from social.models import FriendSuggestionDismissal, ProductAffinity, Recommendation
from tests.concurrency import in_parallel
from tests.factories import CategoryFactory, ProductFactory, UserFactory, buyable_variant, place

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres_only")]


def _befriend(a, b) -> None:
    services.follow(follower=a, profile=services.profile_for_user(user=b))
    services.follow(follower=b, profile=services.profile_for_user(user=a))


def test_two_orders_paid_at_once_tell_the_recommender_once():
    # given: ani recommended the product to a buyer who shares purchases; the buyer has two paid orders of it
    variant = buyable_variant()
    buyer = UserFactory(share_purchases=True)
    ani = UserFactory()
    _befriend(buyer, ani)
    services.recommend(sender=ani, recipients=[buyer], product=variant.product)
    orders = [place(buyer, (variant, 1)).orders[0] for _ in range(2)]
    for order in orders:  # paid, without the after-commit handlers (run by hand below, at once)
        type(order).objects.filter(pk=order.pk).update(status="paid")
        order.status = "paid"
    # when both orders' handlers run at the same moment, twice over
    errors = in_parallel([lambda o=o: services.record_recommended_purchase(order=o) for o in orders] * 2)
    # then
    assert errors == []
    assert Notification.objects.filter(recipient=ani, kind="recommendation_purchased").count() == 1
    assert Recommendation.objects.get().purchased_order_id in {order.pk for order in orders}


def test_parallel_dismissals_of_the_same_person_keep_one_row():
    me, someone = UserFactory(), UserFactory()
    errors = in_parallel([lambda: services.dismiss_suggestion(user=me, suggested=someone)] * 6)
    assert errors == []
    assert FriendSuggestionDismissal.objects.filter(user=me, suggested=someone).count() == 1


def test_two_affinity_runs_at_once_leave_one_clean_set():
    category = CategoryFactory()
    for _ in range(6):
        ProductFactory(category=category)
    errors = in_parallel([services.compute_product_affinities] * 3)
    assert errors == []
    assert ProductAffinity.objects.count() == 6 * 5
