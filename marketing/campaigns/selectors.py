"""Reads of campaigns that the seller's pages and the API share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Aggregate, BigIntegerField, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from catalog.models import Product, Store
from catalog.selectors import with_from_price
from checkout.models import DiscountCode
from marketing.campaign_models import Campaign, CampaignOrder, Recipient
from marketing.models import Contact

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


def campaign_list(*, store: Store) -> QuerySet[Campaign]:
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


def composer_products(*, store: Store) -> QuerySet[Product]:
    """The store's products a campaign can show, with their live ``from_price``, newest first."""
    return with_from_price(Product.objects.filter(store=store)).order_by("-pk")[:PRODUCT_CHOICES]


def composer_discount_codes(*, store: Store) -> QuerySet[DiscountCode]:
    return DiscountCode.objects.filter(store=store).order_by("code")


CAMPAIGNS_RECEIVED_SHOWN = 50


@dataclass(frozen=True)
class CampaignReceived:
    """One campaign email a contact received, and what became of it."""

    campaign_id: int
    campaign_name: str
    subject: str  # the subject this contact got (A/B tests: their variant's)
    sent_at: datetime | None  # set for every SENT recipient
    delivered_at: datetime | None
    bounced_at: datetime | None
    opened_at: datetime | None  # unreliable: images blocked, or fetched by a proxy for everyone
    clicked_at: datetime | None
    orders: int  # credited to the campaign (paid within 7 days of this contact's click)
    revenue: int  # minor units


def _credited(aggregate: Aggregate) -> Subquery:
    """The orders credited to the outer recipient's campaign from its contact, aggregated."""
    return Subquery(
        CampaignOrder.objects.filter(campaign_id=OuterRef("campaign_id"), contact_id=OuterRef("contact_id"))
        .order_by()
        .values("contact_id")
        .annotate(value=aggregate)
        .values("value")
    )


def campaigns_received(*, contact: Contact, limit: int | None = CAMPAIGNS_RECEIVED_SHOWN) -> list[CampaignReceived]:
    """The campaigns ``contact`` (and the contacts merged into it) received, newest first, at
    most ``limit`` (None: all): when each was sent, delivered or bounced, opened, clicked, and the orders
    credited to it from this contact. One query, whatever the number of campaigns."""
    rows = (
        Recipient.objects.filter(Q(contact=contact) | Q(contact__merged_into=contact), state=Recipient.State.SENT)
        .select_related("campaign")
        .only(
            "campaign__name",
            "campaign__subject",
            "campaign__subject_b",
            "campaign__ab_winner",
            "variant",
            "contact_id",
            "sent_at",
            "delivered_at",
            "bounced_at",
            "opened_at",
            "clicked_at",
        )
        .annotate(
            credited_orders=Coalesce(_credited(Count("pk")), 0, output_field=IntegerField()),
            credited_revenue=Coalesce(_credited(Sum("amount")), 0, output_field=BigIntegerField()),
        )
        .order_by("-sent_at", "-pk")[:limit]
    )
    return [
        CampaignReceived(
            campaign_id=row.campaign_id,
            campaign_name=row.campaign.name,
            subject=row.campaign.subject_for(row.variant),
            sent_at=row.sent_at,
            delivered_at=row.delivered_at,
            bounced_at=row.bounced_at,
            opened_at=row.opened_at,
            clicked_at=row.clicked_at,
            orders=row.credited_orders,
            revenue=row.credited_revenue,
        )
        for row in rows
    ]
