"""Reading reviews: sorts, filters, keyset pages, the viewer's state, summaries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.cursors import BadCursor, encode_cursor
from social import selectors, services
from social.models import Review
from social.selectors import ReviewFilters
from tests.factories import ProductFactory, UserFactory, image_file

pytestmark = pytest.mark.django_db


def make_reviews(product, specs):
    """``specs``: (rating, helpful votes, with a photo) per review, oldest first, an hour apart."""
    now = timezone.now()
    reviews = []
    for index, (rating, helpful, photo) in enumerate(specs):
        review, _created = services.write_review(
            author=UserFactory(), product=product, rating=rating, photos=[image_file()] if photo else []
        )
        Review.objects.filter(pk=review.pk).update(
            created_at=now - timedelta(hours=len(specs) - index), helpful_count=helpful
        )
        reviews.append(review.pk)
    return reviews


def ids(page):
    return [review.pk for review in page.items]


def all_pages(product, filters, limit, viewer=None):
    """Every review, page after page, following the cursors."""
    seen, cursor = [], None
    while True:
        page = selectors.reviews_for(product=product, viewer=viewer, filters=filters, cursor=cursor, limit=limit)
        seen += ids(page)
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


SPECS = [(5, 0, False), (1, 3, True), (4, 3, False), (5, 1, True), (2, 0, False), (4, 7, True), (3, 0, False)]


def test_each_sort_orders_the_reviews_and_pages_never_skip_or_repeat():
    # given
    product = ProductFactory()
    a, b, c, d, e, f, g = make_reviews(product, SPECS)
    expected = {
        "newest": [g, f, e, d, c, b, a],
        "helpful": [f, c, b, d, g, e, a],  # ties: newer first
        "highest": [d, a, f, c, g, e, b],
        "lowest": [b, e, g, f, c, d, a],
    }
    for sort, order in expected.items():
        filters = ReviewFilters(sort=sort)
        # when: one page, and pages of two
        whole = ids(selectors.reviews_for(product=product, filters=filters, limit=20))
        paged = all_pages(product, filters, limit=2)
        # then
        assert whole == order, sort
        assert paged == order, sort


def test_filters_by_stars_and_with_photos():
    product = ProductFactory()
    a, b, c, d, e, f, g = make_reviews(product, SPECS)
    assert ids(selectors.reviews_for(product=product, filters=ReviewFilters(stars=5))) == [d, a]
    assert ids(selectors.reviews_for(product=product, filters=ReviewFilters(with_photos=True))) == [f, d, b]
    both = ReviewFilters(stars=4, with_photos=True, sort="helpful")
    assert ids(selectors.reviews_for(product=product, filters=both)) == [f]
    assert all_pages(product, ReviewFilters(stars=4, sort="lowest"), limit=1) == [f, c]


def test_hidden_reviews_and_other_products_reviews_stay_out():
    product = ProductFactory()
    kept, hidden = make_reviews(product, [(5, 0, False), (1, 0, False)])
    make_reviews(ProductFactory(), [(3, 0, False)])
    services.hide_review(review=Review.objects.get(pk=hidden), actor=product.store.owner)
    assert ids(selectors.reviews_for(product=product)) == [kept]


def test_a_forged_cursor_or_one_of_another_sort_is_refused():
    product = ProductFactory()
    make_reviews(product, [(5, 0, False)] * 3)
    page = selectors.reviews_for(product=product, limit=1)
    with pytest.raises(BadCursor):
        selectors.reviews_for(product=product, filters=ReviewFilters(sort="helpful"), cursor=page.next_cursor)
    for forged in ("not-a-cursor", encode_cursor("newest", "yesterday", 1), encode_cursor("lowest", "x", 2)):
        with pytest.raises(BadCursor):
            selectors.reviews_for(product=product, cursor=forged)


def test_the_viewers_vote_and_report_and_authorship_are_marked():
    product = ProductFactory()
    first, second = make_reviews(product, [(5, 0, False), (4, 0, False)])
    viewer = UserFactory()
    services.vote_helpful(user=viewer, review=Review.objects.get(pk=first))
    services.report_review(user=viewer, review=Review.objects.get(pk=second), reason="spam")
    own, _created = services.write_review(author=viewer, product=product, rating=3)
    items = {review.pk: review for review in selectors.reviews_for(product=product, viewer=viewer).items}
    assert items[first].viewer_voted and not items[first].viewer_reported
    assert items[second].viewer_reported and not items[second].viewer_voted
    assert items[own.pk].viewer_is_author and not items[first].viewer_is_author
    anonymous = selectors.reviews_for(product=product, viewer=None).items
    assert not any(review.viewer_voted or review.viewer_reported for review in anonymous)


def test_a_page_of_reviews_costs_two_queries_whatever_its_size(django_assert_num_queries):
    # given: reviews with photos and replies
    product = ProductFactory()
    pks = make_reviews(product, [(4, 0, True)] * 8)
    for pk in pks:
        services.reply_to_review(review=Review.objects.get(pk=pk), actor=product.store.owner, body="Thanks")
    viewer = UserFactory()
    # when / then: reviews (with author, reply, the viewer's vote and report), their photos
    with django_assert_num_queries(2):
        page = selectors.reviews_for(product=product, viewer=viewer, limit=8)
        for review in page.items:
            assert review.seller_reply.body == "Thanks" and review.author.username
            assert len(review.ordered_photos) == 1


def test_rating_summary_and_histogram():
    product = ProductFactory()
    make_reviews(product, [(5, 0, False), (5, 0, False), (4, 0, False), (1, 0, False)])
    summary = selectors.rating_summary(product=product)
    assert (summary.count, summary.total, summary.average, summary.percent) == (4, 15, 3.75, 75)
    assert [(bar.star, bar.count, bar.percent) for bar in summary.histogram] == [
        (5, 2, 50), (4, 1, 25), (3, 0, 0), (2, 0, 0), (1, 1, 25),
    ]  # fmt: skip
    empty = selectors.rating_summary(product=ProductFactory())
    assert not empty and empty.average == 0 and empty.count == 0


def test_attach_rating_summaries_costs_one_query(django_assert_num_queries):
    rated, unrated = ProductFactory(), ProductFactory()
    make_reviews(rated, [(4, 0, False), (5, 0, False)])
    products = [rated, unrated]
    with django_assert_num_queries(1):
        selectors.attach_rating_summaries(products)
    assert rated.rating_summary.average == 4.5 and rated.rating_summary.count == 2
    assert unrated.rating_summary is None


def test_filters_from_a_query_string_are_forgiving():
    assert ReviewFilters.from_query({"sort": "helpful", "stars": "4", "with_photos": "1"}) == ReviewFilters(
        sort="helpful", stars=4, with_photos=True
    )
    assert ReviewFilters.from_query({"sort": "DROP TABLE", "stars": "9"}) == ReviewFilters()
