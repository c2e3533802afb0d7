"""The seller's back office in the Django admin.

A seller (staff, in the "sellers" group, owner of a store) sees and edits only their
own store's rows; a superuser sees everything. The scoping lives in one place,
``StoreScopedAdminMixin``: querysets, object permissions, foreign-key choices and
autocomplete all go through it, and an object outside the scope answers 404.
"""

from catalog.admin import products, stores  # noqa: F401  (registers the ModelAdmins)
