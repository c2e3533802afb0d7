"""The demo's customer lists, through ``marketing.services``: every demo store's contacts are
gathered (orders, chats, followers) and scored; in the first store (the demo seller's) a few
shoppers signed up on the store page and confirmed by the emailed link, so they have
consent with its proof, and carry tags; and one campaign was sent to them (through the
campaign services and the engine, to the configured ``EMAIL_BACKEND``), delivered (as the
provider's webhook reports it), opened and clicked by some; the first who clicked then bought
the product she clicked and the seller confirmed her transfer, so checkout's ``order_paid``
credits the order to the campaign (``marketing.campaigns.tracking.order_paid``: the real
path, no figure set by hand). Its six flows are switched on (after the subscribers confirmed
and the campaign's order was paid: nobody is enrolled during the seeding) and two of its
products carry usage tips for the after-delivery flow. Idempotent: a second run finds
everything there."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import translation

from catalog.demo.stores import STORES
from catalog.models import ProductVariant, Store
from checkout.models import Order
from marketing import services, texts, tokens
from marketing.campaign_models import Campaign, Recipient
from marketing.campaigns import engine, links, tracking
from marketing.campaigns.services import save_campaign
from marketing.flow_models import Flow, ProductTips
from marketing.flows.defaults import ensure_flows, switch
from marketing.models import Contact, EmailConsent, Identity, Source
from marketing.rfm import score_contacts
from social.demo.base import demo_people

CAMPAIGN_NAME = "Koleksi batik baru"

# Shoppers of the demo seller's store who signed up for its news, with the seller's tags.
SUBSCRIBERS = (("ani", ["VIP"]), ("budi", ["Reseller"]), ("citra", []), ("dewi", ["VIP", "Batik tulis"]))


@dataclass
class MarketingReport:
    contacts: int = 0
    consented: int = 0
    campaigns: int = 0
    flows: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"Customers: {self.contacts} contacts in the demo stores, {self.consented} with confirmed consent, "
            f"{self.campaigns} sent campaign and {self.flows} flows switched on ({self.seconds:.1f} s)."
        )


def seed_marketing(*, progress: Callable[[str], None] | None = None) -> MarketingReport:
    report = MarketingReport()
    started = time.perf_counter()
    stores = list(Store.objects.filter(slug__in=[spec.slug for spec in STORES]))
    for store in stores:
        services.gather_contacts(store_id=store.pk)
    first = next((store for store in stores if store.slug == STORES[0].slug), None)
    people = demo_people()
    if first is not None:
        for username, tags in SUBSCRIBERS:
            person = people.get(username)
            if person is None or not person.email:
                continue
            contact = services.record_contact(
                store_id=first.pk, seen=services.user_seen(user=person), source=Source.FORM, name=person.get_full_name()
            )
            event = services.ask_consent(
                contact=contact, email=person.email, source=Source.FORM, text=texts.form_text(first.name)
            )
            if event is not None:
                services.confirm_consent(token=tokens.confirm_token(contact_id=contact.pk, event_id=event.pk))
            if tags:
                services.set_details(contact=contact, tags=tags)
    for store in stores:
        score_contacts(store_id=store.pk)
    if first is not None:
        seed_campaign(first)
        seed_flows(first)
    report.contacts = Contact.objects.filter(store__in=stores, merged_into__isnull=True).count()
    report.consented = EmailConsent.objects.filter(
        contact__store__in=stores, state=EmailConsent.State.CONFIRMED
    ).count()
    report.campaigns = Campaign.objects.filter(store__in=stores, state=Campaign.State.SENT).count()
    report.flows = Flow.objects.filter(store__in=stores, enabled=True).count()
    report.seconds = time.perf_counter() - started
    if progress:
        progress(report.summary())
    return report


def seed_campaign(store: Store) -> Campaign | None:
    """The demo seller's sent campaign: two product cards, the store's first discount code and
    a button, to everyone who agreed; every email delivered, the first three opened, the
    first two clicked (a product card). Nothing when it exists already, or the store has no
    product or nobody to mail."""
    from anymail.signals import AnymailTrackingEvent

    from checkout.models import DiscountCode

    if Campaign.objects.filter(store=store, name=CAMPAIGN_NAME).exists():
        return None
    products = list(store.products.filter(status="active").order_by("pk").values_list("pk", flat=True)[:2])
    if not products:
        return None
    blocks = [
        {"type": "text", "text": "Halo! Koleksi batik tulis terbaru kami sudah datang.\n\nStoknya terbatas."},
        {"type": "products", "products": products},
    ]
    code = DiscountCode.objects.filter(store=store).order_by("pk").values_list("code", flat=True).first()
    if code:
        blocks.append({"type": "discount", "code": code})
    blocks.append({"type": "button", "label": "Lihat semua", "url": tokens.absolute(store.get_absolute_url())})
    campaign = save_campaign(
        store=store,
        data={
            "name": CAMPAIGN_NAME,
            "subject": "Batik tulis baru, untuk Anda duluan",
            "preheader": "Diskon khusus pelanggan setia",
            "blocks": blocks,
            "segment": None,
        },
        actor=store.owner,
    )
    if engine.start_campaign(campaign) == 0:
        engine.cancel_campaign(campaign)
        return campaign
    # With a broker the chunks were handed to the worker: send them here instead, so the
    # demo is complete when the command ends (a chunk task arriving later finds nothing).
    engine.send_chunk(campaign.pk, hand_over_next=lambda campaign_id: None)
    campaign.refresh_from_db()
    engine.finish_if_done(campaign)
    sent = list(Recipient.objects.filter(campaign=campaign, state=Recipient.State.SENT).order_by("contact_id", "pk"))
    for number, recipient in enumerate(sent):
        event = AnymailTrackingEvent(event_type="delivered", metadata={"recipient": str(recipient.pk)})
        tracking.tracking_received(None, event=event, esp_name="demo")
        if number < 3:
            tracking.record_open(links.open_token(recipient_id=recipient.pk))
        if number < 2:
            tracking.record_click(links.click_token(recipient_id=recipient.pk, key=f"p{products[0]}"))
    if sent:
        order_after_click(store=store, recipient=sent[0], product_id=products[0])
    campaign.refresh_from_db()
    return campaign


CAMPAIGN_ORDER_KEY = "demo-campaign-order"


def order_after_click(*, store: Store, recipient: Recipient, product_id: int) -> Order | None:
    """The recipient (a shopper with an address) orders the product she clicked, by bank
    transfer, and the seller confirms the transfer: placed and paid through checkout's
    services, whose ``order_paid`` (after commit) credits the campaign. None when the
    contact has no account or address, or the product cannot be bought."""
    from checkout import services as checkout_services
    from checkout.models import Address, Cart, PaymentMethod
    from shop.models import User

    user_id = (
        Identity.objects.filter(contact_id=recipient.contact_id, kind=Identity.Kind.USER)
        .values_list("user_id", flat=True)
        .first()
    )
    buyer = User.objects.filter(pk=user_id).first() if user_id else None
    address = Address.objects.filter(user=buyer).order_by("-is_default", "pk").first() if buyer else None
    variant = ProductVariant.objects.filter(product_id=product_id, stock__gt=0).order_by("position", "pk").first()
    if buyer is None or address is None or variant is None:
        return None
    cart = Cart.objects.create()
    try:
        checkout_services.add_to_cart(cart=cart, variant_id=variant.pk, quantity=1)
        quote = checkout_services.cart_quote(cart=cart, buyer=buyer, payment_method=PaymentMethod.BANK_TRANSFER)
        if not quote.can_place:
            return None
        placed = checkout_services.place_order(
            buyer=buyer,
            cart=cart,
            address=address,
            payment_method=PaymentMethod.BANK_TRANSFER,
            idempotency_key=CAMPAIGN_ORDER_KEY,
            quote_digest=quote.digest,
        )
    except ValidationError:
        return None
    finally:
        cart.delete()
    [order] = placed.orders
    return checkout_services.confirm_transfer(order=order, actor=store.owner)


TIPS = (
    "Cuci dengan air dingin dan sabun lembut, jangan diperas; jemur di tempat teduh agar warnanya awet.",
    "Simpan di tempat kering; setrika dari sisi dalam dengan suhu sedang.",
)


def seed_flows(store: Store) -> list[Flow]:
    """The demo seller's six flows switched on, and usage tips for two of its products. The
    flows' default emails are written in Indonesian, as the demo seller (and its campaign and
    tips) writes: the seeding itself runs in the site's default language."""
    with translation.override("id"):
        flows = [switch(flow=flow, enabled=True) for flow in ensure_flows(store=store)]
    from catalog.models import Product

    for product, text in zip(Product.objects.filter(store=store).order_by("pk")[: len(TIPS)], TIPS, strict=False):
        ProductTips.objects.get_or_create(product=product, defaults={"store": store, "text": text})
    return flows
