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

from shop import safe_json
from shop.api_schema import ERROR_DESCRIPTIONS, ERROR_REF
from shop.images import verify_image


def exception_handler(exc, context):
    """DRF's handler, plus Django ``ValidationError`` from services as a 400, and every error body
    an object of the one error shape (``shop.api_schema.ERROR_SCHEMA``)."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # ``raise ValidationError("...")`` gives a bare list: the error shape is an object.
        response.data = {"detail": response.data}
    return response


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error responses an operation gives, for ``extend_schema(responses=...)``.
    ``shop.api_schema.AutoSchema`` adds those every operation of its kind gives; this is for the others."""
    return {code: OpenApiResponse(response=ERROR_REF, description=str(ERROR_DESCRIPTIONS[code])) for code in codes}


class VerifiedImageField(serializers.ImageField):
    """Accepts only a verified JPEG, PNG or WebP and stores a clean re-encoded copy."""

    def to_internal_value(self, data):
        upload = serializers.FileField.to_internal_value(self, data)
        try:
            return verify_image(upload)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class SafeJSONField(serializers.JSONField):
    """DRF's JSONField through ``shop.safe_json``: a JSON string nested too deeply (a
    ``RecursionError`` in DRF's own parsing) or any NUL character is a 400, not a 500."""

    def to_internal_value(self, data):
        try:
            if self.binary or getattr(data, "is_json_string", False):
                return safe_json.loads(data)
            data = super().to_internal_value(data)
            safe_json.check_value(data)
        except safe_json.InvalidJSONError:
            self.fail("invalid")
        except safe_json.UnsafeJSONError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return data


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
