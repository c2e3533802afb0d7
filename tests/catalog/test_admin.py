"""The seller's back office: every seller sees and edits only their own store."""

import csv
import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Category, Product, ProductImage, ProductVariant, Store
from catalog.resources import ProductResource, VariantResource
from shop.money import format_money
from tests.admin_helpers import admin_url, form_data
from tests.factories import (
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


@dataclass
class Shop:
    owner: object
    store: Store
    product: Product
    variant: ProductVariant
    image: ProductImage


def make_shop(*, owner_name: str, store_name: str, title: str, sku: str) -> Shop:
    owner = SellerFactory(username=owner_name)
    store = StoreFactory(owner=owner, name=store_name)
    product = ProductFactory(store=store, title=title, status=Product.Status.DRAFT, published_at=None)
    variant = VariantFactory(product=product, sku=sku, options={"Size": "M"}, price=15_000_000, stock=4)
    image = ProductImageFactory(product=product, alt_text=f"Photo of {title}")
    return Shop(owner, store, product, variant, image)


@pytest.fixture
def shop_a() -> Shop:
    return make_shop(owner_name="ayu", store_name="Warung Kopi Ayu", title="Kopi Gayo Arabica", sku="KOPI-1")


@pytest.fixture
def shop_b() -> Shop:
    return make_shop(owner_name="budi", store_name="Galeri Tenun Budi", title="Tenun Ikat Sumba", sku="TENUN-1")


@pytest.fixture
def seller_a(client, shop_a, shop_b):
    client.force_login(shop_a.owner)
    return client


@pytest.fixture
def superuser_client(client, shop_a, shop_b):
    client.force_login(UserFactory(username="root-admin", is_staff=True, is_superuser=True))
    return client


# What the browser sends for the fields of a new inline row left as they were.
NEW_ROW_DEFAULTS = {"variants": {"stock": "0", "position": "0"}, "images": {"position": "0"}}


def add_inline_row(data: dict, prefix: str, row: dict) -> dict:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in {**NEW_ROW_DEFAULTS[prefix], **row}.items():
        data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    return data


def csv_file(rows: list[dict], name: str = "products.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def import_csv(client, model, rows: list[dict]):
    """Upload ``rows`` to the admin import of ``model``; confirm when the dry run had no errors."""
    preview = client.post(admin_url(model, "import"), {"resource": "0", "format": "0", "import_file": csv_file(rows)})
    assert preview.status_code == 200
    confirm_form = preview.context.get("confirm_form")
    if confirm_form is None:
        return preview
    return client.post(admin_url(model, "process_import"), confirm_form.initial, follow=True)


# --- Change lists -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "own_text"),
    [
        (Product, "Kopi Gayo Arabica"),
        (ProductVariant, "KOPI-1"),
        (ProductImage, "Photo of Kopi Gayo Arabica"),
        (Store, "Warung Kopi Ayu"),
    ],
)
def test_a_sellers_change_lists_show_only_their_own_store(seller_a, model, own_text):
    # when
    response = seller_a.get(admin_url(model, "changelist"))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert own_text in html
    for other in ("Tenun Ikat Sumba", "TENUN-1", "Galeri Tenun Budi"):
        assert other not in html
    assert response.context["cl"].result_count == 1


def test_searching_and_filtering_never_reach_another_store(seller_a, shop_b):
    # when
    by_title = seller_a.get(admin_url(Product, "changelist"), {"q": "Tenun"})
    by_sku = seller_a.get(admin_url(Product, "changelist"), {"q": "TENUN-1"})
    by_store = seller_a.get(admin_url(Product, "changelist"), {"store__id__exact": shop_b.store.pk})
    # then
    assert by_title.context["cl"].result_count == 0
    assert by_sku.context["cl"].result_count == 0
    assert "Tenun Ikat Sumba" not in by_store.content.decode()


def test_a_seller_searches_their_products_by_variant_sku(seller_a, shop_a):
    # given: two variants that both match, which must not count the product (or its stock) twice
    VariantFactory(product=shop_a.product, sku="KOPI-2", stock=6)
    # when
    response = seller_a.get(admin_url(Product, "changelist"), {"q": "KOPI"})
    # then
    assert [(product.title, product.total_stock) for product in response.context["cl"].result_list] == [
        ("Kopi Gayo Arabica", 10)
    ]


def test_the_product_list_shows_price_and_total_stock_without_a_store_column_for_sellers(seller_a, shop_a):
    # given
    VariantFactory(product=shop_a.product, sku="KOPI-2", price=12_500_000, stock=6)
    # when
    response = seller_a.get(admin_url(Product, "changelist"), {"o": "5"})
    # then
    html = response.content.decode()
    assert format_money(12_500_000) in html
    assert 'class="field-total_stock">10<' in html
    assert "column-store" not in html
    assert "store__id__exact" not in html


def test_the_product_list_sorts_by_total_stock(seller_a, shop_a):
    # given
    ProductFactory(store=shop_a.store, title="Empty shelf")
    # when
    response = seller_a.get(admin_url(Product, "changelist"), {"o": "5"})
    # then
    assert [product.total_stock for product in response.context["cl"].result_list] == [0, 4]


def test_the_product_list_costs_the_same_queries_for_more_products(seller_a, shop_a, django_assert_max_num_queries):
    # given
    for number in range(15):
        product = ProductFactory(store=shop_a.store, category=CategoryFactory())
        VariantFactory(product=product, sku=f"MANY-{number}")
    # when / then
    with django_assert_max_num_queries(10):
        response = seller_a.get(admin_url(Product, "changelist"))
    assert response.context["cl"].result_count == 16


# --- Other stores' objects answer 404 ---------------------------------------------------


@pytest.mark.parametrize("view", ["change", "delete", "history"])
@pytest.mark.parametrize("attribute", ["product", "variant", "image", "store"])
def test_another_stores_objects_answer_404(seller_a, shop_b, attribute, view):
    # given
    obj = getattr(shop_b, attribute)
    # when
    response = seller_a.get(admin_url(type(obj), view, obj.pk))
    # then
    assert response.status_code == 404


@pytest.mark.parametrize("view", ["change", "history"])
@pytest.mark.parametrize("attribute", ["product", "variant", "image", "store"])
def test_a_seller_opens_their_own_objects(seller_a, shop_a, attribute, view):
    obj = getattr(shop_a, attribute)
    response = seller_a.get(admin_url(type(obj), view, obj.pk))
    assert response.status_code == 200


def test_posting_to_another_stores_product_answers_404_and_changes_nothing(seller_a, shop_b):
    # when
    change = seller_a.post(admin_url(Product, "change", shop_b.product.pk), {"title": "Mine now", "slug": "mine"})
    delete = seller_a.post(admin_url(Product, "delete", shop_b.product.pk), {"post": "yes"})
    # then
    assert change.status_code == 404
    assert delete.status_code == 404
    shop_b.product.refresh_from_db()
    assert shop_b.product.title == "Tenun Ikat Sumba"


def test_a_bulk_delete_cannot_reach_another_stores_product(seller_a, shop_a, shop_b):
    # when
    response = seller_a.post(
        admin_url(Product, "changelist"),
        {"action": "delete_selected", "_selected_action": [shop_b.product.pk], "post": "yes"},
    )
    # then
    assert response.status_code in (200, 302)
    assert Product.objects.filter(pk=shop_b.product.pk).exists()


def test_a_seller_bulk_deletes_their_own_products(seller_a, shop_a):
    # given
    second = ProductFactory(store=shop_a.store)
    selected = [shop_a.product.pk, second.pk]
    # when
    confirm = seller_a.post(
        admin_url(Product, "changelist"), {"action": "delete_selected", "_selected_action": selected}
    )
    response = seller_a.post(
        admin_url(Product, "changelist"), {"action": "delete_selected", "_selected_action": selected, "post": "yes"}
    )
    # then
    assert confirm.status_code == 200
    assert response.status_code == 302
    assert not shop_a.store.products.exists()


def test_a_seller_deletes_their_own_product(seller_a, shop_a):
    response = seller_a.post(admin_url(Product, "delete", shop_a.product.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Product.objects.filter(pk=shop_a.product.pk).exists()


# --- Autocomplete -----------------------------------------------------------------------


def autocomplete(client, model_name: str, field_name: str, term: str = ""):
    return client.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": model_name, "field_name": field_name, "term": term},
    )


def test_a_seller_finds_categories_with_autocomplete(seller_a):
    # given
    CategoryFactory(name="Kopi & Teh", slug="kopi-teh")
    # when
    response = autocomplete(seller_a, "product", "category", "kopi")
    # then
    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Kopi & Teh"]


def test_the_variant_product_autocomplete_offers_only_the_sellers_products(seller_a, shop_a):
    # when
    everything = autocomplete(seller_a, "productvariant", "product")
    searching_other = autocomplete(seller_a, "productvariant", "product", "Tenun")
    # then
    assert [result["id"] for result in everything.json()["results"]] == [str(shop_a.product.pk)]
    assert searching_other.json()["results"] == []


def test_the_store_autocomplete_offers_a_seller_only_their_store(seller_a, shop_a):
    response = autocomplete(seller_a, "product", "store")
    assert [result["text"] for result in response.json()["results"]] == ["Warung Kopi Ayu"]


# --- Adding products --------------------------------------------------------------------


def test_the_add_product_form_has_no_store_choice_for_a_seller(seller_a):
    # when
    response = seller_a.get(admin_url(Product, "add"))
    # then
    assert response.status_code == 200
    assert "store" not in response.context["adminform"].form.fields
    assert "Galeri Tenun Budi" not in response.content.decode()


def test_a_seller_adds_a_product_with_variants_to_their_own_store_whatever_store_they_post(seller_a, shop_a, shop_b):
    # given
    data = form_data(seller_a.get(admin_url(Product, "add")))
    data.update(title="Kopi Toraja", slug="kopi-toraja", status="active", store=str(shop_b.store.pk))
    add_inline_row(
        data, "variants", {"sku": "TORAJA-250", "options-name": "Weight", "options-value": "250 g", "price": "95000"}
    )
    add_inline_row(data, "variants", {"sku": "TORAJA-500", "price": "180000", "compare_at_price": "200000"})
    # when
    response = seller_a.post(admin_url(Product, "add"), data)
    # then
    assert response.status_code == 302, response.context["errors"] if response.context else response
    product = Product.objects.get(slug="kopi-toraja")
    assert product.store == shop_a.store
    assert product.published_at is not None
    variants = {variant.sku: variant for variant in product.variants.all()}
    assert set(variants) == {"TORAJA-250", "TORAJA-500"}
    assert all(variant.store_id == shop_a.store.pk for variant in variants.values())
    assert variants["TORAJA-250"].price == 9_500_000
    assert variants["TORAJA-250"].options == {"Weight": "250 g"}
    assert variants["TORAJA-500"].compare_at_price == 20_000_000


def test_the_inline_inputs_are_named_after_their_columns(seller_a, shop_a):
    # The tabular inlines label their columns in the table head only: each input needs a name.
    response = seller_a.get(admin_url(Product, "change", shop_a.product.pk))
    variant, image = (inline.formset.forms[0] for inline in response.context["inline_admin_formsets"])
    assert 'aria-label="SKU"' in str(variant["sku"])
    assert 'aria-label="Price"' in str(variant["price"])
    assert 'aria-label="Alt text"' in str(image["alt_text"])
    # The stand-alone variant form keeps its visible <label>, without a second name.
    assert 'aria-label="SKU"' not in seller_a.get(admin_url(ProductVariant, "add")).content.decode()


def test_the_variant_inline_shows_prices_in_rupiah(seller_a, shop_a):
    response = seller_a.get(admin_url(Product, "change", shop_a.product.pk))
    form = response.context["inline_admin_formsets"][0].formset.initial_forms[0]
    assert form["price"].value() == 150000


def test_setting_a_product_active_in_the_form_sets_published_at(seller_a, shop_a):
    # given
    data = form_data(seller_a.get(admin_url(Product, "change", shop_a.product.pk)))
    data["status"] = "active"
    # when
    response = seller_a.post(admin_url(Product, "change", shop_a.product.pk), data)
    # then
    assert response.status_code == 302
    shop_a.product.refresh_from_db()
    assert shop_a.product.status == Product.Status.ACTIVE
    assert shop_a.product.published_at is not None


def test_a_seller_without_a_store_sees_empty_lists_and_cannot_add(client, shop_a):
    # given
    client.force_login(SellerFactory(username="no-store-yet"))
    # when / then
    assert client.get(reverse("admin:index")).status_code == 200
    for model in (Product, ProductVariant, ProductImage, Store):
        response = client.get(admin_url(model, "changelist"))
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0
        assert "Kopi Gayo Arabica" not in response.content.decode()
    assert client.get(admin_url(Product, "add")).status_code == 403
    assert client.get(admin_url(ProductVariant, "add")).status_code == 403
    assert client.get(admin_url(Product, "import")).status_code == 403
    assert client.get(admin_url(Product, "change", shop_a.product.pk)).status_code == 404


# --- Variants ---------------------------------------------------------------------------


def test_a_seller_cannot_add_a_standalone_variant_to_another_stores_product(seller_a, shop_b):
    # when
    response = seller_a.post(
        admin_url(ProductVariant, "add"),
        {
            "product": shop_b.product.pk,
            "sku": "SNEAKY",
            "price": "1000",
            "stock": "1",
            "position": "0",
        },
    )
    # then
    assert response.status_code == 200
    assert "product" in response.context["adminform"].form.errors
    assert not ProductVariant.objects.filter(sku="SNEAKY").exists()


def test_a_seller_adds_a_standalone_variant_to_their_product(seller_a, shop_a):
    # when
    response = seller_a.post(
        admin_url(ProductVariant, "add"),
        {
            "product": shop_a.product.pk,
            "sku": "KOPI-L",
            "price": "175000",
            "stock": "3",
            "position": "1",
        },
    )
    # then
    assert response.status_code == 302
    variant = ProductVariant.objects.get(sku="KOPI-L")
    assert (variant.store, variant.price, variant.options) == (shop_a.store, 17_500_000, {})


def test_a_seller_cannot_slip_a_variant_into_another_stores_product_through_an_inline(seller_a, shop_a, shop_b):
    # given: A's own product form, with a new row that names B's product as its parent
    data = form_data(seller_a.get(admin_url(Product, "change", shop_a.product.pk)))
    add_inline_row(data, "variants", {"sku": "SNEAKY", "price": "1000", "product": str(shop_b.product.pk)})
    # when
    response = seller_a.post(admin_url(Product, "change", shop_a.product.pk), data)
    via_other_product = seller_a.post(admin_url(Product, "change", shop_b.product.pk), data)
    # then
    assert response.status_code == 200
    assert via_other_product.status_code == 404
    assert not ProductVariant.objects.filter(sku="SNEAKY").exists()
    assert shop_b.product.variants.count() == 1


def test_a_seller_cannot_edit_another_stores_variant_through_an_inline(seller_a, shop_a, shop_b):
    # given: A's form, where the existing row's id is swapped for B's variant
    data = form_data(seller_a.get(admin_url(Product, "change", shop_a.product.pk)))
    data["variants-0-id"] = str(shop_b.variant.pk)
    data["variants-0-sku"] = "STOLEN"
    # when
    response = seller_a.post(admin_url(Product, "change", shop_a.product.pk), data)
    # then: Django drops a row whose id is not one of this product's variants
    assert response.status_code in (200, 302)
    shop_b.variant.refresh_from_db()
    assert shop_b.variant.sku == "TENUN-1"
    assert not ProductVariant.objects.filter(sku="STOLEN").exists()


def test_a_duplicate_sku_in_the_store_is_a_form_error(seller_a, shop_a):
    # given
    data = form_data(seller_a.get(admin_url(Product, "change", shop_a.product.pk)))
    add_inline_row(data, "variants", {"sku": "KOPI-1", "price": "1000"})
    # when
    response = seller_a.post(admin_url(Product, "change", shop_a.product.pk), data)
    # then
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert "already has a variant with SKU KOPI-1" in str(errors)
    assert shop_a.store.variants.count() == 1


def test_two_new_rows_with_one_sku_are_a_form_error(seller_a, shop_a):
    # given
    data = form_data(seller_a.get(admin_url(Product, "change", shop_a.product.pk)))
    add_inline_row(data, "variants", {"sku": "KOPI-NEW", "price": "1000"})
    add_inline_row(data, "variants", {"sku": "KOPI-NEW", "price": "2000"})
    # when
    response = seller_a.post(admin_url(Product, "change", shop_a.product.pk), data)
    # then
    assert response.status_code == 200
    assert "cannot share the SKU KOPI-NEW" in str(response.context["inline_admin_formsets"][0].formset.errors)
    assert not ProductVariant.objects.filter(sku="KOPI-NEW").exists()


def test_a_duplicate_sku_in_a_standalone_variant_is_a_form_error(seller_a, shop_a):
    response = seller_a.post(
        admin_url(ProductVariant, "add"),
        {"product": shop_a.product.pk, "sku": "KOPI-1", "price": "1000", "stock": "1", "position": "0"},
    )
    assert response.status_code == 200
    assert "sku" in response.context["adminform"].form.errors


def test_another_stores_sku_is_free_to_use(seller_a, shop_a):
    data = form_data(seller_a.get(admin_url(Product, "change", shop_a.product.pk)))
    add_inline_row(data, "variants", {"sku": "TENUN-1", "price": "1000"})
    response = seller_a.post(admin_url(Product, "change", shop_a.product.pk), data)
    assert response.status_code == 302
    assert shop_a.store.variants.filter(sku="TENUN-1").exists()


def test_a_compare_at_price_not_above_the_price_is_a_form_error(seller_a, shop_a):
    # given
    data = form_data(seller_a.get(admin_url(Product, "change", shop_a.product.pk)))
    data["variants-0-compare_at_price"] = "100000"
    # when
    response = seller_a.post(admin_url(Product, "change", shop_a.product.pk), data)
    # then
    assert response.status_code == 200
    assert "compare-at price must be higher" in str(response.context["inline_admin_formsets"][0].formset.errors)


def test_a_seller_edits_prices_and_stock_in_the_variant_list(seller_a, shop_a):
    # given
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(shop_a.variant.pk),
        "form-0-price": "160000",
        "form-0-stock": "9",
        "form-0-stock_seen": "4",
        "_save": "Save",
    }
    # when
    response = seller_a.post(admin_url(ProductVariant, "changelist"), data)
    # then
    assert response.status_code == 302
    shop_a.variant.refresh_from_db()
    assert (shop_a.variant.price, shop_a.variant.stock) == (16_000_000, 9)


def test_the_variant_list_refuses_a_price_above_the_compare_at_price(seller_a, shop_a):
    # given
    ProductVariant.objects.filter(pk=shop_a.variant.pk).update(compare_at_price=20_000_000)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(shop_a.variant.pk),
        "form-0-price": "250000",
        "form-0-stock": "4",
        "form-0-stock_seen": "4",
        "_save": "Save",
    }
    # when
    response = seller_a.post(admin_url(ProductVariant, "changelist"), data)
    # then
    assert response.status_code == 200
    shop_a.variant.refresh_from_db()
    assert shop_a.variant.price == 15_000_000


# --- Images -----------------------------------------------------------------------------


def test_a_new_image_gets_its_renditions(seller_a, shop_a, django_capture_on_commit_callbacks):
    # given
    data = form_data(seller_a.get(admin_url(Product, "change", shop_a.product.pk)))
    add_inline_row(data, "images", {"image": image_file("new.png", fmt="PNG", size=(400, 300)), "alt_text": "Beans"})
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = seller_a.post(admin_url(Product, "change", shop_a.product.pk), data)
    # then
    assert response.status_code == 302
    image = shop_a.product.images.get(alt_text="Beans")
    assert image.renditions_ready
    assert (image.width, image.height) == (400, 300)


def test_an_upload_that_is_not_an_image_is_refused(seller_a, shop_a):
    # given
    data = form_data(seller_a.get(admin_url(Product, "change", shop_a.product.pk)))
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    add_inline_row(data, "images", {"image": fake, "alt_text": "Evil"})
    # when
    response = seller_a.post(admin_url(Product, "change", shop_a.product.pk), data)
    # then
    assert response.status_code == 200
    assert not shop_a.product.images.filter(alt_text="Evil").exists()


def test_a_seller_cannot_attach_an_image_to_another_stores_product(seller_a, shop_b):
    response = seller_a.post(
        admin_url(ProductImage, "add"), {"product": shop_b.product.pk, "image": image_file(), "position": "0"}
    )
    assert response.status_code == 200
    assert "product" in response.context["adminform"].form.errors
    assert shop_b.product.images.count() == 1


def test_a_standalone_image_upload_gets_its_renditions(seller_a, shop_a, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = seller_a.post(
            admin_url(ProductImage, "add"),
            {"product": shop_a.product.pk, "image": image_file(), "alt_text": "Standalone", "position": "2"},
        )
    # then
    assert response.status_code == 302
    assert shop_a.product.images.get(alt_text="Standalone").renditions_ready


# --- Bulk actions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("publish", Product.Status.ACTIVE, "2 products were published."),
        ("archive", Product.Status.ARCHIVED, "2 products were archived."),
    ],
)
def test_bulk_actions_change_the_status_of_the_sellers_products(seller_a, shop_a, shop_b, action, status, message):
    # given
    second = ProductFactory(store=shop_a.store, status=Product.Status.DRAFT, published_at=None)
    selected = [shop_a.product.pk, second.pk, shop_b.product.pk]
    # when
    response = seller_a.post(
        admin_url(Product, "changelist"), {"action": action, "_selected_action": selected}, follow=True
    )
    # then
    assert message in response.content.decode()
    for product in (shop_a.product, second):
        product.refresh_from_db()
        assert product.status == status
    shop_b.product.refresh_from_db()
    assert shop_b.product.status == Product.Status.DRAFT


def test_publishing_sets_published_at_and_unpublishing_keeps_it(seller_a, shop_a):
    # when
    seller_a.post(admin_url(Product, "changelist"), {"action": "publish", "_selected_action": [shop_a.product.pk]})
    shop_a.product.refresh_from_db()
    published_at = shop_a.product.published_at
    response = seller_a.post(
        admin_url(Product, "changelist"), {"action": "unpublish", "_selected_action": [shop_a.product.pk]}, follow=True
    )
    # then
    assert published_at is not None
    shop_a.product.refresh_from_db()
    assert shop_a.product.status == Product.Status.DRAFT
    assert shop_a.product.published_at == published_at
    assert "1 product was moved to draft." in response.content.decode()


# --- CSV export and import --------------------------------------------------------------


def export_csv(client, model, resource_class):
    fields = resource_class().get_export_order()
    data = {"format": "0", "resource": "0"}
    data.update({f"{resource_class.__name__.lower()}_{field}": "on" for field in fields})
    response = client.post(admin_url(model, "export"), data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return read_csv(response)


def test_a_sellers_product_export_holds_only_their_products(seller_a, shop_a):
    # given
    shop_a.product.category = CategoryFactory(slug="kopi")
    shop_a.product.save()
    # when
    rows = export_csv(seller_a, Product, ProductResource)
    # then
    assert [(row["slug"], row["title"], row["category"], row["status"]) for row in rows] == [
        (shop_a.product.slug, "Kopi Gayo Arabica", "kopi", "draft")
    ]


def test_a_sellers_variant_export_shows_rupiah_and_only_their_variants(seller_a, shop_a):
    rows = export_csv(seller_a, ProductVariant, VariantResource)
    assert rows == [
        {
            "sku": "KOPI-1",
            "product": shop_a.product.slug,
            "options": '{"Size": "M"}',
            "price": "150000",
            "compare_at_price": "",
            "stock": "4",
            "stock_seen": "4",
            "stock_change": "",
            "position": "0",
        }
    ]


def test_the_import_page_offers_a_seller_no_store_column(seller_a):
    response = seller_a.get(admin_url(Product, "import"))
    assert response.status_code == 200
    assert response.context["fields_list"] == [("Products", ["slug", "title", "description", "category", "status"])]


def test_a_resource_built_without_a_scope_reads_nothing(shop_a, shop_b):
    assert len(ProductResource().export()) == 0
    assert len(VariantResource().export()) == 0
    assert len(ProductResource(store=shop_a.store).export()) == 1
    assert len(ProductResource(all_stores=True).export()) == 2


def test_a_seller_imports_products_into_their_own_store(seller_a, shop_a):
    # given
    CategoryFactory(slug="kopi")
    rows = [
        {"slug": shop_a.product.slug, "title": "Kopi Gayo Wine", "description": "", "category": "kopi", "status": ""},
        {
            "slug": "kopi-kintamani",
            "title": "Kopi Kintamani",
            "description": "Bali",
            "category": "",
            "status": "active",
        },
    ]
    # when
    response = import_csv(seller_a, Product, rows)
    # then
    assert response.status_code == 200
    assert "Import finished: 1 new, 1 updated" in response.content.decode()
    shop_a.product.refresh_from_db()
    assert (shop_a.product.title, shop_a.product.category.slug, shop_a.product.status) == (
        "Kopi Gayo Wine",
        "kopi",
        Product.Status.DRAFT,
    )
    created = Product.objects.get(slug="kopi-kintamani")
    assert created.store == shop_a.store
    assert created.published_at is not None


def test_a_seller_cannot_overwrite_another_stores_product_by_importing_its_slug(seller_a, shop_a, shop_b):
    # given
    rows = [
        {"slug": shop_b.product.slug, "title": "Hijacked", "store": shop_a.store.slug},
        {"slug": "kopi-baru", "title": "Kopi Baru", "store": shop_b.store.slug},
    ]
    # when
    response = import_csv(seller_a, Product, rows)
    # then
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert "Another store already has a product with the slug" in response.content.decode()
    shop_b.product.refresh_from_db()
    assert (shop_b.product.title, shop_b.product.store) == ("Tenun Ikat Sumba", shop_b.store)
    assert not Product.objects.filter(slug="kopi-baru").exists()


def test_importing_another_stores_slug_is_an_error_row_even_without_the_dry_run(shop_a, shop_b):
    # given
    from tablib import Dataset

    dataset = Dataset(headers=["slug", "title"])
    dataset.append([shop_b.product.slug, "Hijacked"])
    dataset.append(["kopi-baru", "Kopi Baru"])
    # when
    result = ProductResource(store=shop_a.store).import_data(dataset, dry_run=False)
    # then
    assert result.has_validation_errors()
    assert [row.number for row in result.invalid_rows] == [1]
    shop_b.product.refresh_from_db()
    assert shop_b.product.title == "Tenun Ikat Sumba"
    assert Product.objects.get(slug="kopi-baru").store == shop_a.store


def test_an_unknown_category_slug_is_a_row_error(seller_a):
    response = import_csv(seller_a, Product, [{"slug": "teh", "title": "Teh", "category": "no-such-category"}])
    assert "There is no category with the slug" in response.content.decode()
    assert not Product.objects.filter(slug="teh").exists()


def test_a_seller_imports_variants_of_their_products_only(seller_a, shop_a, shop_b):
    # given
    rows = [
        {
            "sku": "KOPI-1",
            "product": shop_a.product.slug,
            "options": "",
            "price": "160000",
            "stock": "7",
            "stock_seen": "4",
        },
        {
            "sku": "KOPI-2",
            "product": shop_a.product.slug,
            "options": '{"Size": "L"}',
            "price": "99999.5",
            "stock": "",
            "stock_seen": "",
        },
    ]
    # when
    response = import_csv(seller_a, ProductVariant, rows)
    # then
    assert "Import finished: 1 new, 1 updated" in response.content.decode()
    shop_a.variant.refresh_from_db()
    assert (shop_a.variant.price, shop_a.variant.stock, shop_a.variant.options) == (16_000_000, 7, {})
    new = ProductVariant.objects.get(sku="KOPI-2")
    assert (new.store, new.price, new.stock, new.options) == (shop_a.store, 9_999_950, 0, {"Size": "L"})


def test_a_variant_row_for_another_stores_product_is_an_error(seller_a, shop_b):
    # when
    response = import_csv(
        seller_a, ProductVariant, [{"sku": "TENUN-1", "product": shop_b.product.slug, "price": "1", "stock": "0"}]
    )
    # then
    assert "None of your products has the slug" in response.content.decode()
    shop_b.variant.refresh_from_db()
    assert shop_b.variant.price == 15_000_000


def test_a_duplicate_sku_in_a_variant_import_is_a_row_error(seller_a, shop_a):
    # given
    other = ProductFactory(store=shop_a.store, slug="kopi-lain")
    rows = [
        {"sku": "NEW-1", "product": other.slug, "price": "1000"},
        {"sku": "BAD", "product": other.slug, "price": "x"},
    ]
    # when
    response = import_csv(seller_a, ProductVariant, rows)
    # then
    assert "plain number of rupiah" in response.content.decode()
    assert not ProductVariant.objects.filter(sku="NEW-1").exists()


# --- Superusers -------------------------------------------------------------------------


def test_a_superuser_sees_every_store(superuser_client, shop_a, shop_b):
    # when
    products = superuser_client.get(admin_url(Product, "changelist"))
    stores = superuser_client.get(admin_url(Store, "changelist"))
    variant = superuser_client.get(admin_url(ProductVariant, "change", shop_b.variant.pk))
    # then
    html = products.content.decode()
    assert products.context["cl"].result_count == 2
    for text in ("Kopi Gayo Arabica", "Tenun Ikat Sumba", "Warung Kopi Ayu", "Galeri Tenun Budi", "store__id__exact"):
        assert text in html
    assert stores.context["cl"].result_count == 2
    assert variant.status_code == 200


def test_a_superuser_chooses_the_store_of_a_new_product(superuser_client, shop_b):
    # given
    data = form_data(superuser_client.get(admin_url(Product, "add")))
    data.update(title="Songket", slug="songket", status="draft", store=str(shop_b.store.pk))
    add_inline_row(data, "variants", {"sku": "KOPI-1", "price": "500000"})
    # when
    response = superuser_client.post(admin_url(Product, "add"), data)
    # then
    assert response.status_code == 302
    product = Product.objects.get(slug="songket")
    assert product.store == shop_b.store
    assert product.variants.get().store == shop_b.store


def test_a_superuser_imports_products_for_any_store(superuser_client, shop_a, shop_b):
    # given
    rows = [
        {"slug": "songket", "title": "Songket", "store": shop_b.store.slug},
        {"slug": shop_a.product.slug, "title": "Renamed", "store": shop_b.store.slug},
    ]
    # when
    response = import_csv(superuser_client, Product, rows)
    # then
    assert "cannot move to another store" in response.content.decode()
    assert not Product.objects.filter(slug="songket").exists()
    # when the row no longer tries to move a product
    rows[1]["store"] = ""
    response = import_csv(superuser_client, Product, rows)
    # then
    assert "Import finished: 1 new, 1 updated" in response.content.decode()
    assert Product.objects.get(slug="songket").store == shop_b.store
    shop_a.product.refresh_from_db()
    assert (shop_a.product.title, shop_a.product.store) == ("Renamed", shop_a.store)


def test_a_superusers_new_product_row_needs_a_store(superuser_client):
    response = import_csv(superuser_client, Product, [{"slug": "songket", "title": "Songket", "store": ""}])
    assert response.context["result"].has_validation_errors()
    assert not Product.objects.filter(slug="songket").exists()


def test_a_superuser_exports_every_product_with_its_store(superuser_client, shop_a, shop_b):
    rows = export_csv(superuser_client, Product, ProductResource)
    assert sorted((row["slug"], row["store"]) for row in rows) == sorted(
        [(shop_a.product.slug, shop_a.store.slug), (shop_b.product.slug, shop_b.store.slug)]
    )


# --- Stores -----------------------------------------------------------------------------


def test_a_seller_edits_their_store_but_not_its_owner(seller_a, shop_a, shop_b):
    # given
    data = form_data(seller_a.get(admin_url(Store, "change", shop_a.store.pk)))
    data.update(name="Warung Kopi Ayu Baru", owner=str(shop_b.owner.pk), is_active="")
    # when
    response = seller_a.post(admin_url(Store, "change", shop_a.store.pk), data)
    # then
    assert response.status_code == 302
    shop_a.store.refresh_from_db()
    assert (shop_a.store.name, shop_a.store.owner, shop_a.store.is_active) == (
        "Warung Kopi Ayu Baru",
        shop_a.owner,
        True,
    )


def test_a_seller_uploads_a_verified_logo(seller_a, shop_a):
    # given
    data = form_data(seller_a.get(admin_url(Store, "change", shop_a.store.pk)))
    # when
    refused = seller_a.post(
        admin_url(Store, "change", shop_a.store.pk),
        {**data, "logo": SimpleUploadedFile("logo.png", b"GIF89a not really", content_type="image/png")},
    )
    accepted = seller_a.post(
        admin_url(Store, "change", shop_a.store.pk), {**data, "logo": image_file("logo.png", fmt="PNG")}
    )
    # then
    assert refused.status_code == 200
    assert "logo" in refused.context["adminform"].form.errors
    assert accepted.status_code == 302
    shop_a.store.refresh_from_db()
    assert shop_a.store.logo.name.startswith("stores/logos/")
    assert shop_a.store.logo.name.endswith(".png")


def test_a_seller_cannot_add_a_store(seller_a):
    assert seller_a.get(admin_url(Store, "add")).status_code == 403


def test_a_superuser_adding_a_store_makes_its_owner_a_seller(superuser_client):
    # given
    owner = UserFactory(username="citra")
    # when
    response = superuser_client.post(
        admin_url(Store, "add"),
        {"owner": owner.pk, "name": "Toko Citra", "slug": "toko-citra", "description": "", "is_active": "on"},
    )
    # then
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.is_staff and owner.groups.filter(name="sellers").exists()
    assert Store.objects.get(slug="toko-citra").owner == owner


# --- Categories -------------------------------------------------------------------------


def test_sellers_only_view_categories(seller_a):
    # given
    category = CategoryFactory(name="Kopi")
    # when / then
    assert seller_a.get(admin_url(Category, "changelist")).status_code == 200
    assert seller_a.get(admin_url(Category, "add")).status_code == 403
    response = seller_a.post(admin_url(Category, "change", category.pk), {"name": "Renamed", "slug": "kopi"})
    assert response.status_code == 403


def test_a_fourth_category_level_is_refused_with_a_form_error(superuser_client):
    # given
    food = CategoryFactory(name="Food")
    drinks = CategoryFactory(name="Drinks", parent=food)
    coffee = CategoryFactory(name="Coffee", parent=drinks)
    # when
    response = superuser_client.post(
        admin_url(Category, "add"), {"name": "Arabica", "slug": "arabica", "parent": coffee.pk, "position": "0"}
    )
    # then
    assert response.status_code == 200
    assert "at most 3 levels deep" in str(response.context["adminform"].form.errors["parent"])
    assert not Category.objects.filter(slug="arabica").exists()


def test_a_superuser_adds_a_category_with_its_depth(superuser_client):
    # given
    food = CategoryFactory(name="Food")
    # when
    response = superuser_client.post(
        admin_url(Category, "add"), {"name": "Snacks", "slug": "snacks", "parent": food.pk, "position": "0"}
    )
    # then
    assert response.status_code == 302
    assert Category.objects.get(slug="snacks").depth == 2


# --- Users ------------------------------------------------------------------------------


def test_users_are_for_superusers_only(seller_a, shop_a):
    # given
    url = reverse("admin:shop_user_changelist")
    # when
    response = seller_a.get(url)
    index = seller_a.get(reverse("admin:index"))
    # then
    assert response.status_code == 403
    assert url not in index.content.decode()


def test_a_superuser_edits_a_users_bio(superuser_client, shop_a):
    # given
    url = reverse("admin:shop_user_change", args=[shop_a.owner.pk])
    data = form_data(superuser_client.get(url))
    data["bio"] = "Roasting since 2010."
    # when
    response = superuser_client.post(url, data)
    # then
    assert response.status_code == 302
    shop_a.owner.refresh_from_db()
    assert shop_a.owner.bio == "Roasting since 2010."


def test_a_superuser_adds_a_user(superuser_client):
    response = superuser_client.post(
        reverse("admin:shop_user_add"),
        {
            "username": "dewi",
            "email": "dewi@example.com",
            "usable_password": "true",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
        },
    )
    assert response.status_code == 302
