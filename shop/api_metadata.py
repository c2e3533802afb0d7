"""The API's answer to ``OPTIONS`` (its own module: DRF imports it while defining ``APIView``)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request


class APIMetadata(SimpleMetadata):
    """``OPTIONS`` on every view. DRF's instantiates the view's serializer for PUT and POST and
    calls ``get_object()`` for PUT: a 500 on the views whose actions take no body (like, hide,
    dismiss) or that find their object another way (my review). Here the body's fields are
    described when the view declares a serializer and the caller may use the method at all;
    object permissions are not consulted, as the fields are public in the OpenAPI schema anyway."""

    def determine_actions(self, request, view):
        if not _declares_serializer(view):
            return {}
        actions = {}
        for method in {"PUT", "POST"} & set(view.allowed_methods):
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
            except (exceptions.APIException, PermissionDenied, Http404):
                continue
            else:
                actions[method] = self.get_serializer_info(view.get_serializer())
            finally:
                view.request = request
        return actions


def _declares_serializer(view) -> bool:
    if getattr(view, "get_serializer_class", None) is None:
        return False
    try:
        return view.get_serializer_class() is not None
    except AssertionError:  # GenericAPIView: "should either include a `serializer_class`"
        return False
