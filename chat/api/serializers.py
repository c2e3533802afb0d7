"""The chat API's small input and output serializers. Outputs read rows the selectors loaded;
inputs only parse and bound what a client sends (services hold the rules)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from catalog.api.serializers import absolute_url
from chat import selectors
from chat.api.offer_serializers import OfferSerializer
from chat.channels.choices import Channel
from chat.channels.models import OutboundMessage
from chat.models import BODY_MAX, CLIENT_ID_MAX, LABEL_MAX, NOTE_MAX, SENDABLE_KIND_CHOICES, Message, Report, Side
from chat.selectors import MAX_ID, SEARCH_MAX

# --- Output -----------------------------------------------------------------------------------


class ChatStoreSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class ChatShopperSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)


class ChatLabelSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class MessagePreviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Message.Kind.choices, read_only=True)
    sender_side = serializers.ChoiceField(choices=Side.choices, read_only=True)
    body = serializers.SerializerMethodField(help_text=_("The start of the text (plain text: escape it)."))
    created_at = serializers.DateTimeField(read_only=True)

    def get_body(self, message) -> str:
        return message.body[:140]


class ConversationSerializer(serializers.Serializer):
    """A conversation as one of its two sides sees it (``context["viewer"]``)."""

    id = serializers.IntegerField(read_only=True)
    side = serializers.SerializerMethodField(help_text=_("Your side: shopper, or store when you answer for it."))
    store = ChatStoreSerializer(read_only=True)
    shopper = ChatShopperSerializer(read_only=True)
    unread = serializers.SerializerMethodField(help_text=_("Messages you have not read yet."))
    last_read_id = serializers.SerializerMethodField(help_text=_("The last message your side has read."))
    other_side_read_up_to = serializers.SerializerMethodField(
        help_text=_("The last message the other side has read (“Seen”); null when the store turned receipts off.")
    )
    last_message = MessagePreviewSerializer(read_only=True, allow_null=True)
    last_message_at = serializers.DateTimeField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        read_only=True,
        help_text=_("Where the shopper writes from: the site, or WhatsApp or Telegram (the store's replies go there)."),
    )

    def _side(self, conversation) -> str:
        return selectors.side_in(conversation=conversation, user=self.context["viewer"])

    def get_side(self, conversation) -> str:
        return self._side(conversation)

    def get_unread(self, conversation) -> int:
        return conversation.shopper_unread if self._side(conversation) == Side.SHOPPER else conversation.store_unread

    def get_last_read_id(self, conversation) -> int:
        side = self._side(conversation)
        return conversation.shopper_last_read_id if side == Side.SHOPPER else conversation.store_last_read_id

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_other_side_read_up_to(self, conversation) -> int | None:
        return selectors.other_side_read_up_to(conversation=conversation, side=self._side(conversation))


class InboxConversationSerializer(ConversationSerializer):
    """A row of the seller's inbox: the store's own labels and note, and since when the shopper waits."""

    labels = ChatLabelSerializer(many=True, read_only=True)
    store_note = serializers.CharField(read_only=True)
    shopper_waiting_since = serializers.DateTimeField(read_only=True, allow_null=True)


@extend_schema_serializer(many=False)
class ConversationPageSerializer(serializers.Serializer):
    results = ConversationSerializer(many=True, read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True, help_text=_("The next page's URL, or null."))


@extend_schema_serializer(many=False)
class ChatInboxPageSerializer(serializers.Serializer):
    results = InboxConversationSerializer(many=True, read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True, help_text=_("The next page's URL, or null."))


class ConversationDetailSerializer(ConversationSerializer):
    blocked_by = serializers.ListField(
        child=serializers.ChoiceField(choices=[Side.SHOPPER, Side.STORE]),
        read_only=True,
        help_text=_("The sides that blocked the other: no messages either way while not empty."),
    )


class ImageSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    width = serializers.IntegerField(source="image_width", read_only=True)
    height = serializers.IntegerField(source="image_height", read_only=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, message) -> str:
        return absolute_url(self, message.image.url)


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    conversation = serializers.IntegerField(source="conversation_id", read_only=True)
    client_id = serializers.CharField(read_only=True, help_text=_("The id the sending client made (empty for cards)."))
    sender_side = serializers.ChoiceField(choices=Side.choices, read_only=True)
    mine = serializers.SerializerMethodField(help_text=_("Sent by your side."))
    kind = serializers.ChoiceField(choices=Message.Kind.choices, read_only=True)
    body = serializers.CharField(read_only=True, help_text=_("Plain text as typed: escape it when you show it."))
    image = serializers.SerializerMethodField()
    product = serializers.SerializerMethodField(help_text=_("A card's product (its slug), if it still exists."))
    order = serializers.SerializerMethodField(help_text=_("A card's order (its number)."))
    offer = serializers.SerializerMethodField(help_text=_("An offer card's offer as it is now (its status, stock)."))
    data = serializers.JSONField(read_only=True, help_text=_("What a card showed when it was sent."))
    is_automated = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    delivery = serializers.SerializerMethodField(
        help_text=_(
            "The store's message in a WhatsApp or Telegram chat: queued, sent, delivered, read or failed (it only "
            "moves forward); null elsewhere."
        )
    )

    @extend_schema_field({"type": "string", "nullable": True, "enum": [*OutboundMessage.State.values, None]})
    def get_delivery(self, message) -> str | None:
        outbound = getattr(message, "outbound", None)  # select_related by the selectors (None: no row)
        return outbound.state if outbound is not None else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_product(self, message) -> str | None:
        return message.product.slug if message.product_id else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_order(self, message) -> str | None:
        return message.order.number if message.order_id else None

    @extend_schema_field(OfferSerializer(allow_null=True))
    def get_offer(self, message) -> dict | None:
        if message.offer_id is None:
            return None
        return OfferSerializer(message.offer, context=self.context).data

    def get_mine(self, message) -> bool:
        return message.sender_side == self.context["side"]

    @extend_schema_field(ImageSerializer(allow_null=True))
    def get_image(self, message) -> dict | None:
        if not message.image:
            return None
        return ImageSerializer(message, context=self.context).data


@extend_schema_serializer(many=False)
class MessagePageSerializer(serializers.Serializer):
    results = MessageSerializer(many=True, read_only=True, help_text=_("Oldest first."))
    older = serializers.URLField(
        read_only=True, allow_null=True, help_text=_("The page of older messages (`before`), or null.")
    )
    newer = serializers.URLField(
        read_only=True, allow_null=True, help_text=_("The next page of newer messages (`after`), or null.")
    )


class ReadStateSerializer(serializers.Serializer):
    last_read_id = serializers.IntegerField(read_only=True)
    unread = serializers.IntegerField(read_only=True)


class UnreadTotalSerializer(serializers.Serializer):
    unread = serializers.IntegerField(read_only=True, help_text=_("Unread messages as a shopper and for your store."))


class QuickReplySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    shortcut = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)


class FilledQuickReplySerializer(QuickReplySerializer):
    filled = serializers.CharField(
        read_only=True, help_text=_("The text with this conversation's placeholders filled.")
    )


class ChatReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reason = serializers.ChoiceField(choices=Report.Reason.choices, read_only=True)
    note = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Report.Status.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class StoreResponseSerializer(serializers.Serializer):
    median_seconds = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("The median wait for an answer; null with too few answers.")
    )
    answered_within_12h = serializers.FloatField(
        read_only=True, allow_null=True, help_text=_("The share of questions answered within 12 hours (0 to 1).")
    )
    usually_replies = serializers.CharField(read_only=True, help_text=_("For people: empty when unknown."))


# --- Input ------------------------------------------------------------------------------------


class PageQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=300, help_text=_("From the previous page's `next` link."))
    limit = serializers.IntegerField(required=False, min_value=1, max_value=selectors.PAGE_MAX)


class InboxQuerySerializer(PageQuerySerializer):
    unread = serializers.BooleanField(
        required=False, default=False, help_text=_("Only conversations with unread messages.")
    )
    waiting = serializers.BooleanField(
        required=False, default=False, help_text=_("Only shoppers waiting over an hour for an answer.")
    )
    open_order = serializers.BooleanField(
        required=False, default=False, help_text=_("Only shoppers with an order in progress at your store.")
    )
    label = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=_("A label's id."))
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SEARCH_MAX,
        help_text=_("A buyer's name, a product's title, or an order number."),
    )

    def filters(self) -> selectors.InboxFilters:
        data = self.validated_data
        return selectors.InboxFilters(
            unread=data["unread"],
            waiting=data["waiting"],
            open_order=data["open_order"],
            label_id=data.get("label"),
            search=data.get("q", ""),
        )


class MessageQuerySerializer(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=_("Older than this id."))
    after = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_ID, help_text=_("Newer than this id: catching up after a reconnect.")
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=selectors.THREAD_PAGE_MAX)

    def validate(self, attrs):
        if "before" in attrs and "after" in attrs:
            raise serializers.ValidationError(_("Ask for messages before an id or after one, not both."))
        return attrs


class OpenConversationSerializer(serializers.Serializer):
    store = serializers.SlugField(max_length=80, help_text=_("The store's slug."))
    context_product = serializers.SlugField(
        required=False, max_length=160, help_text=_("The product the chat is opened from (its slug).")
    )
    context_post = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=_("The post the chat is opened from.")
    )
    context_order = serializers.CharField(
        required=False, max_length=20, help_text=_("The order the chat is opened from (its number).")
    )


class SendMessageSerializer(serializers.Serializer):
    client_id = serializers.CharField(
        max_length=CLIENT_ID_MAX,
        help_text=_("Made by your client, new for each message (a UUID): a retry sends the same."),
    )
    kind = serializers.ChoiceField(
        choices=SENDABLE_KIND_CHOICES,
        default=Message.Kind.TEXT,
    )
    body = serializers.CharField(
        required=False, allow_blank=True, max_length=BODY_MAX, default="", trim_whitespace=False
    )
    image = serializers.FileField(required=False, help_text=_("For a picture (multipart): JPEG, PNG or WebP."))
    product = serializers.SlugField(required=False, max_length=160, help_text=_("A product card: the product's slug."))
    variant = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=_("A variant's id."))
    order = serializers.CharField(required=False, max_length=20, help_text=_("An order card: the order's number."))
    discount_code = serializers.CharField(required=False, max_length=30, help_text=_("A discount card: the code."))


class ChatMarkReadSerializer(serializers.Serializer):
    up_to = serializers.IntegerField(min_value=0, max_value=MAX_ID, help_text=_("The id of the last message read."))


class ChatReportSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class SellerDetailsSerializer(serializers.Serializer):
    labels = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=20
    )
    store_note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)


class ChatLabelInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=LABEL_MAX)


class QuickReplyInputSerializer(serializers.Serializer):
    shortcut = serializers.CharField(max_length=31, help_text=_("Typed after `/` to pick it, e.g. ongkir."))
    text = serializers.CharField(
        max_length=1000, help_text=_("May hold {buyer_name}, {order_number} and {bank_account}.")
    )
