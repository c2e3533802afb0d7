"""What checkout tells the layers above it (social, chat, notifications), always after commit.

Handlers connect in their ``AppConfig.ready()``; senders are the services in
``checkout.services`` and nothing else.
"""

from django.dispatch import Signal

# payment: Payment, orders: list[Order], news_store_ids: frozenset[int], client: ClientInfo | None.
# A checkout placed its orders (one per store). ``news_store_ids``: the stores whose "send me
# news" box the buyer ticked on the checkout page (the form's ``news_from`` values, drawn by a
# higher layer in the page's "checkout_store" slot), limited to the stores ordered from;
# ``client`` (``shop.client.ClientInfo``): where the page was posted from, or None (the API).
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
