"""A shopper's social day in a real browser: follow a store, find its post in Following,
open a tagged product's sheet, like and comment; and a visitor scrolling the home page.

The ORM and the factories only build what the shopper meets (a store, its product, its
post) and check the results; every step the shopper takes goes through the pages.
``window.__marker`` is set on a page and checked after each step: a full page load
would wipe it, so a step that keeps it happened in place (htmx), as the issue asks.
"""

from playwright.sync_api import Page, expect

from social import services
from social.models import Comment, Follow, Post
from tests.factories import PASSWORD, ProductFactory, StoreFactory, UserFactory, VariantFactory, make_post

STORE_NAME = "Kopi Gayo Ayu"
PRODUCT_TITLE = "Kopi Gayo Arabica"
CAPTION = "Panen baru dari dataran tinggi Gayo."
COMMENT = "Wangi sekali, kirim ke Bandung bisa?"


def mark_page(page: Page) -> None:
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def log_in(page: Page, user) -> None:
    """Through allauth's login page, with the email and the factories' password."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(user.username)


def test_shopper_follows_a_store_opens_a_tagged_product_likes_and_comments_without_reloading(page):
    # given: a store with a product in two sizes, and its post tagging that product
    store = StoreFactory(name=STORE_NAME, slug="kopi-gayo-ayu")
    product = ProductFactory(store=store, title=PRODUCT_TITLE, slug="kopi-gayo-arabica")
    VariantFactory(product=product, sku="KOPI-S", options={"Size": "S"}, price=7_500_000, stock=0)
    VariantFactory(product=product, sku="KOPI-M", options={"Size": "M"}, price=12_500_000, stock=4)
    store_profile = services.profile_for_store(store=store)
    post = make_post(store.owner, profile=store_profile, caption=CAPTION, products=[product])
    shopper = UserFactory(username="dewi", email="dewi@example.com")

    # when: the shopper logs in and follows the store from its profile page
    log_in(page, shopper)
    page.goto(f"/s/{store.slug}/posts/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(STORE_NAME)
    followers = page.locator(f"#follower-count-{store_profile.pk}")
    expect(followers).to_have_text("0 followers")
    mark_page(page)
    page.get_by_role("button", name=f"Follow {STORE_NAME}", exact=True).click()

    # then: the button turns into "Following" and the count goes up, in place
    following_button = page.get_by_role("button", name=f"Following {STORE_NAME}", exact=True)
    expect(following_button).to_have_attribute("aria-pressed", "true")
    expect(followers).to_have_text("1 follower")
    assert_not_reloaded(page)

    # when: they go to their feed, which is now Following
    page.get_by_role("navigation", name="Social").get_by_role("link", name="Feed").click()
    feeds = page.get_by_role("navigation", name="Feeds")
    expect(feeds.get_by_role("link", name="Following")).to_have_attribute("aria-current", "page")

    # then: the store's post is there
    card = page.get_by_role("article", name=STORE_NAME)
    expect(card).to_have_count(1)
    expect(card.get_by_text(CAPTION)).to_be_visible()
    mark_page(page)

    # when: they tap the tag dot on the picture
    dot = card.get_by_role("button", name=f"Tagged: {PRODUCT_TITLE}", exact=True)
    dot.click()

    # then: the product sheet opens in place with the title, price and variant picker
    sheet = page.get_by_role("dialog", name=PRODUCT_TITLE)
    expect(sheet).to_be_visible()
    expect(sheet.get_by_role("heading", name=PRODUCT_TITLE)).to_be_focused()
    expect(sheet.get_by_text("IDR125,000", exact=True)).to_be_visible()
    expect(sheet.get_by_text("In stock: 4", exact=True)).to_be_visible()
    size = sheet.get_by_role("group", name="Size")
    expect(size.get_by_role("radio", name="M", exact=True)).to_be_checked()
    expect(size.get_by_role("radio", name="S", exact=True)).not_to_be_checked()
    expect(sheet.get_by_role("link", name="View product")).to_have_attribute("href", f"/p/{product.slug}/")
    assert_not_reloaded(page)

    # when: they close it with Escape
    page.keyboard.press("Escape")

    # then: the sheet goes and the focus is back on the dot
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(dot).to_be_focused()
    assert_not_reloaded(page)

    # when: they like the post
    like = card.get_by_role("button", name="Like", exact=True)
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(card.get_by_text("0 likes", exact=True)).to_be_visible()
    like.click()

    # then: the button shows it is liked and the count is 1
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(card.get_by_text("1 like", exact=True)).to_be_visible()
    assert_not_reloaded(page)

    # when: they open the post's comments, which unfold inside the feed card
    card.get_by_role("link", name="Add a comment").click()
    comments = card.get_by_role("region", name="0 comments")
    expect(comments).to_be_visible()
    comments.get_by_label("Add a comment").fill(COMMENT)
    comments.get_by_role("button", name="Post", exact=True).click()

    # then: the comment appears in the card without a reload, and the form is empty again
    comments = card.get_by_role("region", name="1 comment")
    expect(comments.get_by_role("listitem").filter(has_text=COMMENT)).to_have_count(1)
    expect(comments.get_by_role("link", name="dewi", exact=True)).to_be_visible()
    expect(comments.get_by_label("Add a comment")).to_have_value("")
    # and the count in the card's action bar follows (swapped out of band)
    expect(card.locator(f"#post-{post.pk}-comment-count")).to_have_text("1")
    assert_not_reloaded(page)

    # and the database agrees
    assert Follow.objects.filter(follower=shopper, followee=store_profile).exists()
    store_profile.refresh_from_db()
    assert store_profile.follower_count == 1
    post = Post.objects.get(pk=post.pk)
    assert post.like_count == 1
    assert post.comment_count == 1
    assert list(Comment.objects.filter(post=post).values_list("author__username", "body")) == [("dewi", COMMENT)]


POSTS = 25
FIRST_PAGE = 20  # social.selectors.PAGE_SIZE


def test_anonymous_visitor_scrolls_the_home_page_and_more_posts_load_in_place(page):
    # given: 25 posts from five stores, more than a first page of For you
    for n in range(5):
        store = StoreFactory(name=f"Toko Nusantara {n}")
        profile = services.profile_for_store(store=store)
        for m in range(POSTS // 5):
            make_post(store.owner, profile=profile, caption=f"Post {n}-{m}")

    # when: an anonymous visitor opens the home page
    page.goto("/")
    expect(page.get_by_role("heading", name="For you")).to_be_visible()
    cards = page.get_by_role("main").get_by_role("article")
    expect(cards).to_have_count(FIRST_PAGE)
    mark_page(page)

    # and scrolls to the bottom, where the "More posts" link comes into view
    more = page.get_by_role("link", name="More posts")
    expect(more).to_have_count(1)
    page.mouse.move(640, 450)
    page.mouse.wheel(0, 100_000)

    # then: the next page joins the feed on the same page, and the feed says it has ended
    expect(cards).to_have_count(POSTS)
    expect(page.get_by_text("You are all caught up.")).to_be_visible()
    expect(more).to_have_count(0)
    assert_not_reloaded(page)
    shown = page.locator("article.post-card").evaluate_all("cards => cards.map(card => card.id)")
    assert len(set(shown)) == POSTS
    assert {f"post-{pk}" for pk in Post.objects.values_list("pk", flat=True)} == set(shown)
