from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "marketing"
    verbose_name = _("Customers and marketing")

    def ready(self) -> None:
        from catalog import signals as catalog_signals
        from chat import signals as chat_signals
        from checkout import signals as checkout_signals
        from marketing import on_pages, sellers
        from marketing.services import gathering
        from shop import signals as shop_signals
        from social import signals as social_signals

        sellers.connect(self)  # the sellers group gets the marketing admin permissions
        # Buyers become contacts as their orders are placed; the checkout's checkbox asks consent.
        checkout_signals.order_placed.connect(gathering.order_placed, dispatch_uid="marketing.order_placed")
        # Followers become contacts as they follow (the hourly gathering is the safety net).
        social_signals.store_followed.connect(gathering.store_followed, dispatch_uid="marketing.store_followed")
        # Campaigns: an order paid after a click is credited; the provider's tracking webhooks.
        from anymail.signals import tracking

        from marketing.campaigns import tracking as campaign_tracking

        checkout_signals.order_paid.connect(campaign_tracking.order_paid, dispatch_uid="marketing.campaign_order_paid")
        tracking.connect(campaign_tracking.tracking_received, dispatch_uid="marketing.campaign_tracking")
        # Flows: a delivered order enrols its buyer after delivery; a restock tells who looked;
        # an order after a flow email's click is credited to its step; its delivery and clicks from
        # the provider's webhooks; product views recorded.
        from marketing.flows import product_views, triggers
        from marketing.flows import tracking as flow_tracking
        from shop import events

        checkout_signals.order_status_changed.connect(
            triggers.order_status_changed, dispatch_uid="marketing.flow_order_status"
        )
        checkout_signals.order_paid.connect(flow_tracking.order_paid, dispatch_uid="marketing.flow_order_paid")
        tracking.connect(flow_tracking.tracking_received, dispatch_uid="marketing.flow_tracking")
        catalog_signals.variant_restocked.connect(triggers.restocked_signal, dispatch_uid="marketing.flow_restocked")
        # A store opened gets its six flows (switched off, ready-made emails).
        from marketing.flows import defaults as flow_defaults

        catalog_signals.store_opened.connect(flow_defaults.store_opened, dispatch_uid="marketing.flow_store_opened")
        events.register_sink(product_views.store_product_views)
        # The store page's sign-up form, the checkout's "send me news" checkbox per store,
        # the back office's link to the customer list.
        catalog_signals.store_page_shown.connect(on_pages.signup_form, dispatch_uid="marketing.signup_form")
        checkout_signals.checkout_store_shown.connect(on_pages.checkout_checkbox, dispatch_uid="marketing.checkbox")
        shop_signals.admin_index_shown.connect(on_pages.admin_link, dispatch_uid="marketing.admin_link")
        # Chat's buyer panel links to the buyer's page in the customer list.
        chat_signals.buyer_panel_shown.connect(on_pages.buyer_contact_link, dispatch_uid="marketing.buyer_contact")
