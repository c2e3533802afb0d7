"""What reviews hear from the layers below, and what they add to them, wired in
``SocialConfig.ready()`` by ``connect()``:

- checkout's ``order_paid`` (sent after commit): the buyer's reviews of the order's products
  become "Verified purchase";
- catalog's product lists: each card of a page gets its ``rating_summary`` (one query).
"""

from __future__ import annotations

from social.models import Review


def mark_reviews_of_paid_order(sender, order, **kwargs) -> int:
    """The buyer's reviews of what this order holds are verified purchases now. Idempotent."""
    from social.services.reviews import mark_verified_purchases

    product_ids = order.lines.filter(product__isnull=False).values("product_id")
    return mark_verified_purchases(Review.objects.filter(author_id=order.buyer_id, product_id__in=product_ids))


def connect() -> None:
    from catalog import hooks
    from checkout import signals as checkout_signals
    from social.selectors.reviews import attach_rating_summaries

    checkout_signals.order_paid.connect(mark_reviews_of_paid_order, dispatch_uid="social.reviews.order_paid")
    hooks.register_product_list_decorator(attach_rating_summaries)
