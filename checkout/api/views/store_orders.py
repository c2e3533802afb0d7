"""The seller's order desk: their store's orders and the moves a seller makes on them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.api.permissions import store_of
from checkout import payments, services
from checkout.api.permissions import HasStore
from checkout.api.serializers import NoteSerializer, OrderSerializer, ShipSerializer, StoreOrderPageQuerySerializer
from checkout.api.views.orders import ORDER_ACTION_RESPONSES, PAGE_RESPONSES, OrderViewSetBase
from checkout.models import Order, OrderStatus, PaymentMethod
from shop.api import error_responses


@extend_schema_view(
    list=extend_schema(
        summary=_("Your store's orders, newest first"),
        parameters=[StoreOrderPageQuerySerializer],
        responses={**PAGE_RESPONSES, **error_responses(403)},
    ),
    retrieve=extend_schema(
        summary=_("One of your store's orders"),
        responses={200: OrderSerializer, **error_responses(401, 403, 404)},
    ),
)
class StoreOrderViewSet(OrderViewSetBase):
    """The seller's order desk: your store's orders only (another store's are 404; without a
    store, 403)."""

    permission_classes = [permissions.IsAuthenticated, HasStore]
    detail_view_name = "api:store-order-detail"
    page_query_serializer = StoreOrderPageQuerySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return Order.objects.filter(store=store_of(self.request.user))

    def list_queryset(self):
        return self.get_queryset()

    def actions_for(self, order):
        moves = {
            "confirm-transfer": OrderStatus.PAID if order.payment_method == PaymentMethod.BANK_TRANSFER else None,
            "ship": OrderStatus.SHIPPED,
            "deliver": OrderStatus.DELIVERED,
            "refuse": OrderStatus.REFUSED,
            "cancel": OrderStatus.CANCELLED,
            "refund": OrderStatus.REFUNDED,
        }
        return [name for name, to in moves.items() if to and services.can_transition(order=order, to_status=to)]

    @extend_schema(
        summary=_("Confirm a bank transfer arrived"), request=NoteSerializer, responses=ORDER_ACTION_RESPONSES
    )
    @action(detail=True, methods=["post"], url_path="confirm-transfer")
    def confirm_transfer(self, request, number):
        """The money is in your account (match it by the amount with its unique code): the order is paid."""
        return self.move_with_note(number, services.confirm_transfer)

    @extend_schema(summary=_("Mark shipped"), request=ShipSerializer, responses=ORDER_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def ship(self, request, number):
        """With the carrier and its tracking number. A cash-on-delivery order ships unpaid."""
        order = self.get_object()
        data = ShipSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.mark_shipped(order=order, actor=request.user, **data.validated_data)
        return Response(self.order_data(number))

    @extend_schema(summary=_("Mark delivered"), request=None, responses=ORDER_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def deliver(self, request, number):
        """A cash-on-delivery order is paid at this moment."""
        services.mark_delivered(order=self.get_object(), actor=request.user)
        return Response(self.order_data(number))

    @extend_schema(
        summary=_("Mark a cash-on-delivery parcel refused"), request=NoteSerializer, responses=ORDER_ACTION_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, number):
        """The buyer refused it at the door: its units go back on sale."""
        return self.move_with_note(number, services.mark_refused)

    @extend_schema(summary=_("Cancel an unpaid order"), request=NoteSerializer, responses=ORDER_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def cancel(self, request, number):
        """While it awaits payment. Its units go back on sale."""
        return self.move_with_note(number, services.cancel_order)

    @extend_schema(summary=_("Refund an order in full"), request=NoteSerializer, responses=ORDER_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def refund(self, request, number):
        """A card payment goes back through Stripe; a transfer or cash you give back yourself, and
        this records it. Units not yet shipped go back on sale."""
        return self.move_with_note(number, payments.refund_order)
