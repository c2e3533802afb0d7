"""What checkout tells the layers above it (social, chat, notifications), always after commit.

Handlers connect in their ``AppConfig.ready()``; senders are the services in
``checkout.services`` and nothing else.
"""

from django.dispatch import Signal

# payment: Payment, orders: list[Order]. A checkout placed its orders (one per store).
order_placed = Signal()
# order: Order, from_status: str, to_status: str, actor: User | None.
order_status_changed = Signal()
# order: Order. The order's money arrived (card, confirmed transfer, or cash at the door).
order_paid = Signal()
# cart: Cart (a signed-in shopper's: ``cart.user_id`` is set), store_ids: frozenset[int]. What
# the cart holds from these stores changed: a line added, changed or removed, a visitor's cart
# merged in at login, or lines bought (placing an order empties them). Never for a visitor's
# cart (nobody chats with a visitor). Sent on commit, robustly: a handler that fails is logged
# and never fails the shopper's change.
cart_changed = Signal()
