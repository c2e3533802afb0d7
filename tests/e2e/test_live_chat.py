"""Live chat in two browsers (a shopper and a seller) against a real daphne process serving
shop.asgi (pages and /ws/chat/ in one server, as `make run` does): each sees the other's
messages appear without a reload, "typing…", "Seen", and the header's unread badge and tab
title; no page breaks the Content-Security-Policy (its connect-src 'self' covers the
same-origin ws:// socket)."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.asgi_server import running_daphne
from tests.celery_worker import shared_database
from tests.chat.factories import conversation, say, store_says
from tests.e2e.conftest import signed_in
from tests.factories import StoreFactory, UserFactory, buyable_variant
from tests.ports import free_low_port

# Sets data-typing-shown on the body once "typing…" has been shown (it hides itself after 4 s).
NOTE_WHEN_TYPING_SHOWS = """() => {
  const note = document.getElementById("chat-typing");
  new MutationObserver(() => {
    if (!note.hidden) document.body.setAttribute("data-typing-shown", "");
  }).observe(note, { attributes: true, attributeFilter: ["hidden"] });
}"""

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("patient_expect")]


def test_the_seller_and_the_shopper_see_each_others_messages_live(browser, tmp_path):
    # given a shopper's chat with a store (no message yet)
    store = StoreFactory(name="Toko Batik Sari")
    shopper = UserFactory(first_name="Dewi")
    chat = conversation(shopper=shopper, store=store)
    with (
        shared_database(tmp_path) as database_url,
        running_daphne(database_url=database_url, log_path=tmp_path / "daphne.log") as base_url,
    ):
        seller_context = signed_in(browser, base_url, store.owner)
        shopper_context = signed_in(browser, base_url, shopper)
        try:
            # the seller has the inbox open (empty); the shopper has the thread open
            seller = seller_context.new_page()
            seller.goto("/chat/store/")
            expect(seller.locator(".chat-list")).to_contain_text("No chats yet.")
            shopper_page = shopper_context.new_page()
            shopper_page.goto(f"/chat/{chat.pk}/")
            badge = seller.locator("[data-chat-unread]")
            expect(badge).to_be_hidden()

            # when the shopper asks
            shopper_page.get_by_role("textbox", name="Message").fill("Ready kak? Size M fits 60 kg?")
            shopper_page.get_by_role("button", name="Send").click()
            # then it shows in the shopper's thread without a reload (the box is emptied)
            thread = shopper_page.locator("#chat-messages")
            expect(thread.locator(".chat-message--mine")).to_contain_text("Size M fits 60 kg?")
            expect(shopper_page.get_by_role("textbox", name="Message")).to_have_value("")
            # and the seller's header counts it, in the tab's title too
            expect(badge).to_have_text("1")
            expect(seller).to_have_title(re.compile(r"^\(1\) "))
            # and the inbox shows the chat, unread, without a reload
            row = seller.locator(".chat-list__row--unread")
            expect(row).to_contain_text("Size M fits 60 kg?")
            expect(row.locator(".chat-list__badge")).to_have_text("1 unread")

            # when the seller opens the thread and starts typing
            row.locator("a").click()
            expect(seller).to_have_url(re.compile(rf"/chat/{chat.pk}/$"))
            seller.evaluate("window.stillTheSamePage = true")
            # (both sockets open: typing is not queued while a socket connects)
            expect(seller.locator("[data-chat-connected]")).to_have_count(1)
            expect(shopper_page.locator("[data-chat-connected]")).to_have_count(1)
            shopper_page.evaluate(NOTE_WHEN_TYPING_SHOWS)
            seller.get_by_role("textbox", name="Message").press_sequentially("Ready", delay=20)
            # then the shopper sees "typing…" (for a few seconds: the page notes that it showed,
            # so that a test slowed down by a busy machine cannot miss it)
            expect(shopper_page.locator("body[data-typing-shown]")).to_have_count(1)
            # when the seller answers
            seller.get_by_role("textbox", name="Message").fill("Ready kak, M fits up to 65 kg <b>bold</b>")
            seller.get_by_role("button", name="Send").click()
            # then the shopper sees the answer appear (escaped), and "typing…" goes away
            answer = thread.locator(".chat-message--theirs").last
            expect(answer).to_contain_text("M fits up to 65 kg <b>bold</b>")
            expect(shopper_page.locator("#chat-typing")).to_be_hidden()
            # and the seller sees "Seen" under it once the shopper's open thread read it
            seller_thread = seller.locator("#chat-messages")
            expect(seller_thread.locator(".chat-message--mine").last).to_contain_text("Seen")
            expect(seller_thread.locator(".chat-message--theirs")).to_contain_text("Size M fits 60 kg?")
            # (the header's chat link leads sellers to their inbox)
            expect(seller.locator("a.chat-link")).to_have_attribute("href", "/chat/store/")
            assert seller.evaluate("window.stillTheSamePage") is True
            assert shopper_page.locator(".chat-message").count() == 2
        finally:
            seller_context.close()
            shopper_context.close()
    seller_context.csp.assert_none()
    shopper_context.csp.assert_none()


def test_a_thread_catches_up_on_what_came_while_its_socket_was_down(browser, tmp_path):
    # given a shopper reading a thread, connected
    chat = conversation(shopper=UserFactory(), store=StoreFactory())
    say(chat, chat.shopper, "Sudah dikirim, kak?")
    port = free_low_port("daphne")
    with shared_database(tmp_path) as database_url:
        with running_daphne(database_url=database_url, log_path=tmp_path / "first.log", port=port) as base_url:
            context = signed_in(browser, base_url, chat.shopper)
            page = context.new_page()
            page.goto(f"/chat/{chat.pk}/")
            expect(page.locator("[data-chat-connected]")).to_have_count(1)
        try:
            # when the server goes away and the phone loses its network, the store answers
            # meanwhile (nobody could be told), the server comes back and so does the network
            # (the page then tries at once, not at the end of its back-off: a page left to
            # reconnect by itself is the inbox's test below)
            expect(page.locator("[data-chat-connected]")).to_have_count(0)
            context.set_offline(True)
            missed = store_says(chat, "Sudah kak, resinya JNE123")
            with running_daphne(database_url=database_url, log_path=tmp_path / "second.log", port=port):
                context.set_offline(False)
                # then the page reconnects and fetches what it missed (after its last id)
                expect(page.locator(f"#message-{missed.pk}")).to_contain_text("JNE123", timeout=30_000)
                expect(page.locator("[data-chat-connected]")).to_have_count(1)
                assert page.locator(".chat-message").count() == 2
        finally:
            context.close()
    context.csp.assert_none()


def test_an_inbox_catches_up_on_chats_that_came_while_its_socket_was_down(browser, tmp_path):
    # given a seller with their inbox open (no chat yet), connected
    store = StoreFactory()
    chat = conversation(shopper=UserFactory(first_name="Rina"), store=store)
    port = free_low_port("daphne")
    with shared_database(tmp_path) as database_url:
        with running_daphne(database_url=database_url, log_path=tmp_path / "first.log", port=port) as base_url:
            context = signed_in(browser, base_url, store.owner)
            page = context.new_page()
            page.goto("/chat/store/")
            expect(page.locator(".chat-list")).to_contain_text("No chats yet.")
            expect(page.locator("[data-chat-connected]")).to_have_count(1)
            page.evaluate("window.stillTheSamePage = true")
        try:
            # when the server goes away, a shopper asks meanwhile (nobody could be told), and
            # the server comes back
            expect(page.locator("[data-chat-connected]")).to_have_count(0)
            say(chat, chat.shopper, "Masih ada stok, kak?")
            with running_daphne(database_url=database_url, log_path=tmp_path / "second.log", port=port):
                # then the page reconnects by itself and fetches the list again: the chat is in it
                row = page.locator(".chat-list__row--unread")
                expect(row).to_contain_text("Masih ada stok, kak?", timeout=30_000)
                expect(row.locator(".chat-list__badge")).to_have_text("1 unread")
                expect(page.locator("[data-chat-unread]")).to_have_text("1")
                assert page.evaluate("window.stillTheSamePage") is True
        finally:
            context.close()
    context.csp.assert_none()


def test_seen_shows_under_a_message_the_shopper_read_before_it_was_shown_to_its_sender(browser, tmp_path):
    # given a shopper's question, the seller and the shopper each with the thread open
    chat = conversation(shopper=UserFactory(), store=StoreFactory())
    say(chat, chat.shopper, "Ada warna biru?")
    answer = "Ada kak, tinggal 3"
    with (
        shared_database(tmp_path) as database_url,
        running_daphne(database_url=database_url, log_path=tmp_path / "daphne.log") as base_url,
    ):
        seller_context = signed_in(browser, base_url, chat.store.owner)
        shopper_context = signed_in(browser, base_url, chat.shopper)
        try:
            seller = seller_context.new_page()
            with seller.expect_websocket() as opened:
                seller.goto(f"/chat/{chat.pk}/")
            seller_socket = opened.value
            shopper_page = shopper_context.new_page()
            shopper_page.goto(f"/chat/{chat.pk}/")
            expect(seller.locator("[data-chat-connected]")).to_have_count(1)
            expect(shopper_page.locator("[data-chat-connected]")).to_have_count(1)
            # (the seller's page gets its own answer late: held until the shopper has read it)
            held = []

            def hold_the_answer(route):
                response = route.fetch()
                if answer in response.text():
                    held.append((route, response))
                else:
                    route.fulfill(response=response)

            seller.route(re.compile(r"/chat/\d+/messages/\?after=\d+$"), hold_the_answer)

            def shopper_read(payload) -> bool:
                event = json.loads(payload)
                return event.get("type") == "read" and event.get("side") == "shopper"

            # when the seller answers, and the shopper's open thread reads the answer (the
            # seller's page is told) before the seller's page has shown it
            with seller_socket.expect_event("framereceived", predicate=shopper_read, timeout=20_000):
                seller.get_by_role("textbox", name="Message").fill(answer)
                seller.get_by_role("button", name="Send").click()
            expect(shopper_page.locator(".chat-message--theirs").last).to_contain_text(answer)
            assert held, "the seller's page did not ask for its answer"
            for route, response in held:
                route.fulfill(response=response)
            seller.unroute_all(behavior="ignoreErrors")  # the page's fetches go through from now on
            # then, once shown, the answer says "Seen"
            mine = seller.locator("#chat-messages .chat-message--mine")
            expect(mine).to_contain_text(answer)
            expect(mine.locator(".chat-message__seen")).to_have_text("· Seen")
        finally:
            seller_context.close()
            shopper_context.close()
    seller_context.csp.assert_none()
    shopper_context.csp.assert_none()


def test_the_seller_sees_the_buyers_cart_change_without_a_reload(browser, tmp_path):
    # given a shopper's chat with a store that sells a batik shirt, nothing in their cart
    variant = buyable_variant(price=185_000, stock=20)
    variant.product.title = "Kemeja Batik Parang"
    variant.product.save(update_fields=["title"])
    shopper = UserFactory(first_name="Dewi")
    chat = conversation(shopper=shopper, store=variant.store)
    with (
        shared_database(tmp_path) as database_url,
        running_daphne(database_url=database_url, log_path=tmp_path / "daphne.log") as base_url,
    ):
        seller_context = signed_in(browser, base_url, variant.store.owner)
        shopper_context = signed_in(browser, base_url, shopper)
        try:
            # the seller has the thread open on a wide screen: the panel stands beside it, open
            seller = seller_context.new_page()
            seller.goto(f"/chat/{chat.pk}/")
            expect(seller.locator("[data-chat-connected]")).to_have_count(1)
            cart = seller.locator("#buyer-cart")
            expect(cart).to_be_visible()
            expect(cart).to_contain_text("Nothing from your store.")
            seller.evaluate("window.stillTheSamePage = true")

            # when the shopper adds the shirt to their cart on the product page
            shopper_page = shopper_context.new_page()
            shopper_page.goto(variant.product.get_absolute_url())
            shopper_page.get_by_role("button", name="Add to cart", exact=True).first.click()

            # then the seller's panel shows it, without a reload
            expect(cart).to_contain_text("Kemeja Batik Parang", timeout=15_000)
            expect(cart).to_contain_text("1 item")
            assert seller.evaluate("window.stillTheSamePage") is True
            # and the shopper's own thread has no panel at all
            shopper_page.goto(f"/chat/{chat.pk}/")
            expect(shopper_page.locator("#buyer-panel")).to_have_count(0)

            # on a phone, the panel is a closed "About this buyer" above the thread, opened by a tap
            phone = seller_context.new_page()
            phone.set_viewport_size({"width": 390, "height": 844})
            phone.goto(f"/chat/{chat.pk}/")
            summary = phone.get_by_text("About this buyer", exact=True)
            expect(summary).to_be_visible()
            expect(phone.locator("#buyer-cart")).to_be_hidden()
            assert summary.bounding_box()["y"] < phone.locator("#chat-messages").bounding_box()["y"]
            summary.click()
            expect(phone.locator("#buyer-cart")).to_contain_text("Kemeja Batik Parang")
            assert phone.evaluate("document.documentElement.scrollWidth") == 390
        finally:
            seller_context.close()
            shopper_context.close()
    seller_context.csp.assert_none()
    shopper_context.csp.assert_none()
