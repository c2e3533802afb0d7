"""The reviews API: a product's reviews (sorted, filtered, cursor pages) and rating; your own
review of a product (write, edit, delete, with photos); helpful votes, reports; the seller's
reply; hiding by the seller or staff.

Visibility: a product you may not see has no reviews for you (404). A hidden review is 404
except to its author, the product's seller and staff. Object permissions: only the author
edits or deletes a review (403 for anyone else), only the store's owner replies, only the
seller or staff hide and show again.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response

from catalog.api.serializers import absolute_url
from catalog.models import Product
from shop.api import error_responses
from shop.api_parsers import FormParser, JSONParser, MultiPartParser
from social import selectors, services
from social.api.serializers import PAGE_LIMIT_MAX, UserSummarySerializer
from social.api.views import SocialAPIMixin
from social.models import REVIEW_PHOTOS_MAX, Review, ReviewReport
from social.models.reviews import REPLY_MAX, REVIEW_BODY_MAX, REVIEW_TITLE_MAX
from social.selectors import ReviewFilters
from social.services.reviews import PHOTO_ALT_MAX, REPORT_NOTE_MAX

SLUG_PARAMETER = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The product's slug."))
REVIEW_ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The review's id."))

# --- Output -------------------------------------------------------------------------------------


class ReviewPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    thumbnail = serializers.SerializerMethodField(help_text=_("At most 320 px (the original until renditions exist)."))
    display = serializers.SerializerMethodField(help_text=_("At most 1080 px (the original until renditions exist)."))
    webp = serializers.SerializerMethodField(help_text=_("The display size as WebP; null until renditions exist."))
    alt = serializers.CharField(read_only=True)
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail(self, photo) -> str:
        return absolute_url(self, photo.thumbnail_url)

    @extend_schema_field(OpenApiTypes.URI)
    def get_display(self, photo) -> str:
        return absolute_url(self, photo.display_url)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_webp(self, photo) -> str | None:
        return absolute_url(self, photo.webp_url) if photo.webp_url else None


class SellerReplySerializer(serializers.Serializer):
    body = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    product = serializers.CharField(source="product.slug", read_only=True, help_text=_("The product's slug."))
    author = UserSummarySerializer(read_only=True)
    rating = serializers.IntegerField(read_only=True, help_text=_("1 to 5 stars."))
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    verified_purchase = serializers.BooleanField(
        read_only=True, help_text=_("The author has a paid order with this product.")
    )
    helpful_count = serializers.IntegerField(read_only=True)
    photos = ReviewPhotoSerializer(source="ordered_photos", many=True, read_only=True)
    reply = SellerReplySerializer(
        source="seller_reply", read_only=True, allow_null=True, help_text=_("The seller's answer, if any.")
    )
    is_hidden = serializers.BooleanField(
        read_only=True, help_text=_("Hidden by the seller or staff: only its author and they see it.")
    )
    viewer_voted = serializers.BooleanField(read_only=True, help_text=_("You found it helpful."))
    viewer_reported = serializers.BooleanField(read_only=True, help_text=_("You reported it."))
    viewer_is_author = serializers.BooleanField(read_only=True, help_text=_("You wrote it: you may edit it."))
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    web_url = serializers.SerializerMethodField(help_text=_("The review on the product's page."))

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, review) -> str:
        return absolute_url(self, reverse("api:review-detail", kwargs={"pk": review.pk}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, review) -> str:
        url = reverse("catalog:product_detail", kwargs={"slug": review.product.slug})
        return absolute_url(self, f"{url}#review-{review.pk}")


@extend_schema_serializer(many=False)  # a page object, not a list: no array wrapping
class ReviewPageSerializer(serializers.Serializer):
    results = ReviewSerializer(many=True, read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True, help_text=_("The next page's URL, or null."))


class StarCountSerializer(serializers.Serializer):
    star = serializers.IntegerField(read_only=True)
    count = serializers.IntegerField(read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text=_("Of all the product's reviews, rounded."))


class RatingSerializer(serializers.Serializer):
    product = serializers.SerializerMethodField(help_text=_("The product's slug."))
    average = serializers.FloatField(read_only=True, help_text=_("0 when there are no reviews."))
    count = serializers.IntegerField(read_only=True)
    histogram = StarCountSerializer(many=True, read_only=True, help_text=_("Five stars first."))

    def get_product(self, summary) -> str:
        return self.context["product"].slug


# --- Input --------------------------------------------------------------------------------------


class ReviewQuerySerializer(serializers.Serializer):
    sort = serializers.ChoiceField(choices=list(selectors.REVIEW_SORTS), default=selectors.DEFAULT_REVIEW_SORT)
    stars = serializers.IntegerField(required=False, min_value=1, max_value=5, help_text=_("Only this many stars."))
    with_photos = serializers.BooleanField(required=False, default=False, help_text=_("Only reviews with photos."))
    cursor = serializers.CharField(
        required=False, max_length=200, help_text=_("Copy it from the previous page's `next` link.")
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=PAGE_LIMIT_MAX, help_text=_("At most 50 (default 10).")
    )


class ReviewWriteSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    title = serializers.CharField(max_length=REVIEW_TITLE_MAX, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=REVIEW_BODY_MAX, required=False, allow_blank=True, default="")
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=REVIEW_PHOTOS_MAX,
        help_text=_("New photos (multipart): JPEG, PNG or WebP, at most 5 on the review in all."),
    )
    photo_alts = serializers.ListField(
        child=serializers.CharField(max_length=PHOTO_ALT_MAX, allow_blank=True),
        required=False,
        default=list,
        max_length=REVIEW_PHOTOS_MAX,
        help_text=_("A description of each new photo, in the same order."),
    )
    remove_photos = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=REVIEW_PHOTOS_MAX,
        help_text=_("Ids of this review's photos to remove."),
    )

    def service_arguments(self) -> dict:
        data = self.validated_data
        return {
            "rating": data["rating"],
            "title": data["title"],
            "body": data["body"],
            "photos": data["photos"],
            "photo_alts": data["photo_alts"],
            "remove_photo_ids": data["remove_photos"],
        }


class ReportSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReviewReport.Reason.choices)
    note = serializers.CharField(max_length=REPORT_NOTE_MAX, required=False, allow_blank=True, default="")


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=REPLY_MAX)


# --- Views --------------------------------------------------------------------------------------


class ProductReviewMixin(SocialAPIMixin):
    """Views under /products/{slug}/: the product must be visible to the caller (else 404)."""

    def product(self) -> Product:
        if not hasattr(self, "_product"):
            visible = Product.objects.visible_to(self.request.user).select_related("store")
            self._product = get_object_or_404(visible, slug=self.kwargs["slug"])
        return self._product

    def review_data(self, review: Review, *, include_hidden: bool = False) -> dict:
        review = selectors.review_detail(pk=review.pk, viewer=self.request.user, include_hidden=include_hidden)
        return ReviewSerializer(review, context=self.get_serializer_context()).data

    def write(self, request) -> Response:
        data = ReviewWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review, created = services.write_review(author=request.user, product=self.product(), **data.service_arguments())
        body = self.review_data(review, include_hidden=True)
        if created:
            location = reverse("api:review-detail", kwargs={"pk": review.pk})
            return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})
        return Response(body)


WRITE_REQUEST = {"multipart/form-data": ReviewWriteSerializer, "application/json": ReviewWriteSerializer}
PARSERS = [MultiPartParser, FormParser, JSONParser]


@extend_schema(parameters=[SLUG_PARAMETER])
class ProductReviewsView(ProductReviewMixin, generics.GenericAPIView):
    serializer_class = ReviewSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    parser_classes = PARSERS
    throttle_scopes = {"post": "posting"}

    @extend_schema(
        summary=_("A product's reviews"),
        parameters=[ReviewQuerySerializer],
        responses={200: ReviewPageSerializer, **error_responses(400, 404)},
    )
    def get(self, request, slug):
        """Visible reviews, newest first unless `sort` says otherwise (`helpful`, `highest`, `lowest`);
        filter with `stars` and `with_photos`. Keyset pages: follow `next`."""
        query = ReviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        filters = ReviewFilters(sort=values["sort"], stars=values.get("stars"), with_photos=values["with_photos"])
        page = selectors.reviews_for(
            product=self.product(),
            viewer=request.user,
            filters=filters,
            cursor=values.get("cursor"),
            limit=values.get("limit", selectors.REVIEWS_PAGE),
        )
        return self.page_response(page, ReviewSerializer)

    @extend_schema(
        summary=_("Review a product (or edit your review of it)"),
        request=WRITE_REQUEST,
        responses={201: ReviewSerializer, 200: ReviewSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, slug):
        """One review per person and product: 201 for a new one; if you already reviewed it, that
        review is edited (200). Only products on sale; not your own store's (403). Photos: JPEG, PNG
        or WebP with the limits of product images, at most 5 in all. Rate-limited (scope `posting`)."""
        return self.write(request)


@extend_schema(parameters=[SLUG_PARAMETER])
class MyReviewView(ProductReviewMixin, generics.GenericAPIView):
    serializer_class = ReviewSerializer
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = PARSERS
    throttle_scopes = {"put": "posting"}

    def own(self) -> Review:
        review = selectors.viewer_review(product=self.product(), viewer=self.request.user)
        if review is None:
            raise Http404(_("You have not reviewed this product."))
        return review

    @extend_schema(
        summary=_("Your review of a product"), responses={200: ReviewSerializer, **error_responses(401, 404)}
    )
    def get(self, request, slug):
        """404 if you have not reviewed it. Shown even when hidden (then `is_hidden` is true)."""
        return Response(self.review_data(self.own(), include_hidden=True))

    @extend_schema(
        summary=_("Write or replace your review of a product"),
        request=WRITE_REQUEST,
        responses={200: ReviewSerializer, 201: ReviewSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, slug):
        """Like POST on the product's reviews: 201 if it is new, 200 if it replaced yours."""
        return self.write(request)

    @extend_schema(summary=_("Delete your review of a product"), responses={204: None, **error_responses(401, 404)})
    def delete(self, request, slug):
        services.delete_review(review=self.own(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[SLUG_PARAMETER])
class ProductRatingView(ProductReviewMixin, generics.GenericAPIView):
    serializer_class = RatingSerializer
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary=_("A product's rating: average, count and stars"),
        responses={200: RatingSerializer, **error_responses(404)},
    )
    def get(self, request, slug):
        product = self.product()
        summary = selectors.rating_summary(product=product)
        return Response(RatingSerializer(summary, context={**self.get_serializer_context(), "product": product}).data)


class IsReviewAuthorOrReadOnly(permissions.BasePermission):
    message = _("Only the author can change this review.")

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.is_authenticated and obj.author_id == request.user.pk


class ReviewMixin(SocialAPIMixin):
    """Views under /reviews/{id}/. A hidden review exists only for its author, the product's
    seller and staff; a review of a product the caller may not see does not exist (404)."""

    def get_object(self) -> Review:
        user = self.request.user
        visible = Q(is_hidden=False)
        if user.is_authenticated:
            visible |= Q(author=user) | Q(product__store__owner=user)
            if user.is_superuser:
                visible = Q()
        products = Product.objects.visible_to(user)
        queryset = Review.objects.select_related("product__store").filter(visible, product__in=products)
        review = get_object_or_404(queryset, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, review)
        return review

    def review_data(self, review: Review) -> dict:
        review = selectors.review_detail(pk=review.pk, viewer=self.request.user, include_hidden=True)
        return ReviewSerializer(review, context=self.get_serializer_context()).data


@extend_schema(parameters=[REVIEW_ID_PARAMETER])
class ReviewDetailView(ReviewMixin, generics.GenericAPIView):
    serializer_class = ReviewSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsReviewAuthorOrReadOnly]
    parser_classes = PARSERS
    throttle_scopes = {"put": "posting"}

    @extend_schema(summary=_("One review"), responses={200: ReviewSerializer, **error_responses(404)})
    def get(self, request, pk):
        """Hidden reviews only for their author, the product's seller and staff (else 404)."""
        return Response(self.review_data(self.get_object()))

    @extend_schema(
        summary=_("Edit a review"),
        request=WRITE_REQUEST,
        responses={200: ReviewSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, pk):
        """The author only (403 for anyone else)."""
        review = self.get_object()
        data = ReviewWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review, _created = services.write_review(
            author=request.user, product=review.product, **data.service_arguments()
        )
        return Response(self.review_data(review))

    @extend_schema(summary=_("Delete a review"), responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, pk):
        """The author only (403 for anyone else)."""
        services.delete_review(review=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[REVIEW_ID_PARAMETER])
class ReviewHelpfulView(ReviewMixin, generics.GenericAPIView):
    serializer_class = None
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary=_("Find a review helpful"), request=None, responses={204: None, **error_responses(401, 403, 404)}
    )
    def post(self, request, pk):
        """Once per person (a second vote changes nothing); not for your own review (403)."""
        services.vote_helpful(user=request.user, review=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary=_("Take back your helpful vote"), responses={204: None, **error_responses(401, 404)})
    def delete(self, request, pk):
        services.unvote_helpful(user=request.user, review=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[REVIEW_ID_PARAMETER])
class ReviewReportView(ReviewMixin, generics.GenericAPIView):
    serializer_class = ReportSerializer
    permission_classes = [permissions.IsAuthenticated]
    throttle_scopes = {"post": "commenting"}

    @extend_schema(
        summary=_("Report a review to the seller and staff"),
        request=ReportSerializer,
        responses={204: None, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk):
        """Once per person (reporting again changes nothing); not your own review (403)."""
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.report_review(user=request.user, review=self.get_object(), **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[REVIEW_ID_PARAMETER])
class ReviewReplyView(ReviewMixin, generics.GenericAPIView):
    serializer_class = ReplySerializer
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary=_("Reply to a review (the store's owner)"),
        request=ReplySerializer,
        responses={200: ReviewSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, pk):
        """Only the owner of the product's store (403 for anyone else). One reply per review: a second
        PUT edits it. The review's author is notified of the first."""
        review = self.get_object()
        data = ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.reply_to_review(review=review, actor=request.user, body=data.validated_data["body"])
        return Response(self.review_data(review))


class ModerationMixin(ReviewMixin):
    serializer_class = None
    permission_classes = [permissions.IsAuthenticated]


@extend_schema(parameters=[REVIEW_ID_PARAMETER])
class ReviewHideView(ModerationMixin, generics.GenericAPIView):
    @extend_schema(
        summary=_("Hide a review (the seller or staff)"),
        request=None,
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def post(self, request, pk):
        """It leaves the lists and the product's rating. Idempotent."""
        services.hide_review(review=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[REVIEW_ID_PARAMETER])
class ReviewUnhideView(ModerationMixin, generics.GenericAPIView):
    @extend_schema(
        summary=_("Show a hidden review again (the seller or staff)"),
        request=None,
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def post(self, request, pk):
        """It counts in the product's rating again. Idempotent."""
        services.unhide_review(review=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
