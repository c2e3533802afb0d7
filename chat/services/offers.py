"""Offers: a personal cart a store sends one shopper in their conversation, bought once.

The store sends it (``send_offer``) as a message of kind ``offer``; the shopper buys it on
the normal checkout page or through the API, as checkout's special terms
(``checkout.terms.SpecialTerms``). Chat owns them: checkout reads the offer through
``checkout.signals.special_terms_wanted`` (``offer_terms``, locked when placing) and, in the
placing transaction, tells chat the offer was used (``special_terms_used``, ``offer_used``):
the offer becomes accepted with its order, and the order's card is posted in the thread. A second placement waits on the
offer's row lock, then finds it used.

Rules decided here:

- an offer is bought whole (its lines and quantities, as sent); only its buyer may buy it;
- a special price is a lower price: never above the variant's price when sent, and if the
  seller lowers the variant's price below it later, the buyer pays the lower price
  (``checkout.pricing.QuoteLine.unit_price``);
- an offer past ``valid_until``, used, withdrawn, or with a variant since deleted, is refused
  at checkout (409, ``offer_unavailable``) with a message saying which; a product taken off
  sale or short of stock is refused as for any checkout (409, ``out_of_stock``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductVariant
from chat import lock_objects, signals
from chat.channels import rules as channel_rules
from chat.models import OFFER_LINES_MAX, OFFER_NOTE_MAX, Conversation, Message, Offer, OfferLine, Side
from chat.services import card_updates, cards, rules
from chat.services.messages import _count_in, _insert, _notify
from checkout.exceptions import TermsUnavailable
from checkout.models import Order
from checkout.pricing import MAX_LINE_QUANTITY
from checkout.terms import SpecialTerms, TermsLine
from shop import events
from shop.models import User
from social import ratelimit

TERMS_KIND = "offer"
MAX_VALIDITY = timedelta(days=30)
MAX_AMOUNT = 10**13
# Offers expired per statement (``expire_offers`` runs as many as it takes).
EXPIRE_BATCH = 1000


@dataclass(frozen=True)
class OfferLineInput:
    variant_id: int
    quantity: int
    unit_price: int | None = None


def send_offer(
    *,
    conversation: Conversation,
    sender: User,
    client_id: str,
    lines: list[OfferLineInput],
    valid_until: datetime,
    discount: int = 0,
    shipping: int | None = None,
    note: str = "",
) -> tuple[Offer, bool]:
    """The store's owner sends the conversation's shopper an offer (and its card message).
    Idempotent on ``(sender, client_id)`` like any message: a retry returns the first offer
    and ``False``. Raises ``PermissionDenied`` for anyone but the store, ``ValidationError``
    naming the field for terms that cannot be offered."""
    client_id = rules.clean_client_id(client_id)
    note = rules.clean_text(note, field="note", limit=OFFER_NOTE_MAX, required=False)
    with transaction.atomic():
        locked = lock_objects.conversation_for_update(conversation.pk)
        if locked is None:
            raise PermissionDenied(_("This conversation is not yours."))
        side = rules.require_side(user=sender, conversation=locked)
        existing = Message.objects.filter(sender=sender, client_id=client_id).select_related("offer").first()
        if existing is not None:
            if existing.conversation_id != locked.pk or existing.offer is None:
                raise ValidationError({"client_id": _("This client id was already used for another message.")})
            return existing.offer, False
        if side != Side.STORE:
            raise PermissionDenied(_("Only the store sends offers."))
        channel_rules.check_outgoing(conversation=locked, side=side, template=None, kind=Message.Kind.OFFER)
        rules.refuse_if_blocked(
            sides=rules.blocked_by(store_id=locked.store_id, shopper_id=locked.shopper_id), side=side
        )
        variants = _checked_lines(store_id=locked.store_id, lines=lines)
        subtotal = sum(
            (line.unit_price if line.unit_price is not None else variants[line.variant_id].price) * line.quantity
            for line in lines
        )
        _check_amounts(discount=discount, shipping=shipping, subtotal=subtotal, valid_until=valid_until)
        ratelimit.take("chat_message", sender.pk, limit=rules.MESSAGE_LIMIT)
        offer = Offer.objects.create(
            conversation=locked,
            store_id=locked.store_id,
            shopper_id=locked.shopper_id,
            discount=discount,
            shipping=shipping,
            valid_until=valid_until,
            note=note,
        )
        OfferLine.objects.bulk_create(
            OfferLine(
                offer=offer,
                variant=variants[line.variant_id],
                quantity=line.quantity,
                unit_price=line.unit_price,
                title=_line_title(variants[line.variant_id]),
            )
            for line in lines
        )
        total = subtotal - discount + (shipping or 0)
        card = cards.Card(
            data={
                "offer": offer.pk,
                "lines": len(lines),
                "subtotal": subtotal,
                "discount": discount,
                "shipping": shipping,
                "total_before_shipping": subtotal - discount,
                "total": total if shipping is not None else None,
                "valid_until": valid_until.isoformat(),
            }
        )
        now = timezone.now()
        message = _insert(
            locked, sender=sender, side=side, kind=Message.Kind.OFFER, body=note, card=card, client_id=client_id, at=now
        )
        Message.objects.filter(pk=message.pk).update(offer=offer)
        message.offer = offer
        _count_in(locked, side=side, messages=[message], at=now)
        _notify(locked, side=side, sender=sender)
        transaction.on_commit(
            functools.partial(
                events.record,
                events.EventName.OFFER_SENT,
                store_id=locked.store_id,
                user_id=locked.shopper_id,
                ref_id=locked.pk,
            )
        )
        message.conversation = locked
        transaction.on_commit(functools.partial(signals.message_sent.send, sender=Message, message=message))
    return offer, True


def _line_title(variant: ProductVariant) -> str:
    title = variant.product.title
    return f"{title} ({variant.label})" if variant.options else title


def _checked_lines(*, store_id: int, lines: list[OfferLineInput]) -> dict[int, ProductVariant]:
    if not lines:
        raise ValidationError({"lines": _("Add at least one product to the offer.")})
    if len(lines) > OFFER_LINES_MAX:
        raise ValidationError({"lines": _("An offer holds at most %(count)d products.") % {"count": OFFER_LINES_MAX}})
    ids = [line.variant_id for line in lines]
    if len(set(ids)) != len(ids):
        raise ValidationError({"lines": _("Each variant can be in the offer once; change its quantity instead.")})
    variants = {
        variant.pk: variant
        for variant in ProductVariant.objects.filter(
            pk__in=ids, product__store_id=store_id, product__status=Product.Status.ACTIVE
        ).select_related("product")
    }
    for line in lines:
        variant = variants.get(line.variant_id)
        if variant is None:
            raise ValidationError({"lines": _("Only your store's products on sale can be offered.")})
        if not 1 <= line.quantity <= MAX_LINE_QUANTITY:
            raise ValidationError({"lines": _("Choose a quantity from 1 to %(max)d.") % {"max": MAX_LINE_QUANTITY}})
        if line.unit_price is not None and not 0 <= line.unit_price <= variant.price:
            raise ValidationError(
                {
                    "lines": _("A special price is a lower price: %(item)s costs %(price)s or less.")
                    % {"item": _line_title(variant), "price": variant.price}
                }
            )
    return variants


def _check_amounts(*, discount: int, shipping: int | None, subtotal: int, valid_until: datetime) -> None:
    if not 0 <= discount <= subtotal:
        raise ValidationError({"discount": _("The discount must be between 0 and the offer's subtotal.")})
    if shipping is not None and not 0 <= shipping <= MAX_AMOUNT:
        raise ValidationError({"shipping": _("Enter a shipping amount of 0 or more.")})
    now = timezone.now()
    if valid_until is None or timezone.is_naive(valid_until) or not now < valid_until <= now + MAX_VALIDITY:
        raise ValidationError({"valid_until": _("Choose a time in the next 30 days.")})


def withdraw_offer(*, offer: Offer, by: User) -> Offer:
    """The store takes back an offer not bought yet (an accepted one stays as it is)."""
    with transaction.atomic():
        locked = Offer.objects.select_for_update(of=("self",)).select_related("store").filter(pk=offer.pk).first()
        if locked is None or locked.store.owner_id != by.pk:
            raise PermissionDenied(_("Only the store that sent this offer can withdraw it."))
        if locked.current_status != Offer.Status.OPEN:  # an offer past its time has expired
            raise TermsUnavailable(
                _("This offer is %(status)s; it can no longer be withdrawn.")
                % {"status": locked.get_current_status_display().lower()}
            )
        locked.status = Offer.Status.WITHDRAWN
        locked.save(update_fields=["status"])
        card_updates.announce_offers(offer_ids=[locked.pk])
    return locked


def expire_offers(*, now: datetime | None = None, batch: int = EXPIRE_BATCH) -> int:
    """Open offers past their ``valid_until`` become ``expired`` (they already show as
    expired: ``Offer.current_status``; this makes the row say so, and tells the sockets of
    both parties, which fetch the card again). Run every minute (``chat.tasks``). Returns
    how many; a second run finds none (idempotent).

    Each batch is one ``UPDATE ... WHERE status = 'open' ... RETURNING id``. An offer being
    bought at that moment keeps its purchase: the placing transaction holds the offer's row
    lock, and the UPDATE, waiting for it, checks ``status = 'open'`` again on the row as
    committed (PostgreSQL), so it passes over the accepted offer."""
    now = now or timezone.now()
    table = connection.ops.quote_name(Offer._meta.db_table)
    sql = (
        f"UPDATE {table} SET status = %s WHERE status = %s AND id IN "
        f"(SELECT id FROM {table} WHERE status = %s AND valid_until <= %s ORDER BY valid_until, id LIMIT %s) "
        "RETURNING id"
    )
    params = [
        Offer.Status.EXPIRED.value,
        Offer.Status.OPEN.value,
        Offer.Status.OPEN.value,
        connection.ops.adapt_datetimefield_value(now),
        batch,
    ]
    expired = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
            card_updates.announce_offers(offer_ids=ids)
        expired += len(ids)
        if len(ids) < batch:
            return expired


def unavailable_reason(*, offer: Offer) -> str:
    """Why ``offer`` cannot be bought now, or ``""`` (its lines loaded)."""
    status = offer.current_status
    if status == Offer.Status.ACCEPTED:
        return _("You have already bought this offer.")
    if status == Offer.Status.WITHDRAWN:
        return _("The seller withdrew this offer.")
    if status == Offer.Status.EXPIRED:
        return _("This offer has expired. Ask the seller for a new one.")
    if any(line.variant_id is None for line in offer.lines.all()):
        return _("A product in this offer is no longer sold. Ask the seller for a new offer.")
    return ""


def special_terms(*, offer: Offer) -> SpecialTerms:
    """``offer``'s terms. Precondition: ``unavailable_reason(offer)`` is empty (every line has its variant)."""
    lines = []
    for line in offer.lines.all():
        assert line.variant_id is not None  # (see the precondition)
        lines.append(TermsLine(variant_id=line.variant_id, quantity=line.quantity, unit_price=line.unit_price))
    return SpecialTerms(
        kind=TERMS_KIND,
        reference=offer.pk,
        buyer_id=offer.shopper_id,
        lines=tuple(lines),
        discount=offer.discount,
        shipping=offer.shipping,
    )


def offer_terms(
    sender: object, *, kind: str, reference: int, buyer: User, locked: bool, **kwargs: object
) -> SpecialTerms | None:
    """``checkout.signals.special_terms_wanted``: the offer ``reference`` as special terms, for
    its shopper only (``None`` for another kind of terms)."""
    if kind != TERMS_KIND:
        return None
    offers = Offer.objects.select_for_update(of=("self",)) if locked else Offer.objects.all()
    # Someone else's offer is not found at all: nothing tells it exists.
    offer = offers.filter(pk=reference, shopper_id=getattr(buyer, "pk", None)).first()
    if offer is None:
        raise Http404(_("No such offer."))
    if reason := unavailable_reason(offer=offer):
        raise TermsUnavailable(reason)
    return special_terms(offer=offer)


def offer_used(sender: object, *, terms: SpecialTerms, orders: list[Order], **kwargs: object) -> bool:
    """``checkout.signals.special_terms_used``, inside the placing transaction, which holds the
    offer's row lock (``offer_terms``): the offer is accepted, with its order card posted."""
    if terms.kind != TERMS_KIND:
        return False
    now = timezone.now()
    order = orders[0]
    updated = Offer.objects.filter(pk=terms.reference, status=Offer.Status.OPEN).update(
        status=Offer.Status.ACCEPTED, order=order, accepted_at=now
    )
    if updated != 1:  # only possible without the lock: never charge an offer twice
        raise TermsUnavailable(_("You have already bought this offer."))
    conversation_id = Offer.objects.filter(pk=terms.reference).values_list("conversation_id", flat=True).first()
    assert conversation_id is not None  # (the offer was updated just above, under its lock)
    post_order_card(conversation_id=conversation_id, order=order, at=now)
    card_updates.announce_offers(offer_ids=[terms.reference])
    transaction.on_commit(
        functools.partial(
            events.record,
            events.EventName.OFFER_ACCEPTED,
            store_id=order.store_id,
            user_id=order.buyer_id,
            ref_id=conversation_id,
        )
    )
    return True


def post_order_card(*, conversation_id: int, order: Order, at: datetime) -> Message | None:
    """The site posts ``order``'s card in the conversation (a system message, unread for both
    sides, as ``mark_read`` counts it)."""
    locked = lock_objects.conversation_for_update(conversation_id)
    if locked is None:
        return None
    card = cards.order_card(store=locked.store, shopper=locked.shopper, order=order)
    message = Message.objects.create(
        conversation=locked,
        sender=None,
        sender_side=Side.SYSTEM,
        kind=Message.Kind.ORDER,
        order=order,
        data=card.data,
        is_automated=True,
        created_at=at,
    )
    Conversation.objects.filter(pk=locked.pk).update(
        last_message=message,
        last_message_at=at,
        store_unread=F("store_unread") + 1,
        shopper_unread=F("shopper_unread") + 1,
    )
    message.conversation = locked
    transaction.on_commit(functools.partial(signals.message_sent.send, sender=Message, message=message))
    return message
