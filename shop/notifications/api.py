"""The notifications REST API: the grouped inbox, the unread count, mark read, settings.

Mounted under /api/v1/notifications/ by ``shop.notifications.api_urls``. Everything is
the caller's own: there is no way to name another user, and the ids of notifications that
are not yours are ignored (``marked`` counts only yours), so the API never even says
whether such an id exists. Thin views over ``selectors`` and ``services``, as the pages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from shop.api import error_responses
from shop.cursors import BadCursor
from shop.notifications import kinds, selectors, services

MAX_BIGINT = 2**63 - 1
MARK_READ_IDS_MAX = 500

# --- Serializers ------------------------------------------------------------------------------


class InboxQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(
        required=False,
        max_length=200,
        help_text=_("Where the page starts: copy it from the previous page's `next` link; leave out for the first."),
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=selectors.PAGE_LIMIT_MAX,
        help_text=_("How many rows a page holds, at most 50 (default 20)."),
    )


class InboxRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text=_("The id of the group's latest notification (what `read/` takes in `ids`).")
    )
    kind = serializers.CharField(help_text=_("What happened, e.g. `new_follower`."))
    group_key = serializers.CharField(
        help_text=_("Notifications sharing it show as this one row; empty for a row of its own.")
    )
    text = serializers.CharField(help_text=_("The line to show, in the request's language."))
    actors = serializers.ListField(
        source="actor_names",
        child=serializers.CharField(),
        help_text=_("Names of the latest one or two people behind the row, latest first."),
    )
    actor_count = serializers.IntegerField(help_text=_("How many different people are behind the row."))
    count = serializers.IntegerField(help_text=_("How many notifications the row groups."))
    unread = serializers.BooleanField(help_text=_("Whether any of them is unread."))
    target_url = serializers.CharField(help_text=_("Where the row leads: a path on this site, or empty."))
    created_at = serializers.DateTimeField(help_text=_("When the latest of them happened."))


class InboxPageSerializer(serializers.Serializer):
    results = InboxRowSerializer(many=True)
    next = serializers.URLField(
        allow_null=True, help_text=_("The next page (follow it as it is), or null on the last page.")
    )


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text=_("Unread notifications, counted up to 100: 100 means 100 or more (show it as 99+).")
    )


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_BIGINT),
        required=False,
        max_length=MARK_READ_IDS_MAX,
        help_text=_("Ids of notifications to mark read. Ids that are not yours are ignored."),
    )
    group_key = serializers.CharField(
        required=False,
        max_length=120,
        help_text=_("Mark read every notification of this group (a row's `group_key`)."),
    )

    def validate(self, attrs):
        if not attrs.get("ids") and not attrs.get("group_key"):
            raise serializers.ValidationError(_("Send `ids`, `group_key`, or both."))
        return attrs


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many of your unread notifications were marked read."))


class KindPreferenceSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=40, help_text=_("The kind of notification."))
    label = serializers.CharField(read_only=True, help_text=_("Its name, in the request's language."))
    transactional = serializers.BooleanField(
        read_only=True, help_text=_("Always on: part of buying and selling (orders, payments).")
    )
    sends_email = serializers.BooleanField(read_only=True, help_text=_("Whether this kind has an email at all."))
    email = serializers.BooleanField(help_text=_("Send it by email."))
    in_app = serializers.BooleanField(help_text=_("Show it in the app's notifications."))

    def validate_kind(self, value: str) -> str:
        kind = kinds.get(value)
        if kind is None:
            raise serializers.ValidationError(_("There is no kind of notification “%(kind)s”.") % {"kind": value})
        if kind.transactional:
            raise serializers.ValidationError(_("This kind is always on: it cannot be turned off."))
        return value


class PreferencesSerializer(serializers.Serializer):
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text=_("The language of your emails."),
    )
    kinds = KindPreferenceSerializer(
        many=True,
        required=False,
        help_text=_("One entry per kind of notification. When saving, kinds left out keep their setting."),
    )

    def validate_kinds(self, value):
        names = [entry["kind"] for entry in value]
        if len(names) != len(set(names)):
            raise serializers.ValidationError(_("Name each kind once."))
        return value


def preferences_data(user) -> dict:
    choices = selectors.current_choices(user=user)
    available = {code for code, _name in settings.LANGUAGES}
    return {
        "language": user.language if user.language in available else settings.LANGUAGE_CODE,
        "kinds": [
            {
                "kind": kind.name,
                "label": str(kind.label),
                "transactional": kind.transactional,
                "sends_email": kind.emails,
                "email": kind.emails and (kind.transactional or choices[kind.name]["email"]),
                "in_app": kind.transactional or choices[kind.name]["in_app"],
            }
            for kind in kinds.all_kinds()
        ],
    }


# --- Views ------------------------------------------------------------------------------------


class NotificationsAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, BadCursor):
            exc = exceptions.ValidationError(
                {"cursor": [_("This cursor is not valid: follow the `next` link of the previous page.")]}
            )
        return super().handle_exception(exc)


class InboxView(NotificationsAPIView):
    @extend_schema(
        operation_id="notifications_list",
        summary=_("Your notifications, grouped, newest first"),
        description=_(
            "Notifications about the same thing (likes of one post) are one row: "
            "“Ani and 4 others liked your post”. Cursor pages: follow `next` until it is null."
        ),
        parameters=[InboxQuerySerializer],
        responses={200: InboxPageSerializer, **error_responses(400, 401)},
    )
    def get(self, request):
        query = InboxQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = selectors.inbox(user=request.user, **query.validated_data)
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        return Response({"results": InboxRowSerializer(page.rows, many=True).data, "next": next_url})


@extend_schema(
    summary=_("How many of your notifications are unread"),
    responses={200: UnreadCountSerializer, **error_responses(401)},
)
class UnreadCountView(NotificationsAPIView):
    def get(self, request):
        return Response({"count": selectors.unread_count(request.user)})


@extend_schema(
    summary=_("Mark notifications read"),
    description=_(
        "By `ids`, by `group_key` (a whole row), or both. Only your own notifications are "
        "marked: ids that are not yours are ignored, and `marked` does not count them."
    ),
    request=MarkReadSerializer,
    responses={200: MarkedSerializer, **error_responses(400, 401)},
)
class MarkReadView(NotificationsAPIView):
    def post(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = 0
        if data.validated_data.get("group_key"):
            marked += services.mark_group_read(user=request.user, group_key=data.validated_data["group_key"])
        if data.validated_data.get("ids"):
            marked += services.mark_read(user=request.user, notification_ids=data.validated_data["ids"])
        return Response({"marked": marked})


@extend_schema(
    summary=_("Mark all your notifications read"),
    request=None,
    responses={200: MarkedSerializer, **error_responses(401)},
)
class MarkAllReadView(NotificationsAPIView):
    def post(self, request):
        return Response({"marked": services.mark_all_read(user=request.user)})


class PreferencesView(NotificationsAPIView):
    @extend_schema(
        summary=_("Your notification settings"),
        description=_("Every kind of notification, with how you get it, and the language of your emails."),
        responses={200: PreferencesSerializer, **error_responses(401)},
    )
    def get(self, request):
        return Response(preferences_data(request.user))

    @extend_schema(
        summary=_("Change your notification settings"),
        description=_(
            "Turn email and in-app notifications on or off per kind (transactional kinds are "
            "always on: naming one is a 400), and choose the language of your emails. "
            "Kinds left out, and a missing `language`, keep their setting."
        ),
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer, **error_responses(400, 401)},
    )
    def put(self, request):
        data = PreferencesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        choices = {
            entry["kind"]: {"email": entry["email"], "in_app": entry["in_app"]}
            for entry in data.validated_data.get("kinds", [])
        }
        with transaction.atomic():
            services.set_preferences(user=request.user, choices=choices)
            if "language" in data.validated_data:
                services.set_language(user=request.user, language=data.validated_data["language"])
        return Response(preferences_data(request.user))
