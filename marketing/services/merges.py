"""Merging two contacts of a store that proved to be one person, and undoing it.

``merge_contacts`` moves the merged contact's identities, consent history, consent (when the
kept contact has none, or only an unconfirmed one), tags and note onto the kept contact,
marks the merged one ``merged_into`` and records every move in a ``ContactMerge``.
``undo_merge`` moves exactly those things back; what was added to the kept contact after the
merge stays there. Two contacts whose merge was undone are kept apart from then on: the same
sighting does not merge them again.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketing.models import ConsentEvent, Contact, ContactMerge, EmailConsent, Identity
from shop.models import User

CONSENT_FIELDS = ("email", "address_hash", "state", "requested_at", "confirmed_at", "withdrawn_at")


def kept_apart(*, first_id: int, second_id: int) -> bool:
    """Whether a seller undid a merge of these two contacts."""
    return ContactMerge.objects.filter(
        Q(kept_id=first_id, merged_id=second_id) | Q(kept_id=second_id, merged_id=first_id),
        undone_at__isnull=False,
    ).exists()


def merge_contacts(*, kept: Contact, merged: Contact, reason: str) -> ContactMerge:
    """Join ``merged`` into ``kept``. The caller holds both rows locked (``select_for_update``)
    in its transaction; both belong to one store and neither is merged already."""
    if kept.store_id != merged.store_id or kept.pk == merged.pk:
        raise ValueError("merge_contacts joins two contacts of one store")
    moved: dict = {"identities": [], "dropped": [], "upgraded": [], "events": [], "tags": [], "consent": ""}
    held = {(row.kind, row.value): row for row in Identity.objects.filter(contact=kept)}
    for row in list(Identity.objects.filter(contact=merged).order_by("pk")):
        twin = held.get((row.kind, row.value))
        if twin is None:
            moved["identities"].append(row.pk)
            continue
        moved["dropped"].append([row.kind, row.value, row.verified, row.user_id])
        row.delete()
        if row.verified and not twin.verified:
            Identity.objects.filter(pk=twin.pk).update(verified=True)
            moved["upgraded"].append(twin.pk)
    Identity.objects.filter(pk__in=moved["identities"]).update(contact=kept)
    moved["events"] = list(ConsentEvent.objects.filter(contact=merged).values_list("pk", flat=True))
    ConsentEvent.objects.filter(pk__in=moved["events"]).update(contact=kept)

    theirs = EmailConsent.objects.filter(contact=merged).first()
    ours = EmailConsent.objects.filter(contact=kept).first()
    if theirs is not None and ours is None:
        EmailConsent.objects.filter(pk=theirs.pk).update(contact=kept)
        moved["consent"] = "moved"
    elif (
        theirs is not None
        and ours is not None
        and theirs.state == EmailConsent.State.CONFIRMED
        and ours.state != theirs.state
    ):
        _swap(ours, theirs)
        moved["consent"] = "swapped"

    kept_tags = set(kept.tags.values_list("pk", flat=True))
    moved["tags"] = [pk for pk in merged.tags.values_list("pk", flat=True) if pk not in kept_tags]
    kept.tags.add(*moved["tags"])
    if merged.note and not kept.note:
        kept.note = merged.note
        moved["note"] = True
    if merged.name and not kept.name:
        kept.name = merged.name
        moved["name"] = True
    kept.save(update_fields=["note", "name"])
    Contact.objects.filter(pk=merged.pk).update(merged_into=kept)
    merged.merged_into = kept
    return ContactMerge.objects.create(
        store_id=kept.store_id, kept=kept, merged=merged, reason=reason[:266], moved=moved
    )


def _swap(first: EmailConsent, second: EmailConsent) -> None:
    values = {field: getattr(first, field) for field in CONSENT_FIELDS}
    EmailConsent.objects.filter(pk=first.pk).update(**{field: getattr(second, field) for field in CONSENT_FIELDS})
    EmailConsent.objects.filter(pk=second.pk).update(**values)


def undo_merge(*, merge: ContactMerge, actor: User | None = None) -> ContactMerge:
    """Put back what ``merge`` moved. Refused (``ValidationError``) when it was undone already,
    or when the kept contact has since been merged into another (undo that merge first)."""
    with transaction.atomic():
        merge = ContactMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise ValidationError(_("This merge was undone already."))
        contacts = {
            row.pk: row
            for row in Contact.objects.select_for_update()
            .filter(pk__in=[merge.kept_id, merge.merged_id])
            .order_by("pk")
        }
        kept, merged = contacts[merge.kept_id], contacts[merge.merged_id]
        if kept.merged_into_id is not None:
            raise ValidationError(_("The kept contact was merged again since: undo that merge first."))
        moved = merge.moved
        if moved.get("consent") == "moved":
            EmailConsent.objects.filter(contact=kept).update(contact=merged)
        elif moved.get("consent") == "swapped":
            ours = EmailConsent.objects.filter(contact=kept).first()
            theirs = EmailConsent.objects.filter(contact=merged).first()
            if ours is not None and theirs is not None:
                _swap(ours, theirs)
        ConsentEvent.objects.filter(pk__in=moved.get("events", []), contact=kept).update(contact=merged)
        Identity.objects.filter(pk__in=moved.get("upgraded", []), contact=kept).update(verified=False)
        Identity.objects.filter(pk__in=moved.get("identities", []), contact=kept).update(contact=merged)
        for kind, value, verified, user_id in moved.get("dropped", []):
            Identity.objects.get_or_create(
                contact=merged,
                kind=kind,
                value=value,
                defaults={"store_id": merged.store_id, "verified": verified, "user_id": user_id},
            )
        kept.tags.remove(*moved.get("tags", []))
        fields = []
        if moved.get("note") and kept.note == merged.note:
            kept.note = ""
            fields.append("note")
        if moved.get("name") and kept.name == merged.name:
            kept.name = ""
            fields.append("name")
        if fields:
            kept.save(update_fields=fields)
        Contact.objects.filter(pk=merged.pk).update(merged_into=None)
        merge.undone_at = timezone.now()
        merge.undone_by = actor
        merge.save(update_fields=["undone_at", "undone_by"])
    return merge
