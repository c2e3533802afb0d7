"""Who a chat socket belongs to: the session cookie, or an API token in a subprotocol.

A browser sends its session cookie, so the socket must come from a page of this site: the
``Origin`` is checked against ``ALLOWED_HOSTS`` (a page elsewhere could otherwise open a socket
with the visitor's cookie). A program (a phone app) offers two subprotocols, ``etalase.v1``
and ``token.<key>`` with the key of ``POST /api/v1/auth/token/``; the server answers with
``etalase.v1`` only, never echoing the key. A token is not sent by the browser on its own, so
no origin check is needed for it. A key in the query string would end up in access logs.
"""

from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token

PROTOCOL = "etalase.v1"
TOKEN_PREFIX = "token."
TOKEN_MAX = 64


def token_from_subprotocols(subprotocols) -> str | None:
    """The key offered as ``token.<key>``, or None when no token is offered."""
    for offered in subprotocols or ():
        if isinstance(offered, str) and offered.startswith(TOKEN_PREFIX):
            return offered[len(TOKEN_PREFIX) :][:TOKEN_MAX]
    return None


@database_sync_to_async
def user_for_token(key: str):
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


class SessionOrTokenAuth:
    """ASGI middleware: sets ``scope["user"]`` from a token subprotocol, else from the session
    (with the origin check); an anonymous user is refused by the consumer."""

    def __init__(self, inner):
        self.inner = inner
        self.by_session = AllowedHostsOriginValidator(AuthMiddlewareStack(inner))

    async def __call__(self, scope, receive, send):
        key = token_from_subprotocols(scope.get("subprotocols"))
        if key is None:
            return await self.by_session(scope, receive, send)
        user = await user_for_token(key)
        return await self.inner(dict(scope, user=user), receive, send)
