"""The seller's side of the chat API: the inbox, labels and the private note, the buyer panel,
quick replies.
Same plumbing as ``chat.api.views`` (conversations found through ``conversation_for``)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from chat import buyer_panel, selectors, services
from chat.api import serializers as s
from chat.api.panel_serializers import BuyerPanelSerializer
from chat.api.views import CONVERSATION_ID, ChatAPIView
from chat.models import Label, QuickReply, Side
from chat.services import quick_replies
from shop.api import error_responses


class SellerDetailsView(ChatAPIView):
    @extend_schema(
        summary=_("Set the store's labels and private note on a chat"),
        description=_("Only the store's side; the shopper never sees them."),
        parameters=[CONVERSATION_ID],
        request=s.SellerDetailsSerializer,
        responses={200: s.InboxConversationSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk):
        conversation = self.conversation()
        if selectors.side_in(conversation=conversation, user=request.user) != Side.STORE:
            raise exceptions.PermissionDenied(_("Only the store labels its conversations."))
        data = self.body(s.SellerDetailsSerializer)
        if "labels" in data:
            services.set_labels(conversation=conversation, actor=request.user, label_ids=data["labels"])
        if "store_note" in data:
            services.set_note(conversation=conversation, actor=request.user, note=data["store_note"])
        return Response(s.InboxConversationSerializer(conversation, context=self.context()).data)


class BuyerPanelView(ChatAPIView):
    @extend_schema(
        summary=_("About the buyer of a chat"),
        description=_(
            "For your store's side only (404 for anyone else, the shopper included): their orders with your "
            "store, what they spent, whether they follow it, what they have in their cart from it now, and your "
            "labels and private note."
        ),
        parameters=[CONVERSATION_ID],
        responses={200: BuyerPanelSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk):
        conversation = self.conversation()
        if selectors.side_in(conversation=conversation, user=request.user) != Side.STORE:
            raise Http404
        panel = buyer_panel.buyer_panel(conversation=conversation)
        return Response(BuyerPanelSerializer(panel, context=self.context()).data)


class ConversationQuickRepliesView(ChatAPIView):
    @extend_schema(
        summary=_("Your store's quick replies, filled in for this chat"),
        parameters=[CONVERSATION_ID],
        responses={200: s.FilledQuickReplySerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk):
        conversation = self.conversation()
        if selectors.side_in(conversation=conversation, user=request.user) != Side.STORE:
            raise exceptions.PermissionDenied(_("Quick replies are the store's."))
        values = quick_replies.placeholder_values(conversation=conversation)
        rows = list(QuickReply.objects.filter(store_id=conversation.store_id))
        for row in rows:
            row.filled = quick_replies.fill(text=row.text, values=values)
        return Response(s.FilledQuickReplySerializer(rows, many=True).data)


class InboxView(ChatAPIView):
    @extend_schema(
        summary=_("Your store's inbox"),
        description=_("Unread first, then the most recent; filters combine."),
        parameters=[s.InboxQuerySerializer],
        responses={200: s.ChatInboxPageSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        store = self.seller_store()
        query = self.query(s.InboxQuerySerializer)
        data = query.validated_data
        page = selectors.seller_inbox(
            store=store, filters=query.filters(), cursor=data.get("cursor"), limit=data.get("limit")
        )
        return self.page(page, s.InboxConversationSerializer)


class LabelsView(ChatAPIView):
    @extend_schema(
        summary=_("Your store's chat labels"),
        responses={200: s.ChatLabelSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        store = self.seller_store()
        return Response(s.ChatLabelSerializer(Label.objects.filter(store=store), many=True).data)

    @extend_schema(
        summary=_("Add a chat label"),
        request=s.ChatLabelInputSerializer,
        responses={201: s.ChatLabelSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        store = self.seller_store()
        data = self.body(s.ChatLabelInputSerializer)
        label = services.create_label(store=store, actor=request.user, name=data["name"])
        return Response(s.ChatLabelSerializer(label).data, status=status.HTTP_201_CREATED)


class QuickRepliesView(ChatAPIView):
    @extend_schema(
        summary=_("Your store's quick replies"),
        responses={200: s.QuickReplySerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        store = self.seller_store()
        return Response(s.QuickReplySerializer(QuickReply.objects.filter(store=store), many=True).data)

    @extend_schema(
        summary=_("Save a quick reply"),
        request=s.QuickReplyInputSerializer,
        responses={201: s.QuickReplySerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        store = self.seller_store()
        data = self.body(s.QuickReplyInputSerializer)
        reply = services.create_quick_reply(store=store, actor=request.user, **data)
        return Response(s.QuickReplySerializer(reply).data, status=status.HTTP_201_CREATED)


QUICK_REPLY_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The quick reply's id."))


class QuickReplyDetailView(ChatAPIView):
    def quick_reply(self) -> QuickReply:
        store = self.seller_store()
        return get_object_or_404(QuickReply.objects.select_related("store"), pk=int(self.kwargs["pk"]), store=store)

    @extend_schema(
        summary=_("A quick reply"),
        parameters=[QUICK_REPLY_ID],
        responses={200: s.QuickReplySerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk):
        return Response(s.QuickReplySerializer(self.quick_reply()).data)

    @extend_schema(
        summary=_("Change a quick reply"),
        parameters=[QUICK_REPLY_ID],
        request=s.QuickReplyInputSerializer,
        responses={200: s.QuickReplySerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, pk):
        reply = self.quick_reply()
        data = self.body(s.QuickReplyInputSerializer)
        reply = services.update_quick_reply(quick_reply=reply, actor=request.user, **data)
        return Response(s.QuickReplySerializer(reply).data)

    @extend_schema(
        summary=_("Delete a quick reply"),
        parameters=[QUICK_REPLY_ID],
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request, pk):
        services.delete_quick_reply(quick_reply=self.quick_reply(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
