"""``manage.py seed_demo``, catalog side (``catalog.demo``): a believable demo shop, made through
the services, safe to run twice. The command lives in social, which seeds the posts and follows
after the shop (``tests/social/test_seed_demo.py``)."""

import io
from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Max, Min
from PIL import Image

from catalog.demo import art
from catalog.demo.seed import picture_count, variant_rows
from catalog.demo.specs import ADMIN, DEMO_PASSWORD, PALETTES, SELLER_PASSWORD, SHOPPERS
from catalog.demo.stores import STORES
from catalog.models import Category, Product, ProductImage, ProductVariant, Store
from catalog.services import SELLERS_GROUP
from shop.images import verify_image
from shop.models import User
from shop.money import to_minor

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
        "categories": Category.objects.count(),
        "stores": Store.objects.count(),
        "products": Product.objects.count(),
        "variants": ProductVariant.objects.count(),
        "images": ProductImage.objects.count(),
    }


@pytest.mark.slow
@pytest.mark.django_db
def test_default_seed_builds_a_believable_shop_and_a_second_run_changes_nothing():
    # when
    output = seed()

    # then: stores, each with an owner, a description and a logo
    stores = list(Store.objects.select_related("owner").annotate(n=Count("products")))
    assert len(stores) >= 5
    assert all(store.logo and store.description and store.n >= 12 for store in stores)
    assert any(store.whatsapp for store in stores) and not all(store.whatsapp for store in stores)
    assert all(store.owner.is_staff and store.owner.groups.filter(name=SELLERS_GROUP).exists() for store in stores)

    # products with 1-6 variants and 1-3 pictures, some on sale, some sold out, some not public
    products = Product.objects.annotate(variant_count=Count("variants", distinct=True))
    products = products.annotate(image_count=Count("images", distinct=True))
    assert products.count() >= 60
    assert all(1 <= p.variant_count <= 6 and 1 <= p.image_count <= 3 for p in products)
    assert all(p.category_id for p in products)
    statuses = Counter(products.values_list("status", flat=True))
    assert statuses[Product.Status.DRAFT] >= 2 and statuses[Product.Status.ARCHIVED] >= 2
    prices = ProductVariant.objects.aggregate(low=Min("price"), high=Max("price"))
    assert to_minor("15000") <= prices["low"] and prices["high"] <= to_minor("1500000")
    assert ProductVariant.objects.filter(compare_at_price__isnull=False).count() >= 10
    assert ProductVariant.objects.filter(stock=0).count() >= 5
    assert ProductVariant.objects.filter(options__Size="XL").exists()
    assert ProductVariant.objects.filter(options__Weight="1kg").exists()
    assert all(image.width == 800 and image.height == 800 and image.alt_text for image in ProductImage.objects.all())

    # a category tree more than one level deep
    assert Category.objects.aggregate(deepest=Max("depth"))["deepest"] >= 2
    assert Category.objects.filter(depth=1).count() >= 4

    # shoppers, the admin and the sellers, all able to log in by email at once
    shoppers = User.objects.filter(email__endswith="@demo.etalase.id", is_staff=False)
    assert shoppers.count() == 20
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == User.objects.count()
    admin = authenticate(email="admin@demo.etalase.id", password="etalase-admin")
    assert admin is not None and admin.is_superuser and admin.is_staff
    seller = authenticate(email="seller@demo.etalase.id", password="etalase-seller")
    assert seller is not None and seller.store.slug == "batik-sekar-jagad"
    assert seller.is_staff and seller.groups.filter(name=SELLERS_GROUP).exists()
    assert authenticate(email="ani@demo.etalase.id", password="etalase-demo") is not None

    # the output says where to go and how to log in
    assert "http://127.0.0.1:8000/" in output
    assert "admin@demo.etalase.id" in output and "etalase-admin" in output
    assert "seller@demo.etalase.id" in output and "etalase-seller" in output

    # when it runs again
    before = counts()
    output = seed()

    # then nothing is added
    assert counts() == before
    assert "Created nothing" in output


@pytest.mark.django_db
def test_pictures_get_their_renditions_when_the_product_is_committed(settings, django_capture_on_commit_callbacks):
    # given
    settings.PASSWORD_HASHERS = FAST_HASHER

    # when
    with django_capture_on_commit_callbacks(execute=True):
        seed("--products-per-store=1", "--quiet")

    # then
    images = list(ProductImage.objects.all())
    assert len(images) == sum(picture_count(store.products[0]) for store in STORES)
    assert all(image.renditions_ready for image in images)


@pytest.mark.django_db
def test_a_larger_run_completes_a_smaller_one_without_touching_what_is_there(settings):
    # given
    settings.PASSWORD_HASHERS = FAST_HASHER
    seed("--products-per-store=1", "--quiet")
    first = {p.slug: (p.pk, p.updated_at) for p in Product.objects.all()}
    renamed = Product.objects.get(slug="kemeja-batik-parang-rusak-sogan")
    renamed.title = "Kemeja Parang (renamed by the seller)"
    renamed.save()
    renamed.variants.filter(options__Size="S").delete()
    variants_left = renamed.variants.count()

    # when
    output = seed("--products-per-store=2")

    # then the second product of each store is added, the first ones are left alone
    assert Product.objects.count() == 2 * len(STORES)
    assert {slug: pk for slug, (pk, _) in first.items()} == {
        p.slug: p.pk for p in Product.objects.filter(slug__in=first)
    }
    renamed.refresh_from_db()
    assert renamed.title == "Kemeja Parang (renamed by the seller)"
    assert renamed.variants.count() == variants_left
    assert "5 products" in output and "26 users" in output


@pytest.mark.django_db
def test_quiet_prints_nothing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHER

    assert seed("--products-per-store=0", "--quiet") == ""
    assert Store.objects.count() == len(STORES)
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_existing_demo_account_is_reused_and_its_email_verified(settings):
    # given someone already signed up with a demo address, unverified
    settings.PASSWORD_HASHERS = FAST_HASHER
    ani = User.objects.create_user(username="ani", email="ani@demo.etalase.id", password="her-own-password")
    EmailAddress.objects.create(user=ani, email=ani.email, verified=False, primary=True)

    # when
    seed("--products-per-store=0", "--quiet")

    # then her account and password are kept, and she can log in by email
    assert User.objects.filter(email__iexact="ani@demo.etalase.id").count() == 1
    assert EmailAddress.objects.get(user=ani).verified
    assert authenticate(email="ani@demo.etalase.id", password="her-own-password") == ani


def test_every_product_spec_makes_sane_variants():
    for store in STORES:
        skus = []
        for index, spec in enumerate(store.products):
            rows = variant_rows(store, index, spec)
            assert 1 <= len(rows) <= 6, spec.slug
            assert 1 <= picture_count(spec) <= 3, spec.slug
            for row in rows:
                assert to_minor("15000") <= row["price"] <= to_minor("1500000"), spec.slug
                assert row["compare_at_price"] is None or row["compare_at_price"] > row["price"]
                assert row["stock"] >= 0
            skus += [row["sku"] for row in rows]
        assert len(skus) == len(set(skus)), store.slug
    slugs = [spec.slug for store in STORES for spec in store.products]
    assert len(slugs) == len(set(slugs)) >= 60
    assert len(SHOPPERS) == 20
    assert {ADMIN.password, SELLER_PASSWORD, DEMO_PASSWORD} == {"etalase-admin", "etalase-seller", "etalase-demo"}


def test_variants_and_pictures_are_deterministic():
    store = STORES[1]
    spec = store.products[0]

    assert variant_rows(store, 0, spec) == variant_rows(store, 0, spec)
    picture = {"kind": spec.kind, "palette": PALETTES[spec.palette], "title": spec.title, "store": store.name}
    assert art.product_picture(**picture, seed="x") == art.product_picture(**picture, seed="x")


@pytest.mark.parametrize(
    ("kinds", "view"),
    [(list(art.DRAWERS), 0), (["shirt", "serum", "sneaker"], 1), (["kain", "chip-bag", "coffee-bag"], 2)],
)
def test_pictures_are_800px_jpegs_that_pass_verification(kinds, view):
    for kind in kinds:
        data = art.product_picture(
            kind=kind, palette=PALETTES["sogan"], title="Kemeja Batik Parang Rusak Lengan Panjang", store="Toko",
            subtitle="S · M · L", view=view, seed=kind,
        )  # fmt: skip
        with Image.open(io.BytesIO(data)) as image:
            assert (image.format, image.size) == ("JPEG", (800, 800))
        verify_image(io.BytesIO(data))
