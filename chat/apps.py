from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self) -> None:
        from catalog import signals as catalog_signals
        from chat import notifications, sellers
        from chat.assistant import receivers as assistant_receivers
        from chat.channels import intake, order_updates, outbound
        from chat.channels.click_to_chat import whatsapp_order_button
        from chat.channels.pages import whatsapp_updates_form
        from chat.live import events
        from chat.services import card_updates, offers
        from chat.views import chat_button, header_link, store_chat_button
        from checkout import signals as checkout_signals
        from shop import signals as shop_signals
        from social import signals as social_signals

        sellers.connect(self)  # the sellers group gets the chat admin permissions
        notifications.register_kinds()
        # An order's cards in the threads follow its status live (checkout tells, after commit).
        checkout_signals.order_status_changed.connect(
            card_updates.order_status_changed, dispatch_uid="chat.cards.order_status_changed"
        )
        events.connect()  # committed messages, reads and buyers' cart changes are published to the sockets
        assistant_receivers.connect()  # a shopper's committed message: the assistant may answer
        # "Chat with the seller": product page, the feed's product sheet, each store in the
        # cart, the order page; and on the store's page with how fast it usually replies.
        for place in (
            catalog_signals.buy_box_shown,
            social_signals.product_sheet_shown,
            checkout_signals.cart_store_shown,
            checkout_signals.order_page_shown,
        ):
            place.connect(chat_button, dispatch_uid="chat.chat_button")
        catalog_signals.store_page_shown.connect(store_chat_button, dispatch_uid="chat.store_chat_button")
        # "Order via WhatsApp" under each store's lines in the cart (chat.channels.click_to_chat).
        checkout_signals.cart_store_shown.connect(whatsapp_order_button, dispatch_uid="chat.whatsapp_order_button")
        # Order updates on the buyer's WhatsApp (checkout's signals), chosen on the order page.
        order_updates.connect()
        # Store messages written outside send_message (the assistant's) reach the channels too.
        outbound.connect()
        checkout_signals.order_page_shown.connect(whatsapp_updates_form, dispatch_uid="chat.whatsapp_updates_form")
        # A WhatsApp number's store is cached for the webhook; a connection's change drops it.
        intake.connect()
        # The header's link to the chats, with the unread badge the live socket keeps current.
        shop_signals.site_header_shown.connect(header_link, dispatch_uid="chat.header_link")
        # Offers are bought through checkout as special terms ("offer:12").
        checkout_signals.special_terms_wanted.connect(offers.offer_terms, dispatch_uid="chat.offer_terms")
        checkout_signals.special_terms_used.connect(offers.offer_used, dispatch_uid="chat.offer_used")
