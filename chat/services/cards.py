"""Cards in a conversation: a product, an order, a discount code, and where the chat was opened
from. Each builder checks that its subject belongs to this conversation's two parties and
returns the snapshot stored in ``Message.data`` (what the card said when it was sent; pages
show the live price, stock and status beside it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductVariant, Store
from checkout.models import DiscountCode, Order
from shop.models import User
from social.models import Post


@dataclass
class Card:
    """What a card message holds besides its kind: its foreign keys and snapshot."""

    product: Product | None = None
    variant: ProductVariant | None = None
    order: Order | None = None
    data: dict = field(default_factory=dict)


def product_card(*, store: Store, product: Product | None, variant: ProductVariant | None) -> Card:
    """A product of ``store`` on sale (active), and optionally one of its variants."""
    if variant is not None:
        if product is not None and variant.product_id != product.pk:
            raise ValidationError({"variant": _("This variant is not one of the product's.")})
        product = variant.product
    if product is None:
        raise ValidationError({"product": _("Choose a product.")})
    if product.store_id != store.pk:
        raise ValidationError({"product": _("Only this store's products can be sent in this chat.")})
    if product.status != Product.Status.ACTIVE:
        raise ValidationError({"product": _("This product is not on sale.")})
    price = variant.price if variant is not None else product.variants.aggregate(price=Min("price"))["price"]
    data = {
        "title": product.title,
        "slug": product.slug,
        "price": price,
        "currency": settings.SHOP_CURRENCY,
    }
    if variant is not None:
        data["variant"] = variant.label
    return Card(product=product, variant=variant, data=data)


def order_card(*, store: Store, shopper: User, order: Order) -> Card:
    """An order between exactly these two: bought by the shopper from the store."""
    if order.store_id != store.pk or order.buyer_id != shopper.pk:
        raise ValidationError({"order": _("Only an order between this shopper and this store can be sent here.")})
    data = {"number": order.number, "status": order.status, "total": order.total, "currency": order.currency}
    return Card(order=order, data=data)


def discount_card(*, store: Store, code: str) -> Card:
    """One of the store's own discount codes that can still be used."""
    code = (code or "").strip()
    if not code or "\x00" in code or len(code) > 30:
        raise ValidationError({"discount_code": _("Enter one of your store's discount codes.")})
    discount = DiscountCode.objects.filter(store=store, code__iexact=code).first()
    if discount is None:
        raise ValidationError({"discount_code": _("Your store has no discount code %(code)s.") % {"code": code}})
    now = timezone.now()
    if not discount.is_active or (discount.ends_at is not None and discount.ends_at <= now):
        raise ValidationError({"discount_code": _("This code can no longer be used.")})
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        raise ValidationError({"discount_code": _("This code has been used up.")})
    data = {
        "code": discount.code,
        "kind": discount.kind,
        "value": discount.value,
        "min_spend": discount.min_spend,
        "ends_at": discount.ends_at.isoformat() if discount.ends_at else None,
    }
    return Card(data=data)


# --- Where the chat was opened from ------------------------------------------------------------


def context_reference(
    *,
    store: Store,
    shopper: User,
    product: Product | None = None,
    post: Post | None = None,
    order: Order | None = None,
) -> dict:
    """``{"kind": ..., "id": ...}`` for the one subject the chat was opened from, checked:
    a product of the store the shopper may see, a post the store published, or an order
    between the two. ``{}`` without one."""
    given = [subject for subject in (product, post, order) if subject is not None]
    if len(given) > 1:
        raise ValidationError(_("Open a chat from one product, post or order at a time."))
    if product is not None:
        if product.store_id != store.pk or not Product.objects.visible_to(shopper).filter(pk=product.pk).exists():
            raise ValidationError({"context_product": _("This product is not one of the store's.")})
        return {"kind": "product", "id": product.pk}
    if post is not None:
        published_by_store = post.profile.store_id == store.pk
        if not published_by_store or not Post.objects.visible_to(shopper).filter(pk=post.pk).exists():
            raise ValidationError({"context_post": _("This post is not one of the store's.")})
        return {"kind": "post", "id": post.pk}
    if order is not None:
        order_card(store=store, shopper=shopper, order=order)
        return {"kind": "order", "id": order.pk}
    return {}


def context_card(*, store: Store, shopper: User, reference: dict) -> Card | None:
    """The card for a stored context reference, or None when its subject is gone (a product
    deleted or taken off sale since the chat was opened: nothing to show)."""
    kind = reference.get("kind")
    pk: Any = reference.get("id")  # stored JSON: an id, or what was stored when there is none
    data = {"ref": {"kind": kind, "id": pk}}
    if kind == "product":
        product = Product.objects.filter(pk=pk, store=store, status=Product.Status.ACTIVE).first()
        if product is None:
            return None
        card = product_card(store=store, product=product, variant=None)
        card.data.update(data)
        return card
    if kind == "post":
        post = Post.objects.visible().filter(pk=pk, profile__store=store).first()
        if post is None:
            return None
        return Card(data={**data, "caption": post.caption[:140], "url": post.get_absolute_url()})
    if kind == "order":
        order = Order.objects.filter(pk=pk, store=store, buyer=shopper).first()
        if order is None:
            return None
        card = order_card(store=store, shopper=shopper, order=order)
        card.data.update(data)
        return card
    return None
