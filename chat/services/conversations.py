"""Opening a conversation, and what each side does to it besides writing: blocking,
reporting, and the store's own labels and private note."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, Store
from chat.models import LABEL_MAX, NOTE_MAX, REPORT_NOTE_MAX, Block, Conversation, Label, Message, Report, Side
from chat.services import cards, rules
from checkout.models import Order
from shop import events
from shop.models import User
from social import ratelimit
from social.models import Post


def open_conversation(
    *,
    shopper: User,
    store: Store,
    context_product: Product | None = None,
    context_post: Post | None = None,
    context_order: Order | None = None,
) -> Conversation:
    """The one conversation between ``shopper`` and ``store``, started if there is none.

    What the chat was opened from (a product, a post, an order: at most one) is kept and
    arrives as a card with the shopper's next message, unless the thread's latest card
    already shows it. Refused (``PermissionDenied``) for one's own store, a closed store,
    and a store that blocked the shopper; ``RateLimited`` for too many new conversations.
    """
    if not shopper.is_authenticated or not shopper.is_active:
        raise PermissionDenied(_("Log in to chat with a store."))
    if store.owner_id == shopper.pk:
        raise PermissionDenied(_("This is your own store: you cannot chat with it."))
    if not store.is_active:
        raise PermissionDenied(_("This store is closed and does not take messages."))
    if Side.STORE in rules.blocked_by(store_id=store.pk, shopper_id=shopper.pk):
        raise PermissionDenied(_("This store does not accept messages from you."))
    reference = cards.context_reference(
        store=store, shopper=shopper, product=context_product, post=context_post, order=context_order
    )
    conversation = Conversation.objects.filter(store=store, shopper=shopper).first()
    if conversation is None:
        ratelimit.take("chat_conversation", shopper.pk, limit=rules.CONVERSATION_LIMIT)
        # Two taps at once: the unique (store, shopper) keeps one; the other finds it.
        conversation, _created = Conversation.objects.get_or_create(store=store, shopper=shopper)
        if _created:
            events.record(events.EventName.CHAT_STARTED, store_id=store.pk, user_id=shopper.pk, ref_id=conversation.pk)
    if reference and reference != conversation.pending_context and reference != _latest_context(conversation):
        Conversation.objects.filter(pk=conversation.pk).update(pending_context=reference)
        conversation.pending_context = reference
    conversation.store = store
    conversation.shopper = shopper
    return conversation


def _latest_context(conversation: Conversation) -> dict:
    data = (
        Message.objects.filter(conversation=conversation, kind=Message.Kind.CONTEXT)
        .order_by("-id")
        .values_list("data", flat=True)
        .first()
    )
    return (data or {}).get("ref") or {}


# --- Blocking -------------------------------------------------------------------------------


def block(*, conversation: Conversation, by: User) -> Block:
    """``by``'s side blocks the other side of ``conversation``: no messages either way until
    it unblocks. Idempotent."""
    side = rules.require_side(user=by, conversation=conversation)
    blocked, _created = Block.objects.get_or_create(
        store_id=conversation.store_id, shopper_id=conversation.shopper_id, blocked_by=side
    )
    return blocked


def unblock(*, conversation: Conversation, by: User) -> None:
    """Undo ``by``'s side's block (a block by the other side stays). Idempotent."""
    side = rules.require_side(user=by, conversation=conversation)
    Block.objects.filter(store_id=conversation.store_id, shopper_id=conversation.shopper_id, blocked_by=side).delete()


# --- Reports --------------------------------------------------------------------------------


def report(*, conversation: Conversation, reporter: User, reason: str, note: str = "") -> Report:
    """Put ``conversation`` in the staff's queue. A second report by the same person while
    the first is open returns the first."""
    side = rules.require_side(user=reporter, conversation=conversation)
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    note = rules.clean_text(note, field="note", limit=REPORT_NOTE_MAX)
    open_reports = Report.objects.filter(conversation=conversation, reporter=reporter, status=Report.Status.OPEN)
    existing = open_reports.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Report.objects.create(
                conversation=conversation, reporter=reporter, reporter_side=side, reason=reason, note=note
            )
    except IntegrityError:  # the same report, sent twice at once
        return open_reports.get()


def handle_report(*, report: Report, staff: User, status: str) -> Report:
    """Staff close a report as resolved or dismissed."""
    if not (staff.is_active and staff.is_superuser):
        raise PermissionDenied(_("Only the site's staff handle reports."))
    if status not in (Report.Status.RESOLVED, Report.Status.DISMISSED):
        raise ValidationError({"status": _("Resolve or dismiss the report.")})
    Report.objects.filter(pk=report.pk).update(status=status, handled_by=staff, handled_at=timezone.now())
    report.refresh_from_db()
    return report


# --- The store's labels and note ------------------------------------------------------------


def _require_store_side(*, user: User, conversation: Conversation) -> None:
    if rules.side_of(user=user, conversation=conversation) != Side.STORE:
        raise PermissionDenied(_("Only the store labels its conversations."))


def create_label(*, store: Store, actor: User, name: str) -> Label:
    if not rules.is_store_member(user=actor, store=store):
        raise PermissionDenied(_("Only the store's owner manages its labels."))
    name = rules.clean_text(name, field="name", limit=LABEL_MAX, required=True)
    existing = Label.objects.filter(store=store, name__iexact=name).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Label.objects.create(store=store, name=name)
    except IntegrityError:
        return Label.objects.get(store=store, name__iexact=name)


def set_labels(*, conversation: Conversation, actor: User, label_ids: Iterable[int]) -> list[Label]:
    """Replace the conversation's labels with these of the store's labels."""
    _require_store_side(user=actor, conversation=conversation)
    ids = set(label_ids)
    labels = list(Label.objects.filter(store_id=conversation.store_id, pk__in=ids))
    if len(labels) != len(ids):
        raise ValidationError({"labels": _("Choose labels of your own store.")})
    conversation.labels.set(labels)
    return labels


def set_note(*, conversation: Conversation, actor: User, note: str) -> str:
    _require_store_side(user=actor, conversation=conversation)
    note = rules.clean_text(note, field="note", limit=NOTE_MAX)
    Conversation.objects.filter(pk=conversation.pk).update(store_note=note)
    conversation.store_note = note
    return note
