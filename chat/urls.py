from django.urls import path

from chat import offer_views, views

app_name = "chat"

urlpatterns = [
    path("chat/", views.conversations, name="conversations"),
    path("chat/store/", views.store_inbox, name="store_inbox"),
    path("chat/open/", views.open_chat, name="open"),
    path("chat/<int:pk>/", views.thread, name="thread"),
    path("chat/<int:pk>/send/", views.send, name="send"),
    path("chat/<int:pk>/block/", views.block, name="block"),
    path("chat/<int:pk>/report/", views.report, name="report"),
    path("chat/<int:pk>/offer/", offer_views.send_offer, name="send_offer"),
    path("chat/offers/<int:offer_id>/withdraw/", offer_views.withdraw_offer, name="withdraw_offer"),
]
