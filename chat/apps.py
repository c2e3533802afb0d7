from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self) -> None:
        from chat import notifications, sellers
        from chat.views import chat_button
        from shop import slots

        sellers.connect(self)  # the sellers group gets the chat admin permissions
        notifications.register_kinds()
        # "Chat with the seller" under a product's buy box and in a store's header.
        slots.register("buy_box", chat_button)
        slots.register("store_page", chat_button)
