"""The thread in a real browser against daphne (pages and /ws/chat/, as `make run` serves
them): the seller's "/" picker of quick replies (keyboard and tap, filled in for the chat),
and cards that change while both sides look at them (an offer withdrawn, a transfer
confirmed) updated without a reload."""

import re

import pytest
from playwright.sync_api import expect

from chat import services
from tests.asgi_server import running_daphne
from tests.celery_worker import shared_database
from tests.chat.factories import conversation, say
from tests.chat.offer_helpers import offer_setup, send
from tests.e2e.test_live_chat import signed_in
from tests.factories import CheckoutSettingsFactory, UserFactory, buyable_variant, place

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_seller_picks_a_quick_reply_by_typing_a_slash(browser, tmp_path):
    # given a store's quick replies and a buyer with an order
    shopper = UserFactory(first_name="Dewi", last_name="")
    chat = conversation(shopper=shopper)
    CheckoutSettingsFactory(store=chat.store)
    [order] = place(shopper, (buyable_variant(store=chat.store), 1)).orders
    say(chat, shopper, "Kapan dikirim kak?")
    owner = chat.store.owner
    for shortcut, text in (
        ("rekening", "Transfer ke {bank_account}"),
        ("resi", "Halo {buyer_name}, pesanan {order_number} sudah dikirim"),
        ("ready", "Ready kak {buyer_name}!"),
    ):
        services.create_quick_reply(store=chat.store, actor=owner, shortcut=shortcut, text=text)
    name = shopper.display_name
    with (
        shared_database(tmp_path) as database_url,
        running_daphne(database_url=database_url, log_path=tmp_path / "daphne.log") as base_url,
    ):
        context = signed_in(browser, base_url, owner)
        try:
            page = context.new_page()
            page.goto(f"/chat/{chat.pk}/")
            box = page.get_by_role("textbox", name="Message")
            picker = page.get_by_role("listbox", name="Quick replies")
            expect(page.locator("#chat-quick-picker-hint")).to_be_visible()

            # when the seller types a slash after a word, then "re"
            box.press_sequentially("Baik. /re", delay=10)
            # then the replies whose shortcut starts so are listed, the first one chosen
            options = picker.get_by_role("option")
            expect(options).to_have_count(3)
            expect(options.nth(0)).to_contain_text(f"/readyReady kak {name}!")
            expect(options.nth(1)).to_contain_text("/rekeningTransfer ke BCA 1234567890 a.n. Toko Contoh")
            expect(options.nth(0)).to_have_attribute("aria-selected", "true")
            expect(box).to_have_attribute("aria-activedescendant", "chat-quick-picker-0")

            # when they narrow it to "res" and press Enter
            box.press("s")
            expect(options).to_have_count(1)
            box.press("Enter")
            # then "/res" became the reply, filled in for this chat, and the list closed
            expect(box).to_have_value(f"Baik. Halo {name}, pesanan {order.number} sudah dikirim")
            expect(picker).to_be_hidden()
            expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".+"))

            # when they type a new slash, go down once and press Escape
            box.press_sequentially(" /", delay=10)
            expect(options).to_have_count(3)
            box.press("ArrowDown")
            expect(box).to_have_attribute("aria-activedescendant", "chat-quick-picker-1")
            expect(options.nth(1)).to_have_attribute("aria-selected", "true")
            box.press("Escape")
            # then the list closes and the text stays as typed
            expect(picker).to_be_hidden()
            expect(box).to_have_value(re.compile(r"dikirim /$"))

            # a slash inside a word opens nothing; a query that matches nothing says so
            box.fill("")
            box.press_sequentially("a/b", delay=10)
            expect(picker).to_be_hidden()
            box.fill("")
            box.press_sequentially("/zzz", delay=10)
            expect(picker).to_contain_text("No quick reply matches.")

            # when they tap a reply instead
            box.fill("")
            box.press_sequentially("/", delay=10)
            options.filter(has_text="/ready").click()
            # then it is put in, the box keeps the focus, and Send sends it
            expect(box).to_have_value(f"Ready kak {name}!")
            expect(box).to_be_focused()
            page.get_by_role("button", name="Send").click()
            expect(page.locator(".chat-message--mine").last).to_contain_text(f"Ready kak {name}!")
        finally:
            context.close()
    context.csp.assert_none()


def test_both_sides_see_an_offer_withdrawn_and_a_transfer_confirmed_without_a_reload(browser, tmp_path):
    # given an open offer and an order waiting for its transfer, both in the thread
    chat, first, _second = offer_setup()
    CheckoutSettingsFactory(store=chat.store)
    send(chat, [(first, 1, None)], note="Harga spesial")
    [order] = place(chat.shopper, (buyable_variant(store=chat.store), 1), method="bank_transfer").orders
    say(chat, chat.shopper, "", kind="order", order=order)
    with (
        shared_database(tmp_path) as database_url,
        running_daphne(database_url=database_url, log_path=tmp_path / "daphne.log") as base_url,
    ):
        shopper_context = signed_in(browser, base_url, chat.shopper)
        seller_context = signed_in(browser, base_url, chat.store.owner)
        try:
            shopper = shopper_context.new_page()
            shopper.goto(f"/chat/{chat.pk}/")
            offer_card = shopper.locator(".chat-message--offer")
            order_card = shopper.locator(".chat-message--order")
            expect(offer_card.get_by_role("link", name="Buy")).to_be_visible()
            expect(order_card).to_contain_text("Awaiting payment")
            expect(shopper.locator("[data-chat-connected]")).to_have_count(1)
            shopper.evaluate("window.stillTheSamePage = true")
            seller = seller_context.new_page()
            seller.goto(f"/chat/{chat.pk}/")

            # when the seller withdraws the offer from its card
            seller.locator(".chat-message--offer").get_by_role("button", name="Withdraw").click()
            # then the shopper's card says so, without its "Buy" button, without a reload
            expect(offer_card).to_contain_text("Withdrawn")
            expect(offer_card.get_by_role("link", name="Buy")).to_have_count(0)

            # when the seller confirms the transfer on the order card
            seller.locator(".chat-message--order").get_by_role("button", name="Confirm the transfer").click()
            # then the shopper's order card shows it paid
            expect(order_card).to_contain_text("Paid")
            assert shopper.evaluate("window.stillTheSamePage") is True
            # and the seller's open tab shows the next step on the card
            expect(seller.locator(".chat-message--order")).to_contain_text("Mark as shipped")
        finally:
            shopper_context.close()
            seller_context.close()
    shopper_context.csp.assert_none()
    seller_context.csp.assert_none()
