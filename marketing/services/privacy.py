"""A contact's rights under UU PDP: their data and consent history as JSON, and erasure on
request."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from marketing.campaigns.selectors import campaigns_received
from marketing.models import Contact, ContactErasure, ContactMerge, Suppression
from marketing.selectors import consent_history, contact_activity
from shop.models import User


def export_contact(*, contact: Contact) -> dict:
    """Everything the store's customer list holds about ``contact``, and what the store knows
    of them from the site (orders, chats, follow), as plain JSON-ready data."""
    activity = contact_activity(contact=contact)
    consent = getattr(contact, "consent", None)
    return {
        "exported_at": timezone.now().isoformat(),
        "store": {"id": contact.store_id, "name": contact.store.name},
        "contact": {
            "id": contact.pk,
            "name": contact.name,
            "language": contact.language,
            "first_seen_through": contact.source,
            "added": contact.created_at.isoformat(),
            "tags": sorted(tag.name for tag in contact.tags.all()),
            "note": contact.note,
            "identities": [
                {"kind": row.kind, "value": row.value, "verified": row.verified, "added": row.created_at.isoformat()}
                for row in contact.identities.all()
            ],
            "scores": {
                "paid_orders": contact.order_count,
                "total_spent": contact.total_spent,
                "last_order": contact.last_order_at.isoformat() if contact.last_order_at else None,
                "recency": contact.recency_score,
                "frequency": contact.frequency_score,
                "monetary": contact.monetary_score,
                "group": contact.rfm_group,
                "scored": contact.scored_at.isoformat() if contact.scored_at else None,
            },
        },
        "consent": None
        if consent is None
        else {
            "email": consent.email,
            "state": consent.state,
            "asked": consent.requested_at.isoformat(),
            "confirmed": consent.confirmed_at.isoformat() if consent.confirmed_at else None,
            "withdrawn": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        },
        "consent_history": [
            {
                "what": event.kind,
                "email": event.email,
                "from": event.source,
                "text": event.text,
                "language": event.language,
                "ip_address": event.ip_address,
                "user_agent": event.user_agent,
                "when": event.created_at.isoformat(),
            }
            for event in consent_history(contact=contact)
        ],
        "orders": [
            {
                "number": order.number,
                "status": order.status,
                "total": order.total,
                "currency": order.currency,
                "placed": order.placed_at.isoformat(),
            }
            for order in activity.orders
        ],
        "order_count": activity.order_count,
        "total_spent": activity.total_spent,
        "conversations": [
            {"id": conversation.pk, "channel": conversation.channel, "started": conversation.created_at.isoformat()}
            for conversation in activity.conversations
        ],
        "follows_store": activity.follows_store,
        "campaigns_received": [
            {
                "campaign": received.campaign_name,
                "subject": received.subject,
                "sent": received.sent_at.isoformat() if received.sent_at else None,
                "delivered": received.delivered_at.isoformat() if received.delivered_at else None,
                "bounced": received.bounced_at.isoformat() if received.bounced_at else None,
                "opened_unreliable": received.opened_at.isoformat() if received.opened_at else None,
                "clicked": received.clicked_at.isoformat() if received.clicked_at else None,
                "orders_credited": received.orders,
            }
            for received in campaigns_received(contact=contact, limit=None)
        ],
    }


def erase_contact(*, contact: Contact, actor: User | AnonymousUser | None = None) -> ContactErasure:
    """Erase ``contact`` from the store's list on their request: the contact, the contacts
    merged into it, their identities, consent and consent history, and their merges. What
    stays: the store's unsubscribe of their address as a hash only (the address itself is
    blanked), so that an erased person who had unsubscribed is never mailed again; and a
    ``ContactErasure`` row (when, by whom; nothing about the person). Orders and chats are the
    shop's records, not the list's, and are not touched."""
    with transaction.atomic():
        ids = {contact.pk}
        frontier = {contact.pk}
        while frontier:  # the contacts merged into it, and into those
            frontier = set(Contact.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)) - ids
            ids |= frontier
        hashes = set(
            Contact.objects.filter(pk__in=ids, consent__isnull=False).values_list("consent__address_hash", flat=True)
        )
        Suppression.objects.filter(store_id=contact.store_id, address_hash__in=hashes).update(email="")
        ContactMerge.objects.filter(kept_id__in=ids).delete()
        ContactMerge.objects.filter(merged_id__in=ids).delete()
        Contact.objects.filter(pk__in=ids).update(merged_into=None)
        Contact.objects.filter(pk__in=ids).delete()
        return ContactErasure.objects.create(
            store_id=contact.store_id, actor=actor if actor and actor.is_authenticated else None
        )
