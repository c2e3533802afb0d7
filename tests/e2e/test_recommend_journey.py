"""Send to a friend, in a real browser: a shopper opens a product page, sends the product to a
friend with a note (the form opens and answers in place, htmx); the friend logs in, sees the
bell count, follows the notification to "Recommended to you" and finds the product and the note.

The ORM and the factories only build what the two meet (a product, two friends) and check the
results; every step they take goes through the pages.
"""

import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from shop.models import Notification
from social import services
from social.models import Recommendation
from tests.factories import PASSWORD, ProductFactory, StoreFactory, UserFactory, VariantFactory

PRODUCT_TITLE = "Kopi Gayo Arabica"
NOTE = "Ini kopi yang aku ceritain kemarin!"


def log_in(page: Page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(user.username)


def test_a_shopper_recommends_a_product_to_a_friend_who_finds_it_after_logging_in(page):
    # given: a product on sale, and two friends (each follows the other)
    store = StoreFactory(name="Kopi Gayo Ayu", slug="kopi-gayo-ayu")
    product = ProductFactory(store=store, title=PRODUCT_TITLE, slug="kopi-gayo-arabica")
    VariantFactory(product=product, sku="KOPI-M", price=12_500_000, stock=4)
    dewi = UserFactory(username="dewi", email="dewi@example.com", first_name="Dewi")
    ani = UserFactory(username="ani", email="ani@example.com", first_name="Ani")
    for follower, followee in ((dewi, ani), (ani, dewi)):
        services.follow(follower=follower, profile=services.profile_for_user(user=followee))
    stranger = UserFactory(username="stranger", first_name="Stranger")
    Notification.objects.update(read_at=timezone.now())  # the follows' news, read long ago

    # when: Dewi opens the product page and asks to send it to a friend
    log_in(page, dewi)
    page.goto(f"/p/{product.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(PRODUCT_TITLE)
    page.evaluate("window.__marker = 1")
    page.get_by_role("link", name="Send to a friend").click()

    # then: the form opens in place, listing her friends only
    form = page.get_by_role("form", name=f"Send {PRODUCT_TITLE} to friends")
    expect(form).to_be_visible()
    friends = form.get_by_role("group", name="Friends")
    expect(friends.get_by_role("checkbox", name="Ani")).to_be_visible()
    expect(friends.get_by_role("checkbox", name=stranger.first_name)).to_have_count(0)

    # when: she ticks Ani, writes a note and sends
    friends.get_by_role("checkbox", name="Ani").check()
    form.get_by_label("Note (optional)").fill(NOTE)
    form.get_by_role("button", name="Send").click()

    # then: it is sent, without leaving the page
    expect(page.get_by_role("status").filter(has_text="Sent to Ani.")).to_be_visible()
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    recommendation = Recommendation.objects.get()
    assert (recommendation.sender, recommendation.recipient, recommendation.product) == (dewi, ani, product)
    assert recommendation.note == NOTE

    # when: Ani logs in (in the same browser, after Dewi logged out)
    page.context.clear_cookies()
    log_in(page, ani)

    # then: her bell counts the recommendation
    bell = page.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(bell.locator(".bell__badge")).to_have_text("1")

    # when: she opens the inbox and follows the notification
    bell.click()
    row = page.get_by_role("main").get_by_role("link", name=re.compile(f"Dewi recommended {PRODUCT_TITLE} to you"))
    expect(row).to_be_visible()
    row.click()

    # then: "Recommended to you" shows the product and Dewi's note, and the bell is quiet again
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommended to you")
    main = page.get_by_role("main")
    expect(main.get_by_text(NOTE)).to_be_visible()
    expect(main.get_by_role("link", name=PRODUCT_TITLE)).to_be_visible()
    expect(main.get_by_text("Dewi recommended a product")).to_be_visible()
    expect(bell.locator(".bell__badge")).to_have_count(0)
    recommendation.refresh_from_db()
    assert recommendation.seen_at is not None

    # when: she opens the product from there
    main.get_by_role("link", name=PRODUCT_TITLE).click()
    expect(page).to_have_url(re.compile(f"/p/{product.slug}/$"))
