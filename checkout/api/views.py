"""Checkout's API views: thin, over the same services as the HTML pages.

Every query is scoped to the caller (their cart's lines, their addresses, their payments,
the orders they may see, their store's orders), so someone else's object is a 404 and
never reaches a service. The services decide everything else; their refusals become
JSON errors in ``CheckoutAPIMixin.handle_exception``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from catalog.api.permissions import store_of
from checkout import payments, selectors, services
from checkout.api.pagination import order_page
from checkout.api.permissions import HasStore
from checkout.api.serializers import (
    AddressSerializer,
    CartLineCreateSerializer,
    CartLineUpdateSerializer,
    CartSerializer,
    ClientSecretSerializer,
    ConflictErrorSerializer,
    NoteSerializer,
    OrderPageQuerySerializer,
    OrderPageSerializer,
    OrderSerializer,
    OrderSummarySerializer,
    PaymentSerializer,
    PlaceOrderSerializer,
    QuoteRequestSerializer,
    QuoteSerializer,
    ShipSerializer,
    StoreOrderPageQuerySerializer,
    TransferProofSerializer,
    awaiting_transfer,
)
from checkout.exceptions import IllegalTransition, OutOfStock, QuoteChanged
from checkout.models import Address, CartLine, Order, OrderLine, OrderStatus, Payment, PaymentMethod
from checkout.pricing import Quote, available_methods
from shop.api import error_responses

ID_PATTERN = r"\d+"
ORDER_NUMBER_PATTERN = r"[A-Za-z0-9-]{1,20}"
S = OrderStatus


class Conflict(exceptions.APIException):
    """409: the request was well formed but the world moved (stock gone, prices changed, an
    order already in another state). The body says what and why: ``{"detail", "code"}``."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, message: str, code: str):
        super().__init__({"detail": message, "code": code})


def conflict_response(description) -> dict[int, OpenApiResponse]:
    return {409: OpenApiResponse(response=ConflictErrorSerializer, description=str(description))}


ORDER_CONFLICT = conflict_response(_("The order is not in a state that allows this (`illegal_transition`)."))
ORDER_ACTION_RESPONSES = {200: OrderSerializer, **error_responses(400, 401, 403, 404), **ORDER_CONFLICT}


class CheckoutAPIMixin:
    """What every checkout view shares: a login, and the services' refusals as JSON errors."""

    permission_classes = [permissions.IsAuthenticated]
    filter_backends = ()
    pagination_class = None

    def handle_exception(self, exc):
        if isinstance(exc, OutOfStock | QuoteChanged | IllegalTransition):
            exc = Conflict(" ".join(exc.messages), exc.code)
        elif isinstance(exc, DjangoPermissionDenied) and exc.args:
            # Keep the service's reason ("You may not change this order.") instead of DRF's generic text.
            exc = exceptions.PermissionDenied(str(exc.args[0]))
        return super().handle_exception(exc)


# --- Cart ------------------------------------------------------------------------------------------


def cart_data(view, user) -> dict:
    """The user's cart, priced now (no discount or payment method)."""
    quote = services.cart_quote(services.cart_for_user(user), buyer=user)
    return CartSerializer(quote, context=view.get_serializer_context()).data


class CartView(CheckoutAPIMixin, generics.GenericAPIView):
    serializer_class = CartSerializer

    @extend_schema(
        summary=_("Your cart, grouped by store, priced now"),
        responses={200: CartSerializer, **error_responses(401)},
    )
    def get(self, request):
        """Each line says whether it can be bought as it is (`problem`) and whether its price
        changed since it was added (`price_changed`: `price_seen` then, `unit_price` now). Checkout
        always charges today's price."""
        return Response(cart_data(self, request.user))


class AcceptPricesView(CheckoutAPIMixin, generics.GenericAPIView):
    serializer_class = CartSerializer

    @extend_schema(
        summary=_("Accept the current prices"),
        request=None,
        responses={200: CartSerializer, **error_responses(401)},
    )
    def post(self, request):
        """You have seen the new prices: the lines stop being flagged `price_changed`."""
        cart = services.cart_for_user(request.user)
        if cart is not None:
            services.accept_current_prices(cart=cart)
        return Response(cart_data(self, request.user))


class CartLineViewSet(CheckoutAPIMixin, viewsets.GenericViewSet):
    """The lines of your cart. Each change answers with the whole cart."""

    serializer_class = CartSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CartLine.objects.none()
        return CartLine.objects.filter(cart__user=self.request.user).select_related("cart")

    @extend_schema(
        summary=_("Add to your cart"),
        request=CartLineCreateSerializer,
        responses={201: CartSerializer, **error_responses(400, 401)},
    )
    def create(self, request):
        """Adds `quantity` on top of what the cart holds of the variant, at today's price. A
        variant not on sale, or more than the stock, is a 400."""
        data = CartLineCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = services.cart_for_user(request.user, create=True)
        services.add_to_cart(
            cart=cart, variant_id=data.validated_data["variant"], quantity=data.validated_data["quantity"]
        )
        return Response(cart_data(self, request.user), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Change a line's quantity"),
        request=CartLineUpdateSerializer,
        responses={200: CartSerializer, **error_responses(400, 401, 404)},
    )
    def partial_update(self, request, pk):
        """0 removes the line. More than the stock is a 400."""
        line = self.get_object()
        data = CartLineUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_line_quantity(cart=line.cart, line_id=line.pk, quantity=data.validated_data["quantity"])
        return Response(cart_data(self, request.user))

    @extend_schema(summary=_("Remove a line"), responses={204: None, **error_responses(401, 404)})
    def destroy(self, request, pk):
        line = self.get_object()
        services.remove_line(cart=line.cart, line_id=line.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Addresses ---------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Your address book, the default first (not paginated: at most 20)"),
        responses={200: AddressSerializer(many=True), **error_responses(401)},
    ),
    retrieve=extend_schema(
        summary=_("One of your addresses"), responses={200: AddressSerializer, **error_responses(401, 404)}
    ),
)
class AddressViewSet(CheckoutAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Your shipping addresses. Orders keep their own copy: changing or deleting an address
    never moves a parcel already ordered."""

    serializer_class = AddressSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Address.objects.none()
        return Address.objects.filter(user=self.request.user)

    def fields_of(self, partial: bool = False) -> tuple[dict, bool]:
        data = AddressSerializer(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        return fields, bool(fields.pop("is_default", False))

    @extend_schema(
        summary=_("Add an address"),
        request=AddressSerializer,
        responses={201: AddressSerializer, **error_responses(400, 401)},
    )
    def create(self, request):
        """The first address becomes the default. An address book holds at most 20."""
        fields, make_default = self.fields_of()
        address = services.create_address(user=request.user, data=fields, make_default=make_default)
        location = reverse("api:address-detail", kwargs={"pk": address.pk})
        return Response(
            self.get_serializer(address).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    @extend_schema(
        summary=_("Replace an address"),
        request=AddressSerializer,
        responses={200: AddressSerializer, **error_responses(400, 401, 404)},
    )
    def update(self, request, pk, partial=False):
        address = self.get_object()
        fields, make_default = self.fields_of(partial=partial)
        address = services.update_address(address=address, data=fields)
        if make_default:
            address = services.set_default_address(user=request.user, address=address)
        return Response(self.get_serializer(address).data)

    @extend_schema(
        summary=_("Change some of an address"),
        request=AddressSerializer,
        responses={200: AddressSerializer, **error_responses(400, 401, 404)},
    )
    def partial_update(self, request, pk):
        return self.update(request, pk, partial=True)

    @extend_schema(summary=_("Delete an address"), responses={204: None, **error_responses(401, 404)})
    def destroy(self, request, pk):
        """If it was the default, your newest other address becomes the default."""
        services.delete_address(address=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Make it your default address"),
        request=None,
        responses={200: AddressSerializer, **error_responses(401, 404)},
    )
    @action(detail=True, methods=["post"])
    def default(self, request, pk):
        address = services.set_default_address(user=request.user, address=self.get_object())
        return Response(self.get_serializer(address).data)


# --- Quote and placing -------------------------------------------------------------------------------


def checkout_quote(user, *, address_id: int | None, discount_code: str, payment_method: str) -> Quote:
    """The quote of ``user``'s cart, with what placing it would also need (an address, a method)."""
    quote = services.cart_quote(
        services.cart_for_user(user), buyer=user, discount_code=discount_code, payment_method=payment_method
    )
    addresses = Address.objects.filter(user=user)
    address = addresses.filter(pk=address_id).first() if address_id else addresses.filter(is_default=True).first()
    if not quote.lines:
        quote.errors.setdefault("cart", gettext("Your cart is empty."))
    if address is None:
        quote.errors.setdefault(
            "address", gettext("Choose one of your addresses.") if address_id else gettext("Add a shipping address.")
        )
    if not payment_method:
        quote.errors.setdefault("payment_method", gettext("Choose a payment method."))
    quote.address_id = address.pk if address else None
    quote.methods = available_methods(quote.stores)
    return quote


class QuoteView(CheckoutAPIMixin, generics.GenericAPIView):
    serializer_class = QuoteSerializer

    @extend_schema(
        summary=_("Price your cart for checkout"),
        request=QuoteRequestSerializer,
        responses={200: QuoteSerializer, **error_responses(400, 401)},
    )
    def post(self, request):
        """Store by store: lines, subtotal, shipping, discount, cash-on-delivery fee and total, all
        computed here. What stops placing is listed in `errors` by field (an unknown or ineligible
        code, a method a store does not take, a missing address) and `can_place` is false. Show the
        shopper these amounts, then place the order with this quote's `digest`."""
        data = QuoteRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = checkout_quote(
            request.user,
            address_id=data.validated_data.get("address"),
            discount_code=data.validated_data["discount_code"],
            payment_method=data.validated_data["payment_method"],
        )
        return Response(QuoteSerializer(quote, context=self.get_serializer_context()).data)


def payment_data(view, payment_id: int) -> dict:
    payment = selectors.payment_for_buyer(view.request.user, payment_id)
    return PaymentSerializer(payment, context=view.get_serializer_context()).data


class PlaceOrderView(CheckoutAPIMixin, generics.GenericAPIView):
    serializer_class = PaymentSerializer
    throttle_scope = "checkout"

    @extend_schema(
        summary=_("Place the order"),
        request=PlaceOrderSerializer,
        responses={
            201: PaymentSerializer,
            200: OpenApiResponse(PaymentSerializer, description=str(_("This `idempotency_key` was already placed."))),
            **error_responses(400, 401),
            **conflict_response(
                _("`out_of_stock`: nothing was placed and the cart is kept; `quote_changed`: get a new quote.")
            ),
        },
    )
    def post(self, request):
        """One order per store, under one payment, with the stock reserved. The server prices the
        cart again: if that is not the quote `quote_digest` names, nothing is placed (409
        `quote_changed`). Prices or totals in the body are ignored. The same `idempotency_key` again
        answers 200 with the first checkout. Card payments continue with the payment's client secret;
        bank transfers with the orders' `bank_transfer` details. Rate-limited per user (scope `checkout`)."""
        data = PlaceOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = services.cart_for_user(request.user, create=True)
        placed = services.place_order(buyer=request.user, cart=cart, **data.validated_data)
        location = reverse("api:payment-detail", kwargs={"pk": placed.payment.pk})
        return Response(
            payment_data(self, placed.payment.pk),
            status=status.HTTP_201_CREATED if placed.created else status.HTTP_200_OK,
            headers={"Location": location},
        )


# --- Payments ----------------------------------------------------------------------------------------


class PaymentViewSet(CheckoutAPIMixin, viewsets.GenericViewSet):
    """Your checkouts' payments."""

    serializer_class = PaymentSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payment.objects.none()
        return Payment.objects.filter(buyer=self.request.user)

    @extend_schema(
        summary=_("One of your payments and its orders"),
        responses={200: PaymentSerializer, **error_responses(401, 404)},
    )
    def retrieve(self, request, pk):
        return Response(payment_data(self, pk))

    @extend_schema(
        summary=_("The Stripe client secret of a card payment"),
        request=None,
        responses={200: ClientSecretSerializer, **error_responses(400, 401, 404)},
    )
    @action(detail=True, methods=["post"], url_path="client-secret")
    def client_secret(self, request, pk):
        """Card payments only: what Stripe.js's Payment Element needs to take the card. The order
        becomes paid when Stripe confirms it to the site, never on the client's word."""
        payment = self.get_object()
        if payment.method != PaymentMethod.CARD:
            raise exceptions.ValidationError({"detail": [_("Only card payments have a client secret.")]})
        secret = payments.client_secret(payment)
        return Response({"client_secret": secret, "publishable_key": settings.STRIPE_PUBLISHABLE_KEY})


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
        return selectors.orders_for_buyer(self.request.user)

    def order_data(self, number):
        return self.get_serializer(selectors.order_for(self.request.user, number)).data

    def actions_for(self, order):
        if order.buyer_id != self.request.user.pk:
            return []
        actions = []
        if services.can_transition(order, S.CANCELLED):
            actions.append("cancel")
        if awaiting_transfer(order):
            actions.append("transfer-proof")
        if services.can_transition(order, S.COMPLETED):
            actions.append("confirm-receipt")
        return actions

    @extend_schema(summary=_("Cancel an unpaid order"), request=NoteSerializer, responses=ORDER_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def cancel(self, request, number):
        """While it awaits payment. Its units go back on sale."""
        order = self.get_object()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cancel_order(order=order, actor=request.user, note=data.validated_data["note"])
        return Response(self.order_data(number))

    @extend_schema(summary=_("Confirm you received the parcel"), request=None, responses=ORDER_ACTION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="confirm-receipt")
    def confirm_receipt(self, request, number):
        """Buyer only, once it is delivered: the order is complete."""
        services.confirm_receipt(order=self.get_object(), actor=request.user)
        return Response(self.order_data(number))

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
            "confirm-transfer": S.PAID if order.payment_method == PaymentMethod.BANK_TRANSFER else None,
            "ship": S.SHIPPED,
            "deliver": S.DELIVERED,
            "refuse": S.REFUSED,
            "cancel": S.CANCELLED,
            "refund": S.REFUNDED,
        }
        return [name for name, to in moves.items() if to and services.can_transition(order, to)]

    @extend_schema(
        summary=_("Confirm a bank transfer arrived"), request=NoteSerializer, responses=ORDER_ACTION_RESPONSES
    )
    @action(detail=True, methods=["post"], url_path="confirm-transfer")
    def confirm_transfer(self, request, number):
        """The money is in your account (match it by the amount with its unique code): the order is paid."""
        order = self.get_object()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.confirm_transfer(order=order, actor=request.user, note=data.validated_data["note"])
        return Response(self.order_data(number))

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
        order = self.get_object()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.mark_refused(order=order, actor=request.user, note=data.validated_data["note"])
        return Response(self.order_data(number))

    @extend_schema(summary=_("Cancel an unpaid order"), request=NoteSerializer, responses=ORDER_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def cancel(self, request, number):
        """While it awaits payment. Its units go back on sale."""
        order = self.get_object()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cancel_order(order=order, actor=request.user, note=data.validated_data["note"])
        return Response(self.order_data(number))

    @extend_schema(summary=_("Refund an order in full"), request=NoteSerializer, responses=ORDER_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def refund(self, request, number):
        """A card payment goes back through Stripe; a transfer or cash you give back yourself, and
        this records it. Units not yet shipped go back on sale."""
        order = self.get_object()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payments.refund_order(order=order, actor=request.user, note=data.validated_data["note"])
        return Response(self.order_data(number))
