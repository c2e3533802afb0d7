"""The seller's back office in the Django admin.

A seller (staff, in the "sellers" group, owner of a store) sees and edits only their
own store's rows; a superuser sees everything. The scoping lives in one place,
``StoreScopedAdminMixin``: querysets, object permissions, foreign-key choices and
autocomplete all go through it, and an object outside the scope answers 404.
"""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import TO_FIELD_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Min, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from catalog import services
from catalog.models import Category, Product, ProductImage, ProductVariant, Store
from catalog.resources import ProductResource, VariantResource
from shop.money import format_money

# --- Scoping ----------------------------------------------------------------------------


def seller_store(request) -> Store | None:
    """The store of the user making ``request``, or ``None``. Looked up once per request."""
    if not hasattr(request, "_seller_store"):
        user = request.user
        request._seller_store = Store.objects.filter(owner=user).first() if user.is_authenticated else None
    return request._seller_store


def sees_all_stores(request) -> bool:
    return request.user.is_active and request.user.is_superuser


def scope_to_store(request, queryset: QuerySet, store_path: str) -> QuerySet:
    """``queryset`` limited to the requesting seller's store (``store_path`` leads to it)."""
    if sees_all_stores(request):
        return queryset
    store = seller_store(request)
    if store is None:
        return queryset.none()
    return queryset.filter(**{store_path or "pk": store.pk})


class StoreScopedAdminMixin:
    """Limits a ModelAdmin to the seller's own store.

    ``store_path`` is the lookup from the model to its ``Store``: ``"store"``,
    ``"product__store"``, or ``""`` for the Store model itself.
    """

    store_path = "store"

    def get_queryset(self, request):
        return scope_to_store(request, super().get_queryset(request), self.store_path)

    def store_id_of(self, obj) -> int | None:
        if not self.store_path:
            return obj.pk
        *hops, last = self.store_path.split("__")
        for hop in hops:
            obj = getattr(obj, hop, None)
            if obj is None:
                return None
        return getattr(obj, f"{last}_id", None)

    def in_scope(self, request, obj) -> bool:
        if obj is None or sees_all_stores(request):
            return True
        store = seller_store(request)
        return store is not None and self.store_id_of(obj) == store.pk

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.in_scope(request, obj)

    def has_add_permission(self, request):
        # A seller without a store has nowhere to put a new row.
        return super().has_add_permission(request) and (sees_all_stores(request) or seller_store(request) is not None)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Foreign-key choices (product of a variant, store of a product) come from the seller's store."""
        related_model = db_field.remote_field.model
        related_admin = (
            self.admin_site.get_model_admin(related_model) if self.admin_site.is_registered(related_model) else None
        )
        if "queryset" not in kwargs and isinstance(related_admin, StoreScopedAdminMixin):
            queryset = related_model._default_manager.all()
            ordering = related_admin.get_ordering(request)
            if ordering:
                queryset = queryset.order_by(*ordering)
            kwargs["queryset"] = scope_to_store(request, queryset, related_admin.store_path)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Django's admin answers an object it cannot find with a redirect and a message;
    # an object of another store simply does not exist here: 404.
    def _get_object_or_404(self, request, object_id: str) -> None:
        to_field = request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR))
        if to_field and not self.to_field_allowed(request, to_field):
            return  # Django's own view refuses the request.
        if self.get_object(request, unquote(object_id), to_field) is None:
            raise Http404(_("No %(name)s with this ID.") % {"name": self.opts.verbose_name})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._get_object_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._get_object_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._get_object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)


class ScopedImportExportMixin(StoreScopedAdminMixin, ImportExportMixin):
    """CSV import and export limited to the seller's store (see ``catalog.resources``)."""

    formats = (base_formats.CSV,)

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_resource_kwargs(self, request, *args, **kwargs):
        kwargs = super().get_resource_kwargs(request, *args, **kwargs)
        if sees_all_stores(request):
            kwargs.update(all_stores=True, store=None)
        else:
            kwargs.update(all_stores=False, store=seller_store(request))
        return kwargs


def with_store_column(request, columns: tuple, after: str, column: str = "store") -> tuple:
    """``columns`` with a store column after ``after``, for superusers only."""
    if not sees_all_stores(request):
        return columns
    position = columns.index(after) + 1
    return (*columns[:position], column, *columns[position:])


# --- Stores -----------------------------------------------------------------------------


@admin.register(Store)
class StoreAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    store_path = ""
    list_display = ("name", "slug", "owner", "is_active", "created_at")
    list_filter = ("is_active",)
    list_select_related = ("owner",)
    search_fields = ("name", "slug", "owner__username")
    fields = ("owner", "name", "slug", "logo", "description", "whatsapp", "is_active", "created_at")
    autocomplete_fields = ("owner",)
    prepopulated_fields = {"slug": ("name",)}

    def get_readonly_fields(self, request, obj=None):
        if sees_all_stores(request):
            return ("created_at",)
        # Hiding a whole store is the platform's call, and a store keeps its owner.
        return ("owner", "is_active", "created_at")

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if obj is None else {}

    def has_add_permission(self, request):
        # Sellers open their store on the site (catalog.services.open_store).
        return sees_all_stores(request) and super().has_add_permission(request)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "owner" in form.changed_data:
            services.make_seller(user=obj.owner)


# --- Categories -------------------------------------------------------------------------


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ("name", "slug", "parent", "position")

    def clean(self):
        cleaned_data = super().clean()
        if "parent" in cleaned_data:
            try:
                services.validate_category_parent(category=self.instance, parent=cleaned_data["parent"])
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned_data


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Superusers manage the category tree; sellers may only look (and search, for autocomplete)."""

    form = CategoryAdminForm
    list_display = ("__str__", "slug", "depth", "position")
    list_filter = ("depth",)
    list_select_related = ("parent__parent",)
    search_fields = ("name", "slug")
    ordering = ("depth", "position", "name")
    fields = ("name", "slug", "parent", "position", "depth")
    readonly_fields = ("depth",)
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        # Sets the depth, and the depths of everything below a moved category.
        services.save_category(category=obj)


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


class ScopedInlineMixin:
    store_path = "product__store"

    def get_queryset(self, request):
        return scope_to_store(request, super().get_queryset(request), self.store_path)


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs are named after their column.

    Django's tabular inline puts the labels in the table head only, so each cell's input
    has no accessible name: a screen reader announces "edit text", not "SKU".
    """

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields  # the form class is made for this call, its dict too
        for name, field in fields.items():
            if field.label and not field.widget.is_hidden:
                # A field declared on the form class is shared with it: change a copy.
                fields[name] = field = copy.deepcopy(field)
                field.widget.attrs.setdefault("aria-label", field.label)
        return formset


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
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            if isinstance(instance, ProductVariant):
                instance.store_id = form.instance.store_id
                instance.save()
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
