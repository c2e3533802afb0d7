"""Products, variants and images in the back office."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Min, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog import services
from catalog.admin.scoping import (
    LabelledTabularInline,
    ScopedImportExportMixin,
    ScopedInlineMixin,
    StoreScopedAdminMixin,
    sees_all_stores,
    seller_store,
    with_store_column,
)
from catalog.models import Product, ProductImage, ProductVariant
from catalog.resources import ProductResource, VariantResource
from shop.money import format_money

# --- Variants ---------------------------------------------------------------------------


class ProductVariantForm(forms.ModelForm):
    """Checks a variant with the same rules as ``catalog.services`` (SKU unique in the store, prices, stock)."""

    class Meta:
        model = ProductVariant
        fields = ("product", "sku", "options", "price", "compare_at_price", "stock", "position")

    def clean_options(self):
        return self.cleaned_data.get("options") or {}

    def _post_clean(self):
        super()._post_clean()
        if any(field != NON_FIELD_ERRORS for field in self.errors):
            return
        product = self.cleaned_data.get("product") or getattr(self.instance, "product", None)
        if product is None:
            return
        # In an inline, the product is the (maybe unsaved) parent whose store the admin set.
        self.instance.product = product
        if product.store_id is None:
            return
        try:
            services.validate_variant(self.instance)
        except ValidationError as exc:
            # The service says what to fix; the database constraint behind the same rule
            # (already checked by Django) only says that it "is violated".
            self._errors.pop(NON_FIELD_ERRORS, None)
            # A rule about a field this form does not show (the compare-at price, in the
            # variant list's price column) is reported on the form as a whole.
            for field, errors in exc.update_error_dict({}).items():
                self.add_error(field if field in self.fields else None, errors)


class ProductVariantInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or self._should_delete_form(form):
                continue
            sku = (form.cleaned_data.get("sku") or "").strip()
            if sku and sku in seen:
                form.add_error("sku", _("Two variants cannot share the SKU %(sku)s.") % {"sku": sku})
            seen.add(sku)


class ProductVariantInline(ScopedInlineMixin, LabelledTabularInline):
    model = ProductVariant
    form = ProductVariantForm
    formset = ProductVariantInlineFormSet
    fields = ("sku", "options", "price", "compare_at_price", "stock", "position")
    extra = 1
    store_path = "store"


@admin.register(ProductVariant)
class ProductVariantAdmin(ScopedImportExportMixin, admin.ModelAdmin):
    resource_classes = [VariantResource]
    form = ProductVariantForm
    list_display = ("sku", "product", "variant_options", "price", "compare_at", "stock", "position")
    list_display_links = ("sku",)
    list_editable = ("price", "stock")
    list_filter = ("product__status",)
    list_select_related = ("product", "store")
    search_fields = ("sku", "product__title", "product__slug")
    autocomplete_fields = ("product",)
    fields = ("product", "sku", "options", "price", "compare_at_price", "stock", "position")

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="product")

    def get_list_filter(self, request):
        return with_store_column(request, self.list_filter, after="product__status")

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=ProductVariantForm, **kwargs)

    @admin.display(description=_("options"))
    def variant_options(self, obj):
        return obj.label

    @admin.display(description=_("compare-at price"), ordering="compare_at_price")
    def compare_at(self, obj):
        return format_money(obj.compare_at_price) or self.get_empty_value_display()

    def save_model(self, request, obj, form, change):
        obj.store_id = obj.product.store_id
        super().save_model(request, obj, form, change)
        if change:  # back in stock or cheaper: tell shoppers (see services.announce_variant_change)
            services.announce_variant_change(
                variant=obj, previous_stock=form.initial.get("stock"), previous_price=form.initial.get("price")
            )


# --- Images -----------------------------------------------------------------------------


def image_preview(obj) -> str:
    if obj is None or not obj.pk or not obj.image:
        return ""
    return format_html('<img src="{}" alt="{}" height="80" loading="lazy">', obj.thumbnail_url, obj.alt)


def save_image(image: ProductImage) -> None:
    """Save an image and have its renditions made (after commit) when its file is new."""
    image.save()
    if not image.renditions_ready:
        services.schedule_renditions(image)


class ProductImageInline(ScopedInlineMixin, LabelledTabularInline):
    model = ProductImage
    fields = ("preview", "image", "alt_text", "position")
    readonly_fields = ("preview",)
    extra = 1

    @admin.display(description=_("preview"))
    def preview(self, obj):
        return image_preview(obj)


@admin.register(ProductImage)
class ProductImageAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    store_path = "product__store"
    list_display = ("preview", "product", "alt_text", "position")
    list_select_related = ("product__store",)
    search_fields = ("alt_text", "product__title", "product__slug")
    autocomplete_fields = ("product",)
    fields = ("product", "image", "preview", "alt_text", "position")
    readonly_fields = ("preview",)

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="product")

    def get_list_filter(self, request):
        return ("product__store",) if sees_all_stores(request) else ()

    @admin.display(description=_("preview"))
    def preview(self, obj):
        return image_preview(obj)

    @admin.display(description=_("store"), ordering="product__store__name")
    def store(self, obj):
        return obj.product.store

    def save_model(self, request, obj, form, change):
        save_image(obj)


# --- Products ---------------------------------------------------------------------------


@admin.register(Product)
class ProductAdmin(ScopedImportExportMixin, admin.ModelAdmin):
    resource_classes = [ProductResource]
    list_display = ("title", "status", "category", "price", "total_stock", "updated_at")
    list_filter = ("status", "category")
    list_select_related = ("store", "category__parent__parent")
    search_fields = ("title", "slug", "variants__sku")
    autocomplete_fields = ("category",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("published_at", "updated_at")
    inlines = (ProductVariantInline, ProductImageInline)
    actions = ("publish", "unpublish", "archive")

    def get_queryset(self, request):
        # Subqueries, not aggregates over a join: searching by variant SKU joins the
        # variants again, which would count each matching variant's stock twice.
        variants = ProductVariant.objects.filter(product=OuterRef("pk")).order_by().values("product")
        return (
            super()
            .get_queryset(request)
            .annotate(
                min_price=Subquery(variants.annotate(value=Min("price")).values("value")),
                total_stock=Coalesce(Subquery(variants.annotate(value=Sum("stock")).values("value")), 0),
            )
        )

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="title")

    def get_list_filter(self, request):
        # A store filter would list every store's name: superusers only.
        return with_store_column(request, self.list_filter, after="category")

    def get_autocomplete_fields(self, request):
        return (*self.autocomplete_fields, "store") if sees_all_stores(request) else self.autocomplete_fields

    def get_fields(self, request, obj=None):
        fields = ["title", "slug", "category", "status", "description"]
        if sees_all_stores(request):
            fields.insert(0, "store")
        if obj is not None:
            fields += ["published_at", "updated_at"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        # Moving a product to another store would strand its variants' SKUs.
        if obj is not None and sees_all_stores(request):
            return (*self.readonly_fields, "store")
        return self.readonly_fields

    @admin.display(description=_("price"), ordering="min_price")
    def price(self, obj):
        return format_money(obj.min_price) or self.get_empty_value_display()

    @admin.display(description=_("stock"), ordering="total_stock")
    def total_stock(self, obj):
        return obj.total_stock

    def save_form(self, request, form, change):
        # Set before the inlines are validated, so SKUs are checked against the right store.
        obj = super().save_form(request, form, change)
        if not sees_all_stores(request):
            obj.store = seller_store(request)
        return obj

    def save_model(self, request, obj, form, change):
        if not sees_all_stores(request):
            obj.store = seller_store(request)
        # As catalog.services.update_product does: publishing stamps the first publication.
        if obj.status == Product.Status.ACTIVE and obj.published_at is None:
            obj.published_at = timezone.now()
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        before = {f.instance.pk: f.initial for f in formset.initial_forms if isinstance(f.instance, ProductVariant)}
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            if isinstance(instance, ProductVariant):
                instance.store_id = form.instance.store_id
                instance.save()
                if instance.pk in before:
                    initial = before[instance.pk]
                    services.announce_variant_change(
                        variant=instance, previous_stock=initial.get("stock"), previous_price=initial.get("price")
                    )
            elif isinstance(instance, ProductImage):
                save_image(instance)
            else:
                instance.save()
        formset.save_m2m()

    @admin.action(description=_("Publish selected products"), permissions=["change"])
    def publish(self, request, queryset):
        changed = services.publish_products(ids=self._selected_ids(queryset))
        message = ngettext("%(count)d product was published.", "%(count)d products were published.", changed)
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Unpublish selected products to draft"), permissions=["change"])
    def unpublish(self, request, queryset):
        changed = services.set_products_status(ids=self._selected_ids(queryset), status=Product.Status.DRAFT)
        message = ngettext("%(count)d product was moved to draft.", "%(count)d products were moved to draft.", changed)
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Archive selected products"), permissions=["change"])
    def archive(self, request, queryset):
        changed = services.archive_products(ids=self._selected_ids(queryset))
        message = ngettext("%(count)d product was archived.", "%(count)d products were archived.", changed)
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    @staticmethod
    def _selected_ids(queryset) -> list[int]:
        # The action's queryset is the (scoped) change list's: only the seller's own products.
        return list(queryset.order_by().values_list("pk", flat=True))
