"""Reads of campaigns that the seller's pages and the API share."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from catalog.models import Product, Store
from catalog.selectors import with_from_price
from checkout.models import DiscountCode
from marketing.campaign_models import Campaign, Recipient

PAGE_SIZE = 20
PRODUCT_CHOICES = 200


def _recipient_count(condition: Q) -> Coalesce:
    rows = (
        Recipient.objects.filter(condition, campaign_id=OuterRef("pk"))
        .order_by()
        .values("campaign_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def campaign_list(store: Store) -> QuerySet[Campaign]:
    """The store's campaigns, newest first, each with ``sent_count`` and ``clicked_count``
    (one subquery each, evaluated only for the page shown)."""
    return (
        Campaign.objects.filter(store=store)
        .select_related("segment")
        .annotate(
            sent_count=_recipient_count(Q(state=Recipient.State.SENT)),
            clicked_count=_recipient_count(Q(clicked_at__isnull=False)),
        )
    )


def campaign_for_seller(*, store: Store, pk: int) -> Campaign | None:
    return Campaign.objects.filter(store=store, pk=pk).select_related("store", "segment").first()


def composer_products(store: Store) -> QuerySet[Product]:
    """The store's products a campaign can show, with their live ``from_price``, newest first."""
    return with_from_price(Product.objects.filter(store=store)).order_by("-pk")[:PRODUCT_CHOICES]


def composer_discount_codes(store: Store) -> QuerySet[DiscountCode]:
    return DiscountCode.objects.filter(store=store).order_by("code")
