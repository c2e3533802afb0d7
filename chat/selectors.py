"""Reading chats, shared by the pages and the API: the shopper's conversations, the seller's
inbox with its filters, a thread's messages, the header's unread total.

Every list is a keyset page on indexed columns, never OFFSET, and costs the same number of
queries whatever the number of conversations or messages (tests/chat/test_selectors.py
counts them). Lists show unread conversations first: a page walks the unread part
(``chat_*_unread`` partial indexes) and then the rest, the cursor saying which part it is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    When,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductVariant, Store
from chat.models import ChatSettings, Conversation, Label, Message, ShopperWait, Side
from checkout.models import Order, OrderStatus
from shop.cursors import MAX_ID, BadCursor, aware_datetime, decode_cursor, encode_cursor, row_id
from shop.models import User

PAGE_SIZE = 20
PAGE_MAX = 50
THREAD_PAGE_SIZE = 30
THREAD_PAGE_MAX = 100
SEARCH_MAX = 100
# "Waiting for a reply": the shopper's unanswered message is older than this.
WAITING_AFTER = timedelta(hours=1)
# An order still in the works: the seller and the buyer may need to talk about it.
OPEN_ORDER_STATUSES = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


@dataclass
class InboxFilters:
    unread: bool = False
    waiting: bool = False
    open_order: bool = False
    label_id: int | None = None
    search: str = ""


@dataclass
class ConversationPage:
    items: list[Conversation]
    next_cursor: str | None


@dataclass
class MessagePage:
    """Messages oldest first. ``has_more``: another page exists in ``direction`` ("older" for
    the newest page and ``before`` pages, "newer" for ``after`` pages)."""

    items: list[Message]
    has_more: bool
    direction: str

    @property
    def next_before(self) -> int | None:
        return self.items[0].pk if self.has_more and self.direction == "older" and self.items else None

    @property
    def next_after(self) -> int | None:
        return self.items[-1].pk if self.has_more and self.direction == "newer" and self.items else None


# --- Cursors -----------------------------------------------------------------------------------


def _encode(part: str, conversation: Conversation) -> str:
    return encode_cursor(part, conversation.last_message_at.isoformat(), conversation.pk)


def _decode(cursor: str | None) -> tuple[str, datetime | None, int | None]:
    position = decode_cursor(cursor, str, aware_datetime, row_id)
    if position is None:
        return "unread", None, None
    if position[0] not in ("unread", "read"):
        raise BadCursor(cursor)
    return position


def _after(queryset: QuerySet, at: datetime | None, pk: int | None) -> QuerySet:
    if at is None:
        return queryset
    return queryset.filter(Q(last_message_at__lt=at) | Q(last_message_at=at, id__lt=pk))


def _unread_first_page(
    queryset: QuerySet, *, unread_field: str, cursor: str | None, limit: int, unread_only: bool
) -> ConversationPage:
    """A page of ``queryset``: its unread conversations newest first, then the others."""
    part, at, pk = _decode(cursor)
    newest_first = ("-last_message_at", "-id")
    items: list[Conversation] = []
    if part == "unread":
        rows = list(_after(queryset.filter(**{f"{unread_field}__gt": 0}), at, pk).order_by(*newest_first)[: limit + 1])
        if len(rows) > limit:
            return ConversationPage(rows[:limit], _encode("unread", rows[limit - 1]))
        items, at, pk = rows, None, None
        if unread_only:
            return ConversationPage(items, None)
    room = limit - len(items)
    if room == 0:
        # The unread part filled the page exactly: the read part starts on the next one.
        return ConversationPage(items, _encode("unread", items[-1]) if items else None)
    rows = list(_after(queryset.filter(**{unread_field: 0}), at, pk).order_by(*newest_first)[: room + 1])
    more = len(rows) > room
    items += rows[:room]
    return ConversationPage(items, _encode("read", items[-1]) if more else None)


def _limit(limit: int | None, default: int, maximum: int) -> int:
    if limit is None:
        return default
    return max(1, min(int(limit), maximum))


# --- Lists ---------------------------------------------------------------------------------------


def shopper_conversations(*, shopper: User, cursor: str | None = None, limit: int | None = None) -> ConversationPage:
    """The shopper's chats with stores, unread first, then the most recent."""
    queryset = Conversation.objects.filter(shopper=shopper, last_message__isnull=False).select_related(
        "store", "last_message"
    )
    return _unread_first_page(
        queryset,
        unread_field="shopper_unread",
        cursor=cursor,
        limit=_limit(limit, PAGE_SIZE, PAGE_MAX),
        unread_only=False,
    )


def clean_search(search: str) -> str:
    search = (search or "").strip()
    if "\x00" in search:
        raise ValidationError({"q": _("Null characters are not allowed.")})
    return search[:SEARCH_MAX]


def seller_inbox(
    *, store: Store, filters: InboxFilters | None = None, cursor: str | None = None, limit: int | None = None
) -> ConversationPage:
    """The store's conversations that have messages, unread first, then the most recent;
    narrowed by ``filters``. Each row has its store, shopper, last message and labels loaded."""
    filters = filters or InboxFilters()
    queryset = Conversation.objects.filter(store=store, last_message__isnull=False)
    if filters.waiting:
        queryset = queryset.filter(shopper_waiting_since__lte=timezone.now() - WAITING_AFTER)
    if filters.open_order:
        queryset = queryset.filter(
            Exists(
                Order.objects.filter(
                    store_id=OuterRef("store_id"), buyer_id=OuterRef("shopper_id"), status__in=OPEN_ORDER_STATUSES
                )
            )
        )
    if filters.label_id is not None:
        queryset = queryset.filter(labels__id=filters.label_id)
    search = clean_search(filters.search)
    if search:
        queryset = queryset.filter(_matches(search))
    page = _unread_first_page(
        queryset.select_related("shopper", "last_message"),
        unread_field="store_unread",
        cursor=cursor,
        limit=_limit(limit, PAGE_SIZE, PAGE_MAX),
        unread_only=filters.unread,
    )
    # Once for the page, whichever of its two parts the rows came from.
    prefetch_related_objects(page.items, Prefetch("labels", queryset=Label.objects.order_by("name")))
    for conversation in page.items:
        conversation.store = store  # every row's, already loaded (the API shows its name)
    return page


def _matches(search: str) -> Q:
    """The buyer's name or username, a product sent or asked about in the thread, or the
    number of an order between the two."""
    return (
        Q(shopper__username__icontains=search)
        | Q(shopper__first_name__icontains=search)
        | Q(shopper__last_name__icontains=search)
        | Exists(Message.objects.filter(conversation_id=OuterRef("pk"), product__title__icontains=search))
        | Exists(
            Order.objects.filter(store_id=OuterRef("store_id"), buyer_id=OuterRef("shopper_id"), number__iexact=search)
        )
    )


# --- One conversation ---------------------------------------------------------------------------


def conversation_for(*, user: User, pk: int) -> Conversation | None:
    """The conversation ``pk`` if ``user`` is its shopper or answers for its store, else None
    (pages and the API answer 404: nobody learns that someone else's conversation exists)."""
    if not user.is_authenticated or not user.is_active or not 0 < pk <= MAX_ID:
        return None
    return (
        Conversation.objects.filter(Q(shopper=user) | Q(store__owner=user), pk=pk)
        .select_related("store__owner", "store__chat_settings", "shopper")
        .first()
    )


def side_in(*, conversation: Conversation, user: User) -> str:
    """The side of a participant (``conversation_for`` returned the conversation to them)."""
    return Side.SHOPPER if conversation.shopper_id == user.pk else Side.STORE


def read_receipts_on(*, store: Store) -> bool:
    try:
        return store.chat_settings.read_receipts
    except ChatSettings.DoesNotExist:
        return True


def other_side_read_up_to(*, conversation: Conversation, side: str) -> int | None:
    """What the viewer may know the other side has read: the store's watermark only when the
    store shows read receipts; the shopper's always (the store sees "Seen")."""
    if side == Side.SHOPPER:
        return conversation.store_last_read_id if read_receipts_on(store=conversation.store) else None
    return conversation.shopper_last_read_id


def _message_id(value: str | int | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise BadCursor(name) from exc
    if not 0 <= number <= MAX_ID:
        raise BadCursor(name)
    return number


def _thread_queryset(conversation: Conversation) -> QuerySet:
    return (
        Message.objects.filter(conversation_id=conversation.pk)
        .select_related("sender", "product", "variant", "order", "offer__order", "outbound")
        # An offer card shows its lines with the live stock (a constant number of queries).
        .prefetch_related("offer__lines__variant__product")
    )


def thread_message(*, conversation: Conversation, message_id: int) -> Message | None:
    """One message of the conversation, loaded as a thread page loads it (a card that changed,
    fetched again), or None when the conversation has no such message."""
    if not 0 < message_id <= MAX_ID:
        return None
    return _thread_queryset(conversation).filter(pk=message_id).first()


def thread_messages(
    *,
    conversation: Conversation,
    before: str | int | None = None,
    after: str | int | None = None,
    limit: int | None = None,
) -> MessagePage:
    """A page of the conversation's messages, oldest first: the newest ones; those before the
    id ``before`` (scrolling back); or those after the id ``after`` (a client catching up
    after a reconnect: oldest first, so nothing is skipped). Not both: ``BadCursor``."""
    before, after = _message_id(before, "before"), _message_id(after, "after")
    if before is not None and after is not None:
        raise BadCursor("before and after")
    size = _limit(limit, THREAD_PAGE_SIZE, THREAD_PAGE_MAX)
    queryset = _thread_queryset(conversation)
    if after is not None:
        rows = list(queryset.filter(id__gt=after).order_by("id")[: size + 1])
        return MessagePage(items=rows[:size], has_more=len(rows) > size, direction="newer")
    if before is not None:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset.order_by("-id")[: size + 1])
    return MessagePage(items=list(reversed(rows[:size])), has_more=len(rows) > size, direction="older")


def total_unread(*, user: User) -> int:
    """Unread messages across the user's chats, as a shopper and for their store (the header)."""
    if not user.is_authenticated:
        return 0
    as_shopper = Q(shopper_id=user.pk, shopper_unread__gt=0)
    for_store = Q(store__owner_id=user.pk, store_unread__gt=0)
    totals = Conversation.objects.filter(as_shopper | for_store).aggregate(
        total=Sum(
            Case(When(shopper_id=user.pk, then="shopper_unread"), default=0, output_field=IntegerField())
            + Case(When(store__owner_id=user.pk, then="store_unread"), default=0, output_field=IntegerField())
        )
    )
    return totals["total"] or 0


# --- How fast a store answers ----------------------------------------------------------------------

RESPONSE_WINDOW = timedelta(days=30)
ANSWERED_WITHIN = timedelta(hours=12)
# The figures read at most this many of the store's latest waits (one bounded query).
RESPONSE_SAMPLE = 500
# Fewer answers than this say nothing about a store: no "usually replies" line.
RESPONSE_MIN_ANSWERS = 3


@dataclass(frozen=True)
class ResponseStats:
    """A store's answers over the last 30 days. ``median_seconds``: the median wait of an
    answered question (None below ``RESPONSE_MIN_ANSWERS``); ``answered_within_12h``: the
    share of questions answered within 12 hours, counting those still waiting past 12 hours
    as not (None when no question is old enough to tell); ``questions``: how many were read."""

    median_seconds: int | None
    answered_within_12h: float | None
    questions: int


def response_stats(*, store: Store, now: datetime | None = None) -> ResponseStats:
    now = now or timezone.now()
    rows = list(
        ShopperWait.objects.filter(store=store, asked_at__gte=now - RESPONSE_WINDOW)
        .order_by("-asked_at")
        .values_list("asked_at", "answered_at")[:RESPONSE_SAMPLE]
    )
    waits = sorted((answered - asked).total_seconds() for asked, answered in rows if answered is not None)
    median = int(waits[len(waits) // 2]) if len(waits) >= RESPONSE_MIN_ANSWERS else None
    # A question younger than 12 hours and not answered yet may still be answered in time.
    decided = [(asked, answered) for asked, answered in rows if answered is not None or asked <= now - ANSWERED_WITHIN]
    in_time = sum(1 for asked, answered in decided if answered is not None and answered - asked <= ANSWERED_WITHIN)
    share = in_time / len(decided) if decided else None
    return ResponseStats(median_seconds=median, answered_within_12h=share, questions=len(rows))


def usually_replies(stats: ResponseStats) -> str:
    """The store's "Usually replies within an hour" (and the like); "" when too few answers tell."""
    if stats.median_seconds is None:
        return ""
    for limit, text in (
        (60 * 60, _("Usually replies within an hour")),
        (4 * 60 * 60, _("Usually replies within a few hours")),
        (24 * 60 * 60, _("Usually replies within a day")),
    ):
        if stats.median_seconds <= limit:
            return text
    return _("Usually replies in a few days")


# --- The seller's catalog, searched from a thread ------------------------------------------------

CATALOG_SEARCH_LIMIT = 20


def store_catalog(*, store_id: int, query: str = "", limit: int = CATALOG_SEARCH_LIMIT) -> list[Product]:
    """The store's products on sale whose title or SKU contains ``query`` (all when empty),
    newest first, each with ``variants_on_sale`` (price and stock now) in one more query."""
    query = (query or "").strip()[:SEARCH_MAX]
    products = Product.objects.filter(store_id=store_id, status=Product.Status.ACTIVE)
    if query:
        products = products.filter(Q(title__icontains=query) | Q(variants__sku__iexact=query)).distinct()
    return list(
        products.order_by("-id").prefetch_related(
            Prefetch("variants", queryset=ProductVariant.objects.order_by("price", "id"), to_attr="variants_on_sale")
        )[: max(1, min(limit, CATALOG_SEARCH_LIMIT))]
    )
