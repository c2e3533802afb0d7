"""A seller's campaign, in a real browser, to a real SMTP server.

The seller builds the segment "follows but never bought" (its count shown live as the box is
ticked), writes a campaign with two product cards at their live prices for it, checks the
preview, sends a test to themself, then sends it. The emails travel through Django's SMTP
backend (tasks run in the server's process, as without a broker) to an aiosmtpd server the
test starts; the follower gets exactly one email, the buyer and the subscriber who does not
follow none; its product link, followed in the browser, goes through the signed click
redirect to the product's page, and the report counts the click.
"""

from __future__ import annotations

import asyncio
import email
import re
import threading
from email import policy

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from marketing.campaign_models import Campaign
from social.services import follow, profile_for_store
from tests.e2e.conftest import signed_in
from tests.factories import StoreFactory, UserFactory, buyable_variant
from tests.marketing.campaign_helpers import mailable_contact
from tests.marketing.helpers import paid_order
from tests.ports import free_low_port

SUBJECT = "Batik baru untuk Anda"
PHONE_BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
)


class Inbox:
    """What the SMTP server accepted: (recipients, parsed message)."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(
                (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=policy.default))
            )
        return "250 Message accepted for delivery"

    def to(self, address: str, subject: str = SUBJECT) -> list[email.message.EmailMessage]:
        """The emails to ``address`` whose subject holds ``subject`` (the people were mailed
        before: their confirmation links, the seller's notifications)."""
        with self.lock:
            return [message for rcpt, message in self.messages if address in rcpt and subject in message["Subject"]]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = free_low_port("the SMTP server")
    controller = Controller(inbox, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_seller_sends_a_campaign_with_two_product_cards_to_followers_who_never_bought(
    browser, live_server, settings, smtp
):
    # given a store with two products (and a third it does not show), and three people who
    # agreed to its emails: a follower who never bought, a follower who bought, a subscriber
    settings.DEBUG = False
    settings.SITE_URL = live_server.url
    store = StoreFactory(name="Batik Sekar")
    scarf = buyable_variant(store=store, price=12_500_000).product
    cloth = buyable_variant(store=store, price=30_000_000).product
    scarf.title, cloth.title = "Selendang Sutra", "Kain Batik Tulis"
    scarf.save(update_fields=["title"])
    cloth.save(update_fields=["title"])
    follower, buyer = UserFactory(), UserFactory()
    mailable_contact(store, "follower@example.com", user=follower, name="Fitri")
    mailable_contact(store, "buyer@example.com", user=buyer, name="Bayu")
    mailable_contact(store, "subscriber@example.com", name="Sari")
    for person in (follower, buyer):
        follow(follower=person, profile=profile_for_store(store=store))
    paid_order(buyer, store)
    seller = store.owner
    context = signed_in(browser, live_server.url, seller)
    page = context.new_page()
    try:
        # when the seller goes from their customers to the campaigns and builds the segment
        page.goto("/customers/")
        page.get_by_role("link", name="Campaigns").click()
        expect(page.get_by_text("No campaigns yet.")).to_be_visible()
        page.get_by_role("link", name="Segments").click()
        page.get_by_role("link", name="Build a segment").click()
        expect(page.locator("#audience-count")).to_have_text("3 people will get this email")
        page.get_by_label("Follows the store but never bought").check()
        # then the count follows the box, live
        expect(page.locator("#audience-count")).to_have_text("1 person will get this email")
        page.get_by_label("Name").fill("Followers who never bought")
        page.get_by_role("button", name="Save the segment").click()
        expect(page.get_by_text("Followers who never bought")).to_be_visible()

        # when they write the campaign for it, with two product cards
        page.get_by_role("link", name="All campaigns").click()
        page.get_by_role("link", name="New campaign").click()
        page.get_by_role("textbox", name=re.compile(r"^Subject")).fill("Batik baru untuk Anda")
        page.get_by_label("Preheader").fill("Hanya minggu ini")
        page.get_by_label("Send to").select_option(label="Followers who never bought")
        expect(page.locator("#audience-count")).to_have_text("1 person will get this email")
        page.get_by_role("textbox", name=re.compile(r"^Text:?$")).fill("Halo! Koleksi baru sudah datang.")
        page.get_by_label(re.compile("Selendang Sutra")).check()
        page.get_by_label(re.compile("Kain Batik Tulis")).check()
        expect(page.get_by_label(re.compile("Selendang Sutra"))).to_have_accessible_name(re.compile("125"))
        page.get_by_role("button", name="Save and preview").click()

        # then the campaign page shows who gets it and the email itself
        expect(page.locator("#campaign-state")).to_have_text("Draft")
        preview = page.frame_locator("iframe.campaign-preview")
        expect(preview.get_by_text("Selendang Sutra")).to_be_visible()
        expect(preview.get_by_text("Kain Batik Tulis")).to_be_visible()

        # when they send a test to themself
        page.get_by_role("button", name="Send a test to myself").click()
        expect(page.get_by_text(f"A test was sent to {seller.email}")).to_be_visible()
        # then it arrived, and nobody else got anything
        [test] = smtp.to(seller.email)
        assert test["Subject"] == "[Test] Batik baru untuk Anda"
        assert not smtp.to("follower@example.com")

        # when they send it
        page.get_by_role("button", name="Send now to 1 person").click()
        expect(page.locator("#campaign-state")).to_have_text("Sent")
        expect(page.locator('[data-figure="sent"]')).to_have_text("1")

        # then the follower who never bought got it once, the others not at all
        [sent] = smtp.to("follower@example.com")
        assert not smtp.to("buyer@example.com") and not smtp.to("subscriber@example.com")
        assert sent["Subject"] == "Batik baru untuk Anda"
        assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        body = text_of(sent)
        assert "Selendang Sutra" in body and "Kain Batik Tulis" in body and "Fitri" in body
        clicks = re.findall(rf"{re.escape(live_server.url)}/m/c/[^\s]+/", body)
        assert len(clicks) >= 3  # the two cards and the store

        # and its product link, followed, leads through the click redirect to the product
        # (a phone's browser: headless Chromium names itself "HeadlessChrome", which the
        # click redirect takes for a link scanner and does not count)
        visitor = browser.new_context(base_url=live_server.url, user_agent=PHONE_BROWSER)
        try:
            reader = visitor.new_page()
            product_link = next(link for link in clicks if scarf.get_absolute_url() in _target(link))
            reader.goto(product_link)
            expect(reader).to_have_url(f"{live_server.url}{scarf.get_absolute_url()}")
            expect(reader.get_by_role("heading", name="Selendang Sutra")).to_be_visible()
        finally:
            visitor.close()
        page.reload()
        expect(page.locator('[data-figure="clicked"]')).to_have_text("1")
        assert Campaign.objects.get(store=store).state == Campaign.State.SENT
    finally:
        context.close()
    context.csp.assert_none()


def _target(click_link: str) -> str:
    """Where a click link leads (read from its signed token, as the redirect does)."""
    from marketing.campaign_models import Recipient
    from marketing.campaigns.content import link_target
    from marketing.campaigns.links import read_click_token

    recipient_id, key = read_click_token(click_link.rstrip("/").rsplit("/", 1)[1])
    return link_target(campaign=Recipient.objects.get(pk=recipient_id).campaign, key=key) or ""
