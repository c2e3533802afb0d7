"""Carts: a signed-in shopper's, or an anonymous visitor's kept by id in their session.

The header shows how many items the cart holds on every page. A signed-in person's count is
read with the person (``person_cart_count``, added to ``catalog.auth_backends``' query):
no round trip of its own, and never stale on a page. Otherwise (a visitor's cart, or a
request that may have changed the cart since the person was loaded) the count is cached per
owner (user id, or the visitor's cart token) in Django's cache: reading it costs no query.
Every change here drops it after commit (``_touch``), and so does placing an order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Expression, F, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductVariant
from checkout import signals
from checkout.models import Cart, CartLine
from checkout.pricing import MAX_LINE_QUANTITY
from shop import events
from shop.models import User

# A change this module does not make (a variant deleted under a cart) shows within the hour.
COUNT_CACHE_SECONDS = 60 * 60


def visitor_cart(*, token: str | None, create: bool = False) -> Cart | None:
    """The cart of a visitor who is not signed in, kept by ``token`` (``checkout.cart_session``
    keeps it in their session). ``create`` makes one when there is none: the caller keeps its
    token."""
    cart = Cart.objects.filter(token=token, user__isnull=True).first() if token else None
    if cart is None and create:
        cart = Cart.objects.create()
    return cart


def cart_for_user(*, user: User, create: bool = False) -> Cart | None:
    cart = Cart.objects.filter(user=user).first()
    if cart is None and create:
        cart, _created = Cart.objects.get_or_create(user=user)
    return cart


# --- The header's count: read with the person, or cached per owner ---------------------------

# The attribute of a signed-in user holding their cart's item count, read with them.
PERSON_COUNT_ATTRIBUTE = "cart_item_count_read"


def person_cart_count(sender: object, **kwargs: object) -> dict[str, Expression]:
    """``catalog.signals.person_loading``: the item count of the signed-in person's cart, as a
    scalar sub-query read with them (0 without a cart)."""
    total = (
        CartLine.objects.filter(cart__user=OuterRef("pk"))
        .order_by()
        .values("cart__user")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return {PERSON_COUNT_ATTRIBUTE: Coalesce(Subquery(total), 0, output_field=IntegerField())}


def _count_key(*, user_id: int | None = None, token: str | uuid.UUID | None = None) -> str:
    return f"cart-count:u{user_id}" if user_id else f"cart-count:t{token}"


def _count_cache_key(*, user_id: int | None, token: str | None) -> str | None:
    return _count_key(user_id=user_id, token=token) if user_id or token else None


def cached_cart_count(*, user_id: int | None, token: str | None) -> int | None:
    """The cached item count of the cart of user ``user_id`` (or, without one, of the visitor's
    cart ``token``): never a query. ``None`` when it is not cached; 0 for neither owner."""
    key = _count_cache_key(user_id=user_id, token=token)
    if key is None:
        return 0
    return cache.get(key)


def owner_cart_count(*, user_id: int | None, token: str | None, fresh: bool = False) -> int:
    """The item count of the cart of user ``user_id`` (or, without one, of the visitor's cart
    ``token``), cached for the next pages. ``fresh``: count again even if cached (the caller
    has just changed the cart)."""
    key = _count_cache_key(user_id=user_id, token=token)
    if key is None:
        return 0
    if not fresh and (cached := cache.get(key)) is not None:
        return cached
    if user_id:
        lines = CartLine.objects.filter(cart__user_id=user_id)
    else:
        assert token is not None  # (no key without one or the other)
        lines = CartLine.objects.filter(cart__token=token, cart__user__isnull=True)
    count = lines.aggregate(count=Sum("quantity"))["count"] or 0
    if fresh:
        cache.set(key, count, COUNT_CACHE_SECONDS)
    else:
        # ``add``: a count read before a parallel change committed never replaces the newer one.
        cache.add(key, count, COUNT_CACHE_SECONDS)
    return count


def remember_cart_count(*, user_id: int | None, token: str | None, count: int) -> None:
    """A page that has just counted the cart (the cart page) saves the header the work."""
    key = _count_cache_key(user_id=user_id, token=token)
    if key is not None:
        cache.add(key, count, COUNT_CACHE_SECONDS)


def forget_cart_count(*, cart: Cart) -> None:
    """Drop the cached count of ``cart``'s owner now. Inside a transaction, call it on commit
    (``transaction.on_commit(lambda: forget_cart_count(cart))``): dropped earlier, a page
    could cache the count the transaction is about to change."""
    keys = [_count_key(token=cart.token)]
    if cart.user_id:
        keys.append(_count_key(user_id=cart.user_id))
    cache.delete_many(keys)


# --- Changing a cart ---------------------------------------------------------------------------


def buyable_variant(variant_id: int | None) -> ProductVariant:
    """The variant ``variant_id`` if it is on sale (its product active, its store open);
    ``None`` (the caller found no id in the request) is refused as no choice."""
    if variant_id is None:
        raise ValidationError({"variant": _("Choose a variant.")}, code="invalid")
    variant = (
        ProductVariant.objects.select_related("product", "store")
        .filter(pk=variant_id, product__status=Product.Status.ACTIVE, store__is_active=True)
        .first()
    )
    if variant is None:
        raise ValidationError({"variant": _("This product is not on sale.")}, code="unavailable")
    return variant


def checked_quantity(*, quantity: int | None, variant: ProductVariant) -> int:
    """``quantity`` within the line maximum and ``variant``'s stock now; ``None`` (the caller
    found no number in the request) is refused."""
    if quantity is None:
        raise ValidationError({"quantity": _("Enter a quantity.")}, code="invalid")
    if quantity < 1 or quantity > MAX_LINE_QUANTITY:
        raise ValidationError(
            {"quantity": _("Choose between 1 and %(max)d.") % {"max": MAX_LINE_QUANTITY}}, code="invalid"
        )
    if variant.stock <= 0:
        raise ValidationError({"variant": _("Sorry, this is sold out.")}, code="out_of_stock")
    if quantity > variant.stock:
        raise ValidationError(
            {"quantity": _("Only %(count)d left in stock.") % {"count": variant.stock}}, code="out_of_stock"
        )
    return quantity


@transaction.atomic
def add_to_cart(*, cart: Cart, variant_id: int | None, quantity: int | None = 1) -> CartLine:
    """Add ``quantity`` of a variant to ``cart`` (on top of what is there), at today's price."""
    variant = buyable_variant(variant_id)
    line = CartLine.objects.select_for_update().filter(cart=cart, variant=variant).first()
    adding = checked_quantity(quantity=quantity, variant=variant)
    wanted = (line.quantity if line else 0) + adding
    checked_quantity(quantity=wanted, variant=variant)
    if line is None:
        try:
            with transaction.atomic():
                line = CartLine.objects.create(cart=cart, variant=variant, quantity=wanted, price_seen=variant.price)
        except IntegrityError:  # The same variant added by a parallel request: add to that line.
            line = CartLine.objects.select_for_update().get(cart=cart, variant=variant)
            line.quantity = checked_quantity(quantity=line.quantity + adding, variant=variant)
            line.price_seen = variant.price
            line.save(update_fields=["quantity", "price_seen"])
    else:
        line.quantity = wanted
        line.price_seen = variant.price
        line.save(update_fields=["quantity", "price_seen"])
    _touch(cart)
    cart_changed_on_commit(cart=cart, store_ids={variant.store_id})
    store_id, product_id, user_id = variant.store_id, variant.product_id, cart.user_id
    transaction.on_commit(
        lambda: events.record(events.EventName.ADD_TO_CART, store_id=store_id, product_id=product_id, user_id=user_id)
    )
    return line


def _line_of(cart: Cart, line_id: int) -> CartLine:
    line = CartLine.objects.select_related("variant").filter(cart=cart, pk=line_id).first() if line_id else None
    if line is None:
        raise ValidationError(_("This item is no longer in your cart."), code="not_found")
    return line


@transaction.atomic
def set_line_quantity(*, cart: Cart, line_id: int, quantity: int | None) -> CartLine | None:
    """Change a line's quantity; 0 removes it (and returns ``None``). ``None``: no number was
    given (refused)."""
    line = _line_of(cart, line_id)
    if quantity == 0:
        line.delete()
        _touch(cart)
        cart_changed_on_commit(cart=cart, store_ids={line.variant.store_id})
        return None
    line.quantity = checked_quantity(quantity=quantity, variant=line.variant)
    line.save(update_fields=["quantity"])
    _touch(cart)
    cart_changed_on_commit(cart=cart, store_ids={line.variant.store_id})
    return line


@transaction.atomic
def remove_line(*, cart: Cart, line_id: int) -> None:
    line = _line_of(cart, line_id)
    line.delete()
    _touch(cart)
    cart_changed_on_commit(cart=cart, store_ids={line.variant.store_id})


def accept_current_prices(*, cart: Cart) -> int:
    """The shopper has seen the new prices: stop flagging them. Returns the lines changed."""
    changed = 0
    for line in CartLine.objects.filter(cart=cart).exclude(price_seen=F("variant__price")).select_related("variant"):
        changed += CartLine.objects.filter(pk=line.pk).update(price_seen=line.variant.price)
    return changed


@transaction.atomic
def merge_carts(*, source: Cart, target: Cart) -> Cart:
    """Move ``source``'s lines into ``target`` (adding quantities, capped by stock and the
    line maximum) and delete ``source``. Used when a visitor with a cart logs in."""
    if source.pk == target.pk:
        return target
    existing = {line.variant_id: line for line in CartLine.objects.select_for_update().filter(cart=target)}
    stores: set[int] = set()
    for line in source.lines.select_related("variant"):
        stores.add(line.variant.store_id)
        if line.variant_id in existing:
            kept = existing[line.variant_id]
            kept.quantity = max(1, min(kept.quantity + line.quantity, MAX_LINE_QUANTITY, line.variant.stock or 1))
            kept.price_seen = line.price_seen
            kept.save(update_fields=["quantity", "price_seen"])
        else:
            line.cart = target
            line.save(update_fields=["cart"])
    _forget_on_commit(source)  # its token's count; the object keeps token and user after delete()
    source.delete()
    _touch(target)
    cart_changed_on_commit(cart=target, store_ids=stores)
    return target


def adopt_visitor_cart(*, token: str | None, user: User) -> None:
    """On login: the visitor's cart ``token`` (from their session) becomes (or joins) ``user``'s cart."""
    if not token:
        return
    source = Cart.objects.filter(token=token, user__isnull=True).first()
    if source is None:
        return
    target = Cart.objects.filter(user=user).first()
    if target is None:
        Cart.objects.filter(pk=source.pk).update(user=user)
        source.user = user
        _forget_on_commit(source)
        cart_changed_on_commit(cart=source, store_ids=set(source.lines.values_list("variant__store_id", flat=True)))
        return
    merge_carts(source=source, target=target)


def cart_changed_on_commit(*, cart: Cart, store_ids: Iterable[int]) -> None:
    """Tell the layers above, on commit, that ``cart``'s lines from ``store_ids`` changed
    (``checkout.signals.cart_changed``): a store's people with the shopper's chat open see
    the cart live. Nothing for a visitor's cart, or when no store's lines changed."""
    if cart.user_id is None or not store_ids:
        return
    changed = frozenset(store_ids)
    transaction.on_commit(lambda: signals.cart_changed.send(sender=Cart, cart=cart, store_ids=changed), robust=True)


def _forget_on_commit(cart: Cart) -> None:
    transaction.on_commit(lambda: forget_cart_count(cart=cart))


def _touch(cart: Cart) -> None:
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now(), reminded_at=None)
    _forget_on_commit(cart)
