"""Checkout's API under /api/v1/ (namespace "api"): views in checkout/api/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from checkout.api import views as api

# SimpleRouter, like the catalog's: no browsable root, no ``.json`` suffix routes.
router = SimpleRouter()
router.register("cart/lines", api.CartLineViewSet, basename="cart-line")
router.register("addresses", api.AddressViewSet, basename="address")
router.register("payments", api.PaymentViewSet, basename="payment")
router.register("orders", api.OrderViewSet, basename="order")
router.register("store/orders", api.StoreOrderViewSet, basename="store-order")

urlpatterns = [
    path("cart/", api.CartView.as_view(), name="cart"),
    path("cart/accept-prices/", api.AcceptPricesView.as_view(), name="cart-accept-prices"),
    path("checkout/quote/", api.QuoteView.as_view(), name="checkout-quote"),
    path("checkout/place/", api.PlaceOrderView.as_view(), name="checkout-place"),
    path("", include(router.urls)),
]
