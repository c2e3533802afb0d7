"""Insights in the API, under /api/v1/insights/: the same figures as the seller's page
(``insights.selectors``), for the seller's own store, or any store for the site's staff
(``?store=``), and every store's for the staff (``stores/``). Amounts in minor units."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from insights import access
from insights.periods import RANGE_LABELS, BadPeriod, Period, period_from
from insights.selectors import staff as staff_selectors
from insights.selectors import store as store_selectors
from shop.api import error_responses
from shop.i18n import interpolate_lazy


class PeriodQuery(serializers.Serializer):
    range = serializers.ChoiceField(
        choices=list(RANGE_LABELS), required=False, help_text=_("today, 7d, 30d, 90d (the default 7d) or custom.")
    )
    start = serializers.DateField(required=False, help_text=_("A custom period's first day (YYYY-MM-DD)."))
    end = serializers.DateField(required=False, help_text=_("A custom period's last day (YYYY-MM-DD)."))


class StoreQuery(PeriodQuery):
    store = serializers.IntegerField(
        required=False, min_value=1, max_value=2**53, help_text=_("Staff: the store's id. Sellers read their own.")
    )


class InsightsFigureSerializer(serializers.Serializer):
    now = serializers.IntegerField(help_text=_("Over the period."))
    before = serializers.IntegerField(help_text=_("Over the period of the same length just before."))


class InsightsPeriodSerializer(serializers.Serializer):
    range = serializers.CharField(source="key")
    start = serializers.DateField()
    end = serializers.DateField()
    previous_start = serializers.DateField(source="previous.start")
    previous_end = serializers.DateField(source="previous.end")


FIGURE_NAMES = (*store_selectors.SUMMED, "net")


class InsightsDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    revenue = serializers.IntegerField()
    refunds = serializers.IntegerField()
    orders_paid = serializers.IntegerField()
    product_views = serializers.IntegerField()
    impressions = serializers.IntegerField()


class InsightsPostFunnelSerializer(serializers.Serializer):
    post = serializers.IntegerField(source="post_id")
    shoppers_post = serializers.BooleanField(
        source="shoppers", help_text=_("A shopper's post that tagged your product.")
    )
    caption = serializers.SerializerMethodField()
    impressions = serializers.IntegerField()
    tag_taps = serializers.IntegerField()
    product_views = serializers.IntegerField(
        source="views", help_text=_("Sheet opens and product pages from the post.")
    )
    adds_to_cart = serializers.IntegerField()
    orders_paid = serializers.IntegerField()
    revenue = serializers.IntegerField()
    refunds = serializers.IntegerField()

    def get_caption(self, funnel) -> str:
        return funnel.post.caption if funnel.post is not None else ""


class InsightsProductRowSerializer(serializers.Serializer):
    product = serializers.IntegerField(source="product_id")
    title = serializers.CharField()
    product_views = serializers.IntegerField()
    sheet_opens = serializers.IntegerField()
    adds_to_cart = serializers.IntegerField()
    orders_paid = serializers.IntegerField()
    revenue = serializers.IntegerField()
    refunds = serializers.IntegerField()


class InsightsChannelRowSerializer(serializers.Serializer):
    kind = serializers.SerializerMethodField(help_text=_("direct, post, shopper_post, chat, campaign or flow."))
    orders_paid = serializers.IntegerField()
    revenue = serializers.IntegerField()
    refunds = serializers.IntegerField()
    assisted = serializers.IntegerField()

    def get_kind(self, row) -> str:
        return row.kind.name.lower()


class InsightsSourceRowSerializer(serializers.Serializer):
    source = serializers.SerializerMethodField()
    tag_taps = serializers.IntegerField()
    sheet_opens = serializers.IntegerField()
    product_views = serializers.IntegerField()

    def get_source(self, row) -> str:
        return row.source.slug


class InsightsEmailRowSerializer(serializers.Serializer):
    kind = serializers.SerializerMethodField(help_text=_("campaign, or flow (an automatic email)."))
    id = serializers.IntegerField(source="ref_id", help_text=_("The campaign's id, or the flow's."))
    name = serializers.CharField(help_text=_("The campaign's name, or the flow's kind (\"Welcome series\")."))
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    clicked = serializers.IntegerField(
        help_text=_("A campaign's: people who clicked (each once). A flow's: emails clicked (each once).")
    )
    orders_paid = serializers.IntegerField()
    revenue = serializers.IntegerField()
    refunds = serializers.IntegerField()

    def get_kind(self, row) -> str:
        return row.kind.name.lower()


class InsightsChatsSerializer(serializers.Serializer):
    started = serializers.IntegerField(source="started.now")
    offers_sent = serializers.IntegerField()
    offers_accepted = serializers.IntegerField()
    conversations_with_orders = serializers.IntegerField()
    orders = serializers.IntegerField()
    revenue = serializers.IntegerField()
    median_response_seconds = serializers.IntegerField(allow_null=True)
    answered_within_12h = serializers.FloatField(allow_null=True)


class InsightsStoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class InsightsDashboardSerializer(serializers.Serializer):
    store = InsightsStoreSerializer()
    currency = serializers.SerializerMethodField()
    period = InsightsPeriodSerializer()
    figures = serializers.DictField(
        child=InsightsFigureSerializer(),
        help_text=interpolate_lazy(_("Totals: %(names)s."), {"names": ", ".join(FIGURE_NAMES)}),
    )
    days = InsightsDaySerializer(many=True)
    posts = InsightsPostFunnelSerializer(many=True)
    shopper_posts = InsightsPostFunnelSerializer(many=True)
    products = InsightsProductRowSerializer(many=True)
    channels = InsightsChannelRowSerializer(many=True)
    sources = InsightsSourceRowSerializer(many=True)
    emails = InsightsEmailRowSerializer(many=True)
    chats = InsightsChatsSerializer()

    def get_currency(self, data) -> str:
        return settings.SHOP_CURRENCY


class InsightsStoreRowSerializer(serializers.Serializer):
    store = serializers.IntegerField(source="store_id")
    name = serializers.CharField()
    orders_paid = serializers.IntegerField()
    revenue = serializers.IntegerField()
    refunds = serializers.IntegerField()
    product_views = serializers.IntegerField()


class InsightsStoresSerializer(serializers.Serializer):
    currency = serializers.SerializerMethodField()
    period = InsightsPeriodSerializer()
    figures = serializers.DictField(child=InsightsFigureSerializer())
    days = InsightsDaySerializer(many=True)
    stores = InsightsStoreRowSerializer(many=True)

    def get_currency(self, data) -> str:
        return settings.SHOP_CURRENCY


def _period(query) -> Period:
    data = query.validated_data
    try:
        return period_from(
            key=data.get("range"),
            start=data["start"].isoformat() if data.get("start") else None,
            end=data["end"].isoformat() if data.get("end") else None,
        )
    except BadPeriod as exc:
        raise exceptions.ValidationError({"range": [str(exc)]}) from None


PERIOD_PARAMETERS = [
    OpenApiParameter("range", str, enum=list(RANGE_LABELS), description=_("today, 7d, 30d, 90d or custom.")),
    OpenApiParameter("start", str, description=_("A custom period's first day (YYYY-MM-DD).")),
    OpenApiParameter("end", str, description=_("A custom period's last day (YYYY-MM-DD).")),
]


class InsightsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary=_("A store's insights"),
        description=_(
            "The seller's own store (staff: the store named by `store`) over a period against the "
            "period before: totals, days, posts' funnels, top products, what earned the sales, "
            "sources, emails (per campaign and flow) and chats. Read from the daily figures (today's are "
            "updated every few minutes). Amounts in the currency's minor unit."
        ),
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("store", int, description=_("Staff: the store's id. Sellers read their own.")),
        ],
        responses={200: InsightsDashboardSerializer, **error_responses(400, 403, 404)},
    )
    def get(self, request):
        query = StoreQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data.get("store")
        store = access.store_for(request.user, str(wanted) if wanted else None)
        if store is None:
            raise exceptions.ValidationError({"store": [_("Staff: name the store (its id).")]})
        data = store_selectors.store_dashboard(store=store, period=_period(query))
        return Response(InsightsDashboardSerializer(data).data)


class InsightsStoresView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary=_("Every store's sales (staff)"),
        description=_("The site's staff: every store's totals and days over a period, and the top stores."),
        parameters=PERIOD_PARAMETERS,
        responses={200: InsightsStoresSerializer, **error_responses(400, 403)},
    )
    def get(self, request):
        if not access.is_staff(request.user):
            raise exceptions.PermissionDenied(_("Only the site's staff see every store's figures."))
        query = PeriodQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = _period(query)
        totals = store_selectors.overview(store_id=None, period=period)
        data = {
            "period": period,
            "figures": totals.figures,
            "days": totals.days,
            "stores": staff_selectors.top_stores(period=period),
        }
        return Response(InsightsStoresSerializer(data).data)
