"""A shopper reviews a product with a photo on its page, in a real browser, and sees the
product's average and count change in place (from 4.0 out of 1 review to 4.5 out of 2).

The ORM and the factories only build the product and its first review and check the result;
every step the shopper takes goes through the page. ``window.__marker`` survives only if the
page was not reloaded (htmx swapped the section in place).
"""

from playwright.sync_api import Page, expect

from social import services
from social.models import ProductRating, Review
from tests.factories import PASSWORD, ProductFactory, StoreFactory, UserFactory, VariantFactory, image_file

PRODUCT_TITLE = "Kopi Toraja Sapan"
REVIEW_TITLE = "Wangi dan manis"


def log_in(page: Page, user) -> None:
    """Through allauth's login page, with the email and the factories' password."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(user.username)


def test_shopper_writes_a_review_with_a_photo_and_sees_the_average_change(page, tmp_path):
    # given: a product with one review of 4 stars, and a shopper
    store = StoreFactory(name="Kopi Toraja Ayu", slug="kopi-toraja-ayu")
    product = ProductFactory(store=store, title=PRODUCT_TITLE, slug="kopi-toraja-sapan")
    VariantFactory(product=product, price=9_500_000, stock=5)
    services.write_review(author=UserFactory(), product=product, rating=4, title="Enak")
    shopper = UserFactory(username="sari", email="sari@example.com", first_name="Sari", last_name="Dewi")
    photo = tmp_path / "cangkir.jpg"
    photo.write_bytes(image_file("cangkir.jpg", size=(640, 480)).read())

    # when: they log in and open the product page
    log_in(page, shopper)
    page.goto(product.get_absolute_url())
    reviews = page.get_by_role("region", name="Reviews")
    expect(reviews.get_by_role("img", name="Rated 4.0 out of 5")).to_be_visible()
    expect(reviews.get_by_text("1 review", exact=True)).to_be_visible()
    page.evaluate("window.__marker = 1")

    # and write a review with five stars, a title and a photo
    reviews.get_by_role("link", name="Write a review").click()
    form = reviews.locator("form.review-form")
    expect(form.get_by_role("heading", name="Write a review")).to_be_focused()
    form.get_by_role("radio", name="5 stars").check()
    form.get_by_label("Title").fill(REVIEW_TITLE)
    form.get_by_label("Your review").fill("Aromanya kuat, cocok untuk pagi hari.")
    form.get_by_label("Add photos").set_input_files(str(photo))
    form.get_by_label("Describe the new photos").fill("Secangkir kopi di meja")
    form.get_by_role("button", name="Publish review").click()

    # then: the section comes back in place, with the new average and count
    reviews = page.get_by_role("region", name="Reviews")
    expect(reviews.get_by_text("Thank you! Your review is published.")).to_be_visible()
    expect(reviews.get_by_role("img", name="Rated 4.5 out of 5")).to_be_visible()
    expect(reviews.get_by_text("2 reviews", exact=True)).to_be_visible()
    mine = reviews.get_by_role("article", name=REVIEW_TITLE)
    expect(mine).to_be_visible()
    expect(mine.get_by_text("Sari Dewi")).to_be_visible()
    expect(mine.get_by_role("img", name="Secangkir kopi di meja")).to_be_visible()
    expect(reviews.get_by_role("link", name="Edit your review")).to_be_visible()
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"

    # when: they sort by lowest rating (htmx swaps the list)
    reviews.get_by_label("Sort by").select_option("lowest")

    # then: the 4-star review comes first now, still without a reload
    first = reviews.get_by_role("listitem").filter(has=page.get_by_role("article")).first
    expect(first.get_by_role("heading", level=3)).to_have_text("Enak")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"

    # and the database agrees
    written = Review.objects.get(author=shopper)
    assert (written.rating, written.title, written.photos.count()) == (5, REVIEW_TITLE, 1)
    rating = ProductRating.objects.get(pk=product.pk)
    assert (rating.count, rating.total) == (2, 9)
