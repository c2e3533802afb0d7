"""Where a conversation takes place: on the site, or through a messaging channel. Kept apart
from the models so ``chat.models`` can name it without importing the channels' models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SITE = "site", _("Etalase")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")


# Channels the store answers through an outside provider (its replies are delivered there).
EXTERNAL = (Channel.WHATSAPP, Channel.TELEGRAM)
