"""What checkout tells the layers above it (social, notifications), always after commit.

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
