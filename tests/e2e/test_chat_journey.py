"""Selling in the chat, in two real browsers against a daphne process serving shop.asgi (pages
and /ws/chat/ in one server, as `make run` does; the in-memory channel layer, as in
test_live_chat.py, so the test needs no Redis and runs the same with or without REDIS_URL).

A shopper opens a product and taps "Chat with the seller", and asks; the seller, whose inbox
is open, sees the chat arrive without a reload, opens it, answers with a quick reply (the
buyer's name filled in) and sends an offer (a special price under the list price, its own
shipping); the shopper sees both arrive live, taps "Buy", adds a shipping address on the way
and places the order by bank transfer at the offer's price; the order's card appears in the
seller's open thread live, and in the shopper's thread when they come back to it.

No page may log an error to the console (a Content-Security-Policy violation, a script
error). Every wait is one of Playwright's: nothing sleeps.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from catalog.models import ProductVariant
from chat.models import Conversation, Message, Offer, QuickReply
from checkout.models import Order, OrderStatus, PaymentMethod
from tests.asgi_server import running_daphne
from tests.celery_worker import shared_database
from tests.e2e.conftest import signed_in
from tests.factories import CheckoutSettingsFactory, ProductFactory, StoreFactory, UserFactory, VariantFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("patient_expect")]

STORE_NAME = "Toko Batik Sari"
PRODUCT_TITLE = "Batik Tulis Parang"
LIST_PRICE = 35_000_000  # IDR350,000 in minor units
OFFER_PRICE = 30_000_000  # IDR300,000: the seller's special price
QUANTITY = 2
OFFER_SHIPPING = 1_500_000  # IDR15,000: the offer's own shipping (the store's rate would be free here)
STOCK = 5
QUESTION = "Kak, ready 2 pcs? Bisa kurang harganya?"
QUICK_REPLY = "Halo kak {buyer_name}, ready stok ya. Saya kirim harga spesial di bawah."


class ConsoleErrors:
    """Every error a context's pages logged to the console or threw (CSP violations are
    console errors too, and the context's own CSPWatch names them)."""

    def __init__(self, context):
        self.errors: list[str] = []
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.errors.append(f"uncaught: {error.error}"))

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"{message.page.url if message.page else ''}: {message.text}")

    def assert_none(self, who: str) -> None:
        assert not self.errors, f"console errors in the {who}'s browser:\n" + "\n".join(self.errors)


def idr(minor_units: int) -> str:
    """How the site shows an amount of rupiah in English (IDR has no shown decimals)."""
    assert minor_units % 100 == 0
    return f"IDR{minor_units // 100:,}"


def live(page: Page) -> None:
    """Until the page's chat socket is open: events reach it from now on (and a page is never
    left while its socket is still connecting, which Chromium logs as an error)."""
    expect(page.locator("[data-chat-connected]")).to_have_count(1)


def mark(page: Page) -> None:
    page.evaluate("window.__notReloaded = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__notReloaded") is True, "the page was reloaded"


def test_a_shopper_asks_gets_a_quick_reply_and_an_offer_and_buys_it_in_the_chat(browser, tmp_path):
    # given a store that takes bank transfers (and ships free from IDR500,000), its product,
    # a quick reply with the buyer's name in it, and a shopper with no saved address
    store = StoreFactory(name=STORE_NAME)
    CheckoutSettingsFactory(store=store)
    product = ProductFactory(store=store, title=PRODUCT_TITLE)
    variant = VariantFactory(product=product, price=LIST_PRICE, stock=STOCK)
    QuickReply.objects.create(store=store, shortcut="ready", text=QUICK_REPLY)
    shopper = UserFactory(first_name="Dewi", last_name="Lestari")
    greeting = QUICK_REPLY.replace("{buyer_name}", "Dewi Lestari")
    offer_total = OFFER_PRICE * QUANTITY + OFFER_SHIPPING

    with (
        shared_database(tmp_path) as database_url,
        running_daphne(database_url=database_url, log_path=tmp_path / "daphne.log") as base_url,
    ):
        seller_context = signed_in(browser, base_url, store.owner)
        shopper_context = signed_in(browser, base_url, shopper)
        seller_console, shopper_console = ConsoleErrors(seller_context), ConsoleErrors(shopper_context)
        try:
            # the seller has their inbox open (no chat yet), connected
            seller = seller_context.new_page()
            seller.goto("/chat/store/")
            expect(seller.get_by_role("heading", name="Your store's chats", level=1)).to_be_visible()
            expect(seller.locator(".chat-list")).to_contain_text("No chats yet.")
            badge = seller.locator("[data-chat-unread]")
            expect(badge).to_be_hidden()
            live(seller)
            mark(seller)

            # when the shopper opens the product and taps "Chat with the seller"
            shopper_page = shopper_context.new_page()
            shopper_page.goto(product.get_absolute_url())
            expect(shopper_page.get_by_role("heading", name=PRODUCT_TITLE, level=1)).to_be_visible()
            live(shopper_page)
            shopper_page.get_by_role("button", name=f"Chat with the seller {STORE_NAME}").click()
            # then their thread with the store opens
            expect(shopper_page).to_have_url(re.compile(r"/chat/\d+/$"))
            expect(shopper_page.get_by_role("heading", name=STORE_NAME, level=1)).to_be_visible()
            chat = Conversation.objects.get(store=store, shopper=shopper)
            live(shopper_page)

            # when they ask
            composer = shopper_page.get_by_role("textbox", name="Message")
            composer.fill(QUESTION)
            shopper_page.get_by_role("button", name="Send", exact=True).click()
            # then the question shows in their thread after the product's card, the box emptied
            thread = shopper_page.locator("#chat-messages")
            expect(thread.locator(".chat-message--mine").last).to_contain_text(QUESTION)
            expect(thread.locator(".chat-message--context")).to_contain_text(PRODUCT_TITLE)
            expect(composer).to_have_value("")
            mark(shopper_page)

            # and the seller's open inbox shows the chat, unread (the product card and the
            # question), and counts it in the header, without a reload
            row = seller.locator(".chat-list__row--unread")
            expect(row).to_contain_text("Dewi Lestari")
            expect(row).to_contain_text(QUESTION)
            expect(row.locator(".chat-list__badge")).to_have_text("2 unread")
            expect(badge).to_have_text("2")
            assert_not_reloaded(seller)

            # when the seller opens the chat
            row.get_by_role("link").click()
            expect(seller).to_have_url(re.compile(rf"/chat/{chat.pk}/$"))
            seller_thread = seller.locator("#chat-messages")
            expect(seller_thread.locator(".chat-message--theirs").last).to_contain_text(QUESTION)
            live(seller)
            mark(seller)
            # and answers with the quick reply "/ready"
            seller.get_by_text("Quick replies", exact=True).click()
            seller.get_by_role("button", name=re.compile(r"^\/ready ")).click()
            # then it is sent with the shopper's name filled in (in place, no reload)
            expect(seller_thread.locator(".chat-message--mine").last).to_contain_text(greeting)
            assert_not_reloaded(seller)
            # and it appears in the shopper's open thread without a reload
            expect(thread.locator(".chat-message--theirs").last).to_contain_text(greeting)
            assert_not_reloaded(shopper_page)

            # when the seller sends an offer: 2 at a special price, with its own shipping
            seller.get_by_text("Send an offer", exact=True).click()
            offer_form = seller.locator("form").filter(has=seller.get_by_role("button", name="Send offer"))
            line = offer_form.get_by_role("group", name="Product 1")
            line.get_by_role("combobox").select_option(label=PRODUCT_TITLE)
            line.get_by_label("Quantity").fill(str(QUANTITY))
            line.get_by_label("Special price (optional)").fill(str(OFFER_PRICE // 100))
            offer_form.get_by_label("Shipping", exact=True).fill(str(OFFER_SHIPPING // 100))
            offer_form.get_by_label("Valid for").select_option(label="1 day")
            offer_form.get_by_label("Note", exact=True).fill("Harga spesial untuk kak Dewi")
            offer_form.get_by_role("button", name="Send offer").click()
            # then the seller is back on the thread (the form is a plain post: a new page), with
            # the offer in it
            expect(seller).to_have_url(re.compile(rf"/chat/{chat.pk}/#composer$"))
            expect(seller_thread.locator(".chat-offer")).to_contain_text("Personal offer")
            expect(seller_thread.locator(".chat-offer").get_by_role("button", name="Withdraw")).to_be_visible()
            offer = Offer.objects.get(conversation=chat)
            assert list(offer.lines.values_list("variant_id", "quantity", "unit_price")) == [
                (variant.pk, QUANTITY, OFFER_PRICE)
            ]
            assert offer.shipping == OFFER_SHIPPING and offer.discount == 0

            # and the shopper sees the offer card arrive without a reload, at the offer's price
            card = thread.locator(".chat-offer")
            expect(card).to_contain_text(f"{PRODUCT_TITLE} × {QUANTITY}")
            expect(card.locator("strong").filter(has_text=idr(OFFER_PRICE))).to_be_visible()
            expect(card.locator("s")).to_have_text(idr(LIST_PRICE))
            expect(card.locator(".chat-offer__terms")).to_contain_text(f"Shipping: {idr(OFFER_SHIPPING)}")
            expect(thread.locator(".chat-message--offer")).to_contain_text("Harga spesial untuk kak Dewi")
            assert_not_reloaded(shopper_page)

            # the seller stays on the thread, connected
            live(seller)
            mark(seller)

            # when the shopper taps "Buy"
            card.get_by_role("link", name="Buy").click()
            # then the offer's checkout prices it at the offer's terms
            expect(shopper_page).to_have_url(re.compile(rf"/checkout/\?source=offer:{offer.pk}$"))
            expect(shopper_page.get_by_role("heading", name="Your personal offer", level=1)).to_be_visible()
            lines = shopper_page.locator(".checkout-line")
            expect(lines).to_have_count(1)
            expect(lines.first.locator(".checkout-line__quantity")).to_have_text(f"{QUANTITY} × {idr(OFFER_PRICE)}")
            summary = shopper_page.get_by_role("region", name="Summary")
            expect(summary.locator(".checkout-summary__total dd")).to_have_text(idr(offer_total))
            expect(summary.get_by_role("button", name="Place order")).to_be_disabled()  # no address yet

            # when they add a shipping address from it
            live(shopper_page)
            shopper_page.get_by_role("link", name="Add an address").click()
            expect(shopper_page.get_by_role("heading", name="New address", level=1)).to_be_visible()
            shopper_page.get_by_label("Label").fill("Rumah")
            shopper_page.get_by_label("Recipient").fill("Dewi Lestari")
            shopper_page.get_by_label("Phone").fill("0812 3456 7890")
            shopper_page.get_by_label("Street address").fill("Jl. Kaliurang Km 5 No. 12")
            shopper_page.get_by_label("District (kecamatan)").fill("Depok")
            shopper_page.get_by_label("City or regency").fill("Sleman")
            shopper_page.get_by_label("Province").select_option("DI Yogyakarta")
            shopper_page.get_by_label("Postal code").fill("55281")
            live(shopper_page)
            shopper_page.get_by_role("button", name="Save address").click()
            # then they are back on the offer's checkout, with the address chosen
            expect(shopper_page).to_have_url(re.compile(rf"/checkout/\?source=offer:{offer.pk}$"))
            expect(shopper_page.get_by_role("heading", name="Your personal offer", level=1)).to_be_visible()
            addresses = shopper_page.get_by_role("group", name="Ship to")
            expect(addresses.get_by_role("radio", name=re.compile(r"^Rumah"))).to_be_checked()

            # when they choose a bank transfer and place the order
            methods = shopper_page.get_by_role("group", name="Payment method")
            methods.get_by_role("radio", name=re.compile(r"^Bank transfer")).check()
            expect(methods.get_by_role("radio", name=re.compile(r"^Bank transfer"))).to_be_checked()
            # (the summary, re-priced for the method, says a unique code is added)
            expect(summary.get_by_text(re.compile(r"^A bank transfer adds a unique code"))).to_be_visible()
            expect(summary.locator(".checkout-summary__total dd")).to_have_text(idr(offer_total))
            live(shopper_page)
            summary.get_by_role("button", name="Place order").click()

            # then the thank-you page shows the order at the offer's price (plus the transfer's
            # unique code of a few rupiah), never the list price
            thanks = shopper_page.get_by_role("heading", name="Thank you! Your order is placed.", level=1)
            expect(thanks).to_be_visible()
            order = Order.objects.get(buyer=shopper)
            placed = shopper_page.locator(".placed-order")
            expect(placed.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
            expect(placed.locator(".placed-order__store")).to_contain_text(f"Total: {idr(order.total)}")
            expect(placed.locator(".transfer-amount")).to_have_text(idr(order.total))
            assert order.store == store
            assert order.payment_method == PaymentMethod.BANK_TRANSFER
            assert order.status == OrderStatus.PENDING_PAYMENT
            assert list(order.lines.values_list("variant_id", "quantity", "unit_price")) == [
                (variant.pk, QUANTITY, OFFER_PRICE)
            ]
            assert (order.subtotal, order.shipping, order.discount) == (OFFER_PRICE * QUANTITY, OFFER_SHIPPING, 0)
            assert 0 < order.unique_code < 100_000
            assert order.total == offer_total + order.unique_code
            assert order.ship_recipient == "Dewi Lestari" and order.ship_city == "Sleman"
            offer.refresh_from_db()
            assert offer.status == Offer.Status.ACCEPTED and offer.order_id == order.pk
            assert ProductVariant.objects.get(pk=variant.pk).stock == STOCK - QUANTITY

            # and the order's card arrives in the seller's open thread without a reload, with
            # its number and the button to confirm the transfer
            order_card = seller_thread.locator(".chat-order")
            expect(order_card).to_contain_text(order.number)
            expect(order_card).to_contain_text("Awaiting payment")
            expect(order_card.get_by_role("button", name="Confirm the transfer")).to_be_visible()
            assert_not_reloaded(seller)
            assert Message.objects.filter(conversation=chat, kind=Message.Kind.ORDER, order=order).count() == 1

            # when the shopper goes back to their chats from the header and opens the store's
            live(shopper_page)
            shopper_page.get_by_role("link", name=re.compile(r"^Chats")).click()
            expect(shopper_page).to_have_url(re.compile(r"/chat/$"))
            shopper_page.locator(".chat-list__row").filter(has_text=STORE_NAME).get_by_role("link").click()
            expect(shopper_page).to_have_url(re.compile(rf"/chat/{chat.pk}/$"))
            # then their thread shows the order's card (a link to the order) and the offer as bought
            thread = shopper_page.locator("#chat-messages")
            shopper_card = thread.locator(".chat-order")
            expect(shopper_card.get_by_role("link", name=order.number, exact=True)).to_have_attribute(
                "href", order.get_absolute_url()
            )
            expect(shopper_card).to_contain_text("Awaiting payment")
            expect(thread.locator(".chat-offer")).to_contain_text(f"Bought: order {order.number}")
            expect(thread.locator(".chat-offer").get_by_role("link", name="Buy")).to_have_count(0)
            live(shopper_page)
            live(seller)
        finally:
            seller_context.close()
            shopper_context.close()
    seller_context.csp.assert_none()
    shopper_context.csp.assert_none()
    seller_console.assert_none("seller")
    shopper_console.assert_none("shopper")
