"""The catalog REST API under /api/v1/: reads, seller writes, permissions, validation, uploads."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from catalog.models import Product, ProductImage, ProductVariant, Store
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    SellerFactory,
    StoreFactory,
    UserFactory,
    VariantFactory,
    image_file,
)

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


def client_for(user=None) -> APIClient:
    """An API client logged in with a session (APIClient skips CSRF unless asked to enforce it)."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def product_url(product) -> str:
    return f"{PRODUCTS}{product.slug}/"


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


def spoofed_jpeg() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")


def decompression_bomb() -> SimpleUploadedFile:
    """A real PNG of 48 megapixels (over the 40 allowed) that weighs only a few tens of kilobytes."""
    buffer = io.BytesIO()
    Image.new("L", (8000, 6000)).save(buffer, format="PNG")
    return SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")


# --- Categories ------------------------------------------------------------------------


def test_categories_list_the_tree_with_parents_and_children():
    # given
    fashion = CategoryFactory(name="Fashion", slug="fashion")
    batik = CategoryFactory(name="Batik", slug="batik", parent=fashion)
    CategoryFactory(name="Tulis", slug="tulis", parent=batik)
    # when
    response = client_for().get("/api/v1/categories/")
    # then
    assert response.status_code == 200
    by_slug = {item["slug"]: item for item in response.json()}
    assert by_slug["fashion"] == {
        "slug": "fashion",
        "name": "Fashion",
        "parent": None,
        "depth": 1,
        "position": 0,
        "children": ["batik"],
    }
    assert by_slug["batik"]["parent"] == "fashion"
    assert by_slug["batik"]["children"] == ["tulis"]
    assert by_slug["tulis"]["depth"] == 3


def test_category_detail_and_an_unknown_category():
    # given
    CategoryFactory(name="Food", slug="food")
    client = client_for()
    # when
    found = client.get("/api/v1/categories/food/")
    missing = client.get("/api/v1/categories/nope/")
    # then
    assert found.status_code == 200
    assert found.json()["name"] == "Food"
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not found."}


def test_categories_are_read_only():
    # given
    admin = UserFactory(is_staff=True, is_superuser=True)
    # when
    response = client_for(admin).post("/api/v1/categories/", {"name": "New"}, format="json")
    # then
    assert response.status_code == 405


# --- Stores ------------------------------------------------------------------------------


def test_store_list_and_detail_are_public_and_count_active_products():
    # given
    store = StoreFactory(name="Batik Sari", slug="batik-sari", whatsapp="+6281234567890")
    ProductFactory.create_batch(2, store=store)
    ProductFactory(store=store, status=Product.Status.DRAFT)
    StoreFactory(slug="closed", is_active=False)
    client = client_for()
    # when
    listing = client.get("/api/v1/stores/")
    detail = client.get("/api/v1/stores/batik-sari/")
    # then
    assert listing.status_code == 200
    assert slugs(listing) == ["batik-sari"]
    body = detail.json()
    assert body["name"] == "Batik Sari"
    assert body["owner"] == store.owner.username
    assert body["product_count"] == 2
    assert body["logo"] is None
    assert body["whatsapp_url"] == "https://wa.me/6281234567890"
    assert body["web_url"] == "http://testserver/s/batik-sari/"
    assert client.get("/api/v1/stores/closed/").status_code == 404


def test_owner_changes_their_store_but_not_its_slug_or_owner():
    # given
    store = StoreFactory(name="Old name", slug="old-name")
    other = UserFactory()
    # when
    response = client_for(store.owner).patch(
        "/api/v1/stores/old-name/",
        {"name": "  New name ", "description": "Fresh batik.", "slug": "hijacked", "owner": other.pk},
        format="json",
    )
    # then
    assert response.status_code == 200, response.json()
    store.refresh_from_db()
    assert (store.name, store.description, store.slug, store.owner_id) == (
        "New name",
        "Fresh batik.",
        "old-name",
        store.owner_id,
    )
    assert response.json()["name"] == "New name"


def test_only_the_owner_may_change_a_store():
    # given
    store = StoreFactory(name="Mine")
    url = f"/api/v1/stores/{store.slug}/"
    # when
    by_anonymous = client_for().patch(url, {"name": "Anon"}, format="json")
    by_other_seller = client_for(StoreFactory().owner).patch(url, {"name": "Theirs"}, format="json")
    # then
    assert by_anonymous.status_code == 401
    assert by_other_seller.status_code == 403
    assert "detail" in by_other_seller.json()
    store.refresh_from_db()
    assert store.name == "Mine"


def test_store_logo_is_uploaded_verified_and_a_spoofed_one_refused():
    # given
    store = StoreFactory()
    client = client_for(store.owner)
    url = f"/api/v1/stores/{store.slug}/"
    # when
    good = client.patch(url, {"logo": image_file("logo.png", fmt="PNG")}, format="multipart")
    bad = client.patch(url, {"logo": spoofed_jpeg()}, format="multipart")
    # then
    assert good.status_code == 200, good.json()
    assert good.json()["logo"].startswith("http://testserver/media/stores/logos/")
    assert bad.status_code == 400
    assert "not a JPEG, PNG or WebP image" in bad.json()["logo"][0]


def test_store_with_an_invalid_whatsapp_number_is_refused():
    # given
    store = StoreFactory()
    # when
    response = client_for(store.owner).patch(f"/api/v1/stores/{store.slug}/", {"whatsapp": "call me"}, format="json")
    # then
    assert response.status_code == 400
    assert "whatsapp" in response.json()


def test_store_products_lists_only_that_stores_active_products():
    # given
    store = StoreFactory()
    ProductFactory(store=store, slug="shown")
    ProductFactory(store=store, slug="draft", status=Product.Status.DRAFT)
    ProductFactory(slug="elsewhere")
    # when
    response = client_for().get(f"/api/v1/stores/{store.slug}/products/")
    # then
    assert response.status_code == 200
    assert slugs(response) == ["shown"]


# --- Product list and detail ----------------------------------------------------------------


def test_product_list_is_public_and_shows_only_active_products_of_open_stores():
    # given
    VariantFactory(product__slug="on-sale", price=15_000_000, stock=3)
    ProductFactory(slug="draft", status=Product.Status.DRAFT)
    ProductFactory(slug="archived", status=Product.Status.ARCHIVED)
    ProductFactory(slug="closed-store", store__is_active=False)
    # when
    response = client_for().get(PRODUCTS)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    card = body["results"][0]
    assert card["slug"] == "on-sale"
    assert card["url"] == "http://testserver/api/v1/products/on-sale/"
    assert card["price"] == 15_000_000
    assert card["currency"] == "IDR"
    assert card["price_display"] == "IDR150,000"
    assert card["in_stock"] is True
    assert card["cover_image"] is None


def test_product_list_filters_by_category_including_its_descendants():
    # given
    fashion = CategoryFactory(slug="fashion")
    batik = CategoryFactory(slug="batik", parent=fashion)
    tulis = CategoryFactory(slug="tulis", parent=batik)
    ProductFactory(slug="scarf", category=fashion)
    ProductFactory(slug="sarong", category=batik)
    ProductFactory(slug="kain", category=tulis)
    ProductFactory(slug="coffee", category=CategoryFactory(slug="food"))
    client = client_for()
    # when
    from_root = client.get(PRODUCTS, {"category": "fashion"})
    from_middle = client.get(PRODUCTS, {"category": "batik"})
    # then
    assert sorted(slugs(from_root)) == ["kain", "sarong", "scarf"]
    assert sorted(slugs(from_middle)) == ["kain", "sarong"]


def test_product_list_filters_by_a_price_range_given_in_major_units():
    # given: Rp 50.000, Rp 150.000 and Rp 300.000 (stored in sen)
    VariantFactory(product__slug="cheap", price=5_000_000)
    VariantFactory(product__slug="middle", price=15_000_000)
    VariantFactory(product__slug="dear", price=30_000_000)
    # when
    response = client_for().get(PRODUCTS, {"min_price": "100000", "max_price": "150000"})
    # then
    assert response.status_code == 200
    assert slugs(response) == ["middle"]


def test_product_list_filters_by_store_and_by_a_search_word():
    # given
    store = StoreFactory(slug="kopi-kita")
    ProductFactory(store=store, slug="gayo", title="Kopi Gayo")
    ProductFactory(store=store, slug="mug", title="Enamel mug")
    ProductFactory(slug="toraja", title="Kopi Toraja")
    client = client_for()
    # when
    by_store = client.get(PRODUCTS, {"store": "kopi-kita"})
    by_word = client.get(PRODUCTS, {"q": "kopi"})
    by_both = client.get(PRODUCTS, {"q": "kopi", "store": "kopi-kita"})
    # then
    assert sorted(slugs(by_store)) == ["gayo", "mug"]
    assert sorted(slugs(by_word)) == ["gayo", "toraja"]
    assert slugs(by_both) == ["gayo"]


def test_product_list_sorts_by_price_both_ways():
    # given
    VariantFactory(product__slug="b", price=20_000_000)
    VariantFactory(product__slug="a", price=10_000_000)
    VariantFactory(product__slug="c", price=30_000_000)
    client = client_for()
    # when
    ascending = client.get(PRODUCTS, {"sort": "price_asc"})
    descending = client.get(PRODUCTS, {"sort": "price_desc"})
    # then
    assert slugs(ascending) == ["a", "b", "c"]
    assert slugs(descending) == ["c", "b", "a"]


def test_product_list_in_stock_leaves_out_sold_out_products():
    # given
    VariantFactory(product__slug="available", stock=2)
    VariantFactory(product__slug="sold-out", stock=0)
    # when
    response = client_for().get(PRODUCTS, {"in_stock": "true"})
    # then
    assert slugs(response) == ["available"]


@pytest.mark.parametrize(
    "params,field",
    [
        ({"min_price": "cheap"}, "min_price"),
        ({"max_price": "-5"}, "max_price"),
        ({"min_price": "1.001"}, "min_price"),
        ({"min_price": "1e400"}, "min_price"),
        ({"min_price": "200000", "max_price": "100000"}, "max_price"),
        ({"sort": "cheapest"}, "sort"),
        ({"category": "no-such-category"}, "category"),
        ({"store": "no-such-store"}, "store"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"q": "x" * 101}, "q"),
        ({"q": "kopi\x00"}, "q"),
        ({"category": "batik\x00"}, "category"),
        ({"store": "toko\x00"}, "store"),
    ],
)
def test_product_list_rejects_invalid_query_parameters_with_a_400(params, field):
    # given
    ProductFactory()
    # when
    response = client_for().get(PRODUCTS, params)
    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [field]
    assert response.json()[field][0]


def test_product_detail_shows_variants_in_minor_units_and_images():
    # given
    category = CategoryFactory(slug="batik", name="Batik")
    product = ProductFactory(slug="sarong", category=category)
    VariantFactory(
        product=product, sku="SR-M", options={"Size": "M"}, price=15_000_000, compare_at_price=20_000_000, stock=4
    )
    ProductImageFactory(product=product, alt_text="A blue sarong", position=1)
    # when
    response = client_for().get(product_url(product))
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["category"] == {"slug": "batik", "name": "Batik"}
    assert body["store"] == {"slug": product.store.slug, "name": product.store.name}
    [variant] = body["variants"]
    assert variant["sku"] == "SR-M"
    assert variant["options"] == {"Size": "M"}
    assert (variant["price"], variant["compare_at_price"], variant["currency"]) == (15_000_000, 20_000_000, "IDR")
    assert (variant["price_display"], variant["compare_at_price_display"]) == ("IDR150,000", "IDR200,000")
    assert (variant["stock"], variant["in_stock"]) == (4, True)
    [image] = body["images"]
    assert image["alt"] == "A blue sarong"
    assert (image["width"], image["height"], image["position"]) == (64, 48, 1)
    assert image["original"].startswith("http://testserver/media/products/originals/")
    assert image["thumbnail"] == image["original"], "before renditions exist, the original stands in"


def test_a_draft_is_404_to_everyone_but_its_seller():
    # given
    draft = ProductFactory(status=Product.Status.DRAFT)
    # when
    anonymous = client_for().get(product_url(draft))
    shopper = client_for(UserFactory()).get(product_url(draft))
    owner = client_for(draft.store.owner).get(product_url(draft))
    # then
    assert anonymous.status_code == 404
    assert shopper.status_code == 404
    assert owner.status_code == 200
    assert owner.json()["status"] == "draft"


def test_a_seller_lists_their_own_products_in_every_status_with_mine():
    # given
    store = StoreFactory()
    ProductFactory(store=store, slug="mine-active")
    ProductFactory(store=store, slug="mine-draft", status=Product.Status.DRAFT)
    ProductFactory(store=store, slug="mine-archived", status=Product.Status.ARCHIVED)
    ProductFactory(slug="someone-elses")
    # when
    mine = client_for(store.owner).get(PRODUCTS, {"mine": "true"})
    everyone = client_for(store.owner).get(PRODUCTS)
    # then
    assert sorted(slugs(mine)) == ["mine-active", "mine-archived", "mine-draft"]
    assert sorted(slugs(everyone)) == ["mine-active", "someone-elses"]


def test_mine_needs_a_seller():
    # when
    anonymous = client_for().get(PRODUCTS, {"mine": "true"})
    shopper = client_for(UserFactory()).get(PRODUCTS, {"mine": "true"})
    # then
    assert anonymous.status_code == 401
    assert shopper.status_code == 403


def test_product_list_queries_do_not_grow_with_the_page(django_assert_max_num_queries):
    # given a full page of products, each with variants and images
    for _ in range(24):
        product = VariantFactory().product
        VariantFactory(product=product)
        ProductImageFactory(product=product)
    client = client_for()
    # when / then: count, page, images (and nothing per product)
    with django_assert_max_num_queries(4):
        response = client.get(PRODUCTS)
    assert len(response.json()["results"]) == 24


# --- Product writes ------------------------------------------------------------------------


def test_a_seller_creates_a_product_in_their_own_store_whatever_the_body_says():
    # given
    store = StoreFactory()
    victim = StoreFactory(slug="victim")
    CategoryFactory(slug="food")
    # when
    response = client_for(store.owner).post(
        PRODUCTS,
        {
            "title": "Kopi Gayo",
            "description": "Single origin.",
            "category": "food",
            "store": victim.pk,
            "store_slug": "victim",
            "price": 1,
            "status": "active",
        },
        format="json",
    )
    # then
    assert response.status_code == 201, response.json()
    product = Product.objects.get(slug=response.json()["slug"])
    assert product.store == store
    assert product.category.slug == "food"
    assert product.status == Product.Status.ACTIVE and product.published_at is not None
    assert not product.variants.exists(), "a price in the request is never trusted"
    assert response["Location"] == f"/api/v1/products/{product.slug}/"
    assert response.json()["store"]["slug"] == store.slug
    assert response.json()["variants"] == []
    assert not victim.products.exists()


def test_a_new_product_is_a_draft_by_default():
    # given
    store = StoreFactory()
    # when
    response = client_for(store.owner).post(PRODUCTS, {"title": "Tas rotan"}, format="json")
    # then
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    assert response.json()["slug"] == "tas-rotan"


def test_only_sellers_create_products():
    # given
    payload = {"title": "Not allowed"}
    # when
    shopper = client_for(UserFactory()).post(PRODUCTS, payload, format="json")
    anonymous = client_for().post(PRODUCTS, payload, format="json")
    # then
    assert shopper.status_code == 403
    assert "open a store" in shopper.json()["detail"]
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "Ok", "category": "no-such"}, "category"),
        ({"title": "Ok", "status": "published"}, "status"),
        ({"title": "Ok", "slug": "taken"}, "slug"),
        ({"title": "Nul \x00 byte"}, "title"),
        ({"title": "Ok", "category": "food\x00"}, "category"),
    ],
)
def test_an_invalid_product_is_refused_with_field_messages(payload, field):
    # given
    store = StoreFactory()
    ProductFactory(slug="taken")
    # when
    response = client_for(store.owner).post(PRODUCTS, payload, format="json")
    # then
    assert response.status_code == 400
    assert field in response.json()
    assert store.products.count() == 0


def test_the_owner_publishes_and_edits_a_product_with_patch():
    # given
    product = ProductFactory(status=Product.Status.DRAFT, published_at=None, title="Old")
    CategoryFactory(slug="home")
    # when
    response = client_for(product.store.owner).patch(
        product_url(product), {"title": "New", "status": "active", "category": "home"}, format="json"
    )
    # then
    assert response.status_code == 200, response.json()
    product.refresh_from_db()
    assert (product.title, product.status, product.category.slug) == ("New", "active", "home")
    assert product.published_at is not None


def test_put_needs_the_title():
    # given
    product = ProductFactory(title="Kept")
    # when
    response = client_for(product.store.owner).put(product_url(product), {"description": "x"}, format="json")
    # then
    assert response.status_code == 400
    assert "title" in response.json()
    product.refresh_from_db()
    assert product.title == "Kept"


def test_another_seller_cannot_change_or_archive_my_product():
    # given
    product = ProductFactory(title="Mine")
    intruder = client_for(StoreFactory().owner)
    # when
    patched = intruder.patch(product_url(product), {"title": "Theirs"}, format="json")
    put = intruder.put(product_url(product), {"title": "Theirs"}, format="json")
    deleted = intruder.delete(product_url(product))
    # then
    assert (patched.status_code, put.status_code, deleted.status_code) == (403, 403, 403)
    product.refresh_from_db()
    assert (product.title, product.status) == ("Mine", Product.Status.ACTIVE)


def test_another_seller_gets_404_for_my_draft():
    # given
    draft = ProductFactory(title="Secret", status=Product.Status.DRAFT)
    intruder = client_for(StoreFactory().owner)
    # when
    patched = intruder.patch(product_url(draft), {"title": "Theirs"}, format="json")
    deleted = intruder.delete(product_url(draft))
    # then
    assert (patched.status_code, deleted.status_code) == (404, 404)
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("Secret", Product.Status.DRAFT)


def test_anonymous_cannot_change_a_product():
    # given
    product = ProductFactory(title="Mine")
    # when
    response = client_for().patch(product_url(product), {"title": "Anon"}, format="json")
    # then
    assert response.status_code == 401
    product.refresh_from_db()
    assert product.title == "Mine"


def test_delete_archives_the_product_instead_of_destroying_it():
    # given
    product = VariantFactory().product
    owner = client_for(product.store.owner)
    # when
    response = owner.delete(product_url(product))
    # then
    assert response.status_code == 204
    product.refresh_from_db()
    assert product.status == Product.Status.ARCHIVED
    assert product.variants.count() == 1
    assert client_for().get(product_url(product)).status_code == 404
    assert slugs(client_for().get(PRODUCTS)) == []
    assert owner.get(product_url(product)).json()["status"] == "archived"


# --- Variants --------------------------------------------------------------------------------


def variants_url(product) -> str:
    return f"{product_url(product)}variants/"


def test_the_owner_adds_a_variant_with_prices_in_minor_units():
    # given
    product = ProductFactory()
    # when
    response = client_for(product.store.owner).post(
        variants_url(product),
        {
            "sku": "KG-250",
            "options": {"Weight": "250 g"},
            "price": 8_500_000,
            "compare_at_price": 9_900_000,
            "stock": 7,
        },
        format="json",
    )
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["sku"], body["price"], body["compare_at_price"], body["stock"]) == ("KG-250", 8_500_000, 9_900_000, 7)
    assert body["price_display"] == "IDR85,000"
    variant = ProductVariant.objects.get(pk=body["id"])
    assert variant.store == product.store
    assert variant.options == {"Weight": "250 g"}


def test_anyone_can_read_the_variants_of_a_visible_product():
    # given
    variant = VariantFactory(sku="A-1")
    # when
    listing = client_for().get(variants_url(variant.product))
    detail = client_for().get(f"{variants_url(variant.product)}{variant.pk}/")
    # then
    assert [item["sku"] for item in listing.json()] == ["A-1"]
    assert detail.json()["id"] == variant.pk


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"sku": "TAKEN", "price": 100}, "sku"),
        ({"sku": "NEW", "price": 100, "compare_at_price": 100}, "compare_at_price"),
        ({"sku": "NEW", "price": 100, "compare_at_price": 50}, "compare_at_price"),
        ({"sku": "NEW", "price": 100, "stock": -1}, "stock"),
        ({"sku": "NEW", "price": -100}, "price"),
        ({"sku": "NEW", "price": "cheap"}, "price"),
        ({"sku": "NEW", "price": 2**70}, "price"),
        ({"sku": "NEW"}, "price"),
        ({"sku": "", "price": 100}, "sku"),
        ({"sku": "NEW", "price": 100, "options": ["M"]}, "options"),
        ({"sku": "NEW", "price": 100, "options": {"Size": "M\x00"}}, "options"),
    ],
)
def test_invalid_variants_are_refused_with_field_messages(payload, field):
    # given: another product of the same store already uses SKU "TAKEN"
    store = StoreFactory()
    VariantFactory(product__store=store, sku="TAKEN")
    product = ProductFactory(store=store)
    # when
    response = client_for(store.owner).post(variants_url(product), payload, format="json")
    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json(), response.json()
    assert not product.variants.exists()


def test_the_same_sku_is_fine_in_another_store():
    # given
    VariantFactory(sku="SAME")
    product = ProductFactory()
    # when
    response = client_for(product.store.owner).post(variants_url(product), {"sku": "SAME", "price": 1}, format="json")
    # then
    assert response.status_code == 201


def test_the_owner_updates_a_variant_and_rules_still_apply():
    # given
    variant = VariantFactory(price=10_000_000, stock=5)
    client = client_for(variant.product.store.owner)
    url = f"{variants_url(variant.product)}{variant.pk}/"
    # when
    changed = client.patch(
        url, {"price": 12_000_000, "stock": 2, "stock_seen": 5, "product": 999, "store": 999}, format="json"
    )
    refused = client.patch(url, {"compare_at_price": 11_000_000}, format="json")
    # then
    assert changed.status_code == 200, changed.json()
    assert refused.status_code == 400
    assert refused.json() == {"compare_at_price": ["The compare-at price must be higher than the price."]}
    variant.refresh_from_db()
    assert (variant.price, variant.stock, variant.compare_at_price) == (12_000_000, 2, None)
    assert variant.product.store.owner_id == variant.store.owner_id


def test_only_the_owner_changes_variants():
    # given
    variant = VariantFactory(price=100)
    url = f"{variants_url(variant.product)}{variant.pk}/"
    intruder = client_for(StoreFactory().owner)
    # when
    created = intruder.post(variants_url(variant.product), {"sku": "X", "price": 1}, format="json")
    patched = intruder.patch(url, {"price": 1}, format="json")
    deleted = intruder.delete(url)
    anonymous = client_for().post(variants_url(variant.product), {"sku": "X", "price": 1}, format="json")
    # then
    assert (created.status_code, patched.status_code, deleted.status_code) == (403, 403, 403)
    assert anonymous.status_code == 401
    assert list(variant.product.variants.values_list("price", flat=True)) == [100]


def test_a_variant_of_another_product_or_a_hidden_product_is_404():
    # given
    variant = VariantFactory()
    other_product = ProductFactory(store=variant.product.store)
    draft = ProductFactory(status=Product.Status.DRAFT)
    # when
    wrong_parent = client_for(variant.product.store.owner).patch(
        f"{variants_url(other_product)}{variant.pk}/", {"price": 1}, format="json"
    )
    hidden = client_for(StoreFactory().owner).post(variants_url(draft), {"sku": "X", "price": 1}, format="json")
    # then
    assert wrong_parent.status_code == 404
    assert hidden.status_code == 404


def test_the_owner_removes_a_variant():
    # given
    variant = VariantFactory()
    # when
    response = client_for(variant.product.store.owner).delete(f"{variants_url(variant.product)}{variant.pk}/")
    # then
    assert response.status_code == 204
    assert not ProductVariant.objects.filter(pk=variant.pk).exists()


# --- Images ----------------------------------------------------------------------------------


def images_url(product) -> str:
    return f"{product_url(product)}images/"


def test_the_owner_uploads_an_image_and_its_renditions_are_made(django_capture_on_commit_callbacks):
    # given
    product = ProductFactory()
    client = client_for(product.store.owner)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            images_url(product),
            {"image": image_file("photo.jpg", size=(1600, 1200)), "alt_text": "Front", "position": 2},
            format="multipart",
        )
    # then
    assert response.status_code == 201, response.json()
    image = ProductImage.objects.get(pk=response.json()["id"])
    assert image.renditions_ready
    assert (image.width, image.height, image.alt_text, image.position) == (1600, 1200, "Front", 2)
    [shown] = client_for().get(product_url(product)).json()["images"]
    assert shown["thumbnail"].endswith("-thumbnail.jpg")
    assert shown["display"].endswith("-display.jpg")
    assert shown["webp"].endswith("-webp.webp")
    assert shown["renditions_ready"] is True


def test_a_file_that_is_not_an_image_is_refused():
    # given
    product = ProductFactory()
    # when
    response = client_for(product.store.owner).post(images_url(product), {"image": spoofed_jpeg()}, format="multipart")
    # then
    assert response.status_code == 400
    assert response.json() == {
        "image": ["This file is not a JPEG, PNG or WebP image. Please upload a photo in one of those formats."]
    }
    assert not product.images.exists()


def test_a_decompression_bomb_is_refused():
    # given
    product = ProductFactory()
    # when
    response = client_for(product.store.owner).post(
        images_url(product), {"image": decompression_bomb()}, format="multipart"
    )
    # then
    assert response.status_code == 400
    [message] = response.json()["image"]
    assert "too many pixels" in message
    assert not product.images.exists()


def test_only_the_owner_uploads_or_removes_images():
    # given
    image = ProductImageFactory()
    intruder = client_for(StoreFactory().owner)
    # when
    uploaded = intruder.post(images_url(image.product), {"image": image_file()}, format="multipart")
    deleted = intruder.delete(f"{images_url(image.product)}{image.pk}/")
    # then
    assert (uploaded.status_code, deleted.status_code) == (403, 403)
    assert image.product.images.count() == 1


def test_the_owner_removes_an_image_and_its_file(django_capture_on_commit_callbacks):
    # given
    image = ProductImageFactory()
    name = image.image.name
    assert default_storage.exists(name)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(image.product.store.owner).delete(f"{images_url(image.product)}{image.pk}/")
    # then
    assert response.status_code == 204
    assert not ProductImage.objects.filter(pk=image.pk).exists()
    assert not default_storage.exists(name)


# --- Authentication and errors ---------------------------------------------------------------


def test_a_token_from_email_and_password_authenticates_api_calls():
    # given
    store = StoreFactory()
    client = APIClient()
    # when
    token = client.post(
        "/api/v1/auth/token/", {"email": store.owner.email, "password": PASSWORD}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.post(PRODUCTS, {"title": "Via token"}, format="json")
    # then
    assert response.status_code == 201
    assert Product.objects.get(title="Via token").store == store


def test_a_wrong_password_gets_no_token():
    # given
    user = SellerFactory()
    # when
    wrong = APIClient().post("/api/v1/auth/token/", {"email": user.email, "password": "nope"}, format="json")
    missing = APIClient().post("/api/v1/auth/token/", {"email": user.email}, format="json")
    # then
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "Unable to log in with the email and password given."}
    assert missing.status_code == 400
    assert "password" in missing.json()


def test_the_token_endpoint_is_throttled():
    # given: the "login" scope allows a few attempts a minute per address (10 by default)
    allowed, _period = ScopedRateThrottle().parse_rate(api_settings.DEFAULT_THROTTLE_RATES["login"])
    user = SellerFactory()
    client = APIClient()
    payload = {"email": user.email, "password": "guess"}
    # when
    codes = [client.post("/api/v1/auth/token/", payload, format="json").status_code for _ in range(allowed + 1)]
    # then
    assert codes[:allowed] == [401] * allowed
    assert codes[allowed] == 429


def test_a_bad_token_is_401():
    # given
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    # when
    response = client.get(PRODUCTS)
    # then
    assert response.status_code == 401


def test_session_writes_need_the_csrf_token():
    # given
    store = StoreFactory()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(store.owner)
    # when
    response = client.post(PRODUCTS, {"title": "Forged"}, format="json")
    # then
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Product.objects.exists()


def test_an_unknown_api_url_is_a_json_404(settings):
    # given
    settings.DEBUG = False
    # when
    response = APIClient().get("/api/v1/no-such-thing/")
    # then
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_the_store_of_a_product_never_changes_through_the_api():
    # given
    product = ProductFactory()
    other = StoreFactory()
    # when
    response = client_for(product.store.owner).patch(product_url(product), {"store": other.slug}, format="json")
    # then
    assert response.status_code == 200
    assert Store.objects.get(products=product) == product.store
