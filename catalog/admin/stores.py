"""Stores and categories in the back office."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from catalog import services
from catalog.admin.scoping import (
    StoreScopedAdminMixin,
    sees_all_stores,
)
from catalog.models import Category, Store

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
