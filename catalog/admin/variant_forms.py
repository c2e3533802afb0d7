"""The variant forms of the back office: the stock input that remembers the figure it showed,
the option editor, and the forms and formsets that save through ``catalog.services``.

Why the stock input carries the figure it showed: a seller opens a product at 5 in stock,
a shopper buys 2, the seller changes the price and saves. The form posts "5" back, and the
admin, which re-reads the variant on POST, would take that for a change and write it: two
sold units back on sale. With the figure shown (``<name>_seen``, hidden) the form knows
whether the seller touched the stock at all, and if so from which figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import BaseInlineFormSet, BaseModelFormSet
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from catalog import services
from catalog.models import ProductVariant

# --- Stock ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockEntry:
    stock: int
    seen: int | None  # the figure the form showed; None on a new variant's form


class StockWidget(forms.MultiWidget):
    """The stock as a number input named ``<name>``, and the figure it showed as a hidden
    ``<name>_seen``."""

    def __init__(self, attrs=None):
        super().__init__({"": forms.NumberInput(attrs={"min": 0}), "seen": forms.HiddenInput()}, attrs)

    def decompress(self, value):
        if isinstance(value, StockEntry):
            return [value.stock, value.seen]
        return [value, value]


class StockField(forms.MultiValueField):
    widget = StockWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"incomplete": _("Enter the stock.")})
        fields = (
            forms.IntegerField(min_value=0, max_value=services.MAX_STOCK),
            forms.IntegerField(required=False, min_value=0, max_value=services.MAX_STOCK),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list or data_list[0] is None:
            return None
        return StockEntry(stock=data_list[0], seen=data_list[1] if len(data_list) > 1 else None)


# --- Options ----------------------------------------------------------------------------


class OptionsEditorWidget(forms.Widget):
    """Name and value pairs, one row each (``<name>-name`` and ``<name>-value``, repeated),
    with buttons to add and remove rows (static/js/admin-variant-options.js). Without
    JavaScript the rows shown plus one blank row still work."""

    template_name = "admin/catalog/widgets/options_editor.html"

    class Media:
        js = ("js/admin-variant-options.js",)
        css = {"all": ("css/admin-catalog.css",)}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, dict):
            rows = [(str(key), str(item)) for key, item in value.items()]
        else:
            rows = [(str(key), str(item)) for key, item in value or []]
        context["widget"]["rows"] = [*rows, ("", "")]
        context["widget"]["limits"] = {
            "name": services.MAX_OPTION_NAME_LENGTH,
            "value": services.MAX_OPTION_VALUE_LENGTH,
            "options": services.MAX_OPTIONS,
        }
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template engine: the form renderer only looks in apps and Django.
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))

    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", lambda key: [data[key]] if key in data else [])
        names, values = getlist(f"{name}-name"), getlist(f"{name}-value")
        return [(key or "", item or "") for key, item in zip_longest(names, values)]

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-name" not in data and f"{name}-value" not in data

    def id_for_label(self, id_):
        return f"{id_}-name-0" if id_ else id_


class OptionsField(forms.Field):
    """Variant options from the editor's rows, checked by ``services.validate_options``."""

    widget = OptionsEditorWidget

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        pairs = [(str(key), str(item)) for key, item in value or [] if str(key).strip() or str(item).strip()]
        try:
            return services.validate_options(pairs)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["options"]) from exc

    def prepare_value(self, value):
        return value or {}

    def has_changed(self, initial, data):
        try:
            return (initial or {}) != self.to_python(data)
        except ValidationError:
            return True


# --- The variant form -------------------------------------------------------------------


class ProductVariantForm(forms.ModelForm):
    """A variant, checked with the rules of ``catalog.services`` and saved by them
    (``save_variant``); the stock only from the figure the form showed."""

    options = OptionsField(label=_("options"), required=False)
    stock = StockField(label=_("stock"))

    class Meta:
        model = ProductVariant
        fields = ("product", "sku", "options", "price", "compare_at_price", "stock", "position")

    stock_seen: int | None = None

    def clean(self):
        data = super().clean()
        entry = data.get("stock")
        if isinstance(entry, StockEntry):
            data["stock"], self.stock_seen = entry.stock, entry.seen
        return data

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
            if self.instance.pk and self.changes_stock():
                # Locked until the admin's transaction ends: no order can take units between
                # this check and the save (``catalog.services.variants``).
                current = services.variants_for_edit(pks=[self.instance.pk])[self.instance.pk]
                services.check_stock_edit(
                    current_stock=current.stock, stock=self.cleaned_data["stock"], stock_seen=self.stock_seen
                )
        except ValidationError as exc:
            if getattr(exc, "error_dict", {}).get("stock") and self.instance.pk:
                self._show_current_stock()
            # The service says what to fix; the database constraint behind the same rule
            # (already checked by Django) only says that it "is violated".
            self._errors.pop(NON_FIELD_ERRORS, None)
            # A rule about a field this form does not show (the compare-at price, in the
            # variant list's price column) is reported on the form as a whole.
            for field, errors in exc.update_error_dict({}).items():
                self.add_error(field if field in self.fields else None, errors)

    def changes_stock(self) -> bool:
        """Whether the seller changed the stock input (from the figure it showed)."""
        if "stock" not in self.cleaned_data:
            return False
        return self.stock_seen is None or self.cleaned_data["stock"] != self.stock_seen

    def _show_current_stock(self) -> None:
        """After a stock conflict, the form shown again starts from today's figure, so that
        saving it again (once checked) is a change from that figure."""
        current = ProductVariant.objects.filter(pk=self.instance.pk).values_list("stock", flat=True).first()
        if current is not None:
            self.data = self.data.copy()
            self.data[self.add_prefix("stock") + "_seen"] = str(current)

    def save_variant(self) -> ProductVariant:
        """Save through ``catalog.services``: a new variant whole; an existing one by its
        changed fields only, its stock only when the seller changed it."""
        variant = self.instance
        if variant.pk is None:
            return services.save_new_variant(variant=variant)
        changes = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in services.VARIANT_EDITABLE_FIELDS and name != "stock"
        }
        if self.changes_stock():
            changes["stock"] = self.cleaned_data["stock"]
        return services.update_variant(variant=variant, stock_seen=self.stock_seen, **changes)


class VariantListForm(ProductVariantForm):
    """The variant list's row: only its editable columns (a field declared on the variant
    form would otherwise come along, post nothing, and read as emptied)."""

    options = None


class LockedVariantsFormSetMixin:
    """Locks the formset's existing variants, in primary-key order, before its forms check
    their stock: the forms then lock rows already held, never in an order of their own."""

    def full_clean(self):
        if self.is_bound:
            services.variants_for_edit(pks=self.get_queryset().values_list("pk", flat=True))
        super().full_clean()


class ProductVariantInlineFormSet(LockedVariantsFormSetMixin, BaseInlineFormSet):
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


class VariantListFormSet(LockedVariantsFormSetMixin, BaseModelFormSet):
    """The variant list's editable columns (price, stock)."""
