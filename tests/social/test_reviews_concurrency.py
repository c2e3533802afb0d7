"""Review aggregates under real parallel requests: threads with their own PostgreSQL connections."""

import pytest
from django.db.models import Count, Q, Sum

from social import services
from social.models import ProductRating, Review
from tests.concurrency import in_parallel
from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres_only")]


def stored(product) -> dict:
    row = ProductRating.objects.get(pk=product.pk)
    return {name: getattr(row, name) for name in ("count", "total", *(f"star_{n}" for n in range(1, 6)))}


def fresh(product) -> dict:
    totals = Review.objects.filter(product=product, is_hidden=False).aggregate(
        count=Count("id"), total=Sum("rating"), **{f"star_{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)}
    )
    return {**totals, "total": totals["total"] or 0}


def write(author, product, rating):
    return services.write_review(author=author, product=product, rating=rating)


def test_twenty_parallel_reviews_of_a_new_product_count_exactly():
    # given a product nobody reviewed (no rating row yet: all twenty race to create it)
    product = ProductFactory()
    people = [UserFactory() for _ in range(20)]
    ratings = [1 + n % 5 for n in range(20)]
    # when
    errors = in_parallel(
        [
            lambda person=person, rating=rating: write(person, product, rating)
            for person, rating in zip(people, ratings, strict=True)
        ]
    )
    # then
    assert errors == []
    assert stored(product) == fresh(product)
    assert stored(product) == {"count": 20, "total": sum(ratings), **{f"star_{n}": 4 for n in range(1, 6)}}


def test_parallel_edits_move_the_stars_exactly():
    # given twenty reviews of 5 stars
    product = ProductFactory()
    people = [UserFactory() for _ in range(20)]
    for person in people:
        write(person, product, 5)
    # when every author changes their rating at once, twice over (a double submit each)
    new_ratings = [1 + n % 4 for n in range(20)]
    actions = [lambda p=p, r=r: write(p, product, r) for p, r in zip(people, new_ratings, strict=True)]
    errors = in_parallel(actions * 2)
    # then
    assert errors == []
    assert stored(product) == fresh(product)
    assert stored(product)["total"] == sum(new_ratings) and stored(product)["star_5"] == 0


def test_one_person_submitting_ten_times_at_once_has_one_review():
    product = ProductFactory()
    author = UserFactory()
    errors = in_parallel([lambda rating=rating: write(author, product, rating) for rating in [3, 4] * 5])
    assert errors == []
    assert Review.objects.filter(product=product, author=author).count() == 1
    assert stored(product) == fresh(product) and stored(product)["count"] == 1


def test_parallel_hides_edits_and_deletes_keep_the_aggregates_exact():
    # given
    product = ProductFactory()
    owner = product.store.owner
    staff = UserFactory(is_staff=True, is_superuser=True)
    people = [UserFactory() for _ in range(12)]
    reviews = [write(person, product, 4)[0] for person in people]
    # when: the seller and staff hide the same four reviews at once, four authors edit, four delete
    actions = []
    for target in reviews[:4]:
        actions += [
            lambda t=target: services.hide_review(review=t, actor=owner),
            lambda t=target: services.hide_review(review=t, actor=staff),
        ]
    actions += [lambda p=p: write(p, product, 1) for p in people[4:8]]
    actions += [lambda t=t: services.delete_review(review=t, actor=t.author) for t in reviews[8:]]
    errors = in_parallel(actions)
    # then
    assert errors == []
    assert stored(product) == fresh(product)
    assert stored(product) == {"count": 4, "total": 4, "star_1": 4, "star_2": 0, "star_3": 0, "star_4": 0, "star_5": 0}


def test_twenty_parallel_helpful_votes_count_exactly_twenty():
    review, _created = write(UserFactory(), ProductFactory(), 5)
    fans = [UserFactory() for _ in range(20)]
    errors = in_parallel([lambda fan=fan: services.vote_helpful(user=fan, review=review) for fan in fans] * 2)
    assert errors == []
    assert Review.objects.get(pk=review.pk).helpful_count == 20 == review.votes.count()
