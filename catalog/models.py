from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shop.fields import MoneyField, VerifiedImageField
from shop.models import RenditionedImage

CATEGORY_MAX_DEPTH = 3

whatsapp_validator = RegexValidator(
    r"^\+?[1-9]\d{7,14}$",
    _("Enter a phone number with its country code, digits only, for example +6281234567890."),
)


class Store(models.Model):
    """A seller's shop. One store per owner."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="store", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    logo = VerifiedImageField(_("logo"), upload_to="stores/logos/", blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    whatsapp = models.CharField(_("WhatsApp number"), max_length=16, blank=True, validators=[whatsapp_validator])
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:store_detail", kwargs={"slug": self.slug})

    @property
    def whatsapp_url(self) -> str:
        return f"https://wa.me/{self.whatsapp.lstrip('+')}" if self.whatsapp else ""


class Category(models.Model):
    """A node in a category tree at most ``CATEGORY_MAX_DEPTH`` levels deep."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    depth = models.PositiveSmallIntegerField(_("depth"), default=1, editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(depth__gte=1) & Q(depth__lte=CATEGORY_MAX_DEPTH), name="category_depth_range"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, depth=1) | Q(parent__isnull=False, depth__gt=1),
                name="category_root_has_depth_one",
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_per_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.parent} › {self.name}" if self.parent_id else self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:category", kwargs={"slug": self.slug})


class ProductQuerySet(models.QuerySet):
    def active(self) -> ProductQuerySet:
        return self.filter(status=Product.Status.ACTIVE, store__is_active=True)

    def visible_to(self, user) -> ProductQuerySet:
        """Active products, plus every product of ``user``'s own store (and all, for staff)."""
        if user.is_authenticated and user.is_superuser:
            return self.all()
        condition = Q(status=Product.Status.ACTIVE, store__is_active=True)
        if user.is_authenticated:
            condition |= Q(store__owner=user)
        return self.filter(condition)


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products", verbose_name=_("store"))
    title = models.CharField(_("title"), max_length=140)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    description = models.TextField(_("description"), max_length=10000, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", null=True, blank=True, verbose_name=_("category")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="product_status_newest"),
            models.Index(fields=["store", "status"], name="product_store_status"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:product_detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.ACTIVE


class ProductVariant(models.Model):
    """A buyable version of a product: its own SKU, options, price and stock.

    ``store`` repeats ``product.store`` so that the database can hold SKUs unique per
    store; the services and the admin set it from the product.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants", verbose_name=_("product"))
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="variants", editable=False)
    sku = models.CharField(_("SKU"), max_length=64)
    options = models.JSONField(
        _("options"),
        default=dict,
        blank=True,
        help_text=_('Option values, for example {"Size": "M", "Colour": "Navy"}.'),
    )
    price = MoneyField(_("price"))
    compare_at_price = MoneyField(
        _("compare-at price"), null=True, blank=True, help_text=_("The former price, shown struck through.")
    )
    stock = models.IntegerField(_("stock"), default=0)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "sku"], name="variant_sku_unique_per_store"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="variant_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="variant_price_not_negative"),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gt=models.F("price")),
                name="variant_compare_at_above_price",
            ),
        ]
        indexes = [models.Index(fields=["product", "price"], name="variant_product_price")]

    def __str__(self) -> str:
        return f"{self.product.title} – {self.label}" if self.options else self.product.title

    @property
    def label(self) -> str:
        return " / ".join(str(value) for value in self.options.values()) if self.options else str(_("Standard"))

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class ProductImage(RenditionedImage):
    image_folder = "products"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product"))

    class Meta(RenditionedImage.Meta):
        verbose_name = _("product image")
        verbose_name_plural = _("product images")

    def __str__(self) -> str:
        return self.alt_text or self.product.title

    @property
    def alt(self) -> str:
        return self.alt_text or self.product.title
