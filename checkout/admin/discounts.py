"""Discount codes: a seller's codes for their own store; superusers also make site-wide ones."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog.admin.scoping import (
    OwnStoreAdminMixin,
    sees_all_stores,
    with_store_column,
)
from checkout.models import DiscountCode
from shop.money import format_money, to_major, to_minor

EDITABLE_FIELDS = (
    "store",
    "code",
    "kind",
    "value",
    "min_spend",
    "starts_at",
    "ends_at",
    "usage_limit",
    "per_user_limit",
    "is_active",
)


class DiscountCodeForm(forms.ModelForm):
    """The model's rules (its database constraints) said in words a seller can act on.

    ``value`` is typed as shoppers read it: a percentage, or an amount in rupiah for a
    fixed code (stored in sen, like every amount).
    """

    value = forms.DecimalField(
        label=_("value"),
        min_value=Decimal(0),
        help_text=_("The percentage (1 to 100) for a percentage code; the amount in rupiah for a fixed one."),
        widget=forms.NumberInput(attrs={"step": "any"}),
    )

    class Meta:
        model = DiscountCode
        fields = EDITABLE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.kind == DiscountCode.Kind.FIXED and "value" not in self.data:
            major = to_major(self.instance.value)
            self.initial["value"] = major.quantize(Decimal(1)) if major == major.to_integral_value() else major

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip()
        taken = DiscountCode.objects.filter(code__iexact=code)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if code and taken.exists():
            # Codes are unique across the site (shoppers type them at any store's checkout).
            raise forms.ValidationError(
                _("The code %(code)s is already in use on Etalase. Choose another."), params={"code": code}
            )
        return code

    def clean(self):
        cleaned_data = super().clean()
        kind, value = cleaned_data.get("kind"), cleaned_data.get("value")
        if kind and value is not None:
            if kind == DiscountCode.Kind.PERCENTAGE:
                if value != value.to_integral_value() or not 1 <= value <= 100:
                    self.add_error("value", _("A percentage is a whole number from 1 to 100."))
                else:
                    cleaned_data["value"] = int(value)
            else:
                try:
                    minor = to_minor(value)
                except ValueError:
                    minor = None
                if minor is None:
                    self.add_error("value", _("Enter a valid amount."))
                elif minor < 1:
                    self.add_error("value", _("A fixed discount must be more than zero."))
                else:
                    cleaned_data["value"] = minor
        starts_at, ends_at = cleaned_data.get("starts_at"), cleaned_data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The code must end after it starts."))
        usage_limit = cleaned_data.get("usage_limit")
        if usage_limit is not None and usage_limit < self.instance.times_used:
            self.add_error(
                "usage_limit",
                _("This code was already used %(count)d times: the limit cannot be lower.")
                % {"count": self.instance.times_used},
            )
        return cleaned_data


@admin.register(DiscountCode)
class DiscountCodeAdmin(OwnStoreAdminMixin, admin.ModelAdmin):
    """The seller's discount codes (their store's only); site-wide codes are the superusers'."""

    store_path = "store"
    form = DiscountCodeForm
    list_display = ("code", "kind", "value_display", "min_spend_display", "starts_at", "ends_at", "usage", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("store",)
    search_fields = ("code",)
    ordering = ("-created_at", "-id")
    readonly_fields = ("times_used", "created_at")

    def get_fields(self, request, obj=None):
        fields = [name for name in EDITABLE_FIELDS if name != "store"]
        if sees_all_stores(request):
            fields.insert(0, "store")
        if obj is not None:
            fields += ["times_used", "created_at"]
        return fields

    def get_autocomplete_fields(self, request):
        return ("store",) if sees_all_stores(request) else ()

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="code", column="store_column")

    def get_list_filter(self, request):
        return with_store_column(request, self.list_filter, after="is_active")

    @admin.display(description=_("value"), ordering="value")
    def value_display(self, obj):
        if obj.kind == DiscountCode.Kind.PERCENTAGE:
            return f"{obj.value}%"
        return format_money(obj.value)

    @admin.display(description=_("minimum spend"), ordering="min_spend")
    def min_spend_display(self, obj):
        return format_money(obj.min_spend)

    @admin.display(description=_("used"), ordering="times_used")
    def usage(self, obj):
        if obj.usage_limit is None:
            return str(obj.times_used)
        return f"{obj.times_used} / {obj.usage_limit}"

    @admin.display(description=_("store"), ordering="store__name")
    def store_column(self, obj):
        return obj.store or _("Site-wide")

    def save_model(self, request, obj, form, change):
        if change:
            # Never write back ``times_used``: checkouts count uses on the row meanwhile.
            obj.save(update_fields=list(EDITABLE_FIELDS))
        else:
            obj.save()
