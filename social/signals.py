"""What social tells the layers above it (marketing), always after commit.

Senders are the services in ``social.services`` and nothing else; handlers connect in their
``AppConfig.ready()``. Sent robustly: a handler that fails is logged and never fails the
shopper's action (it was committed already).
"""

from django.dispatch import Signal

# follower: User, store_id: int. ``follower`` started following a store's profile
# (``social.services.follow``, a new follow only: following again sends nothing). On commit.
store_followed = Signal()

# --- Asked by social's pages (``shop.signals`` says how; receivers return what they add) -----

# request, product -> HTML in the feed's product sheet (chat's "Chat with the seller").
product_sheet_shown = Signal()
