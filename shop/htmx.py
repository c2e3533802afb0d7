"""What every app's views need to answer htmx: telling a fragment request from a page
request, and sending a signed-out htmx request to the login page as a whole page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

# A 400 that carries something to show in place (a form with its errors): the page's script
# swaps it like a 200 (htmx swaps only 2xx by default).
SWAP_ERRORS_HEADER = "X-Swap-Errors"


def is_htmx(request) -> bool:
    """An htmx request for a fragment (a boosted link or a history restore wants a whole page).

    Views that answer differently to it are marked ``vary_on_headers("HX-Request")`` so
    that no cache hands a fragment to a browser that asked for the page.
    """
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def login_first(request) -> HttpResponse:
    """For a signed-out htmx request: 401, and the whole page goes to the login page, which
    brings the person back to the page they were on."""
    current = request.headers.get("HX-Current-URL", "")
    login = resolve_url(settings.LOGIN_URL)
    response = HttpResponse(_("Log in first."), status=401, content_type="text/plain; charset=utf-8")
    response["HX-Redirect"] = f"{login}?{urlencode({'next': current})}" if current else login
    return response
