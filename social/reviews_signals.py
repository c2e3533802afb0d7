"""What reviews hear from the layers below, and what they add to them, wired in
``SocialConfig.ready()`` by ``connect()``:

- checkout's ``order_paid`` (sent after commit): the buyer's reviews of the order's products
  become "Verified purchase";
- catalog's product lists: each card of a page gets its ``rating_summary`` (one query);
- checkout's review requests: which bought products the buyer has reviewed already.
"""

from __future__ import annotations

from social.models import Review


def mark_reviews_of_paid_order(sender, order, **kwargs) -> int:
    """The buyer's reviews of what this order holds are verified purchases now. Idempotent."""
    from social.services.reviews import mark_verified_purchases

    product_ids = order.lines.filter(product__isnull=False).values("product_id")
    return mark_verified_purchases(reviews=Review.objects.filter(author_id=order.buyer_id, product_id__in=product_ids))


def reviewed_pairs(sender, *, pairs, **kwargs) -> set[tuple[int, int]]:
    """Which ``(user_id, product_id)`` pairs have a review (hidden ones too: it was written)."""
    pairs = set(pairs)
    users = {user_id for user_id, _product in pairs}
    products = {product_id for _user, product_id in pairs}
    rows = Review.objects.filter(author_id__in=users, product_id__in=products).values_list("author_id", "product_id")
    return {row for row in rows if row in pairs}


def rating_summaries_on_cards(sender, *, products, **kwargs) -> None:
    """``catalog.signals.product_cards_shown``: each card's ``rating_summary`` (one query)."""
    from social.selectors.reviews import attach_rating_summaries

    attach_rating_summaries(products)


def connect() -> None:
    from catalog import signals as catalog_signals
    from checkout import signals as checkout_signals

    checkout_signals.order_paid.connect(mark_reviews_of_paid_order, dispatch_uid="social.reviews.order_paid")
    catalog_signals.product_cards_shown.connect(rating_summaries_on_cards, dispatch_uid="social.rating_summaries")
    checkout_signals.reviewed_products_wanted.connect(reviewed_pairs, dispatch_uid="social.reviewed_pairs")
