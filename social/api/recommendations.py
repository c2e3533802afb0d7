"""The friends API: people you may know, what friends did with a product, the "From your
friends" shelf, recommending to friends, what was recommended to you, "you may also like".

Object permissions: a recommendation reaches friends only (anyone else: 403); the friend
reads cover the caller's friends only and never show a purchase of someone who does not let
friends see what they buy. Thin views over ``social.selectors.recommendations`` and
``social.services.recommendations``, the same as the pages.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from catalog.api.serializers import ProductSummarySerializer, SlugLookupField
from catalog.models import Product
from shop.api import error_responses
from shop.models import User
from social.api.serializers import CursorQuerySerializer
from social.api.views import SocialAPIMixin
from social.models import Post, Recommendation
from social.ratelimit import RateLimited
from social.selectors import recommendations as reads
from social.services import recommendations as services

SLUG_PARAMETER = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The product's slug."))
USER_ID_PARAMETER = OpenApiParameter(
    "user_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The suggested person's id.")
)


# --- Serializers ------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "enum": ["bought", "rated", "liked"]})
class ProofKindField(serializers.CharField):
    """What a friend did: bought it (only friends who share purchases), rated it 4-5 stars, liked a post tagging it."""


class PersonSerializer(serializers.Serializer):
    """A person, as the friends API names them."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:user-detail", lookup_field="username")


class SuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id", read_only=True, help_text=_("The person's id."))
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    profile = serializers.IntegerField(
        source="profile_id", read_only=True, help_text=_("Their profile's id: follow with POST /profiles/{id}/follow/.")
    )
    mutual_friends = serializers.IntegerField(read_only=True)
    shared_stores = serializers.IntegerField(read_only=True, help_text=_("Stores you both follow."))
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, suggestion) -> str:
        from django.urls import reverse

        request = self.context.get("request")
        url = reverse("api:user-detail", kwargs={"username": suggestion.username})
        return request.build_absolute_uri(url) if request else url


class SuggestionListSerializer(serializers.Serializer):
    results = SuggestionSerializer(many=True)


class SuggestionQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=reads.PYMK_LIMIT)


class ProofFriendSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    username = serializers.CharField()
    name = serializers.CharField()
    liked = serializers.SerializerMethodField(help_text=_("Liked a post that tags the product."))
    rated = serializers.SerializerMethodField(help_text=_("Rated it 4 or 5 stars."))
    bought = serializers.SerializerMethodField(
        help_text=_("Bought it (only ever true for friends who let friends see what they buy).")
    )

    def get_liked(self, entry) -> bool:
        return reads.LIKED in entry.kinds

    def get_rated(self, entry) -> bool:
        return reads.RATED in entry.kinds

    def get_bought(self, entry) -> bool:
        return reads.BOUGHT in entry.kinds


class ProofLineSerializer(serializers.Serializer):
    action = ProofKindField(source="kind")
    first = serializers.CharField(help_text=_("The first friend's name."))
    others = serializers.IntegerField(help_text=_("How many more friends did the same."))


class FriendProofSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("Friends who liked, rated or bought the product."))
    friends = ProofFriendSerializer(many=True)
    summary = ProofLineSerializer(many=True, source="lines")


class ShelfItemSerializer(serializers.Serializer):
    product = ProductSummarySerializer()
    friends = serializers.IntegerField(help_text=_("How many friends liked, rated or bought it."))
    first_friend = serializers.SerializerMethodField()
    liked = serializers.SerializerMethodField(help_text=_("A friend liked a post that tags it."))
    rated = serializers.SerializerMethodField(help_text=_("A friend rated it 4 or 5 stars."))
    bought = serializers.SerializerMethodField(
        help_text=_("A friend bought it (only friends who let friends see what they buy count).")
    )

    @extend_schema_field({"type": "object", "properties": {"username": {"type": "string"}, "name": {"type": "string"}}})
    def get_first_friend(self, item) -> dict:
        return {"username": item.first_username, "name": item.first_name}

    def get_liked(self, item) -> bool:
        return reads.LIKED in item.kinds

    def get_rated(self, item) -> bool:
        return reads.RATED in item.kinds

    def get_bought(self, item) -> bool:
        return reads.BOUGHT in item.kinds


class ShelfSerializer(serializers.Serializer):
    results = ShelfItemSerializer(many=True)


class ProductListSerializer(serializers.Serializer):
    results = ProductSummarySerializer(many=True)


class FriendListSerializer(serializers.Serializer):
    results = PersonSerializer(many=True)


class RecommendationWriteSerializer(serializers.Serializer):
    recipients = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=services.RECIPIENTS_MAX,
        help_text=_("Ids of friends (people you follow who follow you back): GET /friends/."),
    )
    product = SlugLookupField(
        queryset=Product.objects.active(), required=False, allow_null=True, help_text=_("A product's slug.")
    )
    post = serializers.PrimaryKeyRelatedField(
        queryset=Post.objects.none(), required=False, allow_null=True, help_text=_("A post's id.")
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.NOTE_MAX,
        help_text=_("Plain text, no HTML."),
        default="",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request is not None else None
        # Only posts the caller may see can be named (else "does not exist").
        self.fields["post"].queryset = Post.objects.visible_to(user)

    def validate_note(self, note: str) -> str:
        from django.core.exceptions import ValidationError

        try:
            return services.clean_note(note)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate(self, data):
        if bool(data.get("product")) == bool(data.get("post")):
            raise serializers.ValidationError({"product": [_("Name either a product or a post.")]})
        return data


class RecommendationSerializer(serializers.ModelSerializer):
    sender = PersonSerializer(read_only=True)
    recipient = PersonSerializer(read_only=True)
    product = serializers.SerializerMethodField()
    post = serializers.SerializerMethodField()

    class Meta:
        model = Recommendation
        fields = ["id", "sender", "recipient", "product", "post", "note", "created_at", "seen_at"]
        read_only_fields = fields

    @extend_schema_field(ProductSummarySerializer(allow_null=True))
    def get_product(self, recommendation):
        card = getattr(recommendation, "product_card", None)
        if card is None:
            return None
        return ProductSummarySerializer(card, context=self.context).data

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer"}, "url": {"type": "string", "format": "uri"}},
        }
    )
    def get_post(self, recommendation):
        if not recommendation.post_id:
            return None
        from django.urls import reverse

        request = self.context.get("request")
        url = reverse("api:post-detail", kwargs={"pk": recommendation.post_id})
        return {"id": recommendation.post_id, "url": request.build_absolute_uri(url) if request else url}


class RecommendationListSerializer(serializers.Serializer):
    results = RecommendationSerializer(many=True)


class RecommendationPageSerializer(serializers.Serializer):
    results = RecommendationSerializer(many=True)
    next = serializers.URLField(allow_null=True)


# --- Views -------------------------------------------------------------------------------------


class FriendsAPIMixin(SocialAPIMixin):
    permission_classes = [permissions.IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, RateLimited):
            exc = exceptions.Throttled(detail=exc.message)
        return super().handle_exception(exc)

    def product(self, slug: str) -> Product:
        return get_object_or_404(Product.objects.visible_to(self.request.user), slug=slug)


@extend_schema(
    summary=_("People you may know"),
    description=_(
        "Friends of your friends, ranked by mutual friends, then people who follow the same stores as you. "
        "Never yourself, anyone you follow, blocked or dismissed. Cached for a few minutes."
    ),
    parameters=[SuggestionQuerySerializer],
    responses={200: SuggestionListSerializer, **error_responses(400, 401)},
)
class PeopleYouMayKnowView(FriendsAPIMixin, generics.GenericAPIView):
    serializer_class = SuggestionSerializer

    def get(self, request):
        query = SuggestionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data.get("limit", reads.PYMK_LIMIT)
        suggestions = reads.people_you_may_know(user=request.user, limit=limit)
        data = SuggestionSerializer(suggestions, many=True, context=self.get_serializer_context()).data
        return Response({"results": data})


@extend_schema(
    summary=_("Not interested: never suggest this person again"),
    parameters=[USER_ID_PARAMETER],
    request=None,
    responses={204: None, **error_responses(400, 401, 404)},
)
class DismissSuggestionView(FriendsAPIMixin, generics.GenericAPIView):
    serializer_class = None

    def post(self, request, user_id: int):
        person = get_object_or_404(User, pk=user_id, is_active=True)
        services.dismiss_suggestion(user=request.user, suggested=person)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    summary=_("Your friends: people you follow who follow you back"),
    responses={200: FriendListSerializer, **error_responses(401)},
)
class FriendListView(FriendsAPIMixin, generics.GenericAPIView):
    serializer_class = PersonSerializer

    def get(self, request):
        people = reads.friends_of(user=request.user)
        return Response({"results": PersonSerializer(people, many=True, context=self.get_serializer_context()).data})


@extend_schema(
    summary=_("What your friends did with a product"),
    description=_(
        "Friends who liked a post tagging it, rated it 4 or 5 stars, or bought it. A purchase counts only "
        "for friends who let friends see what they buy. Only your friends, never anyone else."
    ),
    parameters=[SLUG_PARAMETER],
    responses={200: FriendProofSerializer, **error_responses(401, 404)},
)
class ProductFriendsView(FriendsAPIMixin, generics.GenericAPIView):
    serializer_class = FriendProofSerializer

    def get(self, request, slug: str):
        proof = reads.friend_proof(product_id=self.product(slug).pk, user=request.user)
        return Response(FriendProofSerializer(proof, context=self.get_serializer_context()).data)


@extend_schema(
    summary=_("From your friends: products your friends liked, rated or bought"),
    description=_("The most friends first. Purchases only of friends who let friends see what they buy."),
    responses={200: ShelfSerializer, **error_responses(401)},
)
class FriendsShelfView(FriendsAPIMixin, generics.GenericAPIView):
    serializer_class = ShelfItemSerializer

    def get(self, request):
        items = reads.friends_shelf(user=request.user)
        return Response({"results": ShelfItemSerializer(items, many=True, context=self.get_serializer_context()).data})


@extend_schema(
    summary=_("You may also like"),
    description=_(
        "Products on sale related to this one: the same category and store, and what the same people "
        "liked or bought. Computed periodically, so a new product has none at first."
    ),
    parameters=[SLUG_PARAMETER],
    responses={200: ProductListSerializer, **error_responses(404)},
)
class AlsoLikeView(FriendsAPIMixin, generics.GenericAPIView):
    serializer_class = ProductSummarySerializer
    permission_classes = [permissions.AllowAny]

    def get(self, request, slug: str):
        products = reads.also_like(product=self.product(slug))
        context = self.get_serializer_context()
        return Response({"results": ProductSummarySerializer(products, many=True, context=context).data})


class RecommendationCreateView(FriendsAPIMixin, generics.GenericAPIView):
    serializer_class = RecommendationWriteSerializer

    @extend_schema(
        summary=_("Recommend a product or a post to friends"),
        description=_(
            "Each recipient must be your friend (a mutual follow), else nothing is sent (403). "
            "They are notified and find it under GET /recommendations/received/. At most 20 recipients, "
            "a note of at most 300 characters of plain text; rate limited."
        ),
        request=RecommendationWriteSerializer,
        responses={201: RecommendationListSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        data = RecommendationWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        made = services.recommend(
            sender=request.user,
            recipients=data.validated_data["recipients"],
            product=data.validated_data.get("product"),
            post=data.validated_data.get("post"),
            note=data.validated_data.get("note", ""),
        )
        cards = reads.product_cards(sorted({row.product_id for row in made if row.product_id}))
        for row in made:
            row.product_card = cards.get(row.product_id)
        results = RecommendationSerializer(made, many=True, context=self.get_serializer_context()).data
        return Response({"results": results}, status=status.HTTP_201_CREATED)


@extend_schema(
    summary=_("Recommended to you, newest first"),
    description=_("Reading does not mark them seen: POST /recommendations/received/seen/ does."),
    parameters=[CursorQuerySerializer],
    responses={200: RecommendationPageSerializer, **error_responses(400, 401)},
)
class ReceivedRecommendationsView(FriendsAPIMixin, generics.GenericAPIView):
    serializer_class = RecommendationSerializer

    def get(self, request):
        page = reads.received_recommendations(user=request.user, **self.page_query())
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        results = RecommendationSerializer(page.items, many=True, context=self.get_serializer_context()).data
        return Response({"results": results, "next": next_url})


@extend_schema(
    summary=_("Mark everything recommended to you as seen"),
    request=None,
    responses={204: None, **error_responses(401)},
)
class ReceivedSeenView(FriendsAPIMixin, generics.GenericAPIView):
    serializer_class = None

    def post(self, request):
        services.mark_recommendations_seen(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
