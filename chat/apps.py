from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self) -> None:
        from chat import notifications, sellers

        sellers.connect(self)  # the sellers group gets the chat admin permissions
        notifications.register_kinds()
