"""The ASGI application: pages to Django, ``/ws/`` to the chat's sockets.

Served by ``make run`` (daphne's runserver) in development and by daphne beside gunicorn in
production (README, "Live chat in production"); a proxy sends ``/ws/`` here with the Upgrade
headers. Django is set up before anything imports a model.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (after Django's set-up)

from chat import routing as chat_routing  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": chat_routing.authenticated(URLRouter(chat_routing.websocket_urlpatterns)),
    }
)
