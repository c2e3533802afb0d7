from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckoutConfig(AppConfig):
    name = "checkout"
    verbose_name = _("Checkout")

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from catalog import signals as catalog_signals
        from catalog.services import register_seller_permissions
        from checkout import notifications as order_notifications
        from checkout import reminders
        from checkout.admin.todo import orders_to_do
        from checkout.services.carts import person_cart_count
        from checkout.views.cart import buy_box
        from shop import signals as shop_signals

        # Every page's header shows the cart's item count: read with the signed-in person.
        catalog_signals.person_loading.connect(person_cart_count, dispatch_uid="checkout.person_cart_count")
        # A visitor's cart follows them when they log in.
        user_logged_in.connect(_adopt_cart, dispatch_uid="checkout-adopt-cart")
        # The product page's "Add to cart" and "Buy now" (catalog names the place, never checkout).
        catalog_signals.buy_box_shown.connect(buy_box, dispatch_uid="checkout.buy_box")
        # The back office's front page: the seller's orders to confirm, ship or refund.
        shop_signals.admin_index_shown.connect(orders_to_do, dispatch_uid="checkout.orders_to_do")
        # Back in stock, price drops, abandoned carts, review requests: kinds and catalog's signals.
        reminders.connect()
        # Order confirmations with invoices, new orders for sellers, every later move (transactional).
        order_notifications.register_kinds()
        register_seller_permissions(
            app_label="checkout",
            permissions={
                "order": ("view", "change"),
                "orderline": ("view",),
                "orderevent": ("view",),
                "storecheckoutsettings": ("view", "add", "change"),
                "discountcode": ("view", "add", "change", "delete"),
            },
        )
        post_migrate.connect(_refresh_sellers_group, sender=self, dispatch_uid="checkout.refresh_sellers_group")


def _refresh_sellers_group(**kwargs) -> None:
    from catalog.services import ensure_sellers_group

    ensure_sellers_group()


def _adopt_cart(sender, request, user, **kwargs) -> None:
    from checkout.cart_session import adopt_session_cart

    adopt_session_cart(request, user)
