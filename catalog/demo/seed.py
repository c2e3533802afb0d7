"""Fill the database with the demo shop, through the catalog services.

Idempotent: every object is looked up by its natural key (email, category slug, store
slug, product slug) and only what is missing is made; an existing product is left as
it is, variants and images included. Each product is made in its own transaction, so
an interrupted run leaves whole products behind and the next run completes the rest.

Deterministic: every random choice (stock, number of pictures, where the coffee beans
fall) comes from a ``random.Random`` seeded with ``SEED`` and the product's slug, so a
product comes out the same whichever products already existed.

Fast enough for ``make run``: the slow things run beside the main thread where they
can. Passwords are hashed once per distinct password (PBKDF2 with Django's default
work factor takes about a second each), in threads, while the categories are made.
Pictures are drawn and verified in one worker thread while the main thread writes
rows and makes the renditions (eagerly, after each product's commit, when there is no
broker); one thread only, because ``verify_image`` uses ``warnings.catch_warnings``,
which is not thread-safe. The renditions are most of the time a first run takes.
"""

from __future__ import annotations

import itertools
import math
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from catalog import services
from catalog.demo import art
from catalog.demo.specs import CATEGORIES, PALETTES, Person, ProductSpec, StoreSpec
from catalog.demo.stores import PEOPLE, STORES
from catalog.models import Category, Product, Store
from shop.images import verify_image
from shop.models import User
from shop.money import to_minor

SEED = 1945
SITE_URL = "http://127.0.0.1:8000/"


@dataclass
class SeedReport:
    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @staticmethod
    def _describe(counts: Counter) -> str:
        parts = [f"{counts[kind]} {kind}" for kind in ("users", "categories", "stores", "products") if counts[kind]]
        details = [f"{counts[kind]} {kind}" for kind in ("variants", "images") if counts[kind]]
        if details:
            parts.append(f"with {' and '.join(details)}")
        return ", ".join(parts)

    def summary(self) -> str:
        created = self._describe(self.created) or "nothing"
        existing = self._describe(self.existing) or "nothing"
        return f"Created {created}; already there: {existing} ({self.seconds:.1f} s)."


def seed_demo(*, products_per_store: int | None = None, progress: Callable[[str], None] | None = None) -> SeedReport:
    """Create whatever part of the demo shop is missing. Returns what was created and what was there."""
    say = progress or (lambda message: None)
    report = SeedReport()
    started = time.perf_counter()
    planned = _planned_products(products_per_store)
    existing_slugs = set(
        Product.objects.filter(slug__in=[spec.slug for _, _, spec in planned]).values_list("slug", flat=True)
    )
    to_make = [entry for entry in planned if entry[2].slug not in existing_slugs]
    report.existing["products"] = len(planned) - len(to_make)
    missing_people = [person for person in PEOPLE if not _find_user(person)]
    missing_stores = [store for store in STORES if not Store.objects.filter(slug=store.slug).exists()]

    hasher = ThreadPoolExecutor(max_workers=3, thread_name_prefix="demo-hash")
    artist = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-art")
    try:
        hashes = {password: hasher.submit(make_password, password) for password in {p.password for p in missing_people}}
        categories = _ensure_categories(report)
        users = _ensure_people(report, hashes)
        # Drawing starts once the hashes are done, so that it does not slow them down: it
        # still runs well ahead of the main thread, which makes a rendition of every picture.
        logos = {store.slug: artist.submit(_logo_file, store) for store in missing_stores}
        pictures = {spec.slug: _submit_pictures(artist, store, spec) for store, _, spec in to_make}
        if to_make:
            say(f"Categories and people ready; drawing and saving {len(to_make)} products...")
        stores = _ensure_stores(report, users, logos)
        for done, (store_spec, index, spec) in enumerate(to_make, start=1):
            store = stores[store_spec.slug]
            _create_product(report, store, store_spec, index, spec, categories, pictures.pop(spec.slug))
            if done % 10 == 0 or done == len(to_make):
                say(f"  {done}/{len(to_make)} products")
    finally:
        artist.shutdown(wait=True, cancel_futures=True)
        hasher.shutdown(wait=True, cancel_futures=True)
    report.seconds = time.perf_counter() - started
    return report


def _planned_products(products_per_store: int | None) -> list[tuple[StoreSpec, int, ProductSpec]]:
    """Every (store, index, product) to seed, interleaved across stores.

    Interleaving makes the "newest" listing show a mix of stores rather than one
    store's whole range followed by the next.
    """
    limit = products_per_store if products_per_store is not None else max(len(s.products) for s in STORES)
    planned = []
    for index in range(limit):
        for store in STORES:
            if index < len(store.products):
                planned.append((store, index, store.products[index]))
    return planned


# --- People ---------------------------------------------------------------------------


def _find_user(person: Person) -> User | None:
    return User.objects.filter(email__iexact=person.email).first()


def _free_username(wanted: str) -> str:
    candidate, number = wanted, 2
    while User.objects.filter(username__iexact=candidate).exists():
        candidate = f"{wanted}{number}"
        number += 1
    return candidate


@transaction.atomic
def _ensure_people(report: SeedReport, hashes: dict[str, Future]) -> dict[str, User]:
    """Every demo account, with a verified primary email so it can log in at once.

    Accounts that share a password share its hash (same salt): harmless for demo
    accounts whose passwords are printed on the screen, and 20 times faster.
    """
    users = {}
    for person in PEOPLE:
        user = _find_user(person)
        if user is not None:
            report.existing["users"] += 1
        else:
            user = User(
                username=_free_username(person.username),
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                is_staff=person.superuser,
                is_superuser=person.superuser,
                password=hashes[person.password].result(),
            )
            user.save()
            report.created["users"] += 1
        _ensure_verified_email(user, person.email)
        users[person.email] = user
    return users


def _ensure_verified_email(user: User, email: str) -> None:
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=not has_primary)
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


# --- Categories and stores ----------------------------------------------------------------


def _ensure_categories(report: SeedReport) -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for position, (slug, name, parent_slug) in enumerate(CATEGORIES):
        parent = categories[parent_slug] if parent_slug else None
        category = (
            Category.objects.filter(slug=slug).first() or Category.objects.filter(parent=parent, name=name).first()
        )
        if category is not None:
            report.existing["categories"] += 1
        else:
            category = services.create_category(name=name, parent=parent, slug=slug, position=position)
            report.created["categories"] += 1
        categories[slug] = category
    return categories


def _ensure_stores(report: SeedReport, users: dict[str, User], logos: dict[str, Future]) -> dict[str, Store]:
    stores = {}
    for spec in STORES:
        owner = users[spec.owner.email]
        store = Store.objects.filter(slug=spec.slug).first() or Store.objects.filter(owner=owner).first()
        if store is not None:
            report.existing["stores"] += 1
        else:
            store = services.open_store(
                owner=owner,
                name=spec.name,
                slug=spec.slug,
                description=spec.description,
                whatsapp=spec.whatsapp,
                logo=logos[spec.slug].result(),
            )
            report.created["stores"] += 1
        stores[spec.slug] = store
    return stores


def _logo_file(store: StoreSpec) -> SimpleUploadedFile:
    data = art.store_logo(name=store.name, initials=store.initials, palette=PALETTES[store.palette], motif=store.motif)
    return verify_image(SimpleUploadedFile(f"{store.slug}.jpg", data, content_type="image/jpeg"))


# --- Products -----------------------------------------------------------------------------


def _rng(spec: ProductSpec) -> random.Random:
    return random.Random(f"{SEED}:{spec.slug}")


def picture_count(spec: ProductSpec) -> int:
    if spec.images:
        return spec.images
    return _rng(spec).choices((1, 2, 3), weights=(65, 25, 10))[0]


def _submit_pictures(artist: ThreadPoolExecutor, store: StoreSpec, spec: ProductSpec) -> list[Future]:
    return [artist.submit(_picture_file, store, spec, view) for view in range(picture_count(spec))]


def _picture_file(store: StoreSpec, spec: ProductSpec, view: int) -> tuple[SimpleUploadedFile, str]:
    """One drawn, verified picture of ``spec`` and its alt text."""
    axes = spec.scheme.axes
    style = spec.art.get("style", "")
    motif = style.replace("-", " ").title()
    if view == 0:
        subtitle = " · ".join(axes[0][1]) if axes else f"{store.name} · {store.city}"
        alt = f"Illustration of {spec.title}"
    elif view == 1:
        subtitle = f"{store.name} · {store.city}"
        alt = f"{spec.title}, in another colourway"
    else:
        subtitle = f"Motif {motif}" if spec.kind in art.PATTERNED else "Detail"
        alt = f"Close-up of the {motif} motif of {spec.title}" if style else f"Close-up of {spec.title}"
    data = art.product_picture(
        kind=spec.kind,
        palette=PALETTES[spec.palette],
        title=spec.title,
        store=store.name,
        subtitle=subtitle,
        view=view,
        seed=f"{SEED}:{spec.slug}",
        options=spec.art,
    )
    upload = SimpleUploadedFile(f"{spec.slug}-{view + 1}.jpg", data, content_type="image/jpeg")
    return verify_image(upload), alt


def _round_rupiah(amount: float) -> int:
    step = 1000 if amount >= 20_000 else 500
    return max(step, round(amount / step) * step)


def variant_rows(store: StoreSpec, index: int, spec: ProductSpec) -> list[dict]:
    """The keyword arguments of ``services.create_variant`` for each of ``spec``'s variants."""
    rng = _rng(spec)
    names = [name for name, _ in spec.scheme.axes]
    combinations = itertools.product(*(values for _, values in spec.scheme.axes))
    rows = []
    for position, values in enumerate(combinations, start=1):
        rupiah = spec.price * math.prod(spec.scheme.factor.get(value, 1) for value in values)
        rupiah = _round_rupiah(rupiah + sum(spec.scheme.extra.get(value, 0) for value in values))
        compare_at = None
        if spec.sale:
            compare_at = max(_round_rupiah(rupiah * 100 / (100 - spec.sale)), rupiah + 1000)
        codes = [re.sub(r"[^0-9A-Z]", "", value.upper())[:10] for value in values]
        rows.append(
            {
                "sku": "-".join([store.sku_prefix, f"{index + 1:02d}", *codes]),
                "options": dict(zip(names, values, strict=True)),
                "price": to_minor(str(rupiah)),
                "compare_at_price": to_minor(str(compare_at)) if compare_at else None,
                "stock": _stock(spec, rng),
                "position": position,
            }
        )
    return rows


def _stock(spec: ProductSpec, rng: random.Random) -> int:
    roll = rng.random()
    if spec.sold_out or spec.status == Product.Status.ARCHIVED or roll < 0.12:
        return 0
    if roll < 0.3:
        return rng.randint(1, min(4, spec.max_stock))
    return rng.randint(min(5, spec.max_stock), spec.max_stock)


@transaction.atomic
def _create_product(
    report: SeedReport,
    store: Store,
    store_spec: StoreSpec,
    index: int,
    spec: ProductSpec,
    categories: dict[str, Category],
    pictures: list[Future],
) -> Product:
    product = services.create_product(
        store=store,
        title=spec.title,
        slug=spec.slug,
        description=f"{spec.description}\n\n{store_spec.footer}",
        category=categories[spec.category],
        status=spec.status,
    )
    for row in variant_rows(store_spec, index, spec):
        services.create_variant(product=product, **row)
        report.created["variants"] += 1
    for position, picture in enumerate(pictures, start=1):
        upload, alt = picture.result()
        services.add_product_image(product=product, image=upload, alt_text=alt, position=position)
        report.created["images"] += 1
    report.created["products"] += 1
    return product
