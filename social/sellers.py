"""What sellers may do with social models in the admin, granted to catalog's sellers group.

catalog owns the group and must not import social, so social says what to add, from
``SocialConfig.ready()``: ``catalog.services.register_seller_permissions``. New sellers
get it at once (``make_seller`` calls ``ensure_sellers_group``); an existing group gets it
after the next ``migrate``, from the ``post_migrate`` receiver below. A data migration
could not do this: permissions only exist once Django's own ``post_migrate`` receiver
(which runs before this one) has created them.
"""

from __future__ import annotations

from django.db.models.signals import post_migrate

# social/admin/ keeps a seller to the posts of their own store, the tags of their products
# and the comments on their posts. Posts are published on the site; the admin edits
# captions and tags, deletes, and hides comments.
SELLER_PERMISSIONS = {
    "post": ("view", "change", "delete"),
    "postimage": ("view",),
    "producttag": ("view", "add", "change", "delete"),
    "taggedpost": ("view",),
    "comment": ("view", "change"),
    # Reviews of their products: read, hide and show again, reply (social/admin/reviews.py).
    "review": ("view", "change"),
    "reviewphoto": ("view",),
}


def refresh_sellers_group(**kwargs) -> None:
    """After ``migrate``: the sellers group gets exactly its permissions, social's included."""
    from catalog.services import ensure_sellers_group

    ensure_sellers_group()


def connect(app_config) -> None:
    from catalog.services import register_seller_permissions

    register_seller_permissions(app_label=app_config.label, permissions=SELLER_PERMISSIONS)
    post_migrate.connect(refresh_sellers_group, sender=app_config, dispatch_uid="social.refresh_sellers_group")
