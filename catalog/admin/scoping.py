"""The admin, scoped to the seller's own store: querysets, permissions, foreign-key
choices, autocomplete and 404s all go through here."""

from __future__ import annotations

import copy

from django.contrib import admin
from django.contrib.admin.options import TO_FIELD_VAR
from django.contrib.admin.utils import unquote
from django.db.models import CharField, QuerySet, Value
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from catalog.models import Store

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


# --- One row per store ------------------------------------------------------------------

# The models whose admin is a OneRowPerStoreAdminMixin (a store's settings, its channel
# connections): a seller adds their row once, then changes it.
ONE_ROW_PER_STORE: set[type] = set()


def stores_own_rows(request) -> set[str]:
    """The labels of the one-per-store models the requesting seller's store already has a row
    of: one query for all of them (a UNION; each part holds at most one row, ``store`` being
    unique), once per request. Every admin page asks, for the "Add" links of its menu."""
    if not hasattr(request, "_stores_own_rows"):
        store = seller_store(request)
        queries = [
            model.objects.filter(store=store).values_list(Value(model._meta.label, output_field=CharField()))
            for model in sorted(ONE_ROW_PER_STORE, key=lambda model: model._meta.label)
        ]
        if store is None or not queries:
            request._stores_own_rows = set()
        else:
            request._stores_own_rows = {label for (label,) in queries[0].union(*queries[1:], all=True)}
    return request._stores_own_rows


class OneRowPerStoreAdminMixin:
    """For a model with one row per store (``store`` unique): the seller adds theirs once, then
    changes it; a superuser adds one for any store."""

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        ONE_ROW_PER_STORE.add(model)

    def has_add_permission(self, request):
        if not super().has_add_permission(request):
            return False
        if sees_all_stores(request):
            return True
        return seller_store(request) is not None and self.model._meta.label not in stores_own_rows(request)


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


class OwnStoreAdminMixin(StoreScopedAdminMixin):
    """Store-scoped, for a model whose ``store`` a seller never picks (a superuser does): a
    seller's row is put in the seller's store. Set in ``save_form``, before the inlines are
    validated, so that their rules (a SKU unique in its store) are checked against that store."""

    def save_form(self, request, form, change):
        obj = super().save_form(request, form, change)
        if not sees_all_stores(request):
            obj.store = seller_store(request)
        return obj


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
