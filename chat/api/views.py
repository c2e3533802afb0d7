"""The chat API under /api/v1/chat/: thin views over ``chat.services`` and ``chat.selectors``.

Every conversation is looked up through ``selectors.conversation_for``: for anyone but its
shopper and its store's owner it does not exist (404), whatever the endpoint. The services'
refusals become 403 with their reason, their validation errors 400, rate limits 429.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from catalog.models import Product, ProductVariant, Store
from chat import selectors, services
from chat.api import serializers as s
from chat.models import Conversation
from chat.services import rules
from checkout.models import Order
from shop.api import error_responses
from shop.cursors import BadCursor
from social.models import Post
from social.ratelimit import RateLimited

CONVERSATION_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The conversation's id.")
)


class ChatAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, BadCursor):
            exc = exceptions.ValidationError({"cursor": [_("This cursor is not valid: use the links the API gave.")]})
        elif isinstance(exc, RateLimited):
            exc = exceptions.Throttled(detail=exc.message)
        elif isinstance(exc, DjangoPermissionDenied) and exc.args:
            exc = exceptions.PermissionDenied(str(exc.args[0]))
        return super().handle_exception(exc)

    def conversation(self) -> Conversation:
        conversation = selectors.conversation_for(user=self.request.user, pk=int(self.kwargs["pk"]))
        if conversation is None:
            raise Http404
        return conversation

    def seller_store(self) -> Store:
        store = Store.objects.filter(owner=self.request.user).first()
        if store is None:
            raise exceptions.PermissionDenied(_("Only a seller with a store has an inbox."))
        return store

    def query(self, serializer_class):
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query

    def body(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    def context(self, **extra) -> dict:
        return {"request": self.request, "viewer": self.request.user, **extra}

    def page(self, page, serializer_class) -> Response:
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(self.request.build_absolute_uri(), "cursor", page.next_cursor)
        results = serializer_class(page.items, many=True, context=self.context()).data
        return Response({"results": results, "next": next_url})

    def conversation_data(self, conversation: Conversation) -> dict:
        conversation.blocked_by = sorted(
            rules.blocked_by(store_id=conversation.store_id, shopper_id=conversation.shopper_id)
        )
        return s.ConversationDetailSerializer(conversation, context=self.context()).data


class ConversationsView(ChatAPIView):
    @extend_schema(
        operation_id="chat_conversations_list",
        summary=_("Your chats with stores"),
        description=_("Unread first, then the most recent. Chats opened but never written in are left out."),
        parameters=[s.PageQuerySerializer],
        responses={200: s.ConversationPageSerializer, **error_responses(400, 401)},
    )
    def get(self, request):
        query = self.query(s.PageQuerySerializer).validated_data
        page = selectors.shopper_conversations(
            shopper=request.user, cursor=query.get("cursor"), limit=query.get("limit")
        )
        return self.page(page, s.ConversationSerializer)

    @extend_schema(
        summary=_("Open your chat with a store"),
        description=_(
            "One chat per shopper and store: opening again returns it (200; 201 when new). What it is opened "
            "from (a product, a post or an order, at most one) arrives as a card with your next message."
        ),
        request=s.OpenConversationSerializer,
        responses={
            200: s.ConversationDetailSerializer,
            201: s.ConversationDetailSerializer,
            **error_responses(400, 401, 403, 404),
        },
    )
    def post(self, request):
        data = self.body(s.OpenConversationSerializer)
        store = get_object_or_404(Store, slug=data["store"], is_active=True)
        context = {}
        if "context_product" in data:
            visible = Product.objects.visible_to(request.user)
            context["context_product"] = get_object_or_404(visible, slug=data["context_product"])
        if "context_post" in data:
            context["context_post"] = get_object_or_404(
                Post.objects.visible_to(request.user).select_related("profile"), pk=data["context_post"]
            )
        if "context_order" in data:
            context["context_order"] = get_object_or_404(
                Order.objects.visible_to(request.user), number=data["context_order"]
            )
        existed = Conversation.objects.filter(store=store, shopper=request.user).exists()
        conversation = services.open_conversation(shopper=request.user, store=store, **context)
        conversation = selectors.conversation_for(user=request.user, pk=conversation.pk)
        return Response(
            self.conversation_data(conversation), status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )


class ConversationDetailView(ChatAPIView):
    @extend_schema(
        summary=_("A chat"),
        parameters=[CONVERSATION_ID],
        responses={200: s.ConversationDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk):
        return Response(self.conversation_data(self.conversation()))


class MessagesView(ChatAPIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary=_("A chat's messages"),
        description=_(
            "Oldest first. Without a cursor: the newest page. `before=<id>` pages back; `after=<id>` returns what "
            "came after the last message a client has (after a reconnect), oldest first: follow `newer` until null."
        ),
        parameters=[CONVERSATION_ID, s.MessageQuerySerializer],
        responses={200: s.MessagePageSerializer, **error_responses(400, 401, 404)},
    )
    def get(self, request, pk):
        conversation = self.conversation()
        query = self.query(s.MessageQuerySerializer).validated_data
        page = selectors.thread_messages(
            conversation=conversation, before=query.get("before"), after=query.get("after"), limit=query.get("limit")
        )
        url = remove_query_param(remove_query_param(request.build_absolute_uri(), "before"), "after")
        context = self.context(side=selectors.side_in(conversation=conversation, user=request.user))
        return Response(
            {
                "results": s.MessageSerializer(page.items, many=True, context=context).data,
                "older": replace_query_param(url, "before", page.next_before) if page.next_before else None,
                "newer": replace_query_param(url, "after", page.next_after) if page.next_after else None,
            }
        )

    @extend_schema(
        summary=_("Send a message"),
        description=_(
            "Idempotent on `client_id`: a retry with the same id returns the message already sent (200) instead of "
            "sending it twice (201). Text is stored as typed and must be escaped when shown."
        ),
        parameters=[CONVERSATION_ID],
        request={"application/json": s.SendMessageSerializer, "multipart/form-data": s.SendMessageSerializer},
        responses={
            200: s.MessageSerializer,
            201: s.MessageSerializer,
            **error_responses(400, 401, 403, 404),
        },
    )
    def post(self, request, pk):
        if not 0 < int(pk) <= selectors.MAX_ID:
            raise Http404
        data = self.body(s.SendMessageSerializer)
        product = variant = order = None
        # A text message (the common case) is checked and sent by the service, which reads the
        # conversation once, locked; a card's variant is looked up in the store first.
        conversation = self.conversation() if "variant" in data else None
        if "product" in data:
            product = get_object_or_404(Product.objects.visible_to(request.user), slug=data["product"])
        if "variant" in data:
            variant = get_object_or_404(
                ProductVariant.objects.select_related("product").filter(product__store_id=conversation.store_id),
                pk=data["variant"],
            )
        if "order" in data:
            order = get_object_or_404(Order.objects.visible_to(request.user), number=data["order"])
        try:
            message, created = services.send_message(
                conversation=conversation or int(pk),
                sender=request.user,
                client_id=data["client_id"],
                kind=data["kind"],
                body=data["body"],
                image=data.get("image"),
                product=product,
                variant=variant,
                order=order,
                discount_code=data.get("discount_code", ""),
            )
        except services.NotInConversation:
            raise Http404 from None
        side = selectors.side_in(conversation=message.conversation, user=request.user)
        return Response(
            s.MessageSerializer(message, context=self.context(side=side)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MarkReadView(ChatAPIView):
    @extend_schema(
        summary=_("Mark a chat read up to a message"),
        description=_("The mark only moves forward; your unread count is recounted from it."),
        parameters=[CONVERSATION_ID],
        request=s.ChatMarkReadSerializer,
        responses={200: s.ReadStateSerializer, **error_responses(400, 401, 404)},
    )
    def post(self, request, pk):
        conversation = self.conversation()
        data = self.body(s.ChatMarkReadSerializer)
        state = services.mark_read(conversation=conversation, reader=request.user, up_to_message_id=data["up_to"])
        return Response(s.ReadStateSerializer(state).data)


class BlockView(ChatAPIView):
    @extend_schema(
        summary=_("Block the other side"),
        description=_(
            "No messages either way until you unblock. The shopper blocks the store; the store, the shopper."
        ),
        parameters=[CONVERSATION_ID],
        request=None,
        responses={200: s.ConversationDetailSerializer, **error_responses(401, 404)},
    )
    def post(self, request, pk):
        conversation = self.conversation()
        services.block(conversation=conversation, by=request.user)
        return Response(self.conversation_data(conversation))

    @extend_schema(
        summary=_("Unblock the other side"),
        parameters=[CONVERSATION_ID],
        responses={200: s.ConversationDetailSerializer, **error_responses(401, 404)},
    )
    def delete(self, request, pk):
        conversation = self.conversation()
        services.unblock(conversation=conversation, by=request.user)
        return Response(self.conversation_data(conversation))


class ReportView(ChatAPIView):
    @extend_schema(
        summary=_("Report a chat to the site's staff"),
        parameters=[CONVERSATION_ID],
        request=s.ChatReportSerializer,
        responses={201: s.ChatReportOutputSerializer, **error_responses(400, 401, 404)},
    )
    def post(self, request, pk):
        conversation = self.conversation()
        data = self.body(s.ChatReportSerializer)
        report = services.report(conversation=conversation, reporter=request.user, **data)
        return Response(s.ChatReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)


class UnreadView(ChatAPIView):
    @extend_schema(
        summary=_("Your unread chat messages"), responses={200: s.UnreadTotalSerializer, **error_responses(401)}
    )
    def get(self, request):
        return Response({"unread": selectors.total_unread(user=request.user)})


class StoreResponseView(ChatAPIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary=_("How fast a store answers chats"),
        description=_("Over the last 30 days; automated messages are not answers."),
        parameters=[
            OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The store's slug."))
        ],
        responses={200: s.StoreResponseSerializer, **error_responses(404)},
    )
    def get(self, request, slug):
        store = get_object_or_404(Store, slug=slug, is_active=True)
        stats = selectors.response_stats(store=store)
        data = {
            "median_seconds": stats.median_seconds,
            "answered_within_12h": stats.answered_within_12h,
            "usually_replies": selectors.usually_replies(stats),
        }
        return Response(s.StoreResponseSerializer(data).data)
