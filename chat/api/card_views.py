"""The store's catalog, searched from a conversation, to send a product card (through the
messages endpoint, ``kind=product``) or build an offer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from chat import selectors
from chat.api.views import CONVERSATION_ID, ChatAPIView
from chat.models import Side
from checkout.api.serializers import AmountField
from shop.api import error_responses


class CatalogVariantSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)
    sku = serializers.CharField(read_only=True)
    price = AmountField()
    stock = serializers.IntegerField(read_only=True, help_text=_("Units in stock now."))


class CatalogProductSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    variants = CatalogVariantSerializer(source="variants_on_sale", many=True, read_only=True)


class CatalogQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=selectors.SEARCH_MAX, default="")


class ConversationCatalogView(ChatAPIView):
    @extend_schema(
        summary=_("Search your store's products from a conversation"),
        parameters=[
            CONVERSATION_ID,
            OpenApiParameter(
                "q", OpenApiTypes.STR, description=_("Words of the title, or a SKU; empty for the newest.")
            ),
        ],
        responses={200: CatalogProductSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, pk):
        """The store's owner only: up to 20 products on sale, with each variant's price and
        stock now. Send one with `POST .../messages/` (`kind=product`, its `product` slug and
        optionally a `variant`), or put its variants in an offer."""
        conversation = self.conversation()
        if selectors.side_in(conversation=conversation, user=request.user) != Side.STORE:
            raise exceptions.PermissionDenied(_("Only the store searches its catalog here."))
        query = self.query(CatalogQuerySerializer).validated_data["q"]
        products = selectors.store_catalog(store_id=conversation.store_id, query=query)
        return Response(CatalogProductSerializer(products, many=True).data)
