"""Input serializers (types and shapes; the rules are the services') and output serializers."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import slug_re
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog import selectors
from catalog.models import Category, Product, ProductImage, ProductVariant, Store
from shop.api import SafeJSONField, VerifiedImageField
from shop.money import format_money, to_major, to_minor

# Storage limits of the columns (BigIntegerField, IntegerField, PositiveIntegerField): a
# bigger number is a malformed request, not a business rule, and must not reach the database.
MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1  # PostgreSQL integer columns (position, stock): catalog.services.POSITION_MAX


# --- Fields --------------------------------------------------------------------------


@extend_schema_field({"type": "number", "minimum": 0, "example": 150000})
class MajorUnitAmountField(serializers.Field):
    """An amount in major units (``150000`` or ``12.50``), converted to minor units."""

    default_error_messages = {
        "invalid": _("Enter an amount in {currency}, in major units, for example 150000."),
        "negative": _("The amount cannot be negative."),
    }

    def to_internal_value(self, data) -> int | None:
        if data in ("", None):
            return None
        try:
            minor = to_minor(str(data))
        except ValueError:
            self.fail("invalid", currency=settings.SHOP_CURRENCY)
        if minor < 0:
            self.fail("negative")
        if minor > MAX_BIGINT:
            self.fail("invalid", currency=settings.SHOP_CURRENCY)
        return minor

    def to_representation(self, value):
        return to_major(value)


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "string"}, "example": {"Size": "M", "Colour": "Navy"}}
)
class OptionsField(SafeJSONField):
    """A variant's option values. Their shape is checked by the service; here only what storage refuses."""

    default_error_messages = {"null_characters": _("Option names and values cannot contain NUL characters.")}

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        if isinstance(data, dict) and any("\x00" in str(item) for pair in data.items() for item in pair):
            self.fail("null_characters")
        return data


class SlugLookupField(serializers.SlugRelatedField):
    """An object named by its slug. What is not a slug at all is refused before any query:
    PostgreSQL cannot even compare a string holding a NUL byte (a 500 otherwise)."""

    default_error_messages = {"invalid": _("“{value}” is not a slug (letters, digits, hyphens and underscores).")}

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not slug_re.fullmatch(data):
            self.fail("invalid", value=str(data).replace("\x00", ""))
        return super().to_internal_value(data)


# --- Output serializers ------------------------------------------------------------------


def absolute_url(serializer: serializers.Serializer, url: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(url) if request and url else url


class MoneyMixin:
    @staticmethod
    def get_currency(obj) -> str:
        return settings.SHOP_CURRENCY


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text=_("The parent's slug.")
    )
    children = serializers.SerializerMethodField(help_text=_("Slugs of the direct subcategories."))

    class Meta:
        model = Category
        fields = ["slug", "name", "parent", "depth", "position", "children"]
        read_only_fields = fields

    def get_children(self, category) -> list[str]:
        return [child.slug for child in category.subcategories]


class CategorySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]
        read_only_fields = fields


class StoreSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Store
        fields = ["slug", "name"]
        read_only_fields = fields


class StoreSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    logo = serializers.ImageField(read_only=True, allow_null=True)
    whatsapp_url = serializers.CharField(read_only=True)
    product_count = serializers.IntegerField(read_only=True, help_text=_("How many active products it sells."))
    web_url = serializers.SerializerMethodField(help_text=_("The store's page on the site."))

    class Meta:
        model = Store
        fields = [
            "slug",
            "name",
            "owner",
            "description",
            "logo",
            "whatsapp",
            "whatsapp_url",
            "product_count",
            "web_url",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, store) -> str:
        return absolute_url(self, store.get_absolute_url())


class StoreListQuerySerializer(serializers.Serializer):
    """The store list's query string."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=_("Words to find in store names, handles and descriptions; best matches first."),
    )


class ProductImageSerializer(serializers.ModelSerializer):
    original = serializers.ImageField(source="image", read_only=True, help_text=_("The verified, re-encoded upload."))
    thumbnail = serializers.SerializerMethodField(help_text=_("At most 320 px (the original until renditions exist)."))
    display = serializers.SerializerMethodField(help_text=_("At most 1080 px (the original until renditions exist)."))
    webp = serializers.SerializerMethodField(help_text=_("The display size as WebP; null until renditions exist."))
    alt = serializers.CharField(read_only=True, help_text=_("The alt text, or the product title when none was given."))

    class Meta:
        model = ProductImage
        fields = [
            "id",
            "original",
            "thumbnail",
            "display",
            "webp",
            "alt",
            "alt_text",
            "width",
            "height",
            "position",
            "renditions_ready",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail(self, image) -> str:
        return absolute_url(self, image.thumbnail_url)

    @extend_schema_field(OpenApiTypes.URI)
    def get_display(self, image) -> str:
        return absolute_url(self, image.display_url)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_webp(self, image) -> str | None:
        return absolute_url(self, image.webp_url) if image.webp_url else None


class VariantSerializer(MoneyMixin, serializers.ModelSerializer):
    options = OptionsField(read_only=True)
    price = serializers.IntegerField(read_only=True, help_text=_("In the currency's minor unit (sen for IDR)."))
    compare_at_price = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("The former price, in minor units; above the price.")
    )
    currency = serializers.SerializerMethodField(help_text=_("ISO 4217 code of the prices."))
    price_display = serializers.SerializerMethodField()
    compare_at_price_display = serializers.SerializerMethodField()
    in_stock = serializers.BooleanField(read_only=True)

    class Meta:
        model = ProductVariant
        fields = [
            "id",
            "sku",
            "options",
            "price",
            "compare_at_price",
            "currency",
            "price_display",
            "compare_at_price_display",
            "stock",
            "in_stock",
            "position",
        ]
        read_only_fields = fields

    def get_price_display(self, variant) -> str:
        return format_money(variant.price)

    def get_compare_at_price_display(self, variant) -> str:
        return format_money(variant.compare_at_price)


class ProductSummarySerializer(MoneyMixin, serializers.ModelSerializer):
    """A product card: what a list shows."""

    url = serializers.HyperlinkedIdentityField(view_name="api:product-detail", lookup_field="slug")
    store = StoreSummarySerializer(read_only=True)
    price = serializers.IntegerField(
        source="from_price",
        read_only=True,
        allow_null=True,
        help_text=_(
            "The lowest price it can be bought at (of the variants in stock; of all of them when all are "
            "sold out), in minor units."
        ),
    )
    currency = serializers.SerializerMethodField(help_text=_("ISO 4217 code of the prices."))
    price_display = serializers.SerializerMethodField()
    in_stock = serializers.SerializerMethodField(help_text=_("Whether any variant is in stock."))
    cover_image = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "url",
            "slug",
            "title",
            "status",
            "store",
            "price",
            "currency",
            "price_display",
            "in_stock",
            "cover_image",
            "published_at",
        ]
        read_only_fields = fields

    def get_price_display(self, product) -> str:
        return format_money(product.from_price)

    def get_in_stock(self, product) -> bool:
        return (product.total_stock or 0) > 0

    @extend_schema_field(ProductImageSerializer(allow_null=True))
    def get_cover_image(self, product):
        images = product.ordered_images
        return ProductImageSerializer(images[0], context=self.context).data if images else None


class ProductSerializer(serializers.ModelSerializer):
    """A product page: the product with its variants and images."""

    url = serializers.HyperlinkedIdentityField(view_name="api:product-detail", lookup_field="slug")
    store = StoreSummarySerializer(read_only=True)
    category = CategorySummarySerializer(read_only=True, allow_null=True)
    variants = VariantSerializer(source="ordered_variants", many=True, read_only=True)
    images = ProductImageSerializer(source="ordered_images", many=True, read_only=True)
    web_url = serializers.SerializerMethodField(help_text=_("The product's page on the site."))

    class Meta:
        model = Product
        fields = [
            "url",
            "slug",
            "title",
            "description",
            "status",
            "store",
            "category",
            "variants",
            "images",
            "web_url",
            "published_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, product) -> str:
        return absolute_url(self, product.get_absolute_url())


# --- Input serializers --------------------------------------------------------------------


def category_field(**kwargs) -> SlugLookupField:
    return SlugLookupField(
        queryset=Category.objects.all(),
        error_messages={"does_not_exist": _("There is no category “{value}”.")},
        **kwargs,
    )


class ProductFiltersQuerySerializer(serializers.Serializer):
    """The product list's query string: the same filters, search and sorts as the site."""

    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=_("Words to find in titles, descriptions, stores.")
    )
    category = category_field(required=False, help_text=_("A category slug; its subcategories are included."))
    min_price = MajorUnitAmountField(
        required=False,
        help_text=_("Lowest price in MAJOR units of the shop currency (rupiah for IDR: 150000 is Rp 150.000)."),
    )
    max_price = MajorUnitAmountField(
        required=False,
        help_text=_("Highest price in MAJOR units of the shop currency (rupiah for IDR: 150000 is Rp 150.000)."),
    )
    in_stock = serializers.BooleanField(required=False, default=False, help_text=_("Only products in stock."))
    sort = serializers.ChoiceField(
        choices=[(key, str(label)) for key, (label, _order) in selectors.SORTS.items()],
        required=False,
        allow_blank=True,
        help_text=_("Order of the results; `relevance` when searching, otherwise `newest`, by default."),
    )

    def validate(self, data):
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_price": _("The maximum price is below the minimum.")})
        return data

    def to_filters(self, **fixed) -> selectors.ProductFilters:
        data = self.validated_data
        q = (data.get("q") or "").strip()
        filters = selectors.ProductFilters(
            q=q,
            category=data.get("category"),
            store=data.get("store"),
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            in_stock=data.get("in_stock", False),
            sort=data.get("sort") or ("relevance" if q else selectors.DEFAULT_SORT),
        )
        for name, value in fixed.items():
            setattr(filters, name, value)
        return filters


class ProductListQuerySerializer(ProductFiltersQuerySerializer):
    store = SlugLookupField(
        queryset=Store.objects.filter(is_active=True),
        required=False,
        error_messages={"does_not_exist": _("There is no open store “{value}”.")},
        help_text=_("A store slug."),
    )
    mine = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Sellers only: your own store's products, drafts and archived ones included."),
    )


class ProductWriteSerializer(serializers.Serializer):
    """What a seller may set on a product. The store is always the seller's own; prices live on variants."""

    title = serializers.CharField(max_length=140)
    slug = serializers.SlugField(
        max_length=160, required=False, allow_blank=True, help_text=_("Leave out to make one from the title.")
    )
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    category = category_field(required=False, allow_null=True, help_text=_("A category slug."))
    status = serializers.ChoiceField(
        choices=Product.Status.choices,
        required=False,
        help_text=_("`draft` (the default: only you see it), `active` (public) or `archived`."),
    )


class VariantWriteSerializer(serializers.Serializer):
    """A variant's fields. Rules (unique SKU per store, compare-at above price, stock >= 0) are the service's."""

    sku = serializers.CharField(max_length=64)
    options = OptionsField(required=False)
    price = serializers.IntegerField(
        min_value=-MAX_BIGINT, max_value=MAX_BIGINT, help_text=_("In the currency's minor unit (sen for IDR).")
    )
    compare_at_price = serializers.IntegerField(
        min_value=-MAX_BIGINT,
        max_value=MAX_BIGINT,
        required=False,
        allow_null=True,
        help_text=_("The former price in minor units, shown struck through; must be above the price."),
    )
    stock = serializers.IntegerField(min_value=-MAX_INT, max_value=MAX_INT, required=False)
    position = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False)


class VariantUpdateSerializer(VariantWriteSerializer):
    """A variant's changes. Stock moves as orders are placed, so a new stock figure says which
    figure it replaces (``stock_seen``), or the change is relative (``stock_change``)."""

    stock = serializers.IntegerField(
        min_value=-MAX_INT,
        max_value=MAX_INT,
        required=False,
        help_text=_(
            "The new stock. Send it with `stock_seen`: unless the stock is still what you saw, the change "
            "is refused (400) rather than overwriting orders placed since."
        ),
    )
    stock_seen = serializers.IntegerField(
        min_value=0,
        max_value=MAX_INT,
        required=False,
        help_text=_("The stock you read (and are replacing with `stock`)."),
    )
    stock_change = serializers.IntegerField(
        min_value=-MAX_INT,
        max_value=MAX_INT,
        required=False,
        help_text=_("Add to the stock as it is now (`10` received) or, negative, take from it; instead of `stock`."),
    )


class ProductImageUploadSerializer(serializers.Serializer):
    image = VerifiedImageField(help_text=_("A JPEG, PNG or WebP photo (at most 10 MB and 40 megapixels)."))
    alt_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    position = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False)


class StoreUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    whatsapp = serializers.CharField(
        max_length=16, required=False, allow_blank=True, help_text=_("With the country code, e.g. +6281234567890.")
    )
    logo = VerifiedImageField(required=False, help_text=_("A JPEG, PNG or WebP image (multipart upload)."))
