"""Input serializers (types and shapes; the rules are the services') and output serializers."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.validators import slug_re
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from catalog.api.serializers import MAX_BIGINT, StoreSummarySerializer, absolute_url
from catalog.models import Product
from shop.api import SafeJSONField, VerifiedImageField
from shop.money import format_money
from social.models import CAPTION_MAX, COMMENT_MAX, POST_IMAGES_MAX, Comment, Profile
from social.services.posts import TAGS_PER_IMAGE_MAX, TagSpec, hashtags_in

TAGS_MAX = TAGS_PER_IMAGE_MAX * POST_IMAGES_MAX
PAGE_LIMIT_MAX = 50

# --- Fields ----------------------------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "description": "A product's id (a number) or its slug (a string).",
        "example": "kopi-gayo-250g",
    }
)
class ProductReferenceField(serializers.Field):
    """A product named by its id (a JSON number) or its slug (a string), among those the caller
    may see. Whether it may be tagged (active, and the store's own for a store) is the service's rule."""

    default_error_messages = {
        "invalid": _("Name a product by its id (a number) or its slug (a string)."),
        "does_not_exist": _("There is no product “{value}”."),
    }

    def to_internal_value(self, data) -> Product:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, int):
            lookup = {"pk": data}
            if not 0 < data <= MAX_BIGINT:
                self.fail("does_not_exist", value=data)
        elif slug_re.fullmatch(data):
            lookup = {"slug": data}
        else:
            # Not a slug at all (PostgreSQL cannot even compare a string holding a NUL byte).
            self.fail("invalid")
        request = self.context.get("request")
        viewer = request.user if request is not None else AnonymousUser()
        product = Product.objects.visible_to(viewer).select_related("store").filter(**lookup).first()
        if product is None:
            self.fail("does_not_exist", value=data)
        return product

    def to_representation(self, product) -> str:
        return product.slug


class TagInputSerializer(serializers.Serializer):
    image = serializers.IntegerField(
        min_value=0, max_value=POST_IMAGES_MAX - 1, help_text=_("Which picture: its index in `images`, from 0.")
    )
    product = ProductReferenceField()
    x = serializers.FloatField(help_text=_("From the left edge: 0 to 1."))
    y = serializers.FloatField(help_text=_("From the top edge: 0 to 1."))


@extend_schema_field(
    {
        "type": "string",
        "description": "A JSON list of tags: `image` (index in `images`), `product` (id or slug), `x` and "
        "`y` (0 to 1, from the top-left corner).",
        "example": '[{"image": 0, "product": "kopi-gayo-250g", "x": 0.42, "y": 0.61}]',
    }
)
class TagListField(SafeJSONField):
    """The tags of a new post, sent as one JSON string beside the pictures of a multipart upload."""

    default_error_messages = {
        "not_a_list": _("Send the tags as a JSON list of objects with image, product, x and y."),
        "too_many": _("A post has at most {n} tags."),
        "tag": _("Tag {number}, {field}: {message}"),
    }

    def to_internal_value(self, data) -> list[TagSpec]:
        if data == "":
            return []
        data = super().to_internal_value(data)
        if not isinstance(data, list):
            self.fail("not_a_list")
        if len(data) > TAGS_MAX:
            self.fail("too_many", n=TAGS_MAX)
        tags = TagInputSerializer(data=data, many=True, context=self.context)
        if not tags.is_valid():
            errors = tags.errors  # {index: errors} of the invalid tags (older DRF: a list of every tag's)
            by_index = errors.items() if isinstance(errors, dict) else enumerate(errors)
            messages = []
            for index, tag_errors in by_index:
                for field, field_errors in tag_errors.items():
                    for message in field_errors:
                        messages.append(
                            str(self.error_messages["tag"]).format(number=int(index) + 1, field=field, message=message)
                        )
            raise serializers.ValidationError(messages)
        return [
            TagSpec(image_index=tag["image"], product=tag["product"], x=tag["x"], y=tag["y"])
            for tag in tags.validated_data
        ]


class PictureListField(serializers.ListField):
    """One item per picture; an invalid item is named in a flat message ("Picture 2: ...")."""

    default_error_messages = {"picture": _("Picture {number}: {message}")}

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            template = str(self.error_messages["picture"])
            raise serializers.ValidationError(
                [
                    template.format(number=int(index) + 1, message=message)
                    for index, messages in exc.detail.items()
                    for message in messages
                ]
            ) from exc


class ImageListField(PictureListField):
    """1 to 10 pictures; their number is checked before any of them is decoded."""

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > POST_IMAGES_MAX:
            raise serializers.ValidationError(_("A post has 1 to %(n)d pictures.") % {"n": POST_IMAGES_MAX})
        return super().to_internal_value(data)


class ParentCommentField(serializers.PrimaryKeyRelatedField):
    """A visible comment of the post in the URL (``context["post"]``)."""

    default_error_messages = {"does_not_exist": _("You can only reply to a comment on this post.")}

    def get_queryset(self):
        return Comment.objects.filter(post=self.context["post"], is_hidden=False).select_related("parent")


# --- Input serializers -------------------------------------------------------------------


class CursorQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(
        required=False,
        max_length=200,
        help_text=_("Where the page starts: copy it from the previous page's `next` link; leave out for the first."),
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=PAGE_LIMIT_MAX,
        help_text=_("How many items a page holds, at most 50 (default: 20 posts, or 50 people or comments)."),
    )


class PostCreateSerializer(serializers.Serializer):
    images = ImageListField(
        child=VerifiedImageField(),
        min_length=1,
        help_text=_("1 to 10 JPEG, PNG or WebP photos (each at most 10 MB and 40 megapixels), in order."),
    )
    caption = serializers.CharField(
        max_length=CAPTION_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("#hashtags and @mentions become links."),
    )
    profile = serializers.PrimaryKeyRelatedField(
        queryset=Profile.objects.select_related("user", "store"),
        required=False,
        help_text=_("The id of the profile to post as: your own (the default) or your store's."),
    )
    alt_texts = PictureListField(
        child=serializers.CharField(max_length=200, allow_blank=True),
        required=False,
        max_length=POST_IMAGES_MAX,
        help_text=_("A description of each picture, in the same order, for people who cannot see it."),
    )
    tags = TagListField(required=False)


class CaptionSerializer(serializers.Serializer):
    caption = serializers.CharField(max_length=CAPTION_MAX, allow_blank=True)


class TagWriteSerializer(serializers.Serializer):
    product = ProductReferenceField(
        help_text=_("A store tags its own active products; a person tags any active product.")
    )
    x = serializers.FloatField(help_text=_("From the left edge: 0 to 1."))
    y = serializers.FloatField(help_text=_("From the top edge: 0 to 1."))


class CommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX)
    parent = ParentCommentField(
        queryset=Comment.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The id of the comment to reply to (replies are one level deep)."),
    )


# --- Output serializers ------------------------------------------------------------------


class UserSummarySerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class ProfileSummarySerializer(serializers.Serializer):
    """A person or a store, as a post or a list shows them."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:profile-detail")
    kind = serializers.SerializerMethodField(help_text=_("`user` (a person) or `store`."))
    handle = serializers.CharField(read_only=True, help_text=_("The username, or the store's slug."))
    name = serializers.CharField(read_only=True)
    avatar = serializers.SerializerMethodField(
        help_text=_("The store's logo; null for people and for stores without one.")
    )
    web_url = serializers.SerializerMethodField(help_text=_("The profile's page on the site."))

    @extend_schema_field({"type": "string", "enum": ["user", "store"]})
    def get_kind(self, profile) -> str:
        return "store" if profile.is_store else "user"

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_avatar(self, profile) -> str | None:
        if profile.is_store and profile.store.logo:
            return absolute_url(self, profile.store.logo.url)
        return None

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, profile) -> str:
        return absolute_url(self, profile.get_absolute_url())


class ProfileSerializer(ProfileSummarySerializer):
    """A profile page: who it is, its counts, and how the viewer stands to it."""

    bio = serializers.SerializerMethodField()
    username = serializers.SerializerMethodField(help_text=_("The person's username; null for a store."))
    store = StoreSummarySerializer(read_only=True, allow_null=True, help_text=_("The store; null for a person."))
    follower_count = serializers.IntegerField(read_only=True)
    following_count = serializers.IntegerField(read_only=True)
    post_count = serializers.IntegerField(read_only=True)
    is_self = serializers.BooleanField(
        source="relations.is_self", read_only=True, help_text=_("You speak for it: your own profile or your store's.")
    )
    is_following = serializers.BooleanField(source="relations.is_following", read_only=True)
    is_friend = serializers.BooleanField(
        source="relations.is_friend", read_only=True, help_text=_("You and this person follow each other.")
    )
    is_blocked = serializers.BooleanField(
        source="relations.is_blocked", read_only=True, help_text=_("You blocked the person behind it.")
    )

    def get_bio(self, profile) -> str:
        return profile.store.description if profile.is_store else profile.user.bio

    @extend_schema_field({"type": "string", "nullable": True})
    def get_username(self, profile) -> str | None:
        return None if profile.is_store else profile.user.username


class TaggedProductSerializer(serializers.Serializer):
    """A tagged product (read from its tag, which carries the product's price and stock)."""

    url = serializers.SerializerMethodField()
    slug = serializers.CharField(source="product.slug", read_only=True)
    title = serializers.CharField(source="product.title", read_only=True)
    store = StoreSummarySerializer(source="product.store", read_only=True)
    price = serializers.IntegerField(
        source="from_price",
        read_only=True,
        allow_null=True,
        help_text=_("The lowest price it can be bought at (of the variants in stock), in minor units."),
    )
    currency = serializers.SerializerMethodField(help_text=_("ISO 4217 code of the prices."))
    price_display = serializers.SerializerMethodField()
    in_stock = serializers.SerializerMethodField(help_text=_("Whether any variant is in stock."))

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, tag) -> str:
        return absolute_url(self, reverse("api:product-detail", kwargs={"slug": tag.product.slug}))

    def get_currency(self, tag) -> str:
        return settings.SHOP_CURRENCY

    def get_price_display(self, tag) -> str:
        return format_money(tag.from_price)

    def get_in_stock(self, tag) -> bool:
        return (tag.total_stock or 0) > 0


class ProductTagSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    x = serializers.FloatField(read_only=True)
    y = serializers.FloatField(read_only=True)
    product = TaggedProductSerializer(source="*", read_only=True)


class PostImageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    original = serializers.ImageField(source="image", read_only=True, help_text=_("The verified, re-encoded upload."))
    thumbnail = serializers.SerializerMethodField(help_text=_("At most 320 px (the original until renditions exist)."))
    display = serializers.SerializerMethodField(help_text=_("At most 1080 px (the original until renditions exist)."))
    webp = serializers.SerializerMethodField(help_text=_("The display size as WebP; null until renditions exist."))
    alt = serializers.CharField(read_only=True)
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    tags = ProductTagSerializer(source="image_tags", many=True, read_only=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail(self, picture) -> str:
        return absolute_url(self, picture.thumbnail_url)

    @extend_schema_field(OpenApiTypes.URI)
    def get_display(self, picture) -> str:
        return absolute_url(self, picture.display_url)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_webp(self, picture) -> str | None:
        return absolute_url(self, picture.webp_url) if picture.webp_url else None


class PostSerializer(serializers.Serializer):
    """A post card: pictures with their tags, the products to shop, counts and the viewer's state."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:post-detail")
    profile = ProfileSummarySerializer(read_only=True, help_text=_("Who it is posted as: a person or a store."))
    author = UserSummarySerializer(read_only=True, help_text=_("Who wrote it (for a store: its owner)."))
    caption = serializers.CharField(read_only=True)
    hashtags = serializers.SerializerMethodField(help_text=_("The caption's hashtags, lower-case, without the #."))
    images = PostImageSerializer(source="ordered_images", many=True, read_only=True)
    products = serializers.SerializerMethodField(help_text=_("“Shop this post”: each tagged product once."))
    like_count = serializers.IntegerField(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)
    save_count = serializers.IntegerField(read_only=True)
    viewer_liked = serializers.BooleanField(read_only=True)
    viewer_saved = serializers.BooleanField(read_only=True)
    viewer_follows = serializers.BooleanField(read_only=True, help_text=_("You follow the profile it is posted as."))
    viewer_is_author = serializers.BooleanField(read_only=True, help_text=_("You wrote it: you may edit it."))
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    web_url = serializers.SerializerMethodField(help_text=_("The post's page on the site: the link to share."))

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, post) -> str:
        return absolute_url(self, post.get_absolute_url())

    def get_hashtags(self, post) -> list[str]:
        return hashtags_in(post.caption)

    @extend_schema_field(TaggedProductSerializer(many=True))
    def get_products(self, post):
        seen: set[int] = set()
        first_tags = []
        for tag in post.product_tags:
            if tag.product_id not in seen:
                seen.add(tag.product_id)
                first_tags.append(tag)
        return TaggedProductSerializer(first_tags, many=True, context=self.context).data


class ReplySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = UserSummarySerializer(read_only=True)
    body = serializers.CharField(read_only=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class CommentSerializer(ReplySerializer):
    replies = serializers.SerializerMethodField(help_text=_("Visible replies, oldest first (one level)."))

    @extend_schema_field(ReplySerializer(many=True))
    def get_replies(self, comment):
        return ReplySerializer(getattr(comment, "visible_replies", []), many=True, context=self.context).data


NEXT_HELP = _("The next page's URL, or null on the last page.")


@extend_schema_serializer(many=False)  # a page object, not a list: no array wrapping
class PostPageSerializer(serializers.Serializer):
    results = PostSerializer(many=True, read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True, help_text=NEXT_HELP)


@extend_schema_serializer(many=False)  # a page object, not a list: no array wrapping
class ProfilePageSerializer(serializers.Serializer):
    results = ProfileSummarySerializer(many=True, read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True, help_text=NEXT_HELP)


@extend_schema_serializer(many=False)  # a page object, not a list: no array wrapping
class CommentPageSerializer(serializers.Serializer):
    results = CommentSerializer(many=True, read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True, help_text=NEXT_HELP)
