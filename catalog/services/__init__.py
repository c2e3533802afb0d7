"""Every catalog write that carries a rule: stores, categories, products, variants (in
``catalog.services.variants``), images."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from catalog import signals
from catalog.models import CATEGORY_MAX_DEPTH, Category, Product, ProductImage, Store
from catalog.services.positions import POSITION_MAX, next_position  # noqa: F401
from catalog.services.variants import (  # noqa: F401  (the catalog's services are used as ``services.<name>``)
    MAX_OPTION_NAME_LENGTH,
    MAX_OPTION_VALUE_LENGTH,
    MAX_OPTIONS,
    MAX_STOCK,
    VARIANT_EDITABLE_FIELDS,
    announce_variant_change,
    check_stock_edit,
    create_variant,
    delete_variant,
    save_new_variant,
    update_variant,
    validate_options,
    validate_variant,
    variants_for_edit,
)
from shop import stencil
from shop.images import fill_renditions, pending_renditions
from shop.models import User

SELLERS_GROUP = "sellers"

# What a seller may do in the admin; the admin's querysets keep it to their own store.
SELLER_PERMISSIONS = {
    "store": ("view", "change"),
    "product": ("view", "add", "change", "delete"),
    "productvariant": ("view", "add", "change", "delete"),
    "productimage": ("view", "add", "change", "delete"),
    "category": ("view",),
}

# What sellers may do with the models of higher layers (social's posts and comments...),
# which catalog must not import: each app registers its own from its AppConfig.ready().
_app_seller_permissions: dict[str, dict[str, tuple[str, ...]]] = {}


def register_seller_permissions(*, app_label: str, permissions: dict[str, tuple[str, ...]]) -> None:
    """Add ``app_label``'s ``{model_name: (action, ...)}`` to what the sellers group may do.

    Called from the higher app's ``AppConfig.ready()``; ``ensure_sellers_group`` then grants
    them along with ``SELLER_PERMISSIONS``. Registering the same app again replaces its entry.
    """
    _app_seller_permissions[app_label] = dict(permissions)


def seller_permission_codenames() -> dict[str, list[str]]:
    """``{app_label: [codename, ...]}`` of every permission the sellers group holds."""
    wanted = {"catalog": SELLER_PERMISSIONS, **_app_seller_permissions}
    return {
        app_label: [f"{action}_{model}" for model, actions in models.items() for action in actions]
        for app_label, models in wanted.items()
    }


def unique_slug(
    *, model: type[Model], text: str, field: str = "slug", max_length: int = 80, exclude_pk: int | None = None
) -> str:
    """A slug from ``text`` not yet used by ``model``: ``kopi``, then ``kopi-2``, ``kopi-3``..."""
    base = (slugify(text) or "item")[: max_length - 6].strip("-") or "item"
    queryset = model._default_manager.all()
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    taken = set(queryset.filter(**{f"{field}__startswith": base}).values_list(field, flat=True))
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base}-{number}"
        number += 1
    return candidate


# --- Stores -------------------------------------------------------------------


def ensure_sellers_group() -> Group:
    """The ``sellers`` group with exactly the permissions in ``SELLER_PERMISSIONS`` and those
    other apps registered (``register_seller_permissions``). Idempotent."""
    group, _created = Group.objects.get_or_create(name=SELLERS_GROUP)
    wanted = Q(pk__in=[])
    for app_label, codenames in seller_permission_codenames().items():
        wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
    group.permissions.set(Permission.objects.filter(wanted))
    return group


@transaction.atomic
def open_store(
    *,
    owner: User,
    name: str,
    slug: str = "",
    description: str = "",
    whatsapp: str = "",
    logo: File | None = None,
) -> Store:
    """Open ``owner``'s store and make them a seller who can use the admin.

    ``logo``, when given, must already have passed ``shop.images.verify_image``.
    """
    if Store.objects.filter(owner=owner).exists():
        raise ValidationError(_("You already have a store."), code="store_exists")
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give your store a name.")})
    if slug:
        slug = slugify(slug)
        if Store.objects.filter(slug=slug).exists():
            raise ValidationError({"slug": _("This address is taken; try another.")})
    else:
        slug = unique_slug(model=Store, text=name)
    store = Store(owner=owner, name=name, slug=slug, description=description.strip(), whatsapp=whatsapp.strip())
    if logo:
        store.logo = logo
    store.full_clean()
    try:
        with transaction.atomic():
            store.save()
    except IntegrityError as exc:
        raise ValidationError(_("You already have a store."), code="store_exists") from exc
    make_seller(user=owner)
    transaction.on_commit(lambda: signals.store_opened.send(sender=open_store, store=store))
    return store


def make_seller(*, user: User) -> None:
    """Give ``user`` access to the admin as a seller (staff, in the sellers group)."""
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(ensure_sellers_group())


STORE_EDITABLE_FIELDS = {"name", "description", "whatsapp", "logo"}


@transaction.atomic
def update_store(*, store: Store, **changes: Any) -> Store:
    """Change a store's public details. The slug and the owner never change here.

    ``logo``, when given, must already have passed ``shop.images.verify_image``; the
    replaced logo file is deleted once the change is committed.
    """
    unknown = set(changes) - STORE_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for field in ("name", "description", "whatsapp"):
        if field in changes:
            changes[field] = (changes[field] or "").strip()
    if "name" in changes and not changes["name"]:
        raise ValidationError({"name": _("Give your store a name.")})
    old_logo = store.logo.name if store.logo else ""
    for field, value in changes.items():
        setattr(store, field, value)
    store.full_clean()
    store.save()
    new_logo = store.logo.name if store.logo else ""
    if old_logo and old_logo != new_logo:
        storage = store.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    return store


# --- Categories -----------------------------------------------------------------


def _subtree_height(category: Category) -> int:
    """Levels below and including ``category`` (1 for a leaf)."""
    if not category.pk:
        return 1
    children = list(Category.objects.filter(parent=category))
    if not children:
        return 1
    return 1 + max(_subtree_height(child) for child in children)


def validate_category_parent(*, category: Category, parent: Category | None) -> int:
    """The depth ``category`` would have under ``parent``; refuses cycles and trees too deep."""
    depth = parent.depth + 1 if parent else 1
    node = parent
    while node is not None:
        if category.pk and node.pk == category.pk:
            raise ValidationError({"parent": _("A category cannot be placed under itself.")})
        node = node.parent
    if depth - 1 + _subtree_height(category) > CATEGORY_MAX_DEPTH:
        raise ValidationError({"parent": _("Categories can be at most %(n)d levels deep.") % {"n": CATEGORY_MAX_DEPTH}})
    return depth


@transaction.atomic
def save_category(*, category: Category) -> Category:
    """Save ``category`` with its depth, and the depths of everything below it."""
    category.depth = validate_category_parent(category=category, parent=category.parent)
    if not category.slug:
        category.slug = unique_slug(model=Category, text=category.name)
    category.save()
    _refresh_child_depths(category)
    return category


def _refresh_child_depths(category: Category) -> None:
    for child in Category.objects.filter(parent=category):
        if child.depth != category.depth + 1:
            child.depth = category.depth + 1
            child.save(update_fields=["depth"])
        _refresh_child_depths(child)


def create_category(*, name: str, parent: Category | None = None, slug: str = "", position: int = 0) -> Category:
    return save_category(category=Category(name=name, parent=parent, slug=slug, position=position))


# --- Products -------------------------------------------------------------------


def create_product(
    *,
    store: Store,
    title: str,
    description: str = "",
    category: Category | None = None,
    status: str = Product.Status.DRAFT,
    slug: str = "",
) -> Product:
    product = Product(store=store, title=title, description=description, category=category, status=status, slug=slug)
    return save_new_product(product=product)


@transaction.atomic
def save_new_product(*, product: Product) -> Product:
    """Insert ``product``, built unsaved by ``create_product``, an admin form or a CSV import:
    a title, a free slug (made from the title when empty), stamped when published."""
    product.title = product.title.strip()
    if not product.title:
        raise ValidationError({"title": _("A product needs a title.")})
    if product.slug:
        product.slug = slugify(product.slug)
        if Product.objects.filter(slug=product.slug).exists():
            raise ValidationError({"slug": _("This address is taken; try another.")})
    else:
        product.slug = unique_slug(model=Product, text=product.title, max_length=160)
    if product.status == Product.Status.ACTIVE:
        product.published_at = timezone.now()
    product.full_clean()
    product.save(force_insert=True)
    return product


PRODUCT_EDITABLE_FIELDS = {"title", "description", "category", "status", "slug"}


@transaction.atomic
def update_product(*, product: Product, **changes: Any) -> Product:
    """Change ``changes`` on ``product`` and write only those columns, so that an edit made
    from a page opened earlier never puts back what someone else changed since."""
    unknown = set(changes) - PRODUCT_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "slug" in changes:
        slug = slugify(changes["slug"])
        if Product.objects.exclude(pk=product.pk).filter(slug=slug).exists():
            raise ValidationError({"slug": _("This address is taken; try another.")})
        changes["slug"] = slug
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
        if not changes["title"]:
            raise ValidationError({"title": _("A product needs a title.")})
    for field, value in changes.items():
        setattr(product, field, value)
    written = {*changes, "updated_at"}
    if product.status == Product.Status.ACTIVE and product.published_at is None:
        product.published_at = timezone.now()
        written.add("published_at")
    product.full_clean()
    product.save(update_fields=sorted(written))
    return product


def set_products_status(
    *, products: Iterable[Product] | None = None, ids: Iterable[int] | None = None, status: str
) -> int:
    """Publish, archive or unpublish many products at once. Returns how many changed."""
    if status not in Product.Status.values:
        raise ValidationError(_("Unknown status."))
    if ids is None:
        ids = [product.pk for product in products or []]
    queryset = Product.objects.filter(pk__in=list(ids)).exclude(status=status)
    now = timezone.now()
    with transaction.atomic():
        if status == Product.Status.ACTIVE:
            queryset.filter(published_at__isnull=True).update(published_at=now)
        count = queryset.update(status=status, updated_at=now)
        stencil.updated(Product)
        return count


def publish_products(*, ids: Iterable[int]) -> int:
    return set_products_status(ids=ids, status=Product.Status.ACTIVE)


def archive_products(*, ids: Iterable[int]) -> int:
    return set_products_status(ids=ids, status=Product.Status.ARCHIVED)


# --- Images ---------------------------------------------------------------------


@transaction.atomic
def add_product_image(
    *, product: Product, image: File, alt_text: str = "", position: int | None = None
) -> ProductImage:
    """Attach an image to ``product`` and have its renditions made after commit.

    ``image`` must already have passed ``shop.images.verify_image`` (the form and
    serializer fields do that).
    """
    if position is None:
        position = next_position(queryset=product.images.all())
    product_image = ProductImage(product=product, image=image, alt_text=alt_text.strip(), position=position)
    product_image.save()
    schedule_renditions(product_image=product_image)
    return product_image


@transaction.atomic
def remove_product_image(*, product_image: ProductImage) -> None:
    """Delete an image and, once that is committed, its files (original and renditions)."""
    storage = product_image.image.storage
    files = (product_image.image, product_image.thumbnail, product_image.display, product_image.webp)
    names = [file.name for file in files if file and file.name]
    product_image.delete()

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)


def schedule_renditions(*, product_image: ProductImage) -> None:
    from catalog.tasks import make_product_image_renditions
    from shop.broker import publish  # lost to a broker outage, the renditions are swept again

    image_id = product_image.pk
    transaction.on_commit(lambda: publish(make_product_image_renditions, image_id))


def pending_product_renditions(*, since: datetime, until: datetime) -> QuerySet[ProductImage]:
    """Product images stored between ``since`` and ``until`` still without their renditions."""
    return pending_renditions(ProductImage, since=since, until=until)


def make_renditions_for(*, image_id: int) -> bool:
    """Make the thumbnail, display and WebP renditions of one product image, once."""
    return fill_renditions(ProductImage, image_id)
