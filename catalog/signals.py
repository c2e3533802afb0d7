"""What catalog tells the layers above it (checkout, social, marketing), always after commit.

Handlers connect in their ``AppConfig.ready()``. The variants' sender is
``catalog.services.announce_variant_change``: a seller changing a variant, or checkout putting
an order's units back (cancelled, expired, refused, refunded before shipping); the store's is
``catalog.services.open_store``.
"""

from django.dispatch import Signal

# variant: ProductVariant, previous_stock: int. A sold-out variant is back on sale
# (its stock went from 0 to more).
variant_restocked = Signal()
# variant: ProductVariant, old_price: int, new_price: int. A seller lowered a variant's price.
variant_price_dropped = Signal()
# store: Store. A seller opened their store (marketing sets up its automatic emails, switched off).
store_opened = Signal()
