from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from insights import storage
        from shop import events

        # The recorder (shop.events, which imports no app) hands its batches to this table.
        events.register_sink(storage.store_events)
