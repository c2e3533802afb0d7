"""``seed_demo``, reviews: written through the services (exact ratings), with photos, helpful
votes, seller replies and one hidden spam review; running it again changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Q, Sum

from social.models import ProductRating, Review, ReviewPhoto, ReviewReply, ReviewReport, ReviewVote

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def review_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Review, ReviewPhoto, ReviewVote, ReviewReply, ReviewReport)
    }


def assert_ratings_are_exact() -> None:
    for row in ProductRating.objects.all():
        visible = Review.objects.filter(product_id=row.pk, is_hidden=False)
        totals = visible.aggregate(n=Count("id"), t=Sum("rating"), fives=Count("id", filter=Q(rating=5)))
        assert (row.count, row.total, row.star_5) == (totals["n"], totals["t"] or 0, totals["fives"]), row


def test_the_demo_has_reviews_with_photos_votes_replies_and_a_hidden_one_and_runs_twice_the_same():
    # when
    output = seed("--products-per-store=3")
    # then
    assert "Reviews: created" in output
    assert Review.objects.count() >= 15
    assert ReviewPhoto.objects.filter(alt_text__endswith="as it arrived").exists()
    assert ReviewVote.objects.count() >= 10
    assert ReviewReply.objects.filter(review__rating__lte=3).exists()
    assert Review.objects.filter(rating__lte=2).exists() and Review.objects.filter(rating=5).exists()
    hidden = Review.objects.get(is_hidden=True)
    assert hidden.reports.filter(reason="spam").exists() and hidden.hidden_by == hidden.product.store.owner
    assert Review.objects.filter(verified_purchase=True).exists()
    assert_ratings_are_exact()

    # when it runs again
    before = review_counts()
    output = seed("--products-per-store=3")
    # then nothing changes
    assert review_counts() == before
    assert "Reviews: created nothing." in output
    assert_ratings_are_exact()
