"""Checkout's API views: thin, over the same services as the HTML pages.

Every query is scoped to the caller (their cart's lines, their addresses, their payments,
the orders they may see, their store's orders), so someone else's object is a 404 and
never reaches a service. The services decide everything else; their refusals become
JSON errors in ``CheckoutAPIMixin.handle_exception``.

One module per area, all mounted by ``checkout.api_urls``: ``base`` (the shared mixin and
the 409 ``Conflict``), ``cart`` (the cart and the address book), ``checkout`` (the quote,
placing and payments), ``orders`` (the buyer's orders) and ``store_orders`` (the seller's
order desk).
"""

from checkout.api.views.base import CheckoutAPIMixin, Conflict
from checkout.api.views.cart import AcceptPricesView, AddressViewSet, CartLineViewSet, CartView
from checkout.api.views.checkout import PaymentViewSet, PlaceOrderView, QuoteView
from checkout.api.views.orders import OrderViewSet, OrderViewSetBase
from checkout.api.views.store_orders import StoreOrderViewSet

__all__ = [
    "AcceptPricesView",
    "AddressViewSet",
    "CartLineViewSet",
    "CartView",
    "CheckoutAPIMixin",
    "Conflict",
    "OrderViewSet",
    "OrderViewSetBase",
    "PaymentViewSet",
    "PlaceOrderView",
    "QuoteView",
    "StoreOrderViewSet",
]
