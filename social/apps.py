from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = _("Social")

    def ready(self) -> None:
        from shop import slots
        from social import notifications, sellers
        from social.views import slots as social_slots

        # The sellers group (catalog's) gets the social admin permissions; see social/sellers.py.
        sellers.connect(self)
        notifications.register_kinds()

        slots.register("product_page", social_slots.seen_in_posts)
        slots.register("store_page", social_slots.store_social)
