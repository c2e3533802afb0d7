"""The assistant in the API (/api/v1/chat/...): the seller's settings with weekly hours and
holidays, the FAQ, the report; the shopper's "talk to a person" and the store's hand-back.
Thin views over ``chat.assistant.services``, ``handoff`` and ``report``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from chat.api.views import CONVERSATION_ID, ChatAPIView
from chat.assistant import handoff, services
from chat.assistant.models import KEYWORDS_MAX, QUESTION_MAX, TEXT_MAX, FaqEntry, Holiday, OpeningHours
from chat.assistant.report import REPORT_DAYS, assistant_report
from shop.api import error_responses

# --- Serializers ------------------------------------------------------------------------------


class OpeningSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text=_("0 is Monday, 6 is Sunday."))
    opens = serializers.TimeField(help_text=_("In the store's time zone."))
    closes = serializers.TimeField(help_text=_("At or before `opens`: open past midnight."))


class HolidaySerializer(serializers.Serializer):
    date = serializers.DateField(read_only=True)
    name = serializers.CharField(read_only=True)


class AssistantSettingsSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(read_only=True)
    time_zone = serializers.CharField(read_only=True)
    on_holiday = serializers.BooleanField(read_only=True)
    greeting = serializers.CharField(read_only=True)
    away_message = serializers.CharField(read_only=True)
    auto_reply = serializers.CharField(read_only=True)
    auto_reply_minutes = serializers.IntegerField(read_only=True)
    pause_minutes = serializers.IntegerField(read_only=True)
    opening_hours = OpeningSerializer(many=True, read_only=True)
    holidays = HolidaySerializer(many=True, read_only=True)


class AssistantSettingsInputSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    time_zone = serializers.CharField(required=False, max_length=40)
    on_holiday = serializers.BooleanField(required=False)
    greeting = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    away_message = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    auto_reply = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    auto_reply_minutes = serializers.IntegerField(required=False, min_value=1, max_value=24 * 60)
    pause_minutes = serializers.IntegerField(required=False, min_value=1, max_value=7 * 24 * 60)
    opening_hours = OpeningSerializer(
        many=True, required=False, max_length=28, help_text=_("Replaces the weekly hours when given.")
    )


class FaqEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    question = serializers.CharField(read_only=True)
    keywords = serializers.CharField(read_only=True)
    answer = serializers.CharField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class FaqEntryInputSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=QUESTION_MAX)
    keywords = serializers.CharField(
        max_length=KEYWORDS_MAX, required=False, allow_blank=True, help_text=_("Comma-separated words or phrases.")
    )
    answer = serializers.CharField(max_length=TEXT_MAX)


class UnansweredSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True)
    times = serializers.IntegerField(read_only=True)
    last_asked = serializers.DateTimeField(read_only=True)


class AssistantReportSerializer(serializers.Serializer):
    days = serializers.IntegerField(read_only=True)
    answers = serializers.IntegerField(read_only=True)
    closed_alone = serializers.IntegerField(
        read_only=True, help_text=_("Chats it answered where no person wrote and nobody asked for one.")
    )
    handoffs = serializers.IntegerField(read_only=True)
    auto_replies = serializers.IntegerField(read_only=True)
    by_topic = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    unanswered = UnansweredSerializer(many=True, read_only=True)


class WhoAnswersSerializer(serializers.Serializer):
    answerer = serializers.ChoiceField(choices=[handoff.ASSISTANT, handoff.PERSON], read_only=True)
    reason = serializers.ChoiceField(
        choices=["", handoff.OFF, handoff.BLOCKED, handoff.HANDOFF, handoff.PAUSED],
        read_only=True,
        help_text=_(
            "Why a person answers: the assistant is off, a side blocked the other, it was asked for a person, "
            "or it is paused."
        ),
    )
    paused_until = serializers.DateTimeField(read_only=True, allow_null=True)


# --- Views ------------------------------------------------------------------------------------


def _settings_data(store) -> dict:
    settings = services.settings_of(store=store)
    data = {name: getattr(settings, name) for name in services.SETTINGS_FIELDS}
    data["opening_hours"] = list(OpeningHours.objects.filter(store=store).values("weekday", "opens", "closes"))
    data["holidays"] = list(Holiday.objects.filter(store=store).values("date", "name"))
    return data


class AssistantSettingsView(ChatAPIView):
    @extend_schema(
        summary=_("Your store's assistant settings"),
        responses={200: AssistantSettingsSerializer, **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(AssistantSettingsSerializer(_settings_data(self.seller_store())).data)

    @extend_schema(
        summary=_("Change your store's assistant settings"),
        description=_("Only the fields sent change; `opening_hours`, when sent, replaces the weekly hours."),
        request=AssistantSettingsInputSerializer,
        responses={200: AssistantSettingsSerializer, **error_responses(400, 401, 403)},
    )
    def patch(self, request):
        store = self.seller_store()
        data = dict(self.body(AssistantSettingsInputSerializer))
        openings = data.pop("opening_hours", None)
        services.update_settings(store=store, actor=request.user, **data)
        if openings is not None:
            services.set_opening_hours(
                store=store, actor=request.user, openings=[services.OpeningInput(**row) for row in openings]
            )
        return Response(AssistantSettingsSerializer(_settings_data(store)).data)


class FaqView(ChatAPIView):
    @extend_schema(
        summary=_("Your store's FAQ answers"),
        responses={200: FaqEntrySerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        entries = FaqEntry.objects.filter(store=self.seller_store()).order_by("question", "id")
        return Response(FaqEntrySerializer(entries, many=True).data)

    @extend_schema(
        summary=_("Add a FAQ answer"),
        request=FaqEntryInputSerializer,
        responses={201: FaqEntrySerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        store = self.seller_store()
        entry = services.create_faq(store=store, actor=request.user, **self.body(FaqEntryInputSerializer))
        return Response(FaqEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


FAQ_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The FAQ answer's id."))


class FaqDetailView(ChatAPIView):
    def entry(self) -> FaqEntry:
        store = self.seller_store()
        return get_object_or_404(FaqEntry.objects.select_related("store"), pk=int(self.kwargs["pk"]), store=store)

    @extend_schema(
        summary=_("A FAQ answer"),
        parameters=[FAQ_ID],
        responses={200: FaqEntrySerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk):
        return Response(FaqEntrySerializer(self.entry()).data)

    @extend_schema(
        summary=_("Change a FAQ answer"),
        parameters=[FAQ_ID],
        request=FaqEntryInputSerializer,
        responses={200: FaqEntrySerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, pk):
        entry = self.entry()
        entry = services.update_faq(entry=entry, actor=request.user, **self.body(FaqEntryInputSerializer))
        return Response(FaqEntrySerializer(entry).data)

    @extend_schema(
        summary=_("Delete a FAQ answer"), parameters=[FAQ_ID], responses={204: None, **error_responses(401, 403, 404)}
    )
    def delete(self, request, pk):
        services.delete_faq(entry=self.entry(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssistantReportView(ChatAPIView):
    @extend_schema(
        summary=_("Your assistant's report"),
        description=_(
            "Over the last %(days)d days: chats it closed alone, handoffs, the questions it could not answer."
        )
        % {"days": REPORT_DAYS},
        responses={200: AssistantReportSerializer, **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(AssistantReportSerializer(assistant_report(store=self.seller_store())).data)


def _who(conversation) -> dict:
    decision = handoff.who_answers(conversation)
    return {"answerer": decision.answerer, "reason": decision.reason, "paused_until": decision.paused_until}


class AskForPersonView(ChatAPIView):
    @extend_schema(
        summary=_("Ask for a person of the store"),
        description=_("The shopper's side: the store's assistant stops answering until the store hands back."),
        parameters=[CONVERSATION_ID],
        request=None,
        responses={200: WhoAnswersSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request, pk):
        conversation = self.conversation()
        handoff.ask_for_person(conversation=conversation, shopper=request.user)
        return Response(WhoAnswersSerializer(_who(conversation)).data)


class HandBackView(ChatAPIView):
    @extend_schema(
        summary=_("Hand the chat back to the assistant"),
        description=_("The store's side: ends the shopper's request for a person and the pause of your messages."),
        parameters=[CONVERSATION_ID],
        request=None,
        responses={200: WhoAnswersSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request, pk):
        conversation = self.conversation()
        handoff.hand_back(conversation=conversation, actor=request.user)
        return Response(WhoAnswersSerializer(_who(conversation)).data)
