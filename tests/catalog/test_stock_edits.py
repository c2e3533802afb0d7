"""A seller's edit never puts sold units back on sale: each way a seller writes a variant
(the product's variant rows, the variant list, the variant's own page, a CSV import, the API) raced against a real
checkout on PostgreSQL, each in its own connection.

How the race is set up: the seller opens the variant (5 in stock); a shopper's order for 2
is placed by the real checkout in another thread, whose transaction is held open, so it
still holds its row lock and its stock UPDATE is not yet visible; the seller saves a new
price, in a third thread, and blocks on that lock somewhere; then the shopper's transaction
commits. A save that writes the stock it read (on the page, or at the start of its request)
leaves 5 in stock after 2 were sold; the stock must be 3.
"""

import csv
import io
import threading
import time
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.test import Client
from rest_framework.test import APIClient

from catalog.models import Product, ProductVariant
from catalog.resources import VariantResource
from checkout.models import OrderLine
from tests.admin_helpers import admin_url, form_data
from tests.factories import ProductFactory, StoreFactory, UserFactory, VariantFactory, buyable_variant, place

pytestmark = [pytest.mark.usefixtures("postgres_only"), pytest.mark.django_db(transaction=True)]

STOCK, SOLD = 5, 2


@pytest.fixture
def variant() -> ProductVariant:
    return buyable_variant(price=15_000_000, stock=STOCK, sku="KOPI-250", options={"Size": "250 g"})


@pytest.fixture
def seller(variant) -> Client:
    client = Client()
    client.force_login(variant.store.owner)
    return client


def wait_until_someone_waits_for_a_lock(timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the seller's save never waited for the shopper's order")


@contextmanager
def in_thread(action):
    """Run ``action`` in a thread with its own database connection; re-raise what it raised."""
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = action()
        except BaseException as exc:  # reported to the test
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield outcome
    finally:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a thread hung"
        if "error" in outcome:
            raise outcome["error"]


def race_a_sale(variant: ProductVariant, seller_save) -> object:
    """Place an order for ``SOLD`` units and, while its transaction is still open, run
    ``seller_save`` (in another connection); commit the order once the save waits for it.
    Returns what ``seller_save`` returned."""
    buyer = UserFactory()
    placed, release = threading.Event(), threading.Event()

    def sell():
        with transaction.atomic():
            place(buyer, (variant, SOLD))
            placed.set()
            release.wait(timeout=30)

    with in_thread(sell):
        assert placed.wait(timeout=30)
        with in_thread(seller_save) as saved:
            try:
                wait_until_someone_waits_for_a_lock()
            finally:
                release.set()
    assert OrderLine.objects.filter(variant=variant).count() == 1
    return saved.get("result")


# --- The four ways a seller saves a variant -----------------------------------------------


def test_a_price_saved_on_the_product_page_keeps_the_units_sold_meanwhile(seller, variant):
    # given: the seller has the product open, 5 in stock, and changes the price
    url = admin_url(Product, "change", variant.product.pk)
    data = form_data(seller.get(url))
    assert data["variants-0-stock"] == data["variants-0-stock_seen"] == str(STOCK)
    data["variants-0-price"] = "140000"
    # when: a shopper buys 2 while the seller saves
    response = race_a_sale(variant, lambda: seller.post(url, data))
    # then
    assert response.status_code == 302, response.context and response.context["errors"]
    variant.refresh_from_db()
    assert (variant.price, variant.stock) == (14_000_000, STOCK - SOLD)


def test_a_price_saved_in_the_variant_list_keeps_the_units_sold_meanwhile(seller, variant):
    # given: the variant list, its row as the page shows it, with a new price
    page = seller.get(admin_url(ProductVariant, "changelist"))
    row = page.context["cl"].formset.forms[0]
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(variant.pk),
        "form-0-price": "140000",
        "form-0-stock": str(row["stock"].value()),
        "form-0-stock_seen": str(row["stock"].value()),
        "_save": "Save",
    }
    # when
    response = race_a_sale(variant, lambda: seller.post(admin_url(ProductVariant, "changelist"), data))
    # then
    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.price, variant.stock) == (14_000_000, STOCK - SOLD)


def test_a_price_saved_on_the_variants_own_page_keeps_the_units_sold_meanwhile(seller, variant):
    # given: the variant's own change page, with a new price
    url = admin_url(ProductVariant, "change", variant.pk)
    form = seller.get(url).context["adminform"].form
    data = {
        "sku": variant.sku,
        "options-name": ["Size"],
        "options-value": ["250 g"],
        "price": "140000",
        "compare_at_price": "",
        "stock": str(form["stock"].value()),
        "stock_seen": str(form["stock"].value()),
        "position": "0",
    }
    # when
    response = race_a_sale(variant, lambda: seller.post(url, data))
    # then
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    variant.refresh_from_db()
    assert (variant.price, variant.stock, variant.options) == (14_000_000, STOCK - SOLD, {"Size": "250 g"})


def exported_variants(seller) -> list[dict]:
    """The seller's variants exported as CSV, every column ticked (as the export page offers)."""
    columns = VariantResource().get_export_order()
    data = {"format": "0", "resource": "0", **{f"variantresource_{column}": "on" for column in columns}}
    response = seller.post(admin_url(ProductVariant, "export"), data)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def import_variants(seller, rows: list[dict]):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("variants.csv", buffer.getvalue().encode(), content_type="text/csv")
    preview = seller.post(admin_url(ProductVariant, "import"), {"resource": "0", "format": "0", "import_file": upload})
    confirm_form = preview.context.get("confirm_form")
    if confirm_form is None:
        return preview
    return seller.post(admin_url(ProductVariant, "process_import"), confirm_form.initial, follow=True)


def test_a_price_imported_from_a_csv_keeps_the_units_sold_meanwhile(seller, variant):
    # given: an export, 5 in stock, edited for a new price
    rows = exported_variants(seller)
    assert (rows[0]["stock"], rows[0]["stock_seen"]) == (str(STOCK), str(STOCK))
    rows[0]["price"] = "140000"
    # when
    response = race_a_sale(variant, lambda: import_variants(seller, rows))
    # then
    assert "Import finished: 0 new, 1 updated" in response.content.decode()
    variant.refresh_from_db()
    assert (variant.price, variant.stock) == (14_000_000, STOCK - SOLD)


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def variant_api_url(variant: ProductVariant) -> str:
    return f"/api/v1/products/{variant.product.slug}/variants/{variant.pk}/"


def test_a_price_patched_through_the_api_keeps_the_units_sold_meanwhile(variant):
    # given
    client = api_client(variant.store.owner)
    # when: the seller's PATCH reads the variant while the order is still being placed
    response = race_a_sale(
        variant, lambda: client.patch(variant_api_url(variant), {"price": 14_000_000}, format="json")
    )
    # then
    assert response.status_code == 200, response.json()
    assert response.json()["stock"] == STOCK - SOLD
    variant.refresh_from_db()
    assert (variant.price, variant.stock) == (14_000_000, STOCK - SOLD)


# --- A stock figure from before the sale is refused; a relative change is applied ----------


def test_a_stock_figure_typed_on_a_page_opened_before_a_sale_is_refused_then_accepted(seller, variant):
    # given: the page is open at 5; the seller counts the shelf and types 9
    url = admin_url(Product, "change", variant.product.pk)
    data = form_data(seller.get(url))
    data["variants-0-stock"] = "9"
    # when: a shopper buys 2 meanwhile
    refused = race_a_sale(variant, lambda: seller.post(url, data))
    # then: the save is refused with the figures, and the form shown again starts from 3
    assert refused.status_code == 200
    errors = str(refused.context["inline_admin_formsets"][0].formset.errors)
    assert "The stock changed from 5 to 3 since you opened it" in errors
    variant.refresh_from_db()
    assert variant.stock == STOCK - SOLD
    assert f'name="variants-0-stock_seen" value="{STOCK - SOLD}"' in refused.content.decode()
    # when: the seller checks and saves again
    data["variants-0-stock_seen"] = str(STOCK - SOLD)
    accepted = seller.post(url, data)
    # then
    assert accepted.status_code == 302
    variant.refresh_from_db()
    assert variant.stock == 9


def test_an_api_stock_figure_read_before_a_sale_is_refused(variant):
    # given: the seller's client read 5
    client = api_client(variant.store.owner)
    seen = client.get(variant_api_url(variant)).json()["stock"]
    # when: it sets 9 from that figure after a sale, then without saying what it saw
    refused = race_a_sale(
        variant, lambda: client.patch(variant_api_url(variant), {"stock": 9, "stock_seen": seen}, format="json")
    )
    unsaid = client.patch(variant_api_url(variant), {"stock": 9}, format="json")
    # then
    assert refused.status_code == 400
    assert "The stock changed from 5 to 3" in refused.json()["stock"][0]
    assert unsaid.status_code == 400
    variant.refresh_from_db()
    assert variant.stock == STOCK - SOLD


def test_relative_stock_changes_add_to_the_stock_after_the_sale(seller, variant):
    # given: 10 units received, entered in an export and through the API
    rows = exported_variants(seller)
    rows[0]["stock_change"] = "10"
    client = api_client(variant.store.owner)
    # when
    imported = race_a_sale(variant, lambda: import_variants(seller, rows))
    patched = client.patch(variant_api_url(variant), {"stock_change": -1}, format="json")
    # then
    assert "Import finished: 0 new, 1 updated" in imported.content.decode()
    assert patched.status_code == 200
    variant.refresh_from_db()
    assert variant.stock == STOCK - SOLD + 10 - 1


def test_a_seller_cannot_edit_another_stores_variant_stock_through_the_api(variant):
    other = VariantFactory(product=ProductFactory(store=StoreFactory(), status="active"), stock=4)
    response = api_client(variant.store.owner).patch(variant_api_url(other), {"stock_change": 5}, format="json")
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.stock == 4
