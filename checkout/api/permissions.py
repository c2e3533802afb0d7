"""Who may act: shoppers on their own cart, addresses, payments and orders (the views scope
every query to the caller); sellers on their own store's orders."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from catalog.api.permissions import store_of


class HasStore(permissions.BasePermission):
    """The caller owns a store: the seller's order desk is theirs alone."""

    message = _("Only sellers have a store's orders: open a store first.")

    def has_permission(self, request, view) -> bool:
        return store_of(request.user) is not None
