"""The catalog's viewsets: thin, over the same services and selectors as the HTML pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog import selectors, services
from catalog.api.permissions import IsSeller, IsStoreOwnerOrReadOnly, store_of
from catalog.api.serializers import (
    CategorySerializer,
    ProductFiltersQuerySerializer,
    ProductImageSerializer,
    ProductImageUploadSerializer,
    ProductListQuerySerializer,
    ProductSerializer,
    ProductSummarySerializer,
    ProductWriteSerializer,
    StoreListQuerySerializer,
    StoreSerializer,
    StoreUpdateSerializer,
    VariantSerializer,
    VariantUpdateSerializer,
    VariantWriteSerializer,
)
from catalog.models import Product, ProductImage, ProductVariant, Store
from shop.api import error_responses
from shop.api_parsers import FormParser, MultiPartParser

SLUG_PATTERN = r"[-\w]+"
ID_PATTERN = r"\d+"


class CatalogViewSet(viewsets.GenericViewSet):
    # Filtering goes through the selectors' ProductFilters, not filter backends.
    filter_backends = ()

    def paginated(self, queryset, serializer_class) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            serializer_class(page, many=True, context=self.get_serializer_context()).data
        )


@extend_schema_view(
    list=extend_schema(summary=_("The category tree, flat, roots first (not paginated)")),
    retrieve=extend_schema(summary=_("One category"), responses={200: CategorySerializer, **error_responses(404)}),
)
class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CatalogViewSet):
    serializer_class = CategorySerializer
    pagination_class = None
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN

    def get_queryset(self):
        return selectors.category_list()


@extend_schema_view(
    retrieve=extend_schema(summary=_("One store"), responses={200: StoreSerializer, **error_responses(404)}),
)
class StoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CatalogViewSet):
    serializer_class = StoreSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsStoreOwnerOrReadOnly]
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Store.objects.none()
        return selectors.store_list(user=self.request.user)

    @extend_schema(
        summary=_("Open stores, by name, or those a search finds"),
        parameters=[StoreListQuerySerializer],
        responses={200: StoreSerializer(many=True), **error_responses(400)},
    )
    def list(self, request):
        """Open stores (and your own) by name; with `q`, those whose name, handle or description
        holds every word, best matches first: the stores the site's search shows."""
        query = StoreListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stores = selectors.store_list(user=request.user, q=query.validated_data.get("q", ""))
        return self.paginated(stores, StoreSerializer)

    @extend_schema(
        summary=_("Change your store"),
        request=StoreUpdateSerializer,
        responses={200: StoreSerializer, **error_responses(400, 401, 403, 404)},
    )
    def partial_update(self, request, slug):
        """Only the store's owner may change it. The slug and the owner cannot be changed."""
        store = self.get_object()
        data = StoreUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.update_store(store=store, **data.validated_data)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary=_("A store's active products"),
        parameters=[ProductFiltersQuerySerializer],
        responses={200: ProductSummarySerializer(many=True), **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"])
    def products(self, request, slug):
        store = selectors.store_detail(slug=slug)
        query = ProductFiltersQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return self.paginated(selectors.product_list(filters=query.to_filters(store=store)), ProductSummarySerializer)


class ProductViewSet(CatalogViewSet):
    """Products. Reading is public (drafts and archived products only for their seller);
    writing is for the seller who owns the product's store."""

    serializer_class = ProductSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsStoreOwnerOrReadOnly]
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN

    def get_permissions(self):
        if self.action == "create":
            return [permissions.IsAuthenticated(), IsSeller()]
        return super().get_permissions()

    def get_queryset(self):
        """What the viewer can see; object permissions then keep writes to the owner (403 vs 404)."""
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        return Product.objects.visible_to(self.request.user).select_related("store")

    def detail_data(self, slug: str) -> dict:
        product = selectors.product_detail(slug=slug, user=self.request.user)
        return self.get_serializer(product).data

    @extend_schema(
        summary=_("Search and filter active products"),
        parameters=[ProductListQuerySerializer],
        responses={200: ProductSummarySerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def list(self, request):
        """The site's product list: search, category (with its subcategories), store, price range in
        major units, stock and sort. `mine=true` lists the seller's own products in any status."""
        query = ProductListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if not query.validated_data["mine"]:
            return self.paginated(selectors.product_list(filters=query.to_filters()), ProductSummarySerializer)
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        store = store_of(request.user)
        if store is None:
            raise exceptions.PermissionDenied(IsSeller.message)
        products = selectors.product_list(filters=query.to_filters(store=store), user=request.user)
        return self.paginated(products, ProductSummarySerializer)

    @extend_schema(
        summary=_("One product with its variants and images"),
        responses={200: ProductSerializer, **error_responses(404)},
    )
    def retrieve(self, request, slug):
        return Response(self.detail_data(slug))

    @extend_schema(
        summary=_("Add a product to your store"),
        request=ProductWriteSerializer,
        responses={201: ProductSerializer, **error_responses(400, 401, 403)},
    )
    def create(self, request):
        """Sellers only. The product always goes into the caller's own store (a `store` in the body
        is ignored); it starts as a draft unless `status` says otherwise. Add prices as variants."""
        data = ProductWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.create_product(store=store_of(request.user), **data.validated_data)
        location = reverse("api:product-detail", kwargs={"slug": product.slug})
        return Response(self.detail_data(product.slug), status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        summary=_("Replace a product's details"),
        request=ProductWriteSerializer,
        responses={200: ProductSerializer, **error_responses(400, 401, 403, 404)},
    )
    def update(self, request, slug, partial=False):
        """Owner only. Publish, unpublish or archive with `status`."""
        product = self.get_object()
        data = ProductWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        product = services.update_product(product=product, **data.validated_data)
        return Response(self.detail_data(product.slug))

    @extend_schema(
        summary=_("Change some of a product's details"),
        request=ProductWriteSerializer,
        responses={200: ProductSerializer, **error_responses(400, 401, 403, 404)},
    )
    def partial_update(self, request, slug):
        """Owner only. Publish, unpublish or archive with `status` (`draft`, `active`, `archived`)."""
        return self.update(request, slug, partial=True)

    @extend_schema(summary=_("Archive a product"), responses={204: None, **error_responses(401, 403, 404)})
    def destroy(self, request, slug):
        """Owner only. The product is ARCHIVED, not deleted: it leaves the catalog but stays in
        order history, and PATCH with `status` brings it back."""
        product = self.get_object()
        services.archive_products(ids=[product.pk])
        return Response(status=status.HTTP_204_NO_CONTENT)


PRODUCT_SLUG_PARAMETER = OpenApiParameter(
    "product_slug", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The product's slug.")
)


class ProductPartViewSet(CatalogViewSet):
    """Base of a product's variants and images: the product must be visible to the caller
    (else 404), and changing its parts needs the owner of its store (else 403)."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsStoreOwnerOrReadOnly]
    pagination_class = None
    lookup_value_regex = ID_PATTERN
    product: Product

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        visible = Product.objects.visible_to(request.user).select_related("store")
        self.product = get_object_or_404(visible, slug=kwargs["product_slug"])
        self.check_object_permissions(request, self.product)


@extend_schema(parameters=[PRODUCT_SLUG_PARAMETER])
@extend_schema_view(
    list=extend_schema(
        summary=_("A product's variants"), responses={200: VariantSerializer(many=True), **error_responses(404)}
    ),
    retrieve=extend_schema(summary=_("One variant"), responses={200: VariantSerializer, **error_responses(404)}),
)
class VariantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProductPartViewSet):
    serializer_class = VariantSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProductVariant.objects.none()
        return ProductVariant.objects.filter(product=self.product).select_related("store").order_by("position", "id")

    @extend_schema(
        summary=_("Add a variant"),
        request=VariantWriteSerializer,
        responses={201: VariantSerializer, **error_responses(400, 401, 403, 404)},
    )
    def create(self, request, product_slug):
        """Owner only. Prices are integers in minor units."""
        data = VariantWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        variant = services.create_variant(product=self.product, **data.validated_data)
        return Response(self.get_serializer(variant).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Change a variant"),
        request=VariantUpdateSerializer,
        responses={200: VariantSerializer, **error_responses(400, 401, 403, 404)},
    )
    def partial_update(self, request, product_slug, pk):
        """Owner only. Prices are integers in minor units."""
        variant = self.get_object()
        data = VariantUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        variant = services.update_variant(variant=variant, **data.validated_data)
        return Response(self.get_serializer(variant).data)

    @extend_schema(summary=_("Remove a variant"), responses={204: None, **error_responses(401, 403, 404)})
    def destroy(self, request, product_slug, pk):
        """Owner only."""
        services.delete_variant(variant=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[PRODUCT_SLUG_PARAMETER])
@extend_schema_view(
    list=extend_schema(
        summary=_("A product's images"), responses={200: ProductImageSerializer(many=True), **error_responses(404)}
    ),
    retrieve=extend_schema(summary=_("One image"), responses={200: ProductImageSerializer, **error_responses(404)}),
)
class ProductImageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProductPartViewSet):
    serializer_class = ProductImageSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProductImage.objects.none()
        return (
            ProductImage.objects.filter(product=self.product)
            .select_related("product__store")
            .order_by("position", "id")
        )

    @extend_schema(
        summary=_("Upload an image"),
        request=ProductImageUploadSerializer,
        responses={201: ProductImageSerializer, **error_responses(400, 401, 403, 404)},
    )
    def create(self, request, product_slug):
        """Owner only; multipart. The file is verified and re-encoded without its metadata; the
        thumbnail, display and WebP renditions follow shortly after (until then their URLs are the
        original's)."""
        data = ProductImageUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        image = services.add_product_image(product=self.product, **data.validated_data)
        return Response(self.get_serializer(image).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Remove an image"), responses={204: None, **error_responses(401, 403, 404)})
    def destroy(self, request, product_slug, pk):
        """Owner only. The image's files are deleted too."""
        services.remove_product_image(product_image=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
