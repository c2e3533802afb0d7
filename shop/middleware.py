"""Request checks shared by every page and the API."""

from urllib.parse import unquote_plus

from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpResponseBadRequest, JsonResponse, QueryDict
from django.utils.translation import gettext as _

NUL_MESSAGE = ProhibitNullCharactersValidator.message  # as Django's and DRF's text fields say it


def wants_json(request) -> bool:
    """Everything under /api/ answers JSON, and so does a client that asks for it."""
    return request.path_info.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def has_nul(querydict) -> bool:
    return any("\x00" in key or any("\x00" in str(value) for value in values) for key, values in querydict.lists())


class RefuseNulMiddleware:
    """A NUL character in the path, the query string, a header, a cookie or a form field is a 400.

    PostgreSQL cannot store or even compare text holding NUL, so a ``%00`` in a slug, a search
    or a posted field otherwise reaches a query and ends in a 500. Checked once here rather than
    in each view. Form bodies are checked for the views CSRF protects, which read ``request.POST``
    anyway; csrf-exempt views (webhooks, which read the raw body, and the API, whose own parsers
    refuse NUL: ``shop.api_parsers``) are left their body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or nul_in_headers(request):
            return self.refuse(request)
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in unquote_plus(query, errors="replace"):
            return self.refuse(request, fields=nul_fields(QueryDict(query)))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data") and has_nul(
            request.POST
        ):
            return self.refuse(request, fields=nul_fields(request.POST))
        return None

    @staticmethod
    def refuse(request, fields: list[str] = ()):
        """A 400; under the API, in its error shape: each named field with its message."""
        message = _("The request contains a NUL character, which is not allowed in text.")
        if wants_json(request):
            body = {field: [str(NUL_MESSAGE)] for field in fields} or {"detail": message}
            return JsonResponse(body, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def nul_in_headers(request) -> bool:
    """A NUL in a header (a token) or a cookie (a session key, also once unquoted) would reach a query."""
    headers = (value for key, value in request.META.items() if key.startswith("HTTP_") and isinstance(value, str))
    return any("\x00" in value for value in headers) or any("\x00" in value for value in request.COOKIES.values())


def nul_fields(querydict) -> list[str]:
    """The names of the fields whose values hold a NUL (none if a name itself holds one)."""
    names = [key for key, values in querydict.lists() if any("\x00" in str(value) for value in values)]
    return [] if any("\x00" in key for key in querydict) else names
