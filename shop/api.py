"""API plumbing shared by every app: errors as JSON, verified image uploads, tokens."""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from shop.images import verify_image


def exception_handler(exc, context):
    """DRF's handler, plus Django ``ValidationError`` from services as a 400."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, for a person to read."))


# A 400 body: each invalid field (or ``detail`` / ``non_field_errors``) with its messages.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Each invalid field (or `detail` / `non_field_errors`) with a list of messages.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"price": ["A valid integer is required."]},
}

ERROR_DESCRIPTIONS = {
    400: _("The request is invalid; the body names each field in error."),
    401: _("Not logged in: send a session cookie or an `Authorization: Token <key>` header."),
    403: _("Logged in, but not allowed to do this (for example: not the store's owner, or not a seller)."),
    404: _("No such object, or not one you may see (drafts are visible only to their seller)."),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the 4xx responses an operation can give, for ``extend_schema(responses=...)``."""
    return {
        code: OpenApiResponse(
            response=VALIDATION_ERROR_SCHEMA if code == 400 else ErrorSerializer,
            description=str(ERROR_DESCRIPTIONS[code]),
        )
        for code in codes
    }


class VerifiedImageField(serializers.ImageField):
    """Accepts only a verified JPEG, PNG or WebP and stores a clean re-encoded copy."""

    def to_internal_value(self, data):
        upload = serializers.FileField.to_internal_value(self, data)
        try:
            return verify_image(upload)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class ObtainTokenView(APIView):
    """Exchange an email and password for an API token (``Authorization: Token <key>``)."""

    authentication_classes = []
    permission_classes = []
    throttle_scope = "login"

    def get_authenticate_header(self, request):
        # A wrong password is a 401 (with this header), not the 403 DRF gives views without authenticators.
        return "Token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            **error_responses(400, 401),
        },
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, email=data.validated_data["email"], password=data.validated_data["password"])
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(_("Unable to log in with the email and password given."))
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, status=status.HTTP_200_OK)
