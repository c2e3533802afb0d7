"""The seller's product form on a laptop (1366 px) and a phone (390 px): the page never
scrolls sideways, and a variant's options are edited as name and value rows."""

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Product
from tests.factories import PASSWORD, ProductFactory, StoreFactory, VariantFactory

SCREENS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def product() -> Product:
    store = StoreFactory(name="Kue Kering Bu Wati")
    product = ProductFactory(store=store, title="Nastar Premium Wisman Selai Nanas Asli", status="active")
    sizes = [("250 g", 135_000, 0), ("500 g", 250_000, 4), ("1 kg", 460_000, 2)]
    for position, (size, price, stock) in enumerate(sizes):
        VariantFactory(
            product=product,
            sku=f"NASTAR-WISMAN-TOPLES-{position}",
            options={"Size": size, "Packaging": "Toples kaca premium"},
            price=price * 100,
            compare_at_price=(price + 20_000) * 100,
            stock=stock,
            position=position,
        )
    return product


def open_product_form(browser, live_server, product: Product, screen: dict) -> Page:
    context = browser.new_context(base_url=live_server.url, viewport=screen, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"/admin/catalog/product/{product.pk}/change/")
    # /admin/ sends the seller to the site's sign-in page, and back.
    page.get_by_label("Email").fill(product.store.owner.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("group", name="Variants")).to_be_visible()
    return page


def assert_no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        " wide: [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)})"
    )
    assert widths["scroll"] <= widths["inner"], widths


@pytest.mark.parametrize("screen", SCREENS.values(), ids=SCREENS.keys())
def test_the_product_form_fits_the_screen_and_edits_options_as_rows(browser, live_server, product, screen):
    # given: the seller opens a product with three variants
    page = open_product_form(browser, live_server, product, screen)
    assert_no_sideways_scroll(page)
    variants = page.get_by_role("group", name="Variants")
    first = variants.locator("tr.form-row").first
    # when: they change a value, remove an option and add one, through the option editor
    first.get_by_role("textbox", name="Option value").first.fill("300 g")
    first.get_by_role("button", name="Remove this option").nth(1).click()
    first.get_by_role("button", name="Add option").click()
    first.get_by_role("textbox", name="Option name").last.fill("Flavour")
    first.get_by_role("textbox", name="Option value").last.fill("Keju")
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name="Save and continue editing").click()
    # then
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    assert_no_sideways_scroll(page)
    variant = product.variants.order_by("position").first()
    assert variant.options == {"Size": "300 g", "Flavour": "Keju"}
    assert variant.stock == 0


def test_the_option_editor_refuses_a_name_given_twice(browser, live_server, product):
    # given
    page = open_product_form(browser, live_server, product, SCREENS["phone"])
    first = page.get_by_role("group", name="Variants").locator("tr.form-row").first
    # when
    first.get_by_role("textbox", name="Option name").nth(1).fill("size")
    page.get_by_role("button", name="Save and continue editing").click()
    # then
    expect(page.get_by_text("The option “size” is given twice.")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert product.variants.order_by("position").first().options == {
        "Size": "250 g",
        "Packaging": "Toples kaca premium",
    }
