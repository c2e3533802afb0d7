"""Offers in the API: the store sends one into a conversation and may withdraw it; the shopper
quotes and buys it (checkout's special terms: every amount priced on the server from the
offer's stored terms). Someone else's offer does not exist (404); one that can no longer be
used is a 409 ``offer_unavailable`` with the reason."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from chat import selectors, services
from chat.api import offer_serializers as s
from chat.api.views import CONVERSATION_ID, ChatAPIView
from chat.models import Offer
from chat.services.offers import TERMS_KIND
from checkout import services as checkout_services
from checkout.api.serializers import PaymentSerializer, QuoteSerializer
from checkout.api.views.base import CheckoutAPIMixin, Conflict, conflict_response
from checkout.api.views.checkout import checkout_quote, payment_data
from checkout.exceptions import QuoteChanged, TermsUnavailable
from checkout.terms import terms_for
from shop.api import error_responses

OFFER_CONFLICT = conflict_response(
    _(
        "`offer_unavailable`: the offer expired, was bought already, withdrawn, or a product in it is "
        "no longer sold. `out_of_stock`: too little stock now. `quote_changed`: the total changed since "
        "your quote (a price lowered since, the store's shipping); `quote` holds the new one."
    )
)


def _offer_queryset():
    return Offer.objects.select_related("order").prefetch_related("lines__variant")


def _visible_offer(user, pk: int) -> Offer:
    """An offer of one of ``user``'s conversations (as its shopper or its store), or 404."""
    offer = _offer_queryset().filter(pk=pk).first()
    if offer is None or selectors.conversation_for(user=user, pk=offer.conversation_id) is None:
        raise Http404
    return offer


class ConversationOffersView(ChatAPIView):
    @extend_schema(
        summary=_("Send the shopper an offer"),
        parameters=[CONVERSATION_ID],
        request=s.OfferCreateSerializer,
        responses={
            201: s.OfferSerializer,
            200: OpenApiResponse(s.OfferSerializer, description=str(_("This `client_id` was already sent."))),
            **error_responses(400, 401, 403, 404),
        },
    )
    def post(self, request, pk):
        """The store's owner only: a personal cart for this conversation's shopper, shown in the
        thread as an offer card. Stock is not held; the shopper buys it once, until
        `valid_until`, through `offers/{id}/quote/` and `offers/{id}/place/`."""
        conversation = self.conversation()
        data = self.body(s.OfferCreateSerializer)
        offer, created = services.send_offer(
            conversation=conversation,
            sender=request.user,
            client_id=data["client_id"],
            lines=[
                services.OfferLineInput(
                    variant_id=line["variant"], quantity=line["quantity"], unit_price=line.get("unit_price")
                )
                for line in data["lines"]
            ],
            discount=data["discount"],
            shipping=data["shipping"],
            valid_until=data["valid_until"],
            note=data["note"],
        )
        offer = _offer_queryset().get(pk=offer.pk)
        return Response(
            s.OfferSerializer(offer, context=self.context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class OfferDetailView(ChatAPIView):
    @extend_schema(
        summary=_("An offer, with its lines' price and stock now"),
        responses={200: s.OfferSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk):
        return Response(s.OfferSerializer(_visible_offer(request.user, pk), context=self.context()).data)


class OfferWithdrawView(ChatAPIView):
    @extend_schema(
        summary=_("Withdraw an offer not bought yet"),
        request=None,
        responses={200: s.OfferSerializer, **error_responses(401, 403, 404), **OFFER_CONFLICT},
    )
    def post(self, request, pk):
        """The store that sent it only. An offer bought, expired or withdrawn already is a 409."""
        offer = _visible_offer(request.user, pk)
        try:
            services.withdraw_offer(offer=offer, by=request.user)
        except TermsUnavailable as exc:
            raise Conflict(" ".join(exc.messages), exc.code) from exc
        return Response(s.OfferSerializer(_visible_offer(request.user, pk), context=self.context()).data)


def _terms(user, pk: int):
    return terms_for(f"{TERMS_KIND}:{pk}", buyer=user)


class OfferCheckoutView(CheckoutAPIMixin, ChatAPIView):
    """Checkout's refusals as its API gives them (409 with a code), and its serializers' context."""

    def get_serializer_context(self) -> dict:
        return {"request": self.request, "view": self}


class OfferQuoteView(OfferCheckoutView):
    @extend_schema(
        summary=_("Price an offer for checkout"),
        request=s.OfferQuoteRequestSerializer,
        responses={200: QuoteSerializer, **error_responses(400, 401, 404), **OFFER_CONFLICT},
    )
    def post(self, request, pk):
        """The offer's shopper only: its lines at the offer's prices (a special price lowered to
        the variant's price if that is lower now), its discount and shipping, and the method's
        fee, computed here. Place it with this quote's `digest`."""
        data = self.body(s.OfferQuoteRequestSerializer)
        quote = checkout_quote(
            request.user,
            terms=_terms(request.user, pk),
            address_id=data.get("address"),
            discount_code="",
            payment_method=data["payment_method"],
        )
        return Response(QuoteSerializer(quote, context={"request": request}).data)


class OfferPlaceView(OfferCheckoutView):
    throttle_scope = "checkout"

    @extend_schema(
        summary=_("Buy an offer"),
        request=s.OfferPlaceSerializer,
        responses={
            201: PaymentSerializer,
            200: OpenApiResponse(PaymentSerializer, description=str(_("This `idempotency_key` was already placed."))),
            **error_responses(400, 401, 404),
            **OFFER_CONFLICT,
        },
    )
    def post(self, request, pk):
        """The offer's shopper only, once: one order at the offer's terms, with the stock taken
        now, as placing a checkout (bank transfer details or the card's client secret follow
        the same way). Amounts in the body are ignored. The same `idempotency_key` again answers
        200 with the first checkout, even once the offer is used."""
        data = dict(self.body(s.OfferPlaceSerializer))
        try:
            terms = _terms(request.user, pk)
        except TermsUnavailable:
            earlier = checkout_services.earlier_checkout(buyer=request.user, idempotency_key=data["idempotency_key"])
            if earlier is None:
                raise
            return Response(payment_data(self, earlier.payment.pk), status=status.HTTP_200_OK)
        try:
            placed = checkout_services.place_order(buyer=request.user, terms=terms, **data)
        except QuoteChanged as exc:
            quote = checkout_quote(
                request.user,
                terms=terms,
                address_id=data["address"],
                discount_code="",
                payment_method=data["payment_method"],
            )
            quote_data = QuoteSerializer(quote, context={"request": request}).data
            raise Conflict(" ".join(exc.messages), exc.code, quote=quote_data) from exc
        location = reverse("api:payment-detail", kwargs={"pk": placed.payment.pk})
        return Response(
            payment_data(self, placed.payment.pk),
            status=status.HTTP_201_CREATED if placed.created else status.HTTP_200_OK,
            headers={"Location": location},
        )
