"""Segments: saved rules over ``mailable_contacts``, evaluated as one SQL query.

A segment's ``rules`` is a list of rules that must all hold (AND). Each rule is a dict with a
``kind``:

- ``bought_product`` (``product``: id) and ``bought_category`` (``category``: id): a paid order
  of the store with that product, or a product of that category;
- ``spent_over`` (``amount``: minor units): the contact's total spent (the nightly figures);
- ``no_order_for_days`` (``days``): ordered before, and nothing paid in the last ``days`` days;
- ``follows_never_bought``: follows the store and has no paid order from it;
- ``chatted_never_bought``: has a conversation with the store and no paid order from it;
- ``group`` (``group``: an ``RFMGroup`` value), ``tag`` (``tag``: id), ``language`` (``language``).

A contact is joined to the site through its ``Identity`` rows of kind "user" (orders, follows
and conversations are a user's). ``validate_rules`` checks a rule list against the store (its
own products, categories in use, tags) and is what forms and the API call before saving.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Category, Product, Store
from chat.buyer_panel import SPENT_STATUSES
from chat.models import Conversation
from checkout.models import Order, OrderLine
from marketing.campaign_models import Segment
from marketing.models import Contact, Identity, RFMGroup, Tag
from marketing.selectors import mailable_contacts
from social.models import Follow

RULE_KINDS = {
    "bought_product": gettext_lazy("Bought a product"),
    "bought_category": gettext_lazy("Bought from a category"),
    "spent_over": gettext_lazy("Spent more than"),
    "no_order_for_days": gettext_lazy("No order for a number of days"),
    "follows_never_bought": gettext_lazy("Follows the store but never bought"),
    "chatted_never_bought": gettext_lazy("Chatted but never bought"),
    "group": gettext_lazy("Customer group"),
    "tag": gettext_lazy("Tag"),
    "language": gettext_lazy("Language"),
}
MAX_RULES = 10
MAX_DAYS = 3650
MAX_AMOUNT = 10**15


def _paid_orders(store_id: int):
    return Order.objects.filter(store_id=store_id, status__in=SPENT_STATUSES, paid_at__isnull=False)


def _has_paid_order(store_id: int) -> Exists:
    return Exists(
        Identity.objects.filter(contact_id=OuterRef("pk"), kind=Identity.Kind.USER).filter(
            Exists(_paid_orders(store_id).filter(buyer_id=OuterRef("user_id")))
        )
    )


def _condition(store: Store, rule: dict) -> Q | Exists:
    kind = rule["kind"]
    user_identities = Identity.objects.filter(contact_id=OuterRef("pk"), kind=Identity.Kind.USER)
    if kind in ("bought_product", "bought_category"):
        lines = OrderLine.objects.filter(
            order__store_id=store.pk,
            order__status__in=SPENT_STATUSES,
            order__paid_at__isnull=False,
            order__buyer_id=OuterRef("user_id"),
        )
        if kind == "bought_product":
            lines = lines.filter(product_id=rule["product"])
        else:
            lines = lines.filter(product__category_id=rule["category"])
        return Exists(user_identities.filter(Exists(lines)))
    if kind == "spent_over":
        return Q(total_spent__gt=rule["amount"])
    if kind == "no_order_for_days":
        since = timezone.now() - timedelta(days=rule["days"])
        recent = _paid_orders(store.pk).filter(buyer_id=OuterRef("user_id"), paid_at__gte=since)
        return Q(_has_paid_order(store.pk)) & ~Q(Exists(user_identities.filter(Exists(recent))))
    if kind == "follows_never_bought":
        follows = Follow.objects.filter(follower_id=OuterRef("user_id"), followee__store_id=store.pk)
        return Q(Exists(user_identities.filter(Exists(follows)))) & ~Q(_has_paid_order(store.pk))
    if kind == "chatted_never_bought":
        chats = Conversation.objects.filter(shopper_id=OuterRef("user_id"), store_id=store.pk)
        return Q(Exists(user_identities.filter(Exists(chats)))) & ~Q(_has_paid_order(store.pk))
    if kind == "group":
        return Q(rfm_group=rule["group"])
    if kind == "tag":
        return Exists(Contact.tags.through.objects.filter(contact_id=OuterRef("pk"), tag_id=rule["tag"]))
    if kind == "language":
        return Q(language__iexact=rule["language"])
    raise ValueError(f"unknown rule kind {kind!r}")


def segment_contacts(*, store: Store, rules: list[dict]) -> QuerySet[Contact]:
    """The mailable contacts of ``store`` matching every rule (``rules`` already validated)."""
    contacts = mailable_contacts(store=store)
    for rule in rules:
        contacts = contacts.filter(_condition(store, rule))
    return contacts


def audience(campaign) -> QuerySet[Contact]:
    """Who a campaign goes to: its segment's contacts, or every mailable contact."""
    rules = campaign.segment.rules if campaign.segment_id else []
    return segment_contacts(store=campaign.store, rules=rules)


def segment_count(*, store: Store, rules: list[dict]) -> int:
    """The number the composer shows before sending (one ``COUNT`` query)."""
    return segment_contacts(store=store, rules=rules).count()


def store_segments(store: Store) -> QuerySet[Segment]:
    return Segment.objects.filter(store=store)


def _int(rule: dict, key: str, *, low: int, high: int) -> int:
    value = rule.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            _("A rule needs a whole number between %(low)s and %(high)s.") % {"low": low, "high": high}
        )
    return value


def validate_rules(*, store: Store, rules) -> list[dict]:
    """The rules, checked and normalised (only the keys a kind uses). Raises ``ValidationError``
    with a message a seller can read: an unknown kind, another store's product or tag, a
    number out of range."""
    if not isinstance(rules, list) or len(rules) > MAX_RULES:
        raise ValidationError(_("Rules must be a list of at most %(count)s rules.") % {"count": MAX_RULES})
    clean = []
    for rule in rules:
        if not isinstance(rule, dict) or rule.get("kind") not in RULE_KINDS:
            raise ValidationError(_("Unknown rule."))
        kind = rule["kind"]
        if kind == "bought_product":
            product = _int(rule, "product", low=1, high=2**62)
            if not Product.objects.filter(pk=product, store=store).exists():
                raise ValidationError(_("Choose one of your own products."))
            clean.append({"kind": kind, "product": product})
        elif kind == "bought_category":
            category = _int(rule, "category", low=1, high=2**62)
            if not Category.objects.filter(pk=category).exists():
                raise ValidationError(_("Choose an existing category."))
            clean.append({"kind": kind, "category": category})
        elif kind == "spent_over":
            clean.append({"kind": kind, "amount": _int(rule, "amount", low=0, high=MAX_AMOUNT)})
        elif kind == "no_order_for_days":
            clean.append({"kind": kind, "days": _int(rule, "days", low=1, high=MAX_DAYS)})
        elif kind in ("follows_never_bought", "chatted_never_bought"):
            clean.append({"kind": kind})
        elif kind == "group":
            if rule.get("group") not in RFMGroup.values:
                raise ValidationError(_("Unknown customer group."))
            clean.append({"kind": kind, "group": rule["group"]})
        elif kind == "tag":
            tag = _int(rule, "tag", low=1, high=2**62)
            if not Tag.objects.filter(pk=tag, store=store).exists():
                raise ValidationError(_("Choose one of your own tags."))
            clean.append({"kind": kind, "tag": tag})
        elif kind == "language":
            language = rule.get("language")
            if not isinstance(language, str) or not 1 <= len(language) <= 8 or not language.replace("-", "").isalnum():
                raise ValidationError(_("Enter a language code such as “id” or “en”."))
            clean.append({"kind": kind, "language": language})
    return clean
