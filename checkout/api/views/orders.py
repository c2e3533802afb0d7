"""Orders seen by the buyer: what both order desks share (``OrderViewSetBase``), and the
buyer's own (``OrderViewSet``). The seller's desk is ``store_orders``.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from checkout import selectors, services
from checkout.api.pagination import order_page
from checkout.api.serializers import (
    NoteSerializer,
    OrderPageQuerySerializer,
    OrderPageSerializer,
    OrderSerializer,
    OrderSummarySerializer,
    TransferProofSerializer,
    awaiting_transfer,
)
from checkout.api.views.base import CheckoutAPIMixin, conflict_response
from checkout.models import Order, OrderLine, OrderStatus
from shop.api import error_responses
from shop.api_parsers import FormParser, MultiPartParser
from shop.private_media import serve_private_file

ORDER_NUMBER_PATTERN = r"[A-Za-z0-9-]{1,20}"

ORDER_CONFLICT = conflict_response(_("The order is not in a state that allows this (`illegal_transition`)."))
ORDER_ACTION_RESPONSES = {200: OrderSerializer, **error_responses(400, 401, 403, 404), **ORDER_CONFLICT}


# --- Orders ------------------------------------------------------------------------------------------


def order_detail_queryset(queryset: QuerySet[Order]) -> QuerySet[Order]:
    return queryset.select_related("store", "buyer", "discount_code").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id")),
        "events",
    )


class OrderViewSetBase(CheckoutAPIMixin, viewsets.GenericViewSet):
    serializer_class = OrderSerializer
    lookup_field = "number"
    lookup_value_regex = ORDER_NUMBER_PATTERN
    detail_view_name = "api:order-detail"
    page_query_serializer = OrderPageQuerySerializer

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "order_view_name": self.detail_view_name,
            "actions": self.actions_for,
        }

    def actions_for(self, order: Order) -> list[str]:
        """The endpoints (action names) the caller may use on ``order`` now."""
        raise NotImplementedError

    def list_queryset(self) -> QuerySet[Order]:
        raise NotImplementedError

    def list(self, request):
        query = self.page_query_serializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = {key: value for key, value in query.validated_data.items() if key not in ("cursor", "limit")}
        page = order_page(
            self.list_queryset().filter(**filters).select_related("store"),
            request,
            cursor=query.validated_data.get("cursor"),
            limit=query.validated_data.get("limit"),
        )
        results = OrderSummarySerializer(page.items, many=True, context=self.get_serializer_context()).data
        return Response({"results": results, "next": page.next_url})

    def order_data(self, number: str) -> dict:
        order = get_object_or_404(order_detail_queryset(self.get_queryset()), number=number)
        return self.get_serializer(order).data

    def move_with_note(self, number: str, move) -> Response:
        """Validate the request's note, make ``move`` (a service taking ``order``, ``actor`` and
        ``note``) on the requested order, and answer the order as it is now."""
        order = self.get_object()
        data = NoteSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        move(order=order, actor=self.request.user, note=data.validated_data["note"])
        return Response(self.order_data(number))

    def retrieve(self, request, number):
        return Response(self.order_data(number))


PAGE_RESPONSES = {200: OrderPageSerializer, **error_responses(400, 401)}


@extend_schema_view(
    list=extend_schema(
        summary=_("Your orders, newest first"),
        parameters=[OrderPageQuerySerializer],
        responses=PAGE_RESPONSES,
    ),
    retrieve=extend_schema(
        summary=_("One order: lines, amounts, address, timeline"),
        responses={200: OrderSerializer, **error_responses(401, 404)},
    ),
)
class OrderViewSet(OrderViewSetBase):
    """Your purchases, one order per store. An order is visible to its buyer, to the store's
    seller and to the site's staff; anyone else gets 404."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return Order.objects.visible_to(self.request.user)

    def list_queryset(self):
        return selectors.orders_for_buyer(user=self.request.user)

    def order_data(self, number):
        return self.get_serializer(selectors.order_for(user=self.request.user, number=number)).data

    def actions_for(self, order):
        if order.buyer_id != self.request.user.pk:
            return []
        actions = []
        if services.can_transition(order=order, to_status=OrderStatus.CANCELLED):
            actions.append("cancel")
        if awaiting_transfer(order):
            actions.append("transfer-proof")
        if services.can_transition(order=order, to_status=OrderStatus.COMPLETED):
            actions.append("confirm-receipt")
        return actions

    @extend_schema(summary=_("Cancel an unpaid order"), request=NoteSerializer, responses=ORDER_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def cancel(self, request, number):
        """While it awaits payment. Its units go back on sale."""
        return self.move_with_note(number, services.cancel_order)

    @extend_schema(summary=_("Confirm you received the parcel"), request=None, responses=ORDER_ACTION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="confirm-receipt")
    def confirm_receipt(self, request, number):
        """Buyer only, once it is delivered: the order is complete."""
        services.confirm_receipt(order=self.get_object(), actor=request.user)
        return Response(self.order_data(number))

    @extend_schema(
        summary=_("The proof of a bank transfer (the image)"),
        responses={
            **{(200, media_type): OpenApiTypes.BINARY for media_type in ("image/jpeg", "image/png", "image/webp")},
            **error_responses(401, 404),
        },
    )
    @action(detail=True, methods=["get"], url_path="transfer-proof/image")
    def transfer_proof_image(self, request, number):
        """The image the buyer uploaded, for the order's buyer, its store's seller and the site's
        staff only (404 for anyone else, and when there is none). A private file: never cached
        by a shared cache."""
        return serve_private_file(selectors.transfer_proof_for(user=request.user, number=number))

    @extend_schema(
        summary=_("Upload the proof of a bank transfer"),
        request={"multipart/form-data": TransferProofSerializer},
        responses=ORDER_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="transfer-proof", parser_classes=[MultiPartParser, FormParser])
    def transfer_proof(self, request, number):
        """Multipart `image`: verified and re-encoded without its metadata. Optional; it helps the
        seller find your transfer. The seller still confirms the payment."""
        order = self.get_object()
        data = TransferProofSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.upload_transfer_proof(order=order, actor=request.user, image=data.validated_data["image"])
        return Response(self.order_data(number))
