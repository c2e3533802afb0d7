"""The chat's WebSocket routes, included by ``shop/asgi.py`` under ``/ws/``."""

from django.urls import path

from chat.live.auth import SessionOrTokenAuth
from chat.live.consumer import ChatConsumer

websocket_urlpatterns = [
    path("ws/chat/", ChatConsumer.as_asgi()),
]


def authenticated(application):
    """``application`` with the socket's user set from the session or an API token."""
    return SessionOrTokenAuth(application)
