"""What catalog tells the layers above it (checkout, social, marketing), and what its pages ask them.

Handlers connect in their ``AppConfig.ready()``.

Told, always after commit. The variants' sender is ``catalog.services.announce_variant_change``:
a seller changing a variant, or checkout putting an order's units back (cancelled, expired,
refused, refunded before shipping); the store's is ``catalog.services.open_store``.

Asked (``shop.signals`` says how): catalog's pages show what the layers above own through
the signals ending in ``_shown``, and receivers return what they add.
"""

from django.dispatch import Signal

# variant: ProductVariant, previous_stock: int. A sold-out variant is back on sale
# (its stock went from 0 to more).
variant_restocked = Signal()
# variant: ProductVariant, old_price: int, new_price: int. A seller lowered a variant's price.
variant_price_dropped = Signal()
# store: Store. A seller opened their store (marketing sets up its automatic emails, switched off).
store_opened = Signal()

# --- Asked by catalog's pages (receivers return what they add) --------------------------------

# request, product -> HTML under the product page's details (social: what the viewer's friends
# did with it, the posts that tag it, its reviews, "You may also like"). It goes into the page's
# stencil, so ``request`` may be a stand-in (``shop.stencil``): what shows of the viewer is
# left as holes that the receiver fills for each request (``shop.stencil.fill_later``).
product_page_shown = Signal()
# request, product, variant: ProductVariant | None, form_id: str -> HTML under the variant
# picker (checkout: "Add to cart" and "Buy now"; chat: "Chat with the seller").
buy_box_shown = Signal()
# request, store -> HTML in a store page's header (follow, chat, the news sign-up form).
store_page_shown = Signal()
# products: list[Product] (one page of cards, already fetched; sent by
# ``catalog.selectors.for_product_cards``) -> None. A receiver sets its attribute on every
# product (``None`` when it has nothing to show) in a constant number of queries, and never
# writes (social: ``rating_summary``).
product_cards_shown = Signal()
# (no arguments) -> dict[str, Expression]: annotations read with the signed-in person, in the
# one query that loads them on every request (``catalog.auth_backends``), each a scalar
# sub-query about the user row (``OuterRef("pk")``). Checkout: the cart's item count; social:
# how many profiles the person follows.
person_loading = Signal()
