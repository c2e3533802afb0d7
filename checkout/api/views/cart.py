"""The cart and the address book: the caller's own lines and addresses only."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from checkout import services
from checkout.api.serializers import (
    AddressSerializer,
    CartLineCreateSerializer,
    CartLineUpdateSerializer,
    CartSerializer,
)
from checkout.api.views.base import ID_PATTERN, CheckoutAPIMixin
from checkout.models import Address, CartLine
from shop.api import error_responses

# --- Cart ------------------------------------------------------------------------------------------


def cart_data(view, user) -> dict:
    """The user's cart, priced now (no discount or payment method)."""
    quote = services.cart_quote(cart=services.cart_for_user(user=user), buyer=user)
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
        cart = services.cart_for_user(user=request.user)
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
        cart = services.cart_for_user(user=request.user, create=True)
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
