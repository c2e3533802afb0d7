"""The store's WhatsApp templates in the API: what it may send in a WhatsApp chat (with the
24-hour window's state), and sending one, filled in. Same services as the thread page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from chat import selectors
from chat.api import serializers as s
from chat.api.views import CONVERSATION_ID, ChatAPIView
from chat.channels import rules, services
from chat.channels.choices import Channel
from chat.channels.models import ChannelTemplate
from chat.models import CLIENT_ID_MAX, Side
from chat.selectors import MAX_ID
from shop.api import error_responses


class TemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    language = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True, help_text=_("As approved, with {{1}}, {{2}}... to fill in."))
    values = serializers.SerializerMethodField(help_text=_("How many values the template takes."))

    def get_values(self, template) -> int:
        return rules.placeholders(template.body)


class TemplatesSerializer(serializers.Serializer):
    window_open = serializers.BooleanField(
        read_only=True,
        help_text=_("Whether free text may be sent now (within 24 hours of the customer's last message)."),
    )
    window_closes_at = serializers.DateTimeField(read_only=True, allow_null=True)
    results = TemplateSerializer(many=True, read_only=True)


class SendTemplateSerializer(serializers.Serializer):
    client_id = serializers.CharField(
        max_length=CLIENT_ID_MAX, help_text=_("Made by the client, new for each message.")
    )
    template = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    values = serializers.ListField(
        child=serializers.CharField(max_length=rules.TEMPLATE_PARAM_MAX, allow_blank=True), max_length=10, default=list
    )


class TemplatesView(ChatAPIView):
    def store_conversation(self):
        conversation = self.conversation()
        if selectors.side_in(conversation=conversation, user=self.request.user) != Side.STORE:
            raise exceptions.PermissionDenied(_("Only the store sends templates."))
        if conversation.channel != Channel.WHATSAPP:
            raise exceptions.ValidationError({"template": [_("Templates are for WhatsApp conversations.")]})
        return conversation

    @extend_schema(
        summary=_("A WhatsApp chat's templates"),
        description=_("The store's approved templates, and whether the 24-hour window for free text is open."),
        parameters=[CONVERSATION_ID],
        responses={200: TemplatesSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, pk):
        conversation = self.store_conversation()
        templates = ChannelTemplate.objects.filter(store_id=conversation.store_id, is_active=True)
        data = {
            "window_open": rules.window_open(conversation),
            "window_closes_at": rules.window_closes_at(conversation),
            "results": templates,
        }
        return Response(TemplatesSerializer(data).data)

    @extend_schema(
        summary=_("Send a WhatsApp template"),
        description=_(
            "Allowed at any time, the only way to write once the 24-hour window has closed. Idempotent on `client_id`."
        ),
        parameters=[CONVERSATION_ID],
        request=SendTemplateSerializer,
        responses={200: s.MessageSerializer, 201: s.MessageSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk):
        conversation = self.store_conversation()
        data = self.body(SendTemplateSerializer)
        message, created = services.send_template(
            conversation=conversation,
            sender=request.user,
            client_id=data["client_id"],
            template_id=data["template"],
            params=data["values"],
        )
        context = self.context(side=Side.STORE)
        return Response(
            s.MessageSerializer(message, context=context).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
