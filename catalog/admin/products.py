"""Products, variants and images in the back office."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import router, transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog import selectors, services
from catalog.admin.scoping import (
    LabelledTabularInline,
    OwnStoreAdminMixin,
    ScopedImportExportMixin,
    ScopedInlineMixin,
    StoreScopedAdminMixin,
    sees_all_stores,
    with_store_column,
)
from catalog.admin.variant_forms import (
    ProductVariantForm,
    ProductVariantInlineFormSet,
    VariantListForm,
    VariantListFormSet,
)
from catalog.models import Product, ProductImage, ProductVariant
from catalog.resources import ProductResource, VariantResource
from shop.money import format_money

# --- Variants ---------------------------------------------------------------------------


class ProductVariantInline(ScopedInlineMixin, LabelledTabularInline):
    model = ProductVariant
    form = ProductVariantForm
    formset = ProductVariantInlineFormSet
    fields = ("sku", "options", "price", "compare_at_price", "stock", "position")
    extra = 1
    store_path = "store"
    # Fits a laptop as a table and a phone as one block per variant (static/css/admin-catalog.css).
    template = "admin/catalog/edit_inline/tabular_stacking.html"

    class Media:
        css = {"all": ("css/admin-catalog.css",)}


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
        return super().get_changelist_form(request, form=VariantListForm, **kwargs)

    def get_changelist_formset(self, request, **kwargs):
        return super().get_changelist_formset(request, formset=VariantListFormSet, **kwargs)

    def changelist_view(self, request, extra_context=None):
        # The variant list's forms lock the rows they check (the stock a seller saw): the
        # locks must last until the rows are saved, in one transaction, as a change form's do.
        if request.method == "POST":
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().changelist_view(request, extra_context)
        return super().changelist_view(request, extra_context)

    def get_readonly_fields(self, request, obj=None):
        # A variant stays with its product (its SKU, orders and posts point at it there).
        return ("product",) if obj is not None else ()

    @admin.display(description=_("options"))
    def variant_options(self, obj):
        return obj.label

    @admin.display(description=_("compare-at price"), ordering="compare_at_price")
    def compare_at(self, obj):
        return format_money(obj.compare_at_price) or self.get_empty_value_display()

    def save_model(self, request, obj, form, change):
        form.save_variant()


def save_variant_formset(formset: ProductVariantInlineFormSet) -> None:
    """Save a product's variant rows through ``catalog.services``, filling the lists the
    admin's history message reads (as ``formset.save()`` would)."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for variant_form in formset.initial_forms:
        variant = variant_form.instance
        if variant.pk is None:
            continue  # a row naming a variant that is not this product's: dropped, as Django does
        if variant_form in formset.deleted_forms:
            services.delete_variant(variant=variant)
            formset.deleted_objects.append(variant)
        elif variant_form.has_changed():
            formset.changed_objects.append((variant_form.save_variant(), variant_form.changed_data))
    for variant_form in formset.extra_forms:
        if variant_form.has_changed() and variant_form not in formset.deleted_forms:
            variant_form.instance.product = formset.instance
            formset.new_objects.append(variant_form.save_variant())


# --- Images -----------------------------------------------------------------------------


def image_preview(obj) -> str:
    if obj is None or not obj.pk or not obj.image:
        return ""
    return format_html('<img src="{}" alt="{}" height="80" loading="lazy">', obj.thumbnail_url, obj.alt)


def save_image(image: ProductImage) -> None:
    """Save an image and have its renditions made (after commit) when its file is new."""
    image.save()
    if not image.renditions_ready:
        services.schedule_renditions(product_image=image)


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
class ProductAdmin(OwnStoreAdminMixin, ScopedImportExportMixin, admin.ModelAdmin):
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
        # The price shoppers see ("from", catalog.selectors.with_from_price) and the stock, as
        # subqueries, not aggregates over a join: searching by variant SKU joins the variants
        # again, which would count each matching variant's stock twice.
        return selectors.with_from_price(super().get_queryset(request))

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

    @admin.display(description=_("price"), ordering="from_price")
    def price(self, obj):
        return format_money(obj.from_price) or self.get_empty_value_display()

    @admin.display(description=_("stock"), ordering="total_stock")
    def total_stock(self, obj):
        return obj.total_stock

    def save_model(self, request, obj, form, change):
        if not change:
            services.save_new_product(product=obj)
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        services.update_product(
            product=obj, **{name: value for name, value in changes.items() if name in services.PRODUCT_EDITABLE_FIELDS}
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is ProductVariant:
            save_variant_formset(formset)
            return
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            if isinstance(instance, ProductImage):
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
