"""The social back office in the Django admin.

Sellers see their store's side of the social layer, scoped to their own store exactly
like the catalog admin (``catalog.admin.scoping.StoreScopedAdminMixin``): the posts
published as their store (captions and product tags), the posts of other people that tag
their products, and the comments on their posts, which they hide or show again.
Superusers see everything, can hide posts, and look at profiles, follows, blocks and
hashtags. Every change goes through ``social.services``, so counters stay exact.

The sellers group gets the permissions in ``social.sellers.SELLER_PERMISSIONS``.
"""

from social.admin import accounts, comments, posts, reviews  # noqa: F401  (registers the ModelAdmins)
