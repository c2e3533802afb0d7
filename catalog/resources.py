"""CSV import and export of products and variants for the admin (django-import-export).

A resource is always scoped: ``store=`` (a seller: only that store's rows are read,
and every imported row lands in that store) or ``all_stores=True`` (a superuser).
Built with neither, as import-export does internally to learn the column names, it
reads nothing and imports nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from catalog import services
from catalog.models import Category, Product, ProductVariant, Store
from shop.money import to_major, to_minor


class ScopedResourceMixin:
    """Holds the store an import or export is limited to."""

    def __init__(self, *, store: Store | None = None, all_stores: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self.all_stores = all_stores
        # Per row being imported (by instance): what it held before the row was applied.
        self.before: dict[int, dict] = {}

    def scope(self, queryset: QuerySet, store_lookup: str) -> QuerySet:
        if self.all_stores:
            return queryset
        if self.store is None:
            return queryset.none()
        return queryset.filter(**{store_lookup: self.store})

    def filter_export(self, queryset, **kwargs):
        # The admin hands over its own (already scoped) queryset; narrowing it again
        # means that a resource can never export beyond its scope.
        return super().filter_export(self.scope(queryset, self.store_lookup), **kwargs)

    def before_import(self, dataset, **kwargs):
        if not self.all_stores and self.store is None:
            raise ValidationError(_("Open a store before importing."))
        super().before_import(dataset, **kwargs)


def field_values(instance, names) -> dict:
    return {name: getattr(instance, name) for name in names}


def changed_values(instance, before: dict) -> dict:
    """The fields of ``instance`` whose value differs from ``before`` (``field_values``)."""
    return {name: getattr(instance, name) for name, value in before.items() if getattr(instance, name) != value}


class StrippedCharWidget(widgets.CharWidget):
    """Text without surrounding blanks, as an identifier (slug, SKU) must be matched."""

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row=row, **kwargs)
        return value.strip() if isinstance(value, str) else value


class SlugForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related object's slug; an unknown slug is a row error."""

    def __init__(self, model, *, not_found, queryset=None, **kwargs):
        super().__init__(model, field="slug", **kwargs)
        self.not_found = not_found
        self.queryset = queryset

    def get_queryset(self, value, row, *args, **kwargs):
        return self.queryset() if self.queryset else self.model._default_manager.all()

    def clean(self, value, row=None, **kwargs):
        value = str(value).strip() if value is not None else ""
        if not value:
            return None
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(self.not_found % {"slug": value})


class MoneyWidget(widgets.Widget):
    """An amount written in major units (``150000`` rupiah), held in minor units."""

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        try:
            return to_minor(str(value).strip())
        except ValueError:
            raise ValueError(_("Write the amount as a plain number of rupiah, for example 150000."))

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        major = to_major(value)
        return str(major.quantize(Decimal(1)) if major == major.to_integral_value() else major)


class WholeNumberWidget(widgets.IntegerWidget):
    """A whole number; an empty cell is ``None`` (the field then keeps its value)."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except (ArithmeticError, ValueError):
            raise ValueError(_("Write a whole number, for example 12."))


class StatusWidget(widgets.Widget):
    """``draft``, ``active`` or ``archived``; an empty cell leaves the status as it is."""

    def clean(self, value, row=None, **kwargs):
        value = str(value).strip().lower() if value is not None else ""
        if not value:
            return None
        if value not in Product.Status.values:
            raise ValueError(
                _("Unknown status “%(status)s”: use one of %(choices)s.")
                % {"status": value, "choices": ", ".join(Product.Status.values)}
            )
        return value


class OptionsWidget(widgets.Widget):
    """Variant options as a JSON object, for example ``{"Size": "M"}``."""

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return {}
        try:
            options = json.loads(str(value))
        except json.JSONDecodeError:
            raise ValueError(_('Write the options as JSON, for example {"Size": "M"}.'))
        if not isinstance(options, dict):
            raise ValueError(_('Write the options as JSON, for example {"Size": "M"}.'))
        return options

    def render(self, value, obj=None, **kwargs):
        return json.dumps(value or {}, ensure_ascii=False)


class ProductResource(ScopedResourceMixin, resources.ModelResource):
    """Products by slug. A seller's rows always belong to the seller's store."""

    store_lookup = "store"

    slug = fields.Field(attribute="slug", column_name="slug", widget=StrippedCharWidget())
    category = fields.Field(
        attribute="category",
        column_name="category",
        widget=SlugForeignKeyWidget(Category, not_found=_("There is no category with the slug “%(slug)s”.")),
    )
    status = fields.Field(attribute="status", column_name="status", widget=StatusWidget(), saves_null_values=False)
    store = fields.Field(
        attribute="store",
        column_name="store",
        widget=SlugForeignKeyWidget(Store, not_found=_("There is no store with the slug “%(slug)s”.")),
        # An empty cell keeps the product where it is (and is refused for a new product).
        saves_null_values=False,
    )

    class Meta:
        model = Product
        fields = ("slug", "title", "description", "category", "status", "store")
        import_id_fields = ("slug",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        name = _("Products")

    def get_queryset(self):
        return self.scope(Product.objects.select_related("store", "category"), "store")

    def get_import_fields(self):
        # Sellers cannot choose the store: the column is exported, but never imported.
        import_fields = super().get_import_fields()
        if self.all_stores:
            return import_fields
        return [field for field in import_fields if field.column_name != "store"]

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new:
            return
        slug = self.fields["slug"].clean(row) if "slug" in row else ""
        if slug and Product.objects.filter(slug=slug).exists():
            # The slug exists but not in this resource's scope: another store's product.
            raise ValidationError({"slug": _("Another store already has a product with the slug “%s”.") % slug})
        if not self.all_stores:
            instance.store = self.store

    def import_instance(self, instance, row, **kwargs):
        original_store_id = instance.store_id if instance.pk else None
        self.before[id(instance)] = field_values(instance, services.PRODUCT_EDITABLE_FIELDS)
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if original_store_id is not None and instance.store_id != original_store_id:
            errors.setdefault("store", []).append(
                ValidationError(_("A product cannot move to another store."), code="invalid")
            )
        if not instance.slug and instance.title:
            instance.slug = services.unique_slug(model=Product, text=instance.title, max_length=160)
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance, is_create):
        # Through catalog.services, as every product write: a new product whole, an existing
        # one by the columns this row changed.
        before = self.before.pop(id(instance))
        if is_create:
            services.save_new_product(product=instance)
        else:
            services.update_product(product=instance, **changed_values(instance, before))


class ProductOfScopeWidget(SlugForeignKeyWidget):
    def __init__(self, resource_scope, **kwargs):
        super().__init__(Product, **kwargs)
        self.resource_scope = resource_scope

    def get_queryset(self, value, row, *args, **kwargs):
        return self.resource_scope(Product.objects.all(), "store")


class VariantResource(ScopedResourceMixin, resources.ModelResource):
    """Variants by SKU within a store; the product column is one of the store's product slugs."""

    store_lookup = "store"

    sku = fields.Field(attribute="sku", column_name="sku", widget=StrippedCharWidget())
    product = fields.Field(attribute="product", column_name="product")
    options = fields.Field(attribute="options", column_name="options", widget=OptionsWidget())
    price = fields.Field(attribute="price", column_name="price", widget=MoneyWidget())
    compare_at_price = fields.Field(attribute="compare_at_price", column_name="compare_at_price", widget=MoneyWidget())
    # Empty stock or position cells keep the current value (0 for a new variant).
    stock = fields.Field(attribute="stock", column_name="stock", widget=WholeNumberWidget(), saves_null_values=False)
    # Stock moves with every order. An export carries the stock it read twice: ``stock``, to
    # edit, and ``stock_seen``, to tell on import whether (and from what) the seller changed it.
    # ``stock_change`` (``10`` received, ``-2`` broken) changes the stock as it is at import.
    stock_seen = fields.Field(column_name="stock_seen", widget=WholeNumberWidget())
    stock_change = fields.Field(column_name="stock_change", widget=WholeNumberWidget())
    position = fields.Field(
        attribute="position", column_name="position", widget=WholeNumberWidget(), saves_null_values=False
    )

    class Meta:
        model = ProductVariant
        fields = (
            "sku",
            "product",
            "options",
            "price",
            "compare_at_price",
            "stock",
            "stock_seen",
            "stock_change",
            "position",
        )
        import_id_fields = ("sku",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        name = _("Variants")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["product"].widget = ProductOfScopeWidget(
            self.scope, not_found=_("None of your products has the slug “%(slug)s”.")
        )

    def get_queryset(self):
        return self.scope(ProductVariant.objects.select_related("product"), "store")

    def get_instance(self, instance_loader, row):
        """The variant with this SKU in the store of the row's product (SKUs are unique per store)."""
        try:
            product = self.fields["product"].clean(row)
        except (KeyError, ValueError):
            return None
        sku = self.fields["sku"].clean(row) if "sku" in row else ""
        if product is None or not sku:
            return None
        return self.get_queryset().filter(store_id=product.store_id, sku=sku).first()

    def dehydrate_stock_seen(self, variant) -> int:
        return variant.stock

    def dehydrate_stock_change(self, variant) -> str:
        return ""

    def import_instance(self, instance, row, **kwargs):
        before = field_values(instance, services.VARIANT_EDITABLE_FIELDS)
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        finally:
            if instance.product_id:
                instance.store_id = instance.product.store_id
        stock_edit = {}
        for name in ("stock_seen", "stock_change"):
            try:
                stock_edit[name] = self.fields[name].clean(row) if name in row else None
            except ValueError as exc:
                errors.setdefault(name, []).append(ValidationError(str(exc), code="invalid"))
                stock_edit[name] = None
        typed_from = stock_edit["stock_seen"] if stock_edit["stock_seen"] is not None else before["stock"]
        if instance.pk and stock_edit["stock_change"] is not None and instance.stock != typed_from:
            errors.setdefault("stock_change", []).append(
                ValidationError(_("Give either a new stock or a change to it, not both."), code="invalid")
            )
        if instance.pk and (
            stock_edit["stock_change"] is not None
            or (stock_edit["stock_seen"] is not None and instance.stock == stock_edit["stock_seen"])
        ):
            # The seller left the stock as exported (or changes it relatively): keep the
            # figure of now, which orders may have lowered since the export.
            instance.stock = before["stock"]
        elif not instance.pk and stock_edit["stock_change"] is not None:
            instance.stock = (instance.stock or 0) + stock_edit["stock_change"]
            stock_edit["stock_change"] = None
        self.before[id(instance)] = {"fields": before, **stock_edit}
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if self.before.get(id(instance), {}).get("stock_change"):
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def do_instance_save(self, instance, is_create):
        # Through catalog.services, as every variant write: an existing variant by the columns
        # this row changed, its stock checked against the figure exported (``stock_seen``).
        before = self.before.pop(id(instance))
        if is_create:
            services.save_new_variant(variant=instance)
            return
        services.update_variant(
            variant=instance,
            stock_seen=before["stock_seen"],
            stock_change=before["stock_change"],
            **changed_values(instance, before["fields"]),
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.price is None and "price" not in errors:
            errors["price"] = [ValidationError(_("Give the variant a price."), code="required")]
        if not errors.keys() & {"product", "price"} and instance.product_id:
            try:
                services.validate_variant(instance)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        super().validate_instance(instance, errors, validate_unique=validate_unique)
