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
        # "Chat with the seller": product page, the feed's product sheet, store page, order page.
        for place in ("buy_box", "product_sheet", "store_page", "order_page"):
            slots.register(place, chat_button)
