"""What every social view shares: htmx detection, errors as messages, safe redirects."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from shop import htmx
from shop.cursors import BadCursor
from shop.htmx import SWAP_ERRORS_HEADER, is_htmx
from social.ratelimit import RateLimited


def error_response(request, message: str, status: int) -> HttpResponse:
    """The reason a request was refused: plain text for htmx (shown as a toast), else a page."""
    if is_htmx(request):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    back = safe_next(request, "")
    return render(request, "social/error.html", {"message": message, "status": status, "back": back}, status=status)


def _message(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def social_errors(view):
    """PermissionDenied -> 403, ValidationError and a forged cursor -> 400, rate limit -> 429,
    each with a message a person can act on."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return error_response(request, str(exc) or _("You cannot do that."), 403)
        except ValidationError as exc:
            return error_response(request, _message(exc), 400)
        except BadCursor:
            return error_response(request, _("This page address is not valid. Start again from the first page."), 400)
        except RateLimited as exc:
            return error_response(request, exc.message, 429)

    return wrapper


def safe_next(request, default: str) -> str:
    """The ``next`` the form sent, if it points into this site; else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _page_of_the_form(request) -> str:
    return safe_next(request, "/")


# After logging in, a form's POST-only address would answer 405: back to the form's page instead.
login_required = htmx.login_required(after_post=_page_of_the_form)


def back_to(request, default: str, anchor: str = ""):
    """After a form without JavaScript: back where the person was (at ``anchor``)."""
    target = safe_next(request, default)
    if anchor and "#" not in target:
        target = f"{target}#{anchor}"
    return redirect(target)


def wants_on(request, currently: bool) -> bool:
    """A toggle form sends ``on=1`` or ``on=0`` (what the person saw); without it, flip."""
    value = request.POST.get("on")
    if value in ("1", "0"):
        return value == "1"
    return not currently


def cursor_url(url: str, cursor: str | None, name: str = "cursor") -> str:
    return f"{url}?{urlencode({name: cursor})}" if cursor else ""


__all__ = [
    "SWAP_ERRORS_HEADER",
    "back_to",
    "cursor_url",
    "error_response",
    "is_htmx",
    "login_required",
    "safe_next",
    "social_errors",
    "wants_on",
]
