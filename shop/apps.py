from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = _("Accounts and site")

    def ready(self):
        from shop import checks, pg_timestamps  # noqa: F401 (checks registers the deploy checks)

        connection_created.connect(pg_timestamps.install, dispatch_uid="shop.pg_timestamps")
