from checkout.views import addresses, cart, checkout, orders, payments

app_name = "checkout"

# Each view module declares its own routes (names are documented in the module).
urlpatterns = [
    *cart.urlpatterns,
    *addresses.urlpatterns,
    *checkout.urlpatterns,
    *orders.urlpatterns,
    *payments.urlpatterns,
]
