from django.urls import path

from chat import views

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
]
