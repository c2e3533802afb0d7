"""A seller's first day and a shopper's first look, in a real browser.

Every step goes through the pages a person would use: the header links, allauth's sign-up
form, the open-store form, the admin's product form and its bulk actions, the storefront's
search. The ORM only builds what a seller cannot make (categories) and checks the results;
the variant picker's product comes from the factories.
"""

import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from catalog.models import Product, ProductImage, Store
from catalog.services import create_category
from shop.models import User
from tests.factories import ProductFactory, StoreFactory, VariantFactory

EMAIL = "sari@example.com"
USERNAME = "sari"
PASSWORD = "kain-tenun-1987-Sumba"
STORE_NAME = "Batik Sari Solo"
TITLE = "Batik Tulis Parang Kencana"
SLUG = "batik-tulis-parang-kencana"
ALT_TEXT = "A folded batik cloth with a brown parang pattern"


@pytest.fixture
def new_visitor(open_context):
    """Opens pages in fresh browser contexts: no cookies, so an anonymous visitor."""

    def open_page() -> Page:
        return open_context().new_page()

    return open_page


def url_path(path: str) -> re.Pattern:
    """Matches the live server's URL for ``path`` (with or without a query string)."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def sign_up(page: Page) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(url_path("/accounts/signup/"))

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(url_path("/"))
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(USERNAME)


def open_store(page: Page) -> None:
    page.get_by_role("navigation", name="Account").get_by_text(USERNAME, exact=True).click()
    page.get_by_role("link", name="Open a store").click()
    expect(page).to_have_url(url_path("/open-store/"))

    page.get_by_label(re.compile(r"^Name")).fill(STORE_NAME)
    page.get_by_label("Description").fill("Hand-drawn batik from Solo, made to order.")
    page.get_by_role("button", name="Open my store").click()

    expect(page).to_have_url(url_path("/admin/catalog/product/add/"))
    expect(page.get_by_text(f"Your store {STORE_NAME} is open")).to_be_visible()


def choose_category(page: Page, name: str) -> None:
    """Drives the admin's select2 autocomplete as a person does: open it, type, pick.

    select2 hides the labelled <select> and shows its own combobox, named after the
    current choice rather than the label, so the combobox is found beside the label: select2's
    own, which a person sees and clicks (the <select> is a combobox too until select2 has set
    it up, and once under a slow machine stayed one to the accessibility tree, covered by
    select2's: a click on it then never lands).
    """
    category_row = page.locator(".form-row", has=page.get_by_label("Category"))
    category_row.locator(".select2-container").get_by_role("combobox").click()
    page.keyboard.type(name[:4])  # into the search box select2 has just focused
    # Wait for the answer to what was typed (the list first shows every category),
    # so the click cannot land on a list that is being replaced.
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options).to_have_text(name)
    options.click()
    expect(category_row.locator(".select2-container").get_by_role("combobox")).to_contain_text(name)


def add_product(page: Page, *, category_name: str, photo_path) -> None:
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill("Hand-drawn with a canting over three weeks.\nCotton, 2 x 1.15 m.")
    # The slug is filled in from the title by the admin's own script.
    expect(page.get_by_label("Slug")).to_have_value(SLUG)
    choose_category(page, category_name)

    variant = page.get_by_role("group", name="Variants")
    variant.get_by_role("textbox", name="SKU").fill("BTK-PARANG-M")
    variant.get_by_role("textbox", name="Option name").fill("Size")
    variant.get_by_role("textbox", name="Option value").fill("M")
    variant.get_by_role("spinbutton", name="Price", exact=True).fill("150000")
    variant.get_by_role("spinbutton", name="Stock").fill("5")

    image = page.get_by_role("group", name="Product images")
    image.get_by_label("Image", exact=True).filter(visible=True).set_input_files(photo_path)
    image.get_by_role("textbox", name="Alt text").fill(ALT_TEXT)

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(url_path("/admin/catalog/product/"))
    expect(page.get_by_text(f"The product “{TITLE}” was added successfully.")).to_be_visible()


def publish(page: Page) -> None:
    page.get_by_role("checkbox", name=f"Select this object for an action - {TITLE}").check()
    page.get_by_role("combobox", name=re.compile(r"^Action")).select_option(label="Publish selected products")
    page.get_by_role("button", name="Go", exact=True).click()
    expect(page.get_by_text("1 product was published.")).to_be_visible()


def test_seller_signs_up_opens_a_store_publishes_a_product_and_a_shopper_finds_it(
    page, new_visitor, tmp_path, settings, mailoutbox
):
    # given: categories (only the platform makes them; the second one shows that the
    # autocomplete filters) and a photo on the seller's disk
    category = create_category(name="Batik")
    create_category(name="Keramik")
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    photo_path = tmp_path / "parang.jpg"
    Image.new("RGB", (800, 600), (120, 70, 30)).save(photo_path, format="JPEG", quality=90)

    # when: a visitor signs up, opens a store and adds a product in the back office
    sign_up(page)
    open_store(page)
    add_product(page, category_name=category.name, photo_path=photo_path)

    # then: the draft is not on show yet
    product = Product.objects.get(slug=SLUG)
    assert product.status == Product.Status.DRAFT
    early_visitor = new_visitor()
    response = early_visitor.goto(f"/p/{SLUG}/")
    assert response is not None and response.status == 404

    # when: the seller publishes it from the product list
    publish(page)

    # then: an anonymous shopper finds it through the search in the header
    shopper = new_visitor()
    shopper.goto("/")
    search = shopper.get_by_role("search")
    search.get_by_label("Search products").fill("parang kencana")
    search.get_by_role("button", name="Search").click()
    expect(shopper).to_have_url(url_path("/products/"))
    shopper.get_by_role("link", name=TITLE).click()

    expect(shopper).to_have_url(url_path(f"/p/{SLUG}/"))
    expect(shopper.get_by_role("heading", level=1)).to_have_text(TITLE)
    product_info = shopper.get_by_role("region", name=TITLE)
    expect(product_info.get_by_text("IDR150,000", exact=True)).to_be_visible()
    expect(product_info.get_by_role("link", name=STORE_NAME)).to_be_visible()
    # Media files are not served by the test server: the picture need not load, only be there,
    # showing the display rendition made when the seller saved it.
    picture = shopper.get_by_role("img", name=ALT_TEXT)
    expect(picture).to_have_attribute("src", re.compile(r"^/media/products/renditions/"))

    # and the database holds what the seller typed, in their own store
    user = User.objects.get(email=EMAIL)
    assert user.username == USERNAME
    assert [message.to for message in mailoutbox] == [[EMAIL]]  # the address confirmation
    store = Store.objects.get(owner=user)
    assert store.name == STORE_NAME
    product.refresh_from_db()
    assert product.store == store
    assert product.category == category
    assert product.status == Product.Status.ACTIVE
    assert product.published_at is not None
    variants = list(product.variants.all())
    assert [(v.sku, v.options, v.price, v.stock) for v in variants] == [("BTK-PARANG-M", {"Size": "M"}, 15_000_000, 5)]
    images = list(ProductImage.objects.filter(product=product))
    assert len(images) == 1
    assert images[0].alt_text == ALT_TEXT
    assert images[0].renditions_ready


def test_variant_picker_updates_price_and_stock_without_reloading(page):
    # given: a product in two sizes, the small one sold out
    product = ProductFactory(store=StoreFactory(name="Kopi Gayo Ayu"), title="Kopi Gayo Arabica", slug="kopi-gayo")
    VariantFactory(product=product, sku="KOPI-S", options={"Size": "S"}, price=7_500_000, stock=0)
    VariantFactory(product=product, sku="KOPI-M", options={"Size": "M"}, price=12_500_000, stock=4)

    page.goto("/p/kopi-gayo/")
    size = page.get_by_role("group", name="Size")
    buy_box = page.get_by_role("region", name=product.title)
    # The picker starts on the first size in stock.
    expect(size.get_by_role("radio", name="M", exact=True)).to_be_checked()
    expect(buy_box.get_by_text("IDR125,000", exact=True)).to_be_visible()
    expect(buy_box.get_by_text("In stock: 4", exact=True)).to_be_visible()
    page.evaluate("window.__marker = 1")

    # when: the shopper picks the small size
    # A person clicks the size's label: the radio itself is an invisible one-pixel box.
    size.get_by_text("S", exact=True).click()
    expect(size.get_by_role("radio", name="S", exact=True)).to_be_checked()

    # then: price and stock follow on the same page
    expect(buy_box.get_by_text("IDR75,000", exact=True)).to_be_visible()
    expect(buy_box.get_by_text("Sold out", exact=True)).to_be_visible()
    expect(buy_box.get_by_text("IDR125,000", exact=True)).to_have_count(0)

    # and back again
    size.get_by_text("M", exact=True).click()
    expect(buy_box.get_by_text("IDR125,000", exact=True)).to_be_visible()
    expect(buy_box.get_by_text("In stock: 4", exact=True)).to_be_visible()
    assert page.evaluate("window.__marker") == 1
