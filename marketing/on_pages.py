"""What marketing draws on lower layers' pages: receivers of their ``..._shown`` signals
(connected in ``MarketingConfig.ready()``)."""

from __future__ import annotations

from django.db.models import F, Q
from django.template.loader import render_to_string

from catalog.admin.scoping import sees_all_stores, seller_store
from marketing import texts
from marketing.forms import SignupForm
from marketing.models import EmailConsent, Identity


def signup_form(sender: object, *, request, store, **_kwargs) -> str:
    """On a store's page: "News from this store by email" (not for its owner)."""
    user = getattr(request, "user", None)
    if not store.is_active or (user is not None and user.is_authenticated and store.owner_id == user.pk):
        return ""
    initial = {"email": user.email} if user is not None and user.is_authenticated else {}
    return render_to_string(
        "marketing/on_pages/signup_form.html",
        {"store": store, "form": SignupForm(initial=initial), "consent_text": texts.form_text(store.name)},
        request=request,
    )


def _confirmed_store_ids(request) -> set[int]:
    """The stores whose news the signed-in user confirmed: one query per request, whatever the
    number of stores at checkout."""
    if not hasattr(request, "_marketing_confirmed_stores"):
        request._marketing_confirmed_stores = set(
            Identity.objects.filter(
                kind=Identity.Kind.USER,
                user=request.user,
                contact__consent__state=EmailConsent.State.CONFIRMED,
                contact__merged_into__isnull=True,
            ).values_list("store_id", flat=True)
        )
    return request._marketing_confirmed_stores


def checkout_checkbox(sender: object, *, request, store, **_kwargs) -> str:
    """Under each store's lines at checkout: "Send me news from <store>", never ticked for
    the buyer, and not shown to a buyer whose consent to that store is confirmed already."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.email:
        return ""
    if store.pk in _confirmed_store_ids(request):
        return ""
    return render_to_string(
        "marketing/on_pages/checkout_checkbox.html",
        {"store": store, "text": texts.checkout_text(store.name)},
        request=request,
    )


def admin_link(sender: object, *, request, **_kwargs) -> str:
    """The back office's front page: the seller's customer list."""
    if sees_all_stores(request) or seller_store(request) is None:
        return ""
    return render_to_string("marketing/on_pages/admin_link.html", {}, request=request)


def buyer_contact_id(*, store_id: int, shopper_id: int) -> int | None:
    """The customer-list contact of a conversation's shopper in the store: by their site
    account, or (a WhatsApp or Telegram conversation) by the channel id of the placeholder
    account chat keeps for them. One query; None when the store has no such contact yet."""
    from chat.channels.models import ChannelContact

    channel_ids = ChannelContact.objects.filter(store_id=store_id, user_id=shopper_id).values("external_id")
    found = (
        Identity.objects.filter(store_id=store_id)
        .filter(
            Q(kind=Identity.Kind.USER, user_id=shopper_id)
            | Q(kind__in=[Identity.Kind.WHATSAPP, Identity.Kind.TELEGRAM], value__in=channel_ids)
        )
        .order_by(F("contact__merged_into_id").asc(nulls_first=True), "pk")
        .values_list("contact_id", "contact__merged_into_id")
        .first()
    )
    if found is None:
        return None
    contact_id, merged_into_id = found
    return merged_into_id or contact_id


def buyer_contact_link(sender: object, *, request, conversation, **_kwargs) -> str:
    """In chat's buyer panel, for the store's owner (whose customer list it is): a link to the
    buyer's page in the customer list, when the buyer is a contact already."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or conversation.store.owner_id != user.pk:
        return ""
    contact_id = buyer_contact_id(store_id=conversation.store_id, shopper_id=conversation.shopper_id)
    if contact_id is None:
        return ""
    return render_to_string("marketing/on_pages/buyer_contact_link.html", {"contact_id": contact_id}, request=request)
