"""Whose figures a request may read: a seller their own store's; the site's staff (superusers)
any store's, chosen with ``?store=<id>``, and every store's together. Shared by the pages, the
CSV files and the API, so the rule is written once."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from catalog.models import Store


def is_staff(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_superuser


def store_for(user, wanted: str | None) -> Store | None:
    """The store whose figures ``user`` reads: their own, or (staff) the one ``wanted`` names;
    None for staff who named none. ``Http404`` for a store that does not exist or is not
    theirs (nothing tells another store's figures exist), ``PermissionDenied`` for someone
    with no store."""
    if is_staff(user):
        if not wanted:
            return None
        if not wanted.isdigit() or len(wanted) > 18:
            raise Http404(_("No such store."))
        store = Store.objects.filter(pk=int(wanted)).first()
        if store is None:
            raise Http404(_("No such store."))
        return store
    store = Store.objects.filter(owner=user).first() if user.is_authenticated else None
    if store is None:
        raise PermissionDenied(_("Insights are for sellers: open a store to see its figures."))
    if wanted and wanted != str(store.pk):
        raise Http404(_("No such store."))
    return store
