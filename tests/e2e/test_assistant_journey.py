"""The store's assistant in two browsers against a real daphne process (pages, API and the
chat's socket, tasks run in-process as without a broker): at night a shopper asks about
shipping and gets the rule from the store's settings, with the away message; then asks for a
person, and the seller takes over and later hands the chat back."""

import pytest
from playwright.sync_api import expect

from chat.assistant import handoff
from tests.asgi_server import running_daphne
from tests.celery_worker import shared_database
from tests.chat.assistant_helpers import assistant_store, closed_now
from tests.chat.factories import conversation
from tests.e2e.test_live_chat import signed_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_at_night_the_assistant_answers_from_the_settings_then_the_seller_takes_over(browser, tmp_path):
    # given a store closed now (night), with an away message, and a shopper's chat with it
    store = assistant_store(away_message="We are closed for the night; we answer from 09:00.")
    closed_now(store)
    shopper = UserFactory(first_name="Dewi")
    chat = conversation(shopper=shopper, store=store)
    with (
        shared_database(tmp_path) as database_url,
        running_daphne(database_url=database_url, log_path=tmp_path / "daphne.log") as base_url,
    ):
        shopper_context = signed_in(browser, base_url, shopper)
        seller_context = signed_in(browser, base_url, store.owner)
        try:
            page = shopper_context.new_page()
            page.goto(f"/chat/{chat.pk}/")
            expect(page.locator("[data-chat-connected]")).to_have_count(1)
            thread = page.locator("#chat-messages")

            # when the shopper asks about shipping
            page.get_by_role("textbox", name="Message").fill("How much is shipping?")
            page.get_by_role("button", name="Send").click()

            # then the away message and the store's shipping rule arrive live, marked automatic
            answers = thread.locator(".chat-message--theirs")
            expect(answers.first).to_contain_text("We are closed for the night")
            expect(answers.nth(1)).to_contain_text(
                "Shipping with Toko Batik Sari is a flat IDR20,000 per order. Free shipping for orders from IDR500,000."
            )
            expect(answers.nth(1)).to_contain_text("Automatic")

            # when the shopper asks for a person
            page.get_by_role("button", name="Talk to a person").click()

            # then the assistant says so and steps aside
            expect(thread.locator(".chat-message--theirs").last).to_contain_text(
                "a person from Toko Batik Sari will answer you here"
            )
            expect(page.locator("#chat-assistant")).to_contain_text("A person from the store will answer you here.")
            expect(page.get_by_role("button", name="Talk to a person")).to_have_count(0)

            # when the seller opens the chat: it says the shopper asked for a person, and they answer
            seller = seller_context.new_page()
            seller.goto(f"/chat/{chat.pk}/")
            expect(seller.locator("#chat-assistant")).to_contain_text("The shopper asked for a person")
            expect(seller.locator("[data-chat-connected]")).to_have_count(1)
            seller.get_by_role("textbox", name="Message").fill("Hi Dewi, I can send it tomorrow morning.")
            seller.get_by_role("button", name="Send").click()

            # then the shopper sees the person's answer live, not marked automatic
            person = thread.locator(".chat-message--theirs").last
            expect(person).to_contain_text("I can send it tomorrow morning.")
            expect(person.locator(".chat-message__automated")).to_have_count(0)

            # and a new question is left to the person: nothing automatic follows it
            page.get_by_role("textbox", name="Message").fill("Is COD possible?")
            page.get_by_role("button", name="Send").click()
            expect(thread.locator(".chat-message--mine").last).to_contain_text("Is COD possible?")
            seller_thread = seller.locator("#chat-messages")
            expect(seller_thread.locator(".chat-message--theirs").last).to_contain_text("Is COD possible?")
            page.wait_for_timeout(1000)
            expect(thread.locator(".chat-message").last).to_contain_text("Is COD possible?")

            # when the seller hands the chat back to the assistant
            seller.get_by_role("button", name="Hand back to the assistant").click()
            expect(seller.locator("#chat-assistant")).to_contain_text("Your assistant answers in this chat.")
            assert handoff.who_answers(chat).assistant
        finally:
            shopper_context.close()
            seller_context.close()
    shopper_context.csp.assert_none()
    seller_context.csp.assert_none()
