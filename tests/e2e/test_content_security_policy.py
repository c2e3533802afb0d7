"""The back office and the API docs work under the site's Content-Security-Policy. (Every
browser test fails on a violation: see ``CSPWatch`` in conftest.py; these visit the pages
that no shopper's journey does.)"""

from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory, buyable_variant, place


def test_the_api_docs_render_under_the_policy(page):
    # when
    page.goto("/api/docs/")
    # then Swagger UI started (its start-up script is a file) and shows the operations
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Etalase")
    expect(page.locator(".opblock").first).to_be_visible()


def test_the_back_office_works_under_the_policy(page):
    # given staff, a product and an order
    UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    variant = buyable_variant()
    place(UserFactory(), (variant, 1))
    page.goto("/admin/")
    page.get_by_label("Email").fill("staff@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign In").click()
    expect(page.locator("#site-name")).to_be_visible()
    # when they open the lists and forms they work with (with their scripts: inlines,
    # select boxes, date pickers, actions)
    for url in (
        "/admin/catalog/product/",
        f"/admin/catalog/product/{variant.product.pk}/change/",
        "/admin/catalog/product/add/",
        "/admin/checkout/order/",
        "/admin/social/review/",
        "/admin/auth/group/add/",
    ):
        page.goto(url)
        expect(page.locator("#content")).to_be_visible()
    # then (the page fixture's check) no page broke the policy; and the admin's own scripts ran
    page.goto("/admin/catalog/product/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("selected")
