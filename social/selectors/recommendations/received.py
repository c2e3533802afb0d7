"""The recommendations someone received from their friends, and how many are still unseen."""

from __future__ import annotations

from django.db.models import Prefetch, Q

from catalog.models import Product
from shop.cursors import aware_datetime, decode_cursor, encode_cursor
from shop.models import User
from social.models import Block, PostImage, Recommendation
from social.selectors.feeds import Page
from social.selectors.recommendations.products import product_cards

RECEIVED_PAGE = 20


def received_recommendations(*, user: User, cursor: str | None = None, limit: int = RECEIVED_PAGE) -> Page:
    """What friends recommended to ``user``, newest first (keyset pages). A product no longer
    on sale, a post now hidden and a sender blocked either way are left out. Constant queries."""
    position = decode_cursor(cursor, aware_datetime, int)
    queryset = (
        Recommendation.objects.filter(recipient=user, sender__is_active=True)
        .exclude(sender__in=Block.objects.filter(blocker=user).values("blocked_id"))
        .exclude(sender__in=Block.objects.filter(blocked=user).values("blocker_id"))
        .filter(Q(product__isnull=True) | Q(product__status=Product.Status.ACTIVE, product__store__is_active=True))
        .filter(Q(post__isnull=True) | Q(post__is_hidden=False))
        .exclude(post__author__in=Block.objects.filter(blocker=user).values("blocked_id"))
        .exclude(post__author__in=Block.objects.filter(blocked=user).values("blocker_id"))
    )
    if position is not None:
        at, last_id = position
        queryset = queryset.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=last_id))
    covers = PostImage.objects.order_by("position", "id")
    rows = list(
        queryset.select_related("sender", "post__profile__user", "post__profile__store")
        .prefetch_related(Prefetch("post__images", queryset=covers, to_attr="ordered_images"))
        .order_by("-created_at", "-id")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    cards = product_cards(sorted({row.product_id for row in rows if row.product_id}))
    items = []
    for row in rows:
        if row.product_id:
            row.product_card = cards.get(row.product_id)
            if row.product_card is None:
                continue
        items.append(row)
    next_cursor = encode_cursor(rows[-1].created_at.isoformat(), rows[-1].pk) if more and rows else None
    return Page(items, next_cursor)


def unseen_recommendation_count(*, user: User) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Recommendation.objects.filter(recipient=user, seen_at__isnull=True).count()
