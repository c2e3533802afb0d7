"""Every page fits a phone: at 390x844 (a common phone) no page of the site scrolls sideways,
for a signed-in shopper (who follows people, so "People you may know" shows) or a visitor,
with the demo data; the product sheet a tag dot opens shows its price and buttons inside the
screen; the header's cart link does not cover the wordmark.

The pages come from the URLconf itself: a URL name is either a page checked here (PAGES, with
how to build its address from the demo data) or excused (NOT_PAGES, with the reason), and a
test fails when a new URL is in neither, so a new page cannot be forgotten.

The demo data is seeded once for the module (it takes seconds) and served by this module's
own live server: pytest-django's ``live_server`` would empty the database after each test.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import new_context

# django_db: the test database is made for these tests (the module's fixture fills it once).
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

PHONE = {"width": 390, "height": 844}
SHOPPER_EMAIL = "ani@demo.etalase.id"  # a demo shopper who follows stores and people
SHOPPER_PASSWORD = "etalase-demo"


@dataclass(frozen=True)
class Demo:
    """The demo objects the pages' addresses are built from."""

    shopper: str  # the signed-in shopper's username
    person: str  # someone else's username
    store: str
    product: str
    category: str
    hashtag: str
    own_post: int
    post: int
    order: str
    payment: int
    address: int
    conversation: int  # a chat of the shopper's with a store


# URL name -> its address, for pages anyone can open (a visitor and a signed-in shopper).
PUBLIC: dict[str, Callable[[Demo], str]] = {
    "home": lambda d: "/",
    "account_login": lambda d: "/accounts/login/",
    "account_signup": lambda d: "/accounts/signup/",
    "account_reset_password": lambda d: "/accounts/password/reset/",
    "account_reset_password_done": lambda d: "/accounts/password/reset/done/",
    "account_reset_password_from_key": lambda d: "/accounts/password/reset/key/1-invalid-key/",
    "account_reset_password_from_key_done": lambda d: "/accounts/password/reset/key/done/",
    "account_confirm_email": lambda d: "/accounts/confirm-email/invalid-key/",
    "account_email_verification_sent": lambda d: "/accounts/confirm-email/",
    "account_inactive": lambda d: "/accounts/inactive/",
    "notifications:unsubscribe": lambda d: "/notifications/unsubscribe/not-a-valid-token/",
    "social:for_you": lambda d: "/feed/for-you/",
    "social:hashtag": lambda d: f"/hashtags/{d.hashtag}/",
    "social:post_detail": lambda d: f"/posts/{d.post}/",
    "social:comments": lambda d: f"/posts/{d.post}/comments/",
    "social:user_profile": lambda d: f"/@{d.person}/",
    "social:user_followers": lambda d: f"/@{d.person}/followers/",
    "social:user_following": lambda d: f"/@{d.person}/following/",
    "social:store_profile": lambda d: f"/s/{d.store}/posts/",
    "social:store_followers": lambda d: f"/s/{d.store}/followers/",
    "social:product_reviews": lambda d: f"/p/{d.product}/reviews/",
    "catalog:product_list": lambda d: "/products/",
    "catalog:search": lambda d: "/search/?q=batik",
    "catalog:category": lambda d: f"/c/{d.category}/",
    "catalog:product_detail": lambda d: f"/p/{d.product}/",
    "catalog:store_detail": lambda d: f"/s/{d.store}/",
    "catalog:open_store": lambda d: "/open-store/",
    "checkout:cart": lambda d: "/cart/",
}

# Pages for a signed-in shopper (a visitor is sent to the login page, checked above).
SIGNED_IN: dict[str, Callable[[Demo], str]] = {
    "account_email": lambda d: "/accounts/email/",
    "account_change_password": lambda d: "/accounts/password/change/",
    "account_set_password": lambda d: "/accounts/password/set/",
    "account_reauthenticate": lambda d: "/accounts/reauthenticate/",
    "account_logout": lambda d: "/accounts/logout/",
    "notifications:inbox": lambda d: "/notifications/",
    "notifications:preferences": lambda d: "/notifications/preferences/",
    "checkout:addresses": lambda d: "/addresses/",
    "checkout:address_create": lambda d: "/addresses/new/",
    "checkout:address_edit": lambda d: f"/addresses/{d.address}/edit/",
    "checkout:checkout": lambda d: "/checkout/",
    "checkout:order_list": lambda d: "/orders/",
    "checkout:order_detail": lambda d: f"/orders/{d.order}/",
    "checkout:placed": lambda d: f"/orders/placed/{d.payment}/",
    "social:following": lambda d: "/feed/following/",
    "social:saved": lambda d: "/saved/",
    "social:post_create": lambda d: "/posts/new/",
    "social:post_edit": lambda d: f"/posts/{d.own_post}/edit/",
    "social:post_delete": lambda d: f"/posts/{d.own_post}/delete/",
    "social:post_tags": lambda d: f"/posts/{d.own_post}/tags/",
    "social:block": lambda d: f"/@{d.person}/block/",
    "social:people_you_may_know": lambda d: "/friends/suggestions/",
    "social:friends_shelf": lambda d: "/friends/shelf/",
    "social:recommend": lambda d: "/friends/recommend/",
    "social:recommended_to_you": lambda d: "/friends/recommended/",
    "social:friends_settings": lambda d: "/friends/settings/",
    "social:review_write": lambda d: f"/p/{d.product}/review/",
    "chat:conversations": lambda d: "/chat/",
    "chat:thread": lambda d: f"/chat/{d.conversation}/",
    "_own_profile": lambda d: f"/@{d.shopper}/",  # the shopper's own profile shows "People you may know"
}

# URL names that are not pages a shopper opens, and why.
NOT_PAGES = {
    "healthz": "a health check for monitors (plain text)",
    "favicon": "the site's icon: test_the_site_icon_answers",
    "ping": "a latency probe (plain text)",
    "set_language": "POST only (the header's language form)",
    "account_confirm_login_code": "only within a login-by-code flow, which the site does not offer",
    "notifications:open": "redirects to the notification's target",
    "notifications:mark_read": "POST only",
    "chat:open": "POST only",
    "insights:collect": "POST only (the browser's batched events)",
    "insights:dashboard": "a seller's page: test_the_seller_and_staff_insights_fit_a_phone",
    "insights:staff": "the staff's page: test_the_seller_and_staff_insights_fit_a_phone",
    "insights:export": "a CSV file (the seller's tables)",
    "insights:staff_export": "a CSV file (the staff's top stores)",
    "chat:send": "POST only",
    "chat:messages": "a fragment the thread's script appends to the thread (chat:thread)",
    "chat:message": "a fragment the thread's script swaps into the thread (chat:thread)",
    "chat:block": "POST only",
    "chat:report": "POST, and its form is part of the thread (chat:thread)",
    "chat:store_inbox": "a seller's page: test_the_seller_inbox_and_a_thread_fit_a_phone",
    "chat:product_search": "a seller's page: test_the_seller_inbox_and_a_thread_fit_a_phone",
    "chat:send_offer": "POST only (the seller's offer form is part of the thread)",
    "chat:send_discount": "POST only",
    "chat:send_product": "POST only",
    "chat:withdraw_offer": "POST only",
    "chat:order_confirm_transfer": "POST only",
    "chat:order_ship": "POST only",
    "chat:buyer_cart": "a fragment the thread's script swaps into the store's buyer panel (chat:thread)",
    "chat:set_labels": "POST only (the store's buyer panel is part of the thread)",
    "chat:set_note": "POST only (the store's buyer panel is part of the thread)",
    "chat:assistant_ask_person": "POST only (the shopper's button on the thread page)",
    "chat:assistant_hand_back": "POST only (the seller's button on the thread page)",
    "chat:assistant_report": "a seller's page: test_the_seller_inbox_and_a_thread_fit_a_phone",
    "chat:assistant_faq": "a seller's page: test_the_seller_inbox_and_a_thread_fit_a_phone",
    "chat:assistant_faq_entry": "a seller's page: test_the_seller_inbox_and_a_thread_fit_a_phone",
    "chat:send_template": "POST only (the seller's template forms are part of a WhatsApp thread)",
    "chat:whatsapp_cart": "a seller's page opened from a signed link a shopper sends on WhatsApp",
    "chat:whatsapp_updates": "POST only (the order page's WhatsApp updates form)",
    "chat:whatsapp_webhook": "WhatsApp's webhook (Meta's GET handshake, signed POSTs; plain text)",
    "chat:telegram_webhook": "Telegram's webhook (POST, JSON, with the bot's secret token)",
    "notifications:mark_all_read": "POST only",
    "marketing:contacts": "a seller's page: test_the_seller_customer_pages_fit_a_phone",
    "marketing:contact": "a seller's page: test_the_seller_customer_pages_fit_a_phone",
    "marketing:import": "a seller's page: test_the_seller_customer_pages_fit_a_phone",
    "marketing:erase": "a seller's page: test_the_seller_customer_pages_fit_a_phone",
    "marketing:export": "a JSON file (a contact's data)",
    "marketing:withdraw": "POST only (the contact page's button)",
    "marketing:undo_merge": "POST only (the contact page's button)",
    "marketing:signup": "POST only (the store page's form, checked on catalog:store_detail)",
    "marketing:confirm": "a confirmation email's signed link: test_the_seller_customer_pages_fit_a_phone",
    "marketing:unsubscribe": "a marketing email's signed link: test_the_seller_customer_pages_fit_a_phone",
    "marketing:campaigns": "a seller's page: test_the_seller_campaign_pages_fit_a_phone",
    "marketing:campaign_new": "a seller's page: test_the_seller_campaign_pages_fit_a_phone",
    "marketing:campaign": "a seller's page: test_the_seller_campaign_pages_fit_a_phone",
    "marketing:campaign_edit": "a seller's page: test_the_seller_campaign_pages_fit_a_phone",
    "marketing:campaign_preview": "the email alone, in the campaign page's frame (checked there)",
    "marketing:campaign_action": "POST only (the campaign page's buttons)",
    "marketing:segments": "a seller's page: test_the_seller_campaign_pages_fit_a_phone",
    "marketing:segment_new": "a seller's page: test_the_seller_campaign_pages_fit_a_phone",
    "marketing:audience_count": "an htmx fragment (the count on the composer and the segment builder)",
    "marketing:click": "a campaign email's signed click redirect (a 302 to the product or the button's address)",
    "marketing:open": "a campaign email's open pixel (a GIF)",
    "marketing:flow_click": "a flow email's signed click redirect (a 302 to the product or the button's address)",
    "marketing:flows": "a seller's page: test_the_seller_flow_pages_fit_a_phone",
    "marketing:flow": "a seller's page: test_the_seller_flow_pages_fit_a_phone",
    "marketing:flow_step": "a seller's page: test_the_seller_flow_pages_fit_a_phone",
    "marketing:flow_tips": "a seller's page: test_the_seller_flow_pages_fit_a_phone",
    "marketing:flow_tip": "a seller's page: test_the_seller_flow_pages_fit_a_phone",
    "marketing:flow_step_preview": "the email alone, in the flow email page's frame (checked there)",
    "marketing:flow_settings": "POST only (the flow page's settings form)",
    "marketing:flow_switch": "POST only (the flow list's and the flow page's switch)",
    "marketing:flow_step_new": "POST only (the flow page's 'Add an email')",
    "marketing:flow_step_action": "POST only (the flow page's and the flow email page's buttons)",
    **{
        f"anymail:{provider}_tracking_webhook": "a provider's tracking webhook (POST, verified by anymail)"
        for provider in (
            "amazon_ses",
            "brevo",
            "mailersend",
            "mailgun",
            "mailjet",
            "mailtrap",
            "mandrill",
            "postal",
            "postmark",
            "resend",
            "sendgrid",
            "sendinblue",
            "sparkpost",
            "unisender_go",
        )
    },
    "notifications:count": "an htmx fragment inside the header (checked on every page)",
    "checkout:cart_count": "an htmx fragment inside the header (checked on every page)",
    "checkout:cart_add": "POST only",
    "checkout:buy_now": "POST only",
    "checkout:cart_line": "POST only",
    "checkout:cart_line_remove": "POST only",
    "checkout:cart_accept_prices": "POST only",
    "checkout:cart_apply_code": "POST only (a discount code card in a chat)",
    "checkout:address_delete": "POST only",
    "checkout:address_default": "POST only",
    "checkout:checkout_quote": "an htmx fragment of the checkout page (checked there)",
    "checkout:place_order": "POST only",
    "checkout:order_cancel": "POST only",
    "checkout:order_confirm_receipt": "POST only",
    "checkout:order_transfer_proof": "POST only",
    "checkout:order_transfer_proof_image": "an image file for the buyer and seller, not a page",
    "checkout:pay_card": "only for card payments, which need Stripe keys (tests/checkout, with localstripe)",
    "checkout:pay_card_done": "redirects to the order once Stripe answered",
    "checkout:stripe_webhook": "Stripe's webhook (POST, JSON)",
    "social:product_search": "an htmx fragment of the post composer (checked there)",
    "social:like": "POST only",
    "social:save": "POST only",
    "social:comment_delete": "POST only",
    "social:comment_hide": "POST only",
    "social:product_sheet": "the tag dot's sheet: test_the_product_sheet_fits_a_phone",
    "social:tag_remove": "POST only",
    "social:follow": "POST only",
    "social:dismiss_suggestion": "POST only",
    "social:review_delete": "POST only",
    "social:review_helpful": "POST only",
    "social:review_report": "POST only",
    "social:review_reply": "sellers only (the store's reply to a review)",
    "social:review_hide": "POST only",
}


def url_names() -> set[str]:
    """The names of every URL of the site outside the back office, the API and media."""

    def walk(patterns, prefix: str, namespace: str):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(
                    pattern.url_patterns, route, namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                )
            elif isinstance(pattern, URLPattern) and not route.startswith(("admin/", "api/", "^api/", "^media/")):
                yield namespace + (pattern.name or route)

    return set(walk(get_resolver().url_patterns, "", ""))


def test_every_page_of_the_site_is_checked_or_excused():
    listed = set(PUBLIC) | set(SIGNED_IN) | set(NOT_PAGES)
    names = url_names()
    assert not names - listed, "new pages: add them to PAGES (or NOT_PAGES, with the reason)"
    assert not listed - names - {"_own_profile"}, "pages that no longer exist"
    assert not set(PUBLIC) & set(NOT_PAGES) and not set(SIGNED_IN) & set(NOT_PAGES)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo shop, seeded once, and this module's live server; emptied afterwards."""
    from chat.models import Conversation
    from checkout.models import Address, Order, Payment
    from shop.models import User
    from social.models import Hashtag, Post

    with (
        django_db_blocker.unblock(),
        override_settings(
            DEBUG=False,
            MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],  # as tests/conftest.py
        ),
    ):
        call_command("seed_demo", "--products-per-store=1", "--quiet", stdout=io.StringIO())
        shopper = User.objects.get(email=SHOPPER_EMAIL)
        order = Order.objects.filter(buyer=shopper).order_by("-pk").first()
        tagged = Post.objects.filter(is_hidden=False, tags__isnull=False).exclude(author=shopper).order_by("pk").first()
        store = order.store
        data = Demo(
            shopper=shopper.username,
            person=User.objects.filter(store__isnull=True, is_staff=False)
            .exclude(pk=shopper.pk)
            .order_by("pk")
            .first()
            .username,
            store=store.slug,
            product=order.lines.first().product.slug,
            category=store.products.filter(category__isnull=False).first().category.slug,
            hashtag=Hashtag.objects.order_by("pk").first().name,
            own_post=Post.objects.filter(author=shopper).order_by("pk").first().pk,
            post=tagged.pk,
            order=order.number,
            payment=Payment.objects.filter(buyer=shopper).order_by("-pk").first().pk,
            address=Address.objects.filter(user=shopper).order_by("pk").first().pk,
            conversation=Conversation.objects.filter(shopper=shopper).order_by("pk").first().pk,
        )
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server.url, data
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def visitor(browser, demo):
    context = new_context(browser, demo[0], viewport=PHONE)
    context.add_init_script(_COUNT_HTMX_REQUESTS)
    yield context
    context.close()


@pytest.fixture(scope="module")
def shopper(browser, demo):
    context = signed_in_phone(browser, demo, SHOPPER_EMAIL, SHOPPER_PASSWORD)
    yield context
    context.close()


def signed_in_phone(browser, demo, email: str, password: str):
    """A phone-sized browser context, signed in as ``email``."""
    context = new_context(browser, demo[0], viewport=PHONE)
    context.add_init_script(_COUNT_HTMX_REQUESTS)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Sign In").click()
    expect(page.locator(".menu__user")).to_be_visible()
    page.close()
    return context


# Counts the htmx requests in flight. A request that a swap starts (an element loaded with
# hx-trigger="load") begins before the request that swapped it in ends, so zero means done.
_COUNT_HTMX_REQUESTS = """
window.__htmxBusy = 0;
document.addEventListener("htmx:beforeRequest", () => { window.__htmxBusy += 1; });
document.addEventListener("htmx:afterRequest", () => { window.__htmxBusy -= 1; });
"""


def settled(page: Page, address: str) -> None:
    """Opens ``address`` and waits until htmx has loaded what the page fetches after loading
    (People you may know, the cart count): faster than waiting for an idle network."""
    page.goto(address)
    # A function, not an expression: Playwright would eval() an expression, which the
    # Content-Security-Policy refuses.
    page.wait_for_function("() => window.htmx === undefined || window.__htmxBusy === 0")


def page_width(page: Page, address: str) -> tuple[int, int, list[str]]:
    """The page's width, the window's, and what sticks out of the window."""
    settled(page, address)
    return page.evaluate(
        """() => [document.documentElement.scrollWidth, window.innerWidth,
                  [...document.querySelectorAll("body *")]
                    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
                    .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.classList}`)]"""
    )


def check_pages(context, demo, pages: dict[str, Callable[[Demo], str]]) -> None:
    base_url, data = demo
    page = context.new_page()
    too_wide = {}
    try:
        for name, address in pages.items():
            width, window, sticking_out = page_width(page, address(data))
            if width != window:
                too_wide[f"{name} ({address(data)})"] = (width, sticking_out)
    finally:
        page.close()
    assert not too_wide, f"pages wider than the {PHONE['width']} px phone: {too_wide}"
    context.csp.assert_none()


def test_every_page_fits_a_phone_for_a_visitor(visitor, demo):
    check_pages(visitor, demo, PUBLIC)


def test_every_page_fits_a_phone_for_a_signed_in_shopper(shopper, demo):
    check_pages(shopper, demo, PUBLIC | SIGNED_IN)


SELLER_EMAIL, SELLER_PASSWORD = "seller@demo.etalase.id", "etalase-seller"


@pytest.fixture(scope="module")
def seller(browser, demo):
    """The demo seller, signed in on a phone (sellers answer chats on their phones)."""
    context = signed_in_phone(browser, demo, SELLER_EMAIL, SELLER_PASSWORD)
    yield context
    context.close()


@pytest.fixture(scope="module")
def seller_rows(demo, django_db_blocker):
    """Rows the seller's pages below open, written before any test's transaction begins, so the
    live server (another connection) sees them; ``demo`` flushes them with the rest."""
    from catalog.models import Store
    from chat.assistant.models import AssistantEvent, FaqEntry
    from chat.models import Conversation
    from tests.marketing.campaign_helpers import campaign_for

    with django_db_blocker.unblock():
        store = Store.objects.get(owner__email=SELLER_EMAIL)
        thread = Conversation.objects.filter(store=store).order_by("pk").first()
        assert thread is not None, "the demo seller has chats"
        # an assistant's answer, with a long unanswered question in its report
        entry = FaqEntry.objects.create(
            store=store, question="Bahannya apa? " * 10, keywords="bahan, material, kain", answer="Katun. " * 40
        )
        AssistantEvent.objects.create(
            store=store, conversation=thread, kind="unanswered", text="bisa kirim ke luar negeri gak kak " * 6
        )
        # a draft campaign with every block
        product = store.products.order_by("pk").first()
        draft = campaign_for(
            store,
            name="Draf dengan nama yang cukup panjang untuk sebuah kampanye " * 2,
            blocks=[
                {"type": "text", "text": "Halo! " * 80},
                {"type": "products", "products": [product.pk]},
                {"type": "button", "label": "Lihat semua produk kami", "url": "https://etalase.example/" + "a" * 200},
            ],
        )
        return {"thread": thread.pk, "faq_entry": entry.pk, "draft": draft.pk}


def assert_pages_answer(context, demo, pages: dict[str, Callable[[Demo], str]]) -> None:
    """Each page answers 200: it is the page itself, not an error page (which would fit as well)."""
    for address in pages.values():
        assert context.request.get(f"{demo[0]}{address(demo[1])}").status == 200, address(demo[1])


def test_the_seller_inbox_and_a_thread_fit_a_phone(seller, demo, seller_rows):
    # given the demo seller's chats, an assistant's answer and an unanswered question (seller_rows)
    thread, entry = seller_rows["thread"], seller_rows["faq_entry"]
    pages = {
        "inbox": lambda d: "/chat/store/",
        "thread": lambda d: f"/chat/{thread}/",
        "product search": lambda d: f"/chat/{thread}/products/",
        "assistant report": lambda d: "/chat/assistant/",
        "assistant answers": lambda d: "/chat/assistant/faq/",
        "assistant answer": lambda d: f"/chat/assistant/faq/{entry}/",
    }
    assert_pages_answer(seller, demo, pages)
    # when they open their inbox, a chat, its product search and the assistant's pages, then
    # none scrolls sideways
    check_pages(seller, demo, pages)


def test_the_seller_customer_pages_fit_a_phone(seller, visitor, demo):
    # given the demo seller's customers, one with consent (a long history) and a merge
    from marketing import tokens
    from marketing.models import Contact

    contact = (
        Contact.objects.filter(store__owner__email=SELLER_EMAIL, consent__state="confirmed").order_by("pk").first()
    )
    assert contact is not None, "the demo seller has customers with consent"
    confirm = tokens.confirm_token(contact_id=contact.pk, event_id=contact.consent_events.order_by("pk").first().pk)
    unsubscribe = tokens.unsubscribe_token(store_id=contact.store_id, email=contact.consent.email)
    # when the seller opens the list, a contact, the import and the erase pages, and a
    # subscriber their links' pages, then none scrolls sideways
    check_pages(
        seller,
        demo,
        {
            "customers": lambda d: "/customers/",
            "a group": lambda d: "/customers/?group=new",
            "a contact": lambda d: f"/customers/{contact.pk}/",
            "import": lambda d: "/customers/import/",
            "erase": lambda d: f"/customers/{contact.pk}/erase/",
        },
    )
    check_pages(
        visitor,
        demo,
        {
            "confirm": lambda d: f"/news/confirm/{confirm}/",
            "unsubscribe": lambda d: f"/news/unsubscribe/{unsubscribe}/",
        },
    )


def test_the_seller_campaign_pages_fit_a_phone(seller, demo, seller_rows):
    # given the demo seller's sent campaign and a draft with every block (seller_rows)
    from catalog.models import Store
    from marketing.campaign_models import Campaign

    store = Store.objects.get(owner__email=SELLER_EMAIL)
    sent = Campaign.objects.filter(store=store, state=Campaign.State.SENT).order_by("pk").first()
    assert sent is not None, "the demo seller has a sent campaign"
    draft = seller_rows["draft"]
    pages = {
        "campaigns": lambda d: "/customers/campaigns/",
        "new campaign": lambda d: "/customers/campaigns/new/",
        "a draft": lambda d: f"/customers/campaigns/{draft}/",
        "its editor": lambda d: f"/customers/campaigns/{draft}/edit/",
        "a report": lambda d: f"/customers/campaigns/{sent.pk}/",
        "segments": lambda d: "/customers/segments/",
        "segment builder": lambda d: "/customers/segments/new/",
    }
    assert_pages_answer(seller, demo, pages)
    # when they open the campaigns, the composer, a draft, its editor, a report and the
    # segments, then none scrolls sideways
    check_pages(seller, demo, pages)


def test_the_seller_flow_pages_fit_a_phone(seller, demo):
    # given the demo seller's flows (made by the server on the first visit to the list: rows
    # written here, in the test's transaction, would be invisible to it, or block it)
    from catalog.models import Store
    from marketing.flow_models import Flow

    check_pages(seller, demo, {"flows": lambda d: "/customers/flows/"})
    store = Store.objects.get(owner__email=SELLER_EMAIL)
    flows = {flow.kind: flow for flow in Flow.objects.filter(store=store)}
    assert len(flows) == len(Flow.Kind.values)
    after_delivery = flows[Flow.Kind.POST_DELIVERY]
    step = after_delivery.steps.order_by("position").first()  # text, tips, text, "you may also like"
    product = store.products.order_by("pk").first()
    pages = {
        "a flow": lambda d: f"/customers/flows/{after_delivery.pk}/",
        "win-back": lambda d: f"/customers/flows/{flows[Flow.Kind.WIN_BACK].pk}/",
        "an email": lambda d: f"/customers/flows/emails/{step.pk}/",
        "usage tips": lambda d: "/customers/flows/tips/",
        "a product's tips": lambda d: f"/customers/flows/tips/{product.pk}/",
    }
    assert_pages_answer(seller, demo, pages)
    # when they open a flow, its email, the tips and one product's tips, then none scrolls sideways
    check_pages(seller, demo, pages)


def test_the_seller_and_staff_insights_fit_a_phone(seller, browser, demo):
    # given a month of the demo store's figures, its posts and products among them
    from catalog.models import Store
    from tests.insights.figures import figures_of

    store = Store.objects.get(owner__email=SELLER_EMAIL)
    figures_of(store, days=30)
    staff = signed_in_phone(browser, demo, "admin@demo.etalase.id", "etalase-admin")
    try:
        # when the seller opens their insights (a month, today) and the staff their overview
        months = {"month": lambda d: "/insights/?range=30d", "today": lambda d: "/insights/?range=today"}
        check_pages(seller, demo, months)
        check_pages(staff, demo, {"every store": lambda d: "/insights/staff/?range=30d"})
    finally:
        staff.close()


def inside_the_screen(page: Page, locator) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{locator} is off-screen: {box}"
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], f"{locator} is off-screen: {box}"


def test_the_product_sheet_fits_a_phone(shopper, demo):
    # given the signed-in shopper's feed on a phone, "People you may know" and all
    page = shopper.new_page()
    settled(page, "/")
    # (the dots sit where they were placed: data-vars, applied by site.js, since the
    # Content-Security-Policy refuses style="" attributes)
    dot = page.locator(".tag-dot").first
    x = dot.evaluate("(dot) => getComputedStyle(dot).getPropertyValue('--x').trim()")
    assert x and f"--x: {x}" in dot.get_attribute("data-vars")
    # when they tap a product's tag dot
    dot.click()
    sheet = page.locator("#product-sheet")
    expect(sheet.locator(".product-sheet__title")).to_be_visible()
    # then the price, the variant choices and every button are inside the screen
    inside_the_screen(page, sheet.locator("[data-variant-price]"))
    for label in sheet.locator(".option-group__label").all():
        inside_the_screen(page, label)
    inside_the_screen(page, sheet.get_by_role("button", name="Add to cart"))
    inside_the_screen(page, sheet.locator("[data-sheet-close]"))
    buy_now = sheet.get_by_role("button", name="Buy now")
    buy_now.scroll_into_view_if_needed()
    inside_the_screen(page, buy_now)
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    page.close()


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


@pytest.mark.parametrize("width", [360, 390])
def test_the_header_links_do_not_cover_the_wordmark(visitor, shopper, seller, demo, width):
    # (the seller has the most links: the cart, chats and the bell with badges, and a long name)
    for context in (visitor, shopper, seller):
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 844})
        settled(page, "/")
        wordmark = page.locator(".site-header .brand").bounding_box()
        for item in (".cart-link", ".chat-link", ".account-nav__links", ".bell", ".menu__toggle", ".language-menu"):
            for element in page.locator(f".site-header {item}").all():
                box = element.bounding_box()
                assert not overlaps(wordmark, box), f"{item} covers the wordmark at {width} px: {wordmark} {box}"
                assert box["x"] + box["width"] <= width
        page.close()


def test_the_site_icon_answers(visitor):
    # when the browser fetches /favicon.ico (pages that link no icon) and the icon base.html links
    linked = visitor.new_page()
    settled(linked, "/")
    href = linked.locator('link[rel="icon"]').get_attribute("href")
    linked.close()
    # then both answer with the icon, not a 404
    for address in ("/favicon.ico", href):
        response = visitor.request.get(address)
        assert response.ok and response.headers["content-type"].startswith("image/svg+xml"), address
