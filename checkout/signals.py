"""What checkout tells the layers above it (social, chat, notifications), always after commit.

Handlers connect in their ``AppConfig.ready()``; senders are the services in
``checkout.services`` and nothing else.
"""

from django.dispatch import Signal

# payment: Payment, orders: list[Order], news_store_ids: frozenset[int], client: ClientInfo | None.
# A checkout placed its orders (one per store). ``news_store_ids``: the stores whose "send me
# news" box the buyer ticked on the checkout page (the form's ``news_from`` values, drawn by a
# higher layer answering ``checkout_store_shown``), limited to the stores ordered from;
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

# --- Asked by checkout (``shop.signals`` says how; receivers return what they add) ------------

# request, store, block -> HTML under each store's lines in the cart (chat's buttons).
cart_store_shown = Signal()
# request, store -> HTML under each store's lines at checkout (marketing's "send me news").
checkout_store_shown = Signal()
# request, order -> HTML on the buyer's order page (chat's button and WhatsApp updates).
order_page_shown = Signal()
# pairs: set[tuple[int, int]] -> set[tuple[int, int]]: which ``(user_id, product_id)`` pairs
# have a review (social, one query), so a review request never asks for one written already.
reviewed_products_wanted = Signal()
# kind: str, reference: int, buyer: User, locked: bool -> SpecialTerms | None. The special
# terms ``"<kind>:<reference>"`` (``checkout.terms``) as the app that made them (chat's
# offers) holds them now, for ``buyer`` only; ``None`` from every app that does not own
# ``kind``. ``locked``: the caller is placing the order in a transaction, so the owner locks
# the terms' row (a second placement waits, then finds them used). The owner raises
# ``Http404`` for terms that are not the buyer's (or do not exist) and
# ``checkout.exceptions.TermsUnavailable`` for terms that can no longer be used.
special_terms_wanted = Signal()
# terms: SpecialTerms, buyer: User, orders: list[Order] -> True from the owner of
# ``terms.kind``. Sent inside the placing transaction (which holds the terms' lock): the
# order was placed on ``terms``, so their owner marks them used.
special_terms_used = Signal()
