"""What sellers may do with chat models in the admin, granted to catalog's sellers group
(the same way as social's: see social/sellers.py for why it is registered, not migrated)."""

from __future__ import annotations

from django.db.models.signals import post_migrate

# chat/admin.py keeps a seller to their own store's rows. Conversations: read the latest
# messages, set labels and the private note (answers go through the chat itself).
SELLER_PERMISSIONS = {
    "conversation": ("view", "change"),
    "quickreply": ("view", "add", "change", "delete"),
    "chatsettings": ("view", "add", "change"),
    "offer": ("view",),  # read-only; open ones may be withdrawn (an action of the view)
    # The store's assistant (chat.assistant.admin).
    "assistantsettings": ("view", "add", "change"),
    "openinghours": ("view", "add", "change", "delete"),
    "holiday": ("view", "add", "change", "delete"),
    "faqentry": ("view", "add", "change", "delete"),
    "finderquestion": ("view", "add", "change", "delete"),
    "finderchoice": ("view", "add", "change", "delete"),
    # Messaging channels (chat/channels/admin.py): the store's own connections and templates.
    "whatsappconnection": ("view", "add", "change"),
    "telegramconnection": ("view", "add", "change"),
    "channeltemplate": ("view", "add", "change", "delete"),
}


def refresh_sellers_group(**kwargs) -> None:
    from catalog.services import ensure_sellers_group

    ensure_sellers_group()


def connect(app_config) -> None:
    from catalog.services import register_seller_permissions

    register_seller_permissions(app_label=app_config.label, permissions=SELLER_PERMISSIONS)
    post_migrate.connect(refresh_sellers_group, sender=app_config, dispatch_uid="chat.refresh_sellers_group")
