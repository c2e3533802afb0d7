"""Variants: their rules, and stock that a seller's edit can never put back.

Checkout takes stock with a conditional ``UPDATE`` on the locked row. A seller's edit
(admin form, variant list, CSV import, API) is read first and written later, with sales
possibly in between; so an edit here locks the row and re-reads it, writes only the columns
that changed, and changes the stock only from the figure the seller saw (``stock_seen``)
or by a relative amount (``stock_change``, "+10 received").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalog import signals
from catalog.models import Product, ProductVariant
from catalog.services.positions import next_position

# The column's range (IntegerField): beyond it a number is malformed, not a stock figure.
MAX_STOCK = 2**31 - 1

# Option names and values as shoppers see them on the variant picker.
MAX_OPTIONS = 10
MAX_OPTION_NAME_LENGTH = 40
MAX_OPTION_VALUE_LENGTH = 80

VARIANT_EDITABLE_FIELDS = {"sku", "price", "options", "compare_at_price", "stock", "position"}


# --- Rules ----------------------------------------------------------------------------


def validate_options(options: dict | list[tuple[str, str]]) -> dict[str, str]:
    """``options`` (a ``{name: value}`` or ``(name, value)`` pairs, as an editor's rows) as a
    clean ``{name: value}``: names and values trimmed and non-empty, names unique (ignoring
    case), within the length limits. Raises a ``ValidationError`` on "options"."""
    pairs = list(options.items()) if isinstance(options, dict) else options
    if not isinstance(pairs, list) or not all(
        isinstance(pair, tuple | list)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and isinstance(pair[1], str | int | float)
        and not isinstance(pair[1], bool)
        for pair in pairs
    ):
        raise ValidationError({"options": _('Options are names and values, for example {"Size": "M"}.')})
    if len(pairs) > MAX_OPTIONS:
        raise ValidationError({"options": _("A variant can have at most %(n)d options.") % {"n": MAX_OPTIONS}})
    cleaned: dict[str, str] = {}
    seen: set[str] = set()
    errors = []
    for raw_name, raw_value in pairs:
        name, value = raw_name.strip(), str(raw_value).strip()
        if "\x00" in name or "\x00" in value:
            errors.append(_("Option names and values cannot contain NUL characters."))
        elif not name:
            errors.append(_("Every option needs a name (the value “%(value)s” has none).") % {"value": value})
        elif len(name) > MAX_OPTION_NAME_LENGTH:
            errors.append(
                _("The option name “%(name)s…” is too long (at most %(n)d characters).")
                % {"name": name[:MAX_OPTION_NAME_LENGTH], "n": MAX_OPTION_NAME_LENGTH}
            )
        elif name.casefold() in seen:
            errors.append(_("The option “%(name)s” is given twice.") % {"name": name})
        elif not value:
            errors.append(_("Give the option “%(name)s” a value.") % {"name": name})
        elif len(value) > MAX_OPTION_VALUE_LENGTH:
            errors.append(
                _("The value of “%(name)s” is too long (at most %(n)d characters).")
                % {"name": name, "n": MAX_OPTION_VALUE_LENGTH}
            )
        seen.add(name.casefold())
        cleaned[name] = value
    if errors:
        raise ValidationError({"options": errors})
    return cleaned


def validate_variant(variant: ProductVariant) -> None:
    variant.store_id = variant.product.store_id
    variant.sku = variant.sku.strip()
    if not variant.sku:
        raise ValidationError({"sku": _("Give the variant a SKU.")})
    variant.options = validate_options(variant.options)
    if variant.price is None or variant.price < 0:
        raise ValidationError({"price": _("The price cannot be negative.")})
    if variant.compare_at_price is not None and variant.compare_at_price <= variant.price:
        raise ValidationError({"compare_at_price": _("The compare-at price must be higher than the price.")})
    if variant.stock is None or variant.stock < 0:
        raise ValidationError({"stock": _("Stock cannot be negative.")})
    if variant.stock > MAX_STOCK:
        raise ValidationError({"stock": _("Stock can be at most %(n)d.") % {"n": MAX_STOCK}})
    clash = ProductVariant.objects.filter(store_id=variant.store_id, sku=variant.sku).exclude(pk=variant.pk)
    if clash.exists():
        raise ValidationError({"sku": _("Your store already has a variant with SKU %(sku)s.") % {"sku": variant.sku}})


def check_stock_edit(*, current_stock: int, stock: int, stock_seen: int | None) -> None:
    """Refuse to set the stock to ``stock`` over a figure that moved since the seller read
    ``stock_seen`` (orders took units, or someone else edited it): they would put sold units
    back on sale. Setting the figure the row already holds is always fine.

    ``current_stock`` must come from the row locked for the write (``variants_for_edit``).
    """
    if stock == current_stock:
        return
    if stock_seen is None:
        raise ValidationError(
            {
                "stock": _(
                    "Say which stock figure you are changing (the stock you saw), so that orders placed "
                    "since are not overwritten: it is %(current)d now."
                )
                % {"current": current_stock}
            },
            code="stock_seen_missing",
        )
    if stock_seen != current_stock:
        raise ValidationError(
            {
                "stock": _(
                    "The stock changed from %(seen)d to %(current)d since you opened it (orders were placed "
                    "or someone else edited it). Check the figure and save again."
                )
                % {"seen": stock_seen, "current": current_stock}
            },
            code="stock_changed",
        )


# --- Locks ----------------------------------------------------------------------------


def variants_for_edit(*, pks: Iterable[int]) -> dict[int, ProductVariant]:
    """Lock the variants ``pks`` for a seller's edit and read them afresh, by primary key.

    Caller holds a transaction (the locks last until it ends). Locks are taken in
    primary-key order, as ``checkout.lock_objects`` takes them for an order, so an edit of
    several variants and a checkout can never wait on each other in a circle.
    """
    locked = (
        ProductVariant.objects.select_for_update(of=("self",))
        .filter(pk__in=set(pks))
        .select_related("product")
        .order_by("pk")
    )
    return {variant.pk: variant for variant in locked}


# --- Writes ---------------------------------------------------------------------------


def create_variant(
    *,
    product: Product,
    sku: str,
    price: int,
    options: dict | None = None,
    compare_at_price: int | None = None,
    stock: int = 0,
    position: int | None = None,
) -> ProductVariant:
    if position is None:
        position = next_position(queryset=product.variants.all())
    variant = ProductVariant(
        product=product,
        sku=sku,
        price=price,
        options=options or {},
        compare_at_price=compare_at_price,
        stock=stock,
        position=position,
    )
    return save_new_variant(variant=variant)


@transaction.atomic
def save_new_variant(*, variant: ProductVariant) -> ProductVariant:
    """Insert ``variant``, built unsaved by ``create_variant``, an admin form or a CSV import."""
    validate_variant(variant)
    variant.save(force_insert=True)
    return variant


@transaction.atomic
def update_variant(
    *,
    variant: ProductVariant,
    stock_seen: int | None = None,
    stock_change: int | None = None,
    **changes: Any,
) -> ProductVariant:
    """Change ``changes`` on ``variant`` and return it as saved.

    The row is locked and re-read, and only the columns in ``changes`` are written: what
    ``variant`` held before (a form's or an import's copy, read before a sale) is never
    written back. A new absolute ``stock`` is checked against ``stock_seen``, the figure the
    seller started from (``check_stock_edit``); ``stock_change`` adds to (or, negative, takes
    from) the stock as it is now. ``variant`` is updated to the saved values.
    """
    unknown = set(changes) - VARIANT_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if stock_change is not None and "stock" in changes:
        raise ValidationError({"stock_change": _("Give either a new stock or a change to it, not both.")})
    locked = variants_for_edit(pks=[variant.pk]).get(variant.pk)
    if locked is None:
        raise ValidationError(_("This variant was removed meanwhile."), code="gone")
    previous_stock, previous_price = locked.stock, locked.price
    if "stock" in changes and changes["stock"] is not None and changes["stock"] >= 0:  # (negative: refused below)
        check_stock_edit(current_stock=locked.stock, stock=changes["stock"], stock_seen=stock_seen)
    if stock_change:
        if locked.stock + stock_change < 0:
            raise ValidationError(
                {
                    "stock_change": _("Only %(count)d in stock: cannot take away %(taken)d.")
                    % {"count": locked.stock, "taken": -stock_change}
                }
            )
        changes["stock"] = locked.stock + stock_change
    for field, value in changes.items():
        setattr(locked, field, value)
    validate_variant(locked)
    if changes:
        locked.save(update_fields=sorted(changes))
    for column in ProductVariant._meta.concrete_fields:
        setattr(variant, column.attname, getattr(locked, column.attname))
    announce_variant_change(variant=locked, previous_stock=previous_stock, previous_price=previous_price)
    return locked


def announce_variant_change(*, variant: ProductVariant, previous_stock: int | None, previous_price: int | None) -> None:
    """Once the change is committed, tell the layers above that a variant a seller just saved
    is back in stock (0 before, more now) or cheaper (``catalog.signals``). Call it inside
    the transaction that saved the variant, with its stock and price from before (``None``:
    unknown, no news)."""
    stock, price = variant.stock, variant.price
    if previous_stock is not None and previous_stock <= 0 < stock:
        transaction.on_commit(
            lambda: signals.variant_restocked.send(
                sender=ProductVariant, variant=variant, previous_stock=previous_stock
            )
        )
    if previous_price is not None and price < previous_price:
        transaction.on_commit(
            lambda: signals.variant_price_dropped.send(
                sender=ProductVariant, variant=variant, old_price=previous_price, new_price=price
            )
        )


def delete_variant(*, variant: ProductVariant) -> None:
    """Remove a variant from its product (the product itself stays)."""
    variant.delete()
