"""Reads of the customer list that pages, the API, the admin and (later) campaigns share.

``mailable_contacts(store)`` is the one audience every marketing send starts from: any
segment, campaign or flow narrows it, never replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from catalog.models import Store
from chat.buyer_panel import SPENT
from chat.models import Conversation
from checkout.models import Order
from marketing.models import ConsentEvent, Contact, ContactMerge, EmailConsent, Identity, RFMGroup, Suppression, Tag
from social.models import Follow

SEARCH_MAX = 100
PAGE_SIZE = 25
ORDERS_SHOWN = 10


def store_contacts(*, store: Store) -> QuerySet[Contact]:
    """The store's contacts a seller sees (merged ones are part of the contact they joined)."""
    return Contact.objects.filter(store=store, merged_into__isnull=True)


def mailable_contacts(*, store: Store) -> QuerySet[Contact]:
    """The store's contacts that may receive marketing email now: consent given, confirmed by
    the link, not withdrawn, and the address on no suppression list (the store's unsubscribes,
    the site's bounces and complaints). Each contact's address is ``contact.consent.email``."""
    return mailable_contacts_everywhere().filter(store=store)


def mailable_contacts_everywhere() -> QuerySet[Contact]:
    """``mailable_contacts`` of every store at once (the flows' set-based exit check joins it
    on each enrolment's contact); the same rule, no store named."""
    suppressed = Suppression.objects.filter(
        Q(store__isnull=True) | Q(store_id=OuterRef("store_id")),
        address_hash=OuterRef("consent__address_hash"),
    )
    return (
        Contact.objects.filter(merged_into__isnull=True)
        .filter(
            consent__state=EmailConsent.State.CONFIRMED,
            consent__requested_at__isnull=False,
            consent__confirmed_at__isnull=False,
            consent__withdrawn_at__isnull=True,
        )
        .exclude(Exists(suppressed))
        .select_related("consent")
    )


@dataclass(frozen=True)
class ContactFilters:
    search: str = ""
    group: str | None = None  # an RFMGroup value ("" = no paid order yet); None = any
    tag_id: int | None = None


def contact_list(*, store: Store, filters: ContactFilters) -> QuerySet[Contact]:
    """The store's contacts, newest first, searched by name, email, phone or tag."""
    contacts = store_contacts(store=store)
    search = filters.search.strip()[:SEARCH_MAX]
    if search:
        held = Identity.objects.filter(
            contact_id=OuterRef("pk"), kind__in=["email", "phone", "whatsapp", "telegram"], value__icontains=search
        )
        contacts = contacts.filter(
            Q(name__icontains=search) | Q(Exists(held)) | Q(tags__name__iexact=search)
        ).distinct()
    if filters.group is not None and filters.group in RFMGroup.values:
        contacts = contacts.filter(rfm_group=filters.group)
    if filters.tag_id is not None:
        contacts = contacts.filter(tags__id=filters.tag_id)
    return (
        contacts.select_related("consent")
        .prefetch_related("tags", Prefetch("identities", queryset=Identity.objects.order_by("kind", "pk")))
        .order_by("-created_at", "-pk")
    )


def contact_for_seller(*, store: Store, pk: int) -> Contact | None:
    return (
        store_contacts(store=store)
        .select_related("consent", "store")
        .prefetch_related("tags", Prefetch("identities", queryset=Identity.objects.order_by("kind", "pk")))
        .filter(pk=pk)
        .first()
    )


def user_ids(*, contact: Contact) -> list[int]:
    return [row.user_id for row in contact.identities.all() if row.kind == Identity.Kind.USER and row.user_id]


@dataclass(frozen=True)
class ContactActivity:
    """What the store knows of a contact from the rest of the site (read for its page,
    export and API)."""

    orders: list[Order]  # the newest ORDERS_SHOWN, any state
    order_count: int
    paid_order_count: int
    total_spent: int  # minor units: paid and kept (chat.buyer_panel.SPENT)
    last_order: Order | None
    conversations: list[Conversation]
    follows_store: bool
    merges: list[ContactMerge]  # into this contact, newest first


def contact_activity(*, contact: Contact) -> ContactActivity:
    from django.db.models import Count, Sum

    users = user_ids(contact=contact)
    orders = Order.objects.filter(store_id=contact.store_id, buyer_id__in=users)
    figures = orders.aggregate(count=Count("pk"), paid=Count("pk", filter=SPENT), spent=Sum("total", filter=SPENT))
    newest = list(orders.order_by("-placed_at", "-pk")[:ORDERS_SHOWN]) if users else []
    conversations = (
        list(Conversation.objects.filter(store_id=contact.store_id, shopper_id__in=users).order_by("-last_message_at"))
        if users
        else []
    )
    follows = bool(users) and Follow.objects.filter(follower_id__in=users, followee__store_id=contact.store_id).exists()
    merges = list(ContactMerge.objects.filter(kept=contact).select_related("merged").order_by("-created_at", "-pk"))
    return ContactActivity(
        orders=newest,
        order_count=figures["count"] or 0,
        paid_order_count=figures["paid"] or 0,
        total_spent=figures["spent"] or 0,
        last_order=newest[0] if newest else None,
        conversations=conversations,
        follows_store=follows,
        merges=merges,
    )


def store_tags(*, store: Store) -> QuerySet[Tag]:
    return Tag.objects.filter(store=store)


def consent_history(*, contact: Contact) -> QuerySet[ConsentEvent]:
    return contact.consent_events.order_by("created_at", "pk")
