"""The quote, placing orders and the payments they are placed under."""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from checkout import payments, selectors, services
from checkout.api.serializers import (
    ClientSecretSerializer,
    PaymentSerializer,
    PlaceOrderSerializer,
    QuoteRequestSerializer,
    QuoteSerializer,
)
from checkout.api.views.base import ID_PATTERN, CheckoutAPIMixin, Conflict, conflict_response
from checkout.exceptions import QuoteChanged
from checkout.models import Address, Payment, PaymentMethod
from checkout.pricing import Quote, available_methods
from checkout.services import DirectItem
from shop.api import error_responses

# --- Quote and placing -------------------------------------------------------------------------------


def checkout_quote(
    user,
    *,
    item: DirectItem | None = None,
    terms: services.SpecialTerms | None = None,
    address_id: int | None,
    discount_code: str,
    payment_method: str,
) -> Quote:
    """The quote of ``user``'s cart, of the "Buy now" ``item``, or of special ``terms`` (a
    seller's offer), with what placing it would also need (an address, a method)."""
    source = terms or item or services.cart_for_user(user=user)
    quote = services.quote_for(source=source, buyer=user, discount_code=discount_code, payment_method=payment_method)
    addresses = Address.objects.filter(user=user)
    address = addresses.filter(pk=address_id).first() if address_id else addresses.filter(is_default=True).first()
    if not quote.lines:
        if terms is not None:
            quote.errors.setdefault("offer", gettext("A product in this offer is no longer sold."))
        elif item is not None:
            quote.errors.setdefault("item", gettext("This product is not on sale."))
        else:
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


@contextmanager
def item_errors():
    """A service's refusal of the "Buy now" item's ``variant`` or ``quantity`` as the request's
    ``item`` field's errors (``{"item": {"quantity": [...]}}``), as the serializer's own are."""
    try:
        yield
    except DjangoValidationError as exc:
        fields = getattr(exc, "error_dict", {})
        if not fields or not set(fields) <= {"variant", "quantity"}:
            raise
        raise exceptions.ValidationError({"item": exc.message_dict}) from exc


def chosen_item(validated: dict, *, check: bool) -> DirectItem | None:
    """The request's "Buy now" item, or ``None`` for the cart. ``check``: refuse now a variant
    not on sale or more than its stock, as pressing "Buy now" on the site does."""
    item = validated.get("item")
    if item is None:
        return None
    if not check:
        return DirectItem(variant_id=item["variant"], quantity=item["quantity"])
    with item_errors():
        return services.direct_item(variant_id=item["variant"], quantity=item["quantity"])


class QuoteView(CheckoutAPIMixin, generics.GenericAPIView):
    serializer_class = QuoteSerializer

    @extend_schema(
        summary=_("Price your cart, or one item bought now, for checkout"),
        request=QuoteRequestSerializer,
        responses={200: QuoteSerializer, **error_responses(400, 401)},
    )
    def post(self, request):
        """Store by store: lines, subtotal, shipping, discount, cash-on-delivery fee and total, all
        computed here. What stops placing is listed in `errors` by field (an unknown or ineligible
        code, a method a store does not take, a missing address) and `can_place` is false. Show the
        shopper these amounts, then place the order with this quote's `digest`.

        **Buy now**: with `item` (a variant and a quantity) the quote is of that item alone, and your
        cart is neither read nor changed. A variant not on sale, or more than its stock, is a 400
        under `item`. Nothing is held: place with the same `item` and this quote's `digest`."""
        data = QuoteRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = checkout_quote(
            request.user,
            item=chosen_item(data.validated_data, check=True),
            address_id=data.validated_data.get("address"),
            discount_code=data.validated_data["discount_code"],
            payment_method=data.validated_data["payment_method"],
        )
        return Response(QuoteSerializer(quote, context=self.get_serializer_context()).data)


def payment_data(view, payment_id: int) -> dict:
    payment = selectors.payment_for_buyer(user=view.request.user, payment_id=payment_id)
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
                _(
                    "`out_of_stock`: nothing was placed and the cart is kept. `quote_changed`: prices, "
                    "shipping or the discount changed since your quote (or a cart line's price changed "
                    "since it was added); `quote` holds the new totals: show them, then place again "
                    "with its `digest`."
                )
            ),
        },
    )
    def post(self, request):
        """One order per store, under one payment, with the stock reserved. The server prices the
        cart again: if that is not the quote `quote_digest` names, or a line's price changed since
        it was added to the cart, nothing is placed (409 `quote_changed`, with the new `quote`);
        sending the request again with the new quote's `digest` confirms the new prices. This is
        the same rule as on the site. Prices or totals in the body are ignored. The same `idempotency_key` again
        answers 200 with the first checkout. Card payments continue with the payment's client secret;
        bank transfers with the orders' `bank_transfer` details. Rate-limited per user (scope `checkout`).

        **Buy now**: with the `item` you quoted, the order is of that item alone; your cart is left
        as it is. The same rules apply: a price changed since the quote is a 409 `quote_changed`,
        too little stock a 409 `out_of_stock`, the same `idempotency_key` again the first checkout."""
        data = PlaceOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        # Not checked here: a replay must find its checkout even if the item sold out since,
        # and stock short at placing is the service's 409, as for a cart.
        item = chosen_item(fields, check=False)
        fields.pop("item", None)
        source = (
            {"item": item} if item is not None else {"cart": services.cart_for_user(user=request.user, create=True)}
        )
        try:
            with item_errors():
                placed = services.place_order(buyer=request.user, **source, **fields)
        except QuoteChanged as exc:
            # The new totals, so the client can show them and place again with their digest.
            quote = checkout_quote(
                request.user,
                item=item,
                address_id=fields["address"],
                discount_code=fields["discount_code"],
                payment_method=fields["payment_method"],
            )
            quote_data = QuoteSerializer(quote, context=self.get_serializer_context()).data
            raise Conflict(" ".join(exc.messages), exc.code, quote=quote_data) from exc
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
