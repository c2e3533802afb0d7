"""What the seller's insights pages, their CSV files and the API read: the daily figures only
(``insights.models``, rolled up every few minutes, today's included), for one store and a
period against the period before it; and, for the site's staff, every store's.

Each function is one query (or two, with the names of what it lists); the pages' query
count does not grow with the data (``tests/insights/test_pages.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Case, CharField, Count, OuterRef, Q, Subquery, Sum, When
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Store
from insights.models import (
    DailyChannelFigures,
    DailyEmailFigures,
    DailyPostFigures,
    DailyProductFigures,
    DailySourceFigures,
    DailyStoreFigures,
    EmailKind,
    OrderAttribution,
    TouchKind,
)
from insights.periods import Period
from insights.rollups import day_bounds
from marketing.campaign_models import Campaign
from marketing.flow_models import Flow
from shop.events import Source

TOP = 10


def in_period(period: Period) -> Q:
    return Q(day__gte=period.start, day__lte=period.end)


# --- One store ---------------------------------------------------------------------------------

SUMMED = (
    "impressions",
    "tag_taps",
    "sheet_opens",
    "product_views",
    "adds_to_cart",
    "checkouts_started",
    "orders_placed",
    "orders_paid",
    "revenue",
    "refunds",
    "follows",
    "chats_started",
    "offers_sent",
    "offers_accepted",
)


@dataclass(frozen=True)
class Figure:
    """A period's figure beside the period before's."""

    now: int
    before: int

    @property
    def change(self) -> float | None:
        """The change as a fraction (0.25: a quarter more); None when there was nothing before."""
        return None if not self.before else (self.now - self.before) / self.before


@dataclass(frozen=True)
class Day:
    day: date
    revenue: int = 0
    refunds: int = 0
    orders_paid: int = 0
    product_views: int = 0
    impressions: int = 0

    @property
    def net(self) -> int:
        return self.revenue - self.refunds


def _by_day(*, store_id: int | None, start: date, end: date) -> dict[date, Mapping[str, Any]]:
    """Every ``SUMMED`` figure of each day from ``start`` to ``end`` that has any. One query."""
    rows = DailyStoreFigures.objects.filter(day__gte=start, day__lte=end)
    if store_id is not None:
        rows = rows.filter(store_id=store_id)
    return {row["day"]: row for row in rows.values("day").annotate(**{f"{name}_sum": Sum(name) for name in SUMMED})}


def _totals(by_day: dict[date, Mapping[str, Any]], period: Period) -> dict[str, int]:
    rows = [row for day, row in by_day.items() if period.start <= day <= period.end]
    return {name: sum(row[f"{name}_sum"] or 0 for row in rows) for name in SUMMED}


def _days(by_day: dict[date, Mapping[str, Any]], period: Period) -> list[Day]:
    days = []
    for day in period.each_day():
        row = by_day.get(day)
        days.append(
            Day(
                day=day,
                revenue=row["revenue_sum"] or 0,
                refunds=row["refunds_sum"] or 0,
                orders_paid=row["orders_paid_sum"] or 0,
                product_views=row["product_views_sum"] or 0,
                impressions=row["impressions_sum"] or 0,
            )
            if row
            else Day(day=day)
        )
    return days


@dataclass(frozen=True)
class Overview:
    """A period's totals against the period before (``figures``, with ``net``: revenue less
    refunds), and each day of both (days without figures as zeros)."""

    figures: dict[str, Figure]
    days: list[Day]
    days_before: list[Day]


def overview(*, store_id: int | None, period: Period) -> Overview:
    """The store's (every store's with ``store_id`` None) totals and days over ``period`` and
    the period before. One query: a row a day, summed here (at most 732 rows)."""
    by_day = _by_day(store_id=store_id, start=period.previous.start, end=period.end)
    now, before = _totals(by_day, period), _totals(by_day, period.previous)
    figures = {name: Figure(now=now[name], before=before[name]) for name in SUMMED}
    revenue, refunds = figures["revenue"], figures["refunds"]
    figures["net"] = Figure(now=revenue.now - refunds.now, before=revenue.before - refunds.before)
    return Overview(figures=figures, days=_days(by_day, period), days_before=_days(by_day, period.previous))


@dataclass
class PostFunnel:
    post_id: int
    impressions: int
    tag_taps: int
    sheet_opens: int
    product_views: int
    adds_to_cart: int
    orders_paid: int
    revenue: int
    refunds: int
    post: object = None  # social's Post, with its profile; None when deleted since
    shoppers: bool = False  # a shopper's post that tagged the store's product

    @property
    def views(self) -> int:
        """Product views from the post: its sheet opened, or its product page from its tag."""
        return self.sheet_opens + self.product_views

    @property
    def steps(self) -> list[tuple[str, int]]:
        return [
            ("impressions", self.impressions),
            ("tag_taps", self.tag_taps),
            ("views", self.views),
            ("adds_to_cart", self.adds_to_cart),
            ("orders_paid", self.orders_paid),
        ]

    @property
    def net(self) -> int:
        return self.revenue - self.refunds


def post_funnels(*, store_id: int, period: Period, shoppers_only: bool = False, limit: int = TOP) -> list[PostFunnel]:
    """The store's top posts (and shoppers' posts that tagged its products) over ``period``:
    by revenue, then orders, then impressions. ``shoppers_only``: only shoppers' posts that
    sold. Two queries (the figures, then the posts)."""
    from social.models import Post

    rows = DailyPostFigures.objects.filter(in_period(period), store_id=store_id)
    if shoppers_only:
        rows = rows.filter(orders_paid__gt=0).exclude(post_id__in=Post.objects.filter(profile__store_id=store_id))
    funnels = [
        PostFunnel(**row)
        for row in rows.values("post_id")
        .annotate(
            impressions=Sum("impressions"),
            tag_taps=Sum("tag_taps"),
            sheet_opens=Sum("sheet_opens"),
            product_views=Sum("product_views"),
            adds_to_cart=Sum("adds_to_cart"),
            orders_paid=Sum("orders_paid"),
            revenue=Sum("revenue"),
            refunds=Sum("refunds"),
        )
        .order_by("-revenue", "-orders_paid", "-impressions", "post_id")[:limit]
    ]
    posts = Post.objects.select_related("profile__store", "profile__user").in_bulk([f.post_id for f in funnels])
    for funnel in funnels:
        funnel.post = posts.get(funnel.post_id)
        funnel.shoppers = funnel.post is not None and funnel.post.profile.store_id != store_id
    return funnels


@dataclass
class ProductRow:
    product_id: int
    product_views: int
    sheet_opens: int
    adds_to_cart: int
    orders_paid: int
    revenue: int
    refunds: int
    product: Product | None = None

    @property
    def title(self) -> str:
        if self.product is None:
            return _("Deleted product #%(id)d") % {"id": self.product_id}
        return self.product.title


def top_products(*, store_id: int, period: Period, limit: int = TOP) -> list[ProductRow]:
    """The store's products by revenue, then views. Two queries."""
    rows = [
        ProductRow(**row)
        for row in DailyProductFigures.objects.filter(in_period(period), store_id=store_id)
        .values("product_id")
        .annotate(
            product_views=Sum("product_views"),
            sheet_opens=Sum("sheet_opens"),
            adds_to_cart=Sum("adds_to_cart"),
            orders_paid=Sum("orders_paid"),
            revenue=Sum("revenue"),
            refunds=Sum("refunds"),
        )
        .order_by("-revenue", "-orders_paid", "-product_views", "product_id")[:limit]
    ]
    wanted = [row.product_id for row in rows]
    products = Product.objects.filter(store_id=store_id).only("pk", "title", "slug").in_bulk(wanted)
    for row in rows:
        row.product = products.get(row.product_id)
    return rows


@dataclass(frozen=True)
class ChannelRow:
    kind: TouchKind
    orders_paid: int
    revenue: int
    refunds: int
    assisted: int

    @property
    def label(self) -> str:
        return str(self.kind.label)


def channels(*, store_id: int, period: Period) -> list[ChannelRow]:
    """Orders paid by what earned them (every kind, zeros included). One query."""
    got = {
        row["kind"]: row
        for row in DailyChannelFigures.objects.filter(in_period(period), store_id=store_id)
        .values("kind")
        .annotate(
            orders=Sum("orders_paid"), revenue_sum=Sum("revenue"), refunds_sum=Sum("refunds"), helped=Sum("assisted")
        )
    }
    return [
        ChannelRow(
            kind=kind,
            orders_paid=got[kind]["orders"] if kind in got else 0,
            revenue=got[kind]["revenue_sum"] if kind in got else 0,
            refunds=got[kind]["refunds_sum"] if kind in got else 0,
            assisted=got[kind]["helped"] if kind in got else 0,
        )
        for kind in TouchKind
    ]


SOURCE_LABELS = {
    Source.DIRECT: _("Direct"),
    Source.FOLLOWING: _("Following"),
    Source.FOR_YOU: _("For you"),
    Source.HASHTAG: _("Hashtag"),
    Source.PROFILE: _("Store profile"),
    Source.SHARED_LINK: _("Shared link"),
    Source.SEARCH: _("Search"),
    Source.CHAT: _("Chat"),
    Source.EMAIL: _("Email"),
    Source.WHATSAPP: _("WhatsApp"),
}


@dataclass(frozen=True)
class SourceRow:
    source: Source
    tag_taps: int
    sheet_opens: int
    product_views: int

    @property
    def label(self) -> str:
        return str(SOURCE_LABELS[self.source])

    @property
    def total(self) -> int:
        return self.tag_taps + self.sheet_opens + self.product_views


def sources(*, store_id: int, period: Period) -> list[SourceRow]:
    """Taps, sheet opens and product views by where the shopper came from, most first. One query."""
    rows = [
        SourceRow(
            source=Source(row["source"]),
            tag_taps=row["tag_taps"],
            sheet_opens=row["sheet_opens"],
            product_views=row["product_views"],
        )
        for row in DailySourceFigures.objects.filter(in_period(period), store_id=store_id)
        .values("source")
        .annotate(tag_taps=Sum("tag_taps"), sheet_opens=Sum("sheet_opens"), product_views=Sum("product_views"))
    ]
    return sorted(rows, key=lambda row: (-row.total, row.source))


@dataclass(frozen=True)
class EmailRow:
    kind: EmailKind
    ref_id: int
    name: str  # the campaign's name or the flow's kind ("Welcome series"); "" once it was deleted
    sent: int
    delivered: int
    clicked: int  # a campaign's: people (each recipient's first click); a flow's: emails clicked
    orders_paid: int
    revenue: int
    refunds: int


def _email_names() -> Case:
    """Each row's name, read in the same query from marketing's tables, of the same store (a
    row is never named after another store's campaign or flow): a campaign's name, a flow's
    kind (named in the reader's language by ``_flow_name``)."""
    campaign = Campaign.objects.filter(pk=OuterRef("ref_id"), store_id=OuterRef("store_id")).values("name")[:1]
    flow = Flow.objects.filter(pk=OuterRef("ref_id"), store_id=OuterRef("store_id")).values("kind")[:1]
    return Case(
        When(kind=EmailKind.CAMPAIGN, then=Subquery(campaign)),
        When(kind=EmailKind.FLOW, then=Subquery(flow)),
        default=None,
        output_field=CharField(),
    )


def _email_name(kind: EmailKind, name: str | None) -> str:
    """A campaign's name as the seller typed it; a flow's kind as its label ("Welcome series")."""
    if not name:
        return ""
    if kind == EmailKind.FLOW:
        return str(Flow.Kind(name).label) if name in Flow.Kind.values else ""
    return name


def emails(*, store_id: int, period: Period, limit: int = TOP) -> list[EmailRow]:
    """The store's marketing email, per campaign and per flow (automatic email; its steps
    together): sent, delivered, clicked, orders and revenue credited. One query (the names
    included)."""
    rows = (
        DailyEmailFigures.objects.filter(in_period(period), store_id=store_id)
        .values("kind", "ref_id", "store_id")
        .annotate(
            sent=Sum("sent"),
            delivered=Sum("delivered"),
            clicked=Sum("clicked"),
            orders_paid=Sum("orders_paid"),
            revenue=Sum("revenue"),
            refunds=Sum("refunds"),
        )
        .annotate(name=_email_names())
        .order_by("-revenue", "-clicked", "-sent", "kind", "ref_id")[:limit]
    )
    return [
        EmailRow(
            kind=EmailKind(row["kind"]),
            ref_id=row["ref_id"],
            name=_email_name(EmailKind(row["kind"]), row["name"]),
            sent=row["sent"],
            delivered=row["delivered"],
            clicked=row["clicked"],
            orders_paid=row["orders_paid"],
            revenue=row["revenue"],
            refunds=row["refunds"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Chats:
    started: Figure
    offers_sent: int
    offers_accepted: int
    conversations_with_orders: int
    orders: int
    revenue: int
    median_response_seconds: int | None
    answered_within_12h: float | None
    questions: int


def chats(*, store: Store, period: Period, figures: dict[str, Figure]) -> Chats:
    """The chat's part: chats started, offers, conversations that led to orders (credited to
    the chat), and how fast the store answers (chat's response figures, last 30 days). Two queries."""
    from chat.selectors import response_stats

    start, end = day_bounds(period.start)[0], day_bounds(period.end)[1]
    led = OrderAttribution.objects.filter(
        store_id=store.pk, kind=TouchKind.CHAT, paid_at__gte=start, paid_at__lt=end
    ).aggregate(conversations=Count("ref_id", distinct=True), orders=Count("pk"), revenue=Sum("amount"))
    stats = response_stats(store=store)
    return Chats(
        started=figures["chats_started"],
        offers_sent=figures["offers_sent"].now,
        offers_accepted=figures["offers_accepted"].now,
        conversations_with_orders=led["conversations"] or 0,
        orders=led["orders"] or 0,
        revenue=led["revenue"] or 0,
        median_response_seconds=stats.median_seconds,
        answered_within_12h=stats.answered_within_12h,
        questions=stats.questions,
    )


@dataclass
class StoreDashboard:
    store: Store
    period: Period
    figures: dict[str, Figure]
    days: list[Day]
    days_before: list[Day]
    posts: list[PostFunnel]
    shopper_posts: list[PostFunnel]
    products: list[ProductRow]
    channels: list[ChannelRow]
    sources: list[SourceRow]
    emails: list[EmailRow]
    chats: Chats


def store_dashboard(*, store: Store, period: Period) -> StoreDashboard:
    """Everything the store's insights page shows. A fixed number of queries (11)."""
    totals = overview(store_id=store.pk, period=period)
    figures = totals.figures
    return StoreDashboard(
        store=store,
        period=period,
        figures=figures,
        days=totals.days,
        days_before=totals.days_before,
        posts=post_funnels(store_id=store.pk, period=period),
        shopper_posts=post_funnels(store_id=store.pk, period=period, shoppers_only=True),
        products=top_products(store_id=store.pk, period=period),
        channels=channels(store_id=store.pk, period=period),
        sources=sources(store_id=store.pk, period=period),
        emails=emails(store_id=store.pk, period=period),
        chats=chats(store=store, period=period, figures=figures),
    )
