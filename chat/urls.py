from django.urls import path

from chat import card_views, offer_views, order_views, panel_views, views
from chat.assistant import views as assistant_views
from chat.channels import pages as channel_pages
from chat.channels import views as channel_views

app_name = "chat"

urlpatterns = [
    path("chat/", views.conversations, name="conversations"),
    path("chat/store/", views.store_inbox, name="store_inbox"),
    path("chat/open/", views.open_chat, name="open"),
    path("chat/<int:pk>/", views.thread, name="thread"),
    path("chat/<int:pk>/messages/", views.messages_after, name="messages"),
    path("chat/<int:pk>/messages/<int:message_id>/", views.one_message, name="message"),
    path("chat/<int:pk>/send/", views.send, name="send"),
    path("chat/<int:pk>/block/", views.block, name="block"),
    path("chat/<int:pk>/report/", views.report, name="report"),
    path("chat/<int:pk>/buyer/cart/", panel_views.buyer_cart, name="buyer_cart"),
    path("chat/<int:pk>/buyer/labels/", panel_views.set_labels, name="set_labels"),
    path("chat/<int:pk>/buyer/note/", panel_views.set_note, name="set_note"),
    path("chat/<int:pk>/offer/", offer_views.send_offer, name="send_offer"),
    path("chat/<int:pk>/discount/", card_views.send_discount, name="send_discount"),
    path("chat/<int:pk>/product/", card_views.send_product, name="send_product"),
    path("chat/<int:pk>/products/", card_views.product_search, name="product_search"),
    path(
        "chat/<int:pk>/orders/<str:number>/confirm-transfer/",
        order_views.confirm_transfer,
        name="order_confirm_transfer",
    ),
    path("chat/<int:pk>/orders/<str:number>/ship/", order_views.ship, name="order_ship"),
    path("chat/offers/<int:offer_id>/withdraw/", offer_views.withdraw_offer, name="withdraw_offer"),
    # The store's assistant (chat.assistant).
    path("chat/<int:pk>/person/", assistant_views.ask_for_person, name="assistant_ask_person"),
    path("chat/<int:pk>/hand-back/", assistant_views.hand_back, name="assistant_hand_back"),
    path("chat/assistant/", assistant_views.assistant_report, name="assistant_report"),
    path("chat/assistant/faq/", assistant_views.faq, name="assistant_faq"),
    path("chat/assistant/faq/<int:entry_id>/", assistant_views.faq_entry, name="assistant_faq_entry"),
    path("chat/<int:pk>/template/", channel_pages.send_template, name="send_template"),
    path("chat/whatsapp-cart/<str:token>/", channel_pages.whatsapp_cart, name="whatsapp_cart"),
    path("chat/whatsapp-updates/", channel_pages.whatsapp_updates, name="whatsapp_updates"),
    # The messaging providers' webhooks (signed; CSRF-exempt): chat/channels/views.py.
    path("channels/whatsapp/webhook/", channel_views.whatsapp_webhook, name="whatsapp_webhook"),
    path("channels/telegram/webhook/", channel_views.telegram_webhook, name="telegram_webhook"),
]
