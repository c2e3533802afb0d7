"""What catalog tells the layers above it (checkout, social), always after commit.

Handlers connect in their ``AppConfig.ready()``; the sender is ``catalog.services`` (a
seller changing a variant) and nothing else. checkout's own restocks (an order cancelled or
expired puts its units back) do not send these.
"""

from django.dispatch import Signal

# variant: ProductVariant, previous_stock: int. A seller put a sold-out variant back on sale
# (its stock went from 0 to more).
variant_restocked = Signal()
# variant: ProductVariant, old_price: int, new_price: int. A seller lowered a variant's price.
variant_price_dropped = Signal()
