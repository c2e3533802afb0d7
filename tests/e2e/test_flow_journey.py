"""A seller's welcome series, in a real browser, with a test to a real SMTP server.

From their customers the seller opens the automatic emails, switches the welcome series on,
opens it, changes its first email's subject, checks the preview and sends a test to themself:
the test arrives at an aiosmtpd server the test starts (Django's SMTP backend, as in
production), with the new subject and a working link to the shop; a person who then joins
the list enters the flow.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from marketing.flow_models import Enrolment, Flow
from tests.e2e.conftest import signed_in
from tests.e2e.test_campaign_journey import smtp, text_of  # noqa: F401 (the SMTP server fixture)
from tests.factories import StoreFactory, buyable_variant
from tests.marketing.campaign_helpers import mailable_contact

SUBJECT = "Selamat datang di Batik Sekar, sahabat baru"


def test_a_seller_switches_the_welcome_series_on_changes_its_first_email_and_tests_it(
    browser,
    live_server,
    settings,
    smtp,  # noqa: F811 (the fixture imported above)
    django_capture_on_commit_callbacks,
):
    # given a store with a product (made without the shop's opening: its flows are not set up)
    settings.DEBUG = False
    settings.SITE_URL = live_server.url
    store = StoreFactory(name="Batik Sekar")
    buyable_variant(store=store, price=12_500_000)
    seller = store.owner
    context = signed_in(browser, live_server.url, seller)
    page = context.new_page()
    try:
        # when the seller goes from their customers to the automatic emails
        page.goto("/customers/")
        page.get_by_role("link", name="Automatic emails").click()
        # and sets them up (opening the page made nothing)
        expect(page.locator(".flow-card")).to_have_count(0)
        page.get_by_role("button", name="Set up the automatic emails").click()
        expect(page.get_by_text("Your automatic emails are ready. Each is off until you switch it on.")).to_be_visible()
        expect(page.locator(".flow-card")).to_have_count(6)
        welcome = page.locator("#flow-welcome")
        expect(welcome.locator(".pill")).to_have_text("Off")
        # and switches the welcome series on
        page.get_by_role("button", name="Switch on Welcome series").click()
        expect(page.get_by_text("“Welcome series” is on.")).to_be_visible()
        expect(welcome.locator(".pill")).to_have_text("On")

        # when they open it and change its first email's subject
        welcome.get_by_role("link", name="Welcome series").click()
        expect(page.locator("#flow-state")).to_have_text("On")
        page.get_by_role("link", name="Change email 1").click()
        page.get_by_role("textbox", name=re.compile(r"^Subject")).fill(SUBJECT)
        page.get_by_role("button", name="Save and preview").click()
        expect(page.get_by_text("Saved. Check the preview and send yourself a test.")).to_be_visible()
        expect(page.frame_locator("iframe.campaign-preview").get_by_text("Thank you for joining us.")).to_be_visible()

        # and send a test to themself
        page.get_by_role("button", name="Send a test to myself").click()
        expect(page.get_by_text(f"A test was sent to {seller.email}")).to_be_visible()

        # then it arrived once, with the new subject and a link to the shop that works
        [test] = smtp.to(seller.email, SUBJECT)
        assert test["Subject"] == f"[Test] {SUBJECT}"
        assert "Batik Sekar" in test["From"]
        body = text_of(test)
        assert "Thank you for joining us." in body
        shop_link = f"{live_server.url}{store.get_absolute_url()}"
        assert shop_link in body
        page.goto(shop_link)
        expect(page.get_by_role("heading", name="Batik Sekar").first).to_be_visible()
    finally:
        context.close()
    context.csp.assert_none()
    flow = Flow.objects.get(store=store, kind=Flow.Kind.WELCOME)
    assert flow.enabled and flow.steps.order_by("position").first().subject == SUBJECT
    # and a person who joins the list now enters the welcome series
    with django_capture_on_commit_callbacks(execute=True):
        contact = mailable_contact(store, "ayu@example.com")
    assert Enrolment.objects.filter(flow=flow, contact=contact, state=Enrolment.State.ACTIVE).exists()
