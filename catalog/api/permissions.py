"""Who may change what: the owner of a store changes it and everything in it; sellers add products."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from catalog.models import Product, ProductImage, ProductVariant, Store


def owner_id_of(obj) -> int | None:
    """The user id of whoever owns ``obj``'s store."""
    if isinstance(obj, Store):
        return obj.owner_id
    if isinstance(obj, Product | ProductVariant):
        return obj.store.owner_id
    if isinstance(obj, ProductImage):
        return obj.product.store.owner_id
    return None


def store_of(user) -> Store | None:
    """``user``'s store, or ``None`` for anonymous users and shoppers without one."""
    return getattr(user, "store", None) if user.is_authenticated else None


class IsStoreOwnerOrReadOnly(permissions.BasePermission):
    """Anyone may read what they can see; only the owner of the store may change it."""

    message = _("Only the owner of this store can change it.")

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.is_authenticated and owner_id_of(obj) == request.user.pk


class IsSeller(permissions.BasePermission):
    message = _("Only sellers can add products: open a store first.")

    def has_permission(self, request, view) -> bool:
        return store_of(request.user) is not None
