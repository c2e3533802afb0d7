"""A store's shipping and payment settings: one row per store, edited by its seller."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog.admin.scoping import (
    OneRowPerStoreAdminMixin,
    OwnStoreAdminMixin,
    sees_all_stores,
    seller_store,
)
from checkout.models import StoreCheckoutSettings
from shop.money import format_money

BANK_FIELDS = ("bank_name", "bank_account_number", "bank_account_holder")


class StoreCheckoutSettingsForm(forms.ModelForm):
    class Meta:
        model = StoreCheckoutSettings
        fields = (
            "store",
            "shipping_flat_rate",
            "free_shipping_threshold",
            *BANK_FIELDS,
            "cod_enabled",
            "cod_fee",
            "cod_max_order",
        )

    def clean(self):
        cleaned_data = super().clean()
        filled = [name for name in BANK_FIELDS if name in self.fields and (cleaned_data.get(name) or "").strip()]
        if filled and len(filled) < len(BANK_FIELDS):
            # Half an account would show buyers a transfer they cannot make.
            for name in BANK_FIELDS:
                if name in self.fields and name not in filled and name not in self.errors:
                    self.add_error(
                        name,
                        _("Fill in the bank, the account number and the holder's name, or leave all three empty."),
                    )
        for name in BANK_FIELDS:
            if isinstance(cleaned_data.get(name), str):
                cleaned_data[name] = cleaned_data[name].strip()
        return cleaned_data


@admin.register(StoreCheckoutSettings)
class StoreCheckoutSettingsAdmin(OneRowPerStoreAdminMixin, OwnStoreAdminMixin, admin.ModelAdmin):
    """How the seller's store ships and gets paid. A seller has one row, for their own store."""

    store_path = "store"
    form = StoreCheckoutSettingsForm
    list_display = ("store", "flat_rate", "free_from", "accepts_bank_transfer", "cod_enabled")
    list_select_related = ("store",)
    search_fields = ("store__name",)
    ordering = ("store__name",)

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                _("Shipping"),
                {"fields": ["shipping_flat_rate", "free_shipping_threshold"]},
            ),
            (
                _("Bank transfer"),
                {
                    "fields": list(BANK_FIELDS),
                    "description": _(
                        "The account your buyers transfer to. Leave it empty if you do not take bank transfers."
                    ),
                },
            ),
            (
                _("Cash on delivery"),
                {"fields": ["cod_enabled", "cod_fee", "cod_max_order"]},
            ),
        ]
        if sees_all_stores(request):
            fieldsets.insert(0, (None, {"fields": ["store"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        # The store is the row's key: it is chosen once, by a superuser, when the row is added.
        return ("store",) if obj is not None and sees_all_stores(request) else ()

    def get_autocomplete_fields(self, request):
        return ("store",) if sees_all_stores(request) else ()

    @staticmethod
    def has_settings(store) -> bool:
        return StoreCheckoutSettings.objects.filter(store=store).exists()

    def changelist_view(self, request, extra_context=None):
        """A seller has (at most) one row: take them straight to it, or to adding it."""
        store = None if sees_all_stores(request) else seller_store(request)
        if store is not None and request.method == "GET":
            if self.has_settings(store):
                return HttpResponseRedirect(reverse("admin:checkout_storecheckoutsettings_change", args=[store.pk]))
            if self.has_add_permission(request):
                return HttpResponseRedirect(reverse("admin:checkout_storecheckoutsettings_add"))
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("shipping"), ordering="shipping_flat_rate")
    def flat_rate(self, obj):
        return format_money(obj.shipping_flat_rate)

    @admin.display(description=_("free shipping from"), ordering="free_shipping_threshold")
    def free_from(self, obj):
        return format_money(obj.free_shipping_threshold) or self.get_empty_value_display()

    @admin.display(description=_("bank transfer"), boolean=True)
    def accepts_bank_transfer(self, obj):
        return obj.accepts_bank_transfer
