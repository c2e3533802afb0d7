"""What every checkout API view shares: a login, and the services' refusals as JSON errors
(409 ``Conflict`` when the world moved under the request; placing adds the quote as it is now).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, permissions, status

from checkout.api.serializers import ConflictErrorSerializer, OrderSerializer
from checkout.exceptions import IllegalTransition, OutOfStock, QuoteChanged, TermsUnavailable
from shop.api import error_responses

ID_PATTERN = r"\d+"


class Conflict(exceptions.APIException):
    """409: the request was well formed but the world moved (stock gone, prices changed, an
    order already in another state). The body says what and why: ``{"detail", "code"}``."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, message: str, code: str, **extra):
        super().__init__({"detail": message, "code": code})
        # Serialized data as it is: DRF would turn every number in it into a string.
        self.detail.update(extra)


def conflict_response(description) -> dict[int, OpenApiResponse]:
    return {409: OpenApiResponse(response=ConflictErrorSerializer, description=str(description))}


ORDER_CONFLICT = conflict_response(_("The order is not in a state that allows this (`illegal_transition`)."))
ORDER_ACTION_RESPONSES = {200: OrderSerializer, **error_responses(400, 401, 403, 404), **ORDER_CONFLICT}


class CheckoutAPIMixin:
    """What every checkout view shares: a login, and the services' refusals as JSON errors."""

    permission_classes = [permissions.IsAuthenticated]
    filter_backends = ()
    pagination_class = None

    def handle_exception(self, exc):
        if isinstance(exc, OutOfStock | QuoteChanged | IllegalTransition | TermsUnavailable):
            exc = Conflict(" ".join(exc.messages), exc.code)
        elif isinstance(exc, DjangoPermissionDenied) and exc.args:
            # Keep the service's reason ("You may not change this order.") instead of DRF's generic text.
            exc = exceptions.PermissionDenied(str(exc.args[0]))
        return super().handle_exception(exc)
