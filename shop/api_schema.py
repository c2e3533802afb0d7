"""The OpenAPI schema: the one error body, and the error responses each operation can give.

drf-spectacular declares only what a view's ``extend_schema`` names, so the 400 of a bad query,
the 401 of a wrong token or the 429 of a throttle went undeclared. ``AutoSchema`` adds them from
what the view really does: its authenticators, permissions, throttles, method and path.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication

ERROR_COMPONENT = "Error"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}

# Every error under /api/ has this body (README, "The API's errors").
ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Every error answer under `/api/` is a JSON object of this shape. `detail` says what went wrong, "
        "for a person to read; `code`, when present, names the case for a program (for example "
        "`out_of_stock`). A 400 about fields has instead (or also) one key per invalid field, each with a "
        "list of messages (nested per item for lists of objects); messages about the request as a whole "
        "are under `detail` or `non_field_errors`."
    ),
    "properties": {
        "detail": {
            "description": "What went wrong, for a person to read (a list of messages for some 400s).",
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        },
        "code": {"type": "string", "description": "A machine-readable name of the error, when there is one."},
    },
    "additionalProperties": {"description": "The messages about one invalid field."},
    "example": {"detail": "Not found."},
}

ERROR_DESCRIPTIONS = {
    400: _("The request is invalid; the body names each field in error, or says why in `detail`."),
    401: _("Not logged in, or the token is wrong: send a session cookie or an `Authorization: Token <key>` header."),
    403: _("Logged in, but not allowed to do this (for example: not the store's owner, or not a seller)."),
    404: _("No such object, or not one you may see (drafts are visible only to their seller)."),
    409: _("The object is not in a state that allows this now (for example: pausing a campaign that is not sending)."),
    415: _("The body's content type is not one this operation accepts."),
    429: _("Too many requests: wait the number of seconds in the `Retry-After` header."),
}

# Permissions that only ask for a login: failing them is a 401, never a 403.
LOGIN_ONLY = (permissions.AllowAny, permissions.IsAuthenticated, permissions.IsAuthenticatedOrReadOnly)
BODY_METHODS = ("POST", "PUT", "PATCH")


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        self.registry.register_on_missing(
            ResolvedComponent(
                name=ERROR_COMPONENT, type=ResolvedComponent.SCHEMA, object=ERROR_COMPONENT, schema=ERROR_SCHEMA
            )
        )
        for code in self.error_codes():
            responses.setdefault(
                str(code),
                {
                    "content": {"application/json": {"schema": ERROR_REF}},
                    "description": str(ERROR_DESCRIPTIONS[code]),
                },
            )
        return dict(sorted(responses.items()))

    def error_codes(self) -> list[int]:
        """The error statuses this operation can answer, whatever its own declarations say."""
        view, method = self.view, self.method.upper()
        authenticators = list(getattr(view, "authentication_classes", []))
        permission_classes = list(getattr(view, "permission_classes", []))
        # A NUL character in the query string or path, or a body that does not parse, is a 400 anywhere.
        codes = [400]
        if authenticators:
            codes.append(401)  # a wrong or expired token, on any operation
        checks_more_than_login = any(
            not (isinstance(permission, type) and issubclass(permission, LOGIN_ONLY))
            for permission in permission_classes
        )
        csrf_checked = method not in permissions.SAFE_METHODS and any(
            issubclass(authenticator, SessionAuthentication) for authenticator in authenticators
        )
        anonymous_refused = not authenticators and any(
            permission is not permissions.AllowAny for permission in permission_classes
        )
        if checks_more_than_login or csrf_checked or anonymous_refused:
            codes.append(403)
        if "{" in self.path or (self._is_list_view() and self._get_paginator() is not None):
            codes.append(404)  # no such object; or a page number past the last page
        if method in BODY_METHODS:
            codes.append(415)
        if getattr(view, "throttle_classes", None):
            codes.append(429)
        return codes
