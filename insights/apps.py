from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from checkout import signals
        from insights import receivers, storage
        from insights.admin import insights_link
        from shop import events
        from shop import signals as shop_signals

        # The recorder (shop.events, which imports no app) hands its batches to this table.
        events.register_sink(storage.store_events)
        # Orders placed, paid and refunded: their attribution (insights.attribution).
        signals.order_placed.connect(receivers.order_placed, dispatch_uid="insights.order_placed")
        signals.order_paid.connect(receivers.order_paid, dispatch_uid="insights.order_paid")
        signals.order_status_changed.connect(
            receivers.order_status_changed, dispatch_uid="insights.order_status_changed"
        )
        # The back office's front page links to the seller's figures.
        shop_signals.admin_index_shown.connect(insights_link, dispatch_uid="insights.insights_link")
