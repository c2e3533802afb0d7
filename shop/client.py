"""Who sent a request, as plain data a service may keep (never the ``HttpRequest`` itself):
the address the request came from and the browser's user agent, as proof of a consent."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

USER_AGENT_MAX = 400


@dataclass(frozen=True)
class ClientInfo:
    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, request) -> ClientInfo:
        """The peer's address as the server saw it (``REMOTE_ADDR``; a proxy in front must set
        it, e.g. gunicorn's ``--forwarded-allow-ips``) and the user agent, cut to size."""
        address = request.META.get("REMOTE_ADDR") or None
        try:
            address = str(ipaddress.ip_address(address)) if address else None
        except ValueError:
            address = None
        agent = str(request.META.get("HTTP_USER_AGENT", "")).replace("\x00", "")[:USER_AGENT_MAX]
        return cls(ip_address=address, user_agent=agent)
