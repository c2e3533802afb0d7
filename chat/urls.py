from django.urls import path

from chat import card_views, offer_views, order_views, views
from chat.channels import pages as channel_pages
from chat.channels import views as channel_views

app_name = "chat"

urlpatterns = [
    path("chat/", views.conversations, name="conversations"),
    path("chat/store/", views.store_inbox, name="store_inbox"),
    path("chat/open/", views.open_chat, name="open"),
    path("chat/<int:pk>/", views.thread, name="thread"),
    path("chat/<int:pk>/messages/", views.messages_after, name="messages"),
    path("chat/<int:pk>/send/", views.send, name="send"),
    path("chat/<int:pk>/block/", views.block, name="block"),
    path("chat/<int:pk>/report/", views.report, name="report"),
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
    path("chat/<int:pk>/template/", channel_pages.send_template, name="send_template"),
    path("chat/whatsapp-cart/<str:token>/", channel_pages.whatsapp_cart, name="whatsapp_cart"),
    path("chat/whatsapp-updates/", channel_pages.whatsapp_updates, name="whatsapp_updates"),
    # The messaging providers' webhooks (signed; CSRF-exempt): chat/channels/views.py.
    path("channels/whatsapp/webhook/", channel_views.whatsapp_webhook, name="whatsapp_webhook"),
    path("channels/telegram/webhook/", channel_views.telegram_webhook, name="telegram_webhook"),
]
