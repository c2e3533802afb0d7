"""Gathering contacts: ``record_contact`` files a sighting of a person (an order, a chat, a
follow, a form, a CSV row) under the store's one contact for them.

The rule: a sighting joins the contact that holds one of its identities *verified* (a site
account, an address confirmed by a link, a WhatsApp id); if its verified identities are held
by several contacts, they are one person and are merged (``merges.merge_contacts``, logged and
undoable), unless a seller undid a merge of those two before. A sighting with no verified
identity joins only the contact that holds its first identity unverified (the same form sent
twice, the same CSV imported twice) and never a verified one: typing somebody's address into
a form does not give you their orders. Anything else starts a new contact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from marketing.models import NAME_MAX, Contact, Identity, Tag, normalise_email
from shop.models import User


@dataclass(frozen=True)
class Seen:
    """One identity as a source saw it. ``value`` is normalised by ``identities()``."""

    kind: str
    value: str
    verified: bool = False
    user_id: int | None = None


def user_seen(*, user: User, email_verified: bool | None = None) -> list[Seen]:
    """A site account: the account itself (verified: they signed in) and its email address,
    verified when allauth says so (``email_verified`` saves the query when known)."""
    seen = [Seen(Identity.Kind.USER, str(user.pk), True, user.pk)]
    if user.email:
        if email_verified is None:
            from allauth.account.models import EmailAddress

            email_verified = EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()
        seen.append(Seen(Identity.Kind.EMAIL, user.email, bool(email_verified)))
    return seen


def identities(seen: Iterable[Seen]) -> list[Seen]:
    """``seen`` normalised, empty values dropped, each (kind, value) once (verified wins)."""
    from chat.channels.contacts import normalise_phone

    found: dict[tuple[str, str], Seen] = {}
    for item in seen:
        value = (item.value or "").strip()
        if item.kind == Identity.Kind.EMAIL:
            value = normalise_email(value)
            if "@" not in value:
                continue
        elif item.kind == Identity.Kind.PHONE:
            value = normalise_phone(value)
        if not value:
            continue
        value = value[:254]
        key = (item.kind, value)
        earlier = found.get(key)
        if earlier is None or (item.verified and not earlier.verified):
            found[key] = Seen(item.kind, value, item.verified, item.user_id)
    return list(found.values())


def record_contact(
    *, store_id: int, seen: Iterable[Seen], source: str, name: str = "", language: str = ""
) -> Contact | None:
    """The store's contact for this sighting, made, joined or merged as the module says.
    ``None`` when the sighting names nobody (no identity left after normalising)."""
    items = identities(seen)
    if not items:
        return None
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _record(store_id=store_id, items=items, source=source, name=name, language=language)
        except IntegrityError:
            # A parallel sighting of the same person made the contact or identity first: the
            # next attempt finds it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _record(*, store_id: int, items: list[Seen], source: str, name: str, language: str) -> Contact:
    verified = [item for item in items if item.verified]
    contact = None
    if verified:
        condition = Q()
        for item in verified:
            condition |= Q(kind=item.kind, value=item.value)
        holder_ids = sorted(
            set(
                Identity.objects.filter(condition, store_id=store_id, verified=True).values_list(
                    "contact_id", flat=True
                )
            )
        )
        holders = list(
            Contact.objects.select_for_update().filter(pk__in=holder_ids, merged_into__isnull=True).order_by("pk")
        )
        if holders:
            contact = holders[0]
            from marketing.services.merges import kept_apart, merge_contacts

            for other in holders[1:]:
                if kept_apart(first_id=contact.pk, second_id=other.pk):
                    continue
                shared = next(
                    f"{item.kind}:{item.value}"
                    for item in verified
                    if Identity.objects.filter(contact=other, kind=item.kind, value=item.value, verified=True).exists()
                )
                merge_contacts(kept=contact, merged=other, reason=shared)
    if contact is None and not verified:
        first = items[0]
        contact = (
            Contact.objects.select_for_update()
            .filter(
                store_id=store_id,
                merged_into__isnull=True,
                identities__kind=first.kind,
                identities__value=first.value,
                identities__verified=False,
            )
            .order_by("pk")
            .first()
        )
    if contact is None:
        contact = Contact.objects.create(
            store_id=store_id, name=(name or "")[:NAME_MAX], language=language[:8], source=source
        )
    else:
        changed = []
        if name and not contact.name:
            contact.name = name[:NAME_MAX]
            changed.append("name")
        if language and not contact.language:
            contact.language = language[:8]
            changed.append("language")
        if changed:
            contact.save(update_fields=changed)
    _add_identities(contact, items, skip_verified_of_others=not verified)
    return contact


def _add_identities(contact: Contact, items: list[Seen], *, skip_verified_of_others: bool) -> None:
    held = {(row.kind, row.value): row for row in Identity.objects.filter(contact=contact)}
    for item in items:
        row = held.get((item.kind, item.value))
        if row is not None:
            if item.verified and not row.verified:
                Identity.objects.filter(pk=row.pk).update(verified=True)
            continue
        verified = item.verified
        if (
            verified
            and Identity.objects.filter(store_id=contact.store_id, kind=item.kind, value=item.value, verified=True)
            .exclude(contact=contact)
            .exists()
        ):
            # Held verified by a contact the seller kept apart from this one: kept unverified here.
            verified = False
        Identity.objects.create(
            contact=contact,
            store_id=contact.store_id,
            kind=item.kind,
            value=item.value,
            user_id=item.user_id if item.kind == Identity.Kind.USER else None,
            verified=verified,
        )


def verify_identity(*, contact: Contact, kind: str, value: str) -> Contact:
    """``value`` is now proven to be the contact's (an address whose confirmation link was
    followed). Another contact holding it verified is the same person: merged (the older one
    is kept). Returns the contact that holds it afterwards."""
    seen = [Seen(kind, value, True)]
    items = identities(seen)
    if not items:
        return contact
    item = items[0]
    with transaction.atomic():
        other = (
            Identity.objects.filter(store_id=contact.store_id, kind=item.kind, value=item.value, verified=True)
            .exclude(contact=contact)
            .select_related("contact")
            .first()
        )
        if other is not None:
            from marketing.services.merges import kept_apart, merge_contacts

            first, second = sorted([contact, other.contact], key=lambda row: row.pk)
            locked = {row.pk: row for row in Contact.objects.select_for_update().filter(pk__in=[first.pk, second.pk])}
            if not kept_apart(first_id=first.pk, second_id=second.pk) and all(
                row.merged_into_id is None for row in locked.values()
            ):
                merge_contacts(kept=locked[first.pk], merged=locked[second.pk], reason=f"{item.kind}:{item.value}")
                return locked[first.pk]
            return contact
        row = Identity.objects.filter(contact=contact, kind=item.kind, value=item.value).first()
        if row is None:
            Identity.objects.create(
                contact=contact, store_id=contact.store_id, kind=item.kind, value=item.value, verified=True
            )
        elif not row.verified:
            Identity.objects.filter(pk=row.pk).update(verified=True)
    return contact


# --- The seller's own details: tags and the private note ------------------------------------


def set_details(*, contact: Contact, tags: Iterable[str] | None = None, note: str | None = None) -> Contact:
    """The seller's tags (by name: new names become the store's tags) and private note."""
    from django.core.exceptions import ValidationError

    from marketing.models import NOTE_MAX, TAG_MAX

    with transaction.atomic():
        if note is not None:
            if len(note) > NOTE_MAX:
                raise ValidationError({"note": _("Keep the note under %(max)s characters.") % {"max": NOTE_MAX}})
            contact.note = note
            contact.save(update_fields=["note"])
        if tags is not None:
            names: list[str] = []
            for raw in tags:
                tag_name = " ".join(str(raw).split())
                if not tag_name:
                    continue
                if len(tag_name) > TAG_MAX:
                    raise ValidationError({"tags": _("A tag has at most %(max)s characters.") % {"max": TAG_MAX}})
                if tag_name.lower() not in {n.lower() for n in names}:
                    names.append(tag_name)
            if len(names) > 20:
                raise ValidationError({"tags": _("A contact has at most 20 tags.")})
            chosen = []
            for tag_name in names:
                tag = Tag.objects.filter(store_id=contact.store_id, name__iexact=tag_name).first()
                if tag is None:
                    tag = Tag.objects.create(store_id=contact.store_id, name=tag_name)
                chosen.append(tag)
            contact.tags.set(chosen)
    return contact


def merge_reason_label(reason: str) -> str:
    kind, _sep, value = reason.partition(":")
    label: str | Promise
    try:
        label = Identity.Kind(kind).label
    except ValueError:
        label = kind
    return f"{label}: {value}"
