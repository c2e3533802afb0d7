"""What every app's views need to answer htmx: telling a fragment request from a page
request, and sending a signed-out htmx request to the login page as a whole page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
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


def login_required(view: Callable | None = None, *, after_post: str | Callable[..., str] = "/"):
    """Django's ``login_required``, with two differences. A signed-out htmx request gets
    ``login_first`` (the whole page goes to the login page, never a login form swapped into a
    fragment). A signed-out request other than GET comes back, after logging in, to
    ``after_post`` (a URL name or path, or a function of the request that returns one): the
    login's redirect is a GET, which a POST-only address would answer with 405.

    ``@login_required`` or ``@login_required(after_post="notifications:inbox")``.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            if is_htmx(request):
                return login_first(request)
            if request.method == "GET":
                return redirect_to_login(request.get_full_path())
            return redirect_to_login(after_post(request) if callable(after_post) else resolve_url(after_post))

        return wrapper

    return decorator if view is None else decorator(view)
