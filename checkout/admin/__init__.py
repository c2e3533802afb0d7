"""Checkout in the seller's back office.

Sellers see their own store's orders, shipping and payment settings and discount codes,
scoped exactly like the catalog admin (``catalog.admin.scoping.StoreScopedAdminMixin``):
another store's rows answer 404. Orders are read only and move on through buttons, each a
confirmed POST to one service of ``checkout.services`` (or ``checkout.payments`` for a
refund); packing slips and invoices print from the order's page. Payments, Stripe events,
carts and address books are for superusers only.

The sellers group's permissions are registered in ``checkout.apps``.
"""

from checkout.admin import discounts, orders, private, settings  # noqa: F401  (registers the ModelAdmins)
