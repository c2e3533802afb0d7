"""Reviews on the site: the product page's section, writing with photos, helpful, report, the
seller's reply and hiding, sort and filter with htmx; ratings on product cards and in the
feed's product sheet; and what each of these costs in queries."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checkout import services as checkout_services
from social import services
from social.models import Review, ReviewReply, ReviewReport
from tests.factories import (
    ProductFactory,
    ProductImageFactory,
    StoreFactory,
    UserFactory,
    VariantFactory,
    buyable_variant,
    image_file,
    make_post,
    place,
)

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def review(product, rating=5, author=None, **kwargs) -> Review:
    written, _created = services.write_review(author=author or UserFactory(), product=product, rating=rating, **kwargs)
    return written


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode()).strip()


def section_url(product) -> str:
    return product.get_absolute_url()


# --- The product page -----------------------------------------------------------------------------


def test_the_product_page_shows_the_average_histogram_and_reviews_with_badge_photo_and_reply(
    client, django_capture_on_commit_callbacks
):
    # given: a verified purchase with a photo and the seller's reply, and another review
    variant = buyable_variant()
    product = variant.product
    buyer = UserFactory(first_name="Ani", last_name="Wijaya")
    order = place(buyer, (variant, 1)).orders[0]
    with django_capture_on_commit_callbacks(execute=True):
        checkout_services.confirm_transfer(order=order, actor=product.store.owner)
        verified = review(product, 5, buyer, title="Wangi sekali", photos=[image_file()], photo_alts=["The bag"])
    review(product, 2, title="Too bitter")
    services.reply_to_review(review=verified, actor=product.store.owner, body="Terima kasih, kak!")
    # when
    response = client.get(product.get_absolute_url())
    body = text(response)
    # then
    assert response.status_code == 200
    assert 'id="reviews"' in body
    assert "3.5" in body and "2 reviews" in body and 'aria-label="Rated 3.5 out of 5"' in body
    assert body.count('class="histogram__row"') == 5
    assert "Wangi sekali" in body and "Too bitter" in body and "Ani Wijaya" in body
    assert body.count("Verified purchase") == 1
    assert 'alt="The bag"' in body
    assert f"Reply from {product.store.name}" in body and "Terima kasih, kak!" in body
    assert "Log in to write a review" in body


def test_the_section_offers_write_or_edit_and_hides_it_from_the_seller(client):
    product = ProductFactory()
    shopper = UserFactory()
    client.force_login(shopper)
    assert "Write a review" in text(client.get(product.get_absolute_url()))
    review(product, 4, shopper)
    assert "Edit your review" in text(client.get(product.get_absolute_url()))
    client.force_login(product.store.owner)
    body = text(client.get(product.get_absolute_url()))
    assert "Write a review" not in body and "Edit your review" not in body
    assert "Publish reply" in body and ">Hide</button>" in body


def test_hidden_reviews_are_not_listed(client):
    product = ProductFactory()
    hidden = review(product, 1, title="Buy followers here")
    review(product, 5, title="Lovely")
    services.hide_review(review=hidden, actor=product.store.owner)
    body = text(client.get(product.get_absolute_url()))
    assert "Lovely" in body and "Buy followers here" not in body and "1 review" in body


def _page_costs(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _reviews_with_photos_and_replies(product, count):
    for _ in range(count):
        written = review(product, 4, photos=[image_file()])
        services.reply_to_review(review=written, actor=product.store.owner, body="Thanks!")
        services.vote_helpful(user=UserFactory(), review=written)


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_product_page_costs_the_same_queries_for_2_and_12_reviews(client, logged_in):
    # given
    product = ProductFactory()
    VariantFactory(product=product)
    ProductImageFactory(product=product)
    viewer = UserFactory()
    if logged_in:
        client.force_login(viewer)
    _reviews_with_photos_and_replies(product, 2)
    two = _page_costs(client, product.get_absolute_url())
    # when ten more arrive
    _reviews_with_photos_and_replies(product, 10)
    twelve = _page_costs(client, product.get_absolute_url())
    # then
    print(f"product page ({'logged in' if logged_in else 'anonymous'}): {two} queries for 2 reviews, {twelve} for 12")
    assert twelve == two
    body = text(client.get(product.get_absolute_url()))
    assert "12 reviews" in body and body.count('class="review"') == 10 and "Show more reviews" in body


# --- Writing ------------------------------------------------------------------------------------------


def test_writing_needs_a_login(client):
    product = ProductFactory()
    url = reverse("social:review_write", kwargs={"slug": product.slug})
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    response = client.post(url, {"rating": "5"}, headers={**HX, "HX-Current-URL": "http://testserver/"})
    assert response.status_code == 401
    assert not Review.objects.exists()


def test_write_a_review_with_a_photo_on_its_page(client, django_capture_on_commit_callbacks):
    # given
    product = ProductFactory()
    review(product, 4)
    shopper = UserFactory()
    client.force_login(shopper)
    url = reverse("social:review_write", kwargs={"slug": product.slug})
    assert client.get(url).status_code == 200
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "rating": "5",
                "title": "Enak",
                "body": "Kopi terbaik.",
                "photos": [image_file("cup.jpg")],
                "photo_alt": "A cup",
            },
        )
    # then
    assert response.status_code == 302 and response["Location"] == f"{product.get_absolute_url()}#reviews"
    written = Review.objects.get(author=shopper)
    assert (written.rating, written.title, written.body) == (5, "Enak", "Kopi terbaik.")
    photo = written.photos.get()
    assert photo.alt_text == "A cup" and photo.renditions_ready
    body = text(client.get(product.get_absolute_url()))
    assert "4.5" in body and "2 reviews" in body


def test_with_htmx_writing_swaps_the_section_and_the_average_changes(client):
    # given a product rated 4.0 by one review
    product = ProductFactory()
    review(product, 4)
    client.force_login(UserFactory())
    url = reverse("social:review_write", kwargs={"slug": product.slug})
    form = client.get(url, headers=HX)
    assert form.status_code == 200 and "<html" not in form.content.decode() and 'hx-post="' in form.content.decode()
    # when
    response = client.post(url, {"rating": "5", "photos": [image_file()]}, headers=HX)
    # then: the whole section comes back, with the new average and count
    body = text(response)
    assert response.status_code == 200 and body.startswith('<section id="reviews"')
    assert "4.5" in body and "2 reviews" in body and "Thank you! Your review is published." in body


def test_refused_photos_come_back_in_the_form_with_their_reasons(client):
    product = ProductFactory()
    client.force_login(UserFactory())
    url = reverse("social:review_write", kwargs={"slug": product.slug})
    fake = SimpleUploadedFile("cat.jpg", b"meow, not a picture", content_type="image/jpeg")
    response = client.post(url, {"rating": "5", "photos": [fake]}, headers=HX)
    assert response.status_code == 400 and response["X-Swap-Errors"] == "true"
    assert "cat.jpg" in text(response) and "not a JPEG, PNG or WebP" in text(response)
    six = [image_file(f"{n}.jpg") for n in range(6)]
    response = client.post(url, {"rating": "5", "photos": six})
    assert response.status_code == 400 and "at most 5 photos" in text(response)
    response = client.post(url, {"title": "No stars"})
    assert response.status_code == 400 and "Choose 1 to 5 stars." in text(response)
    assert not Review.objects.exists()


def test_edit_your_review_removing_a_photo_and_delete_it(client):
    product = ProductFactory()
    shopper = UserFactory()
    mine = review(product, 3, shopper, title="Hmm", photos=[image_file(), image_file()])
    first = mine.photos.order_by("position").first()
    client.force_login(shopper)
    url = reverse("social:review_write", kwargs={"slug": product.slug})
    form = text(client.get(url))
    assert 'value="Hmm"' in form and f'name="remove_photos" value="{first.pk}"' in form
    client.post(url, {"rating": "4", "title": "Better", "remove_photos": [str(first.pk)]})
    mine.refresh_from_db()
    assert (mine.rating, mine.title, mine.photos.count()) == (4, "Better", 1)
    response = client.post(reverse("social:review_delete", kwargs={"slug": product.slug}), headers=HX)
    assert response.status_code == 200 and "Your review is deleted." in text(response)
    assert not Review.objects.exists()


def test_the_seller_cannot_write_a_review_of_their_product(client):
    product = ProductFactory()
    client.force_login(product.store.owner)
    response = client.post(reverse("social:review_write", kwargs={"slug": product.slug}), {"rating": "5"})
    assert response.status_code == 403 and not Review.objects.exists()


def test_a_draft_product_has_no_review_form_even_for_its_seller(client):
    product = ProductFactory(status="draft")
    client.force_login(UserFactory())
    assert client.get(reverse("social:review_write", kwargs={"slug": product.slug})).status_code == 404


# --- Helpful, report, reply, hide -------------------------------------------------------------------------


def test_helpful_toggles_in_place(client):
    product = ProductFactory()
    written = review(product, 5)
    client.force_login(UserFactory())
    url = reverse("social:review_helpful", kwargs={"pk": written.pk})
    voted = client.post(url, {"on": "1"}, headers=HX)
    again = client.post(url, {"on": "1"}, headers=HX)  # a double tap changes nothing
    assert voted.status_code == again.status_code == 200
    assert 'aria-pressed="true"' in text(again) and "1 person found this helpful" in text(again)
    assert Review.objects.get(pk=written.pk).helpful_count == 1
    taken_back = client.post(url, {"on": "0"}, headers=HX)
    assert 'aria-pressed="false"' in text(taken_back) and Review.objects.get(pk=written.pk).helpful_count == 0
    # without JavaScript: back to the review
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].endswith(f"#review-{written.pk}")


def test_the_author_cannot_find_their_own_review_helpful(client):
    written = review(ProductFactory(), 5)
    client.force_login(written.author)
    response = client.post(reverse("social:review_helpful", kwargs={"pk": written.pk}), headers=HX)
    assert response.status_code == 403 and Review.objects.get(pk=written.pk).helpful_count == 0


def test_report_a_review_once(client):
    written = review(ProductFactory(), 1)
    client.force_login(UserFactory())
    url = reverse("social:review_report", kwargs={"pk": written.pk})
    assert client.get(url).status_code == 200  # the form as a page, without JavaScript
    response = client.post(url, {"reason": "spam"}, headers=HX)
    assert response.status_code == 200 and "will look at this review" in text(response)
    client.post(url, {"reason": "fake"}, headers=HX)
    assert ReviewReport.objects.count() == 1 and Review.objects.get(pk=written.pk).report_count == 1
    assert client.post(url, {"reason": "nonsense"}, headers=HX).status_code == 400
    body = text(client.get(written.product.get_absolute_url()))
    assert "You reported this review." in body


def test_only_the_store_owner_replies_on_the_site(client):
    product = ProductFactory()
    written = review(product, 3)
    url = reverse("social:review_reply", kwargs={"pk": written.pk})
    for stranger in (UserFactory(), written.author, StoreFactory().owner, UserFactory(is_superuser=True)):
        client.force_login(stranger)
        assert client.post(url, {"body": "Hi"}).status_code == 403
    assert not ReviewReply.objects.exists()
    client.force_login(product.store.owner)
    response = client.post(url, {"body": "Maaf, kami kirim ulang."}, headers=HX)
    assert response.status_code == 200 and "Maaf, kami kirim ulang." in text(response)
    assert text(response).startswith(f'<li class="review" id="review-{written.pk}"')
    response = client.post(url, {"body": "Sudah dikirim ulang."})
    assert response.status_code == 302
    assert ReviewReply.objects.get().body == "Sudah dikirim ulang."


def test_the_seller_and_staff_hide_a_review_and_the_average_changes(client):
    product = ProductFactory()
    bad = review(product, 1, title="Spam spam")
    review(product, 5)
    url = reverse("social:review_hide", kwargs={"pk": bad.pk})
    client.force_login(UserFactory())
    assert client.post(url, headers=HX).status_code == 403
    client.force_login(product.store.owner)
    response = client.post(url, headers=HX)
    body = text(response)
    assert response.status_code == 200 and "Spam spam" not in body and "5.0" in body and "1 review" in body
    assert Review.objects.get(pk=bad.pk).is_hidden
    # a hidden review has no page of its own on the site any more
    assert client.post(reverse("social:review_helpful", kwargs={"pk": bad.pk})).status_code == 404


def test_staff_may_hide_any_review(client):
    written = review(ProductFactory(), 2)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.post(reverse("social:review_hide", kwargs={"pk": written.pk})).status_code == 302
    assert Review.objects.get(pk=written.pk).is_hidden


def test_reviews_of_a_draft_are_not_reachable_for_shoppers(client):
    product = ProductFactory()
    written = review(product, 4)
    product.status = "draft"
    product.save()
    client.force_login(UserFactory())
    assert client.post(reverse("social:review_helpful", kwargs={"pk": written.pk})).status_code == 404
    assert client.get(reverse("social:product_reviews", kwargs={"slug": product.slug})).status_code == 404


# --- Sort and filter ------------------------------------------------------------------------------------------


def test_sort_and_filter_swap_the_list_with_htmx_and_work_as_a_page_without(client):
    # given
    product = ProductFactory()
    now = timezone.now()
    for hours, (rating, title) in enumerate([(5, "Five old"), (1, "One star"), (4, "Four new")]):
        written = review(product, rating, title=title, photos=[image_file()] if rating == 1 else [])
        Review.objects.filter(pk=written.pk).update(created_at=now - timedelta(hours=10 - hours))
    url = reverse("social:product_reviews", kwargs={"slug": product.slug})
    # when: htmx asks for the lowest first
    body = text(client.get(url, {"sort": "lowest"}, headers=HX))
    # then: the results part only, in that order
    assert body.startswith('<div id="reviews-results"') and "<html" not in body
    assert body.index("One star") < body.index("Four new") < body.index("Five old")
    # 5 stars only; with photos only
    five = text(client.get(url, {"stars": "5"}, headers=HX))
    assert "Five old" in five and "Four new" not in five and "Showing 5-star reviews." in five
    photos = text(client.get(url, {"with_photos": "1"}, headers=HX))
    assert "One star" in photos and "Five old" not in photos
    # without JavaScript: a whole page of the product's reviews
    page = client.get(url, {"stars": "4"})
    assert page.status_code == 200 and "<html" in page.content.decode() and "Four new" in text(page)
    assert "Five old" not in text(page)


def test_more_reviews_come_page_by_page(client):
    product = ProductFactory()
    for number in range(13):
        review(product, 4, title=f"Review number {number}")
    first = client.get(product.get_absolute_url())
    more = re.search(r'hx-get="([^"]+cursor=[^"]+)"', first.content.decode()).group(1).replace("&amp;", "&")
    response = client.get(more, headers=HX)
    body = text(response)
    assert body.count('class="review"') == 3 and "Review number 0" in body and "Show more reviews" not in body
    assert (
        client.get(f"{reverse('social:product_reviews', kwargs={'slug': product.slug})}?cursor=forged").status_code
        == 400
    )


# --- Ratings elsewhere: product cards and the product sheet --------------------------------------------------


def _listed_products(count, store):
    for number in range(count):
        product = ProductFactory(store=store, title=f"Listed {number}", category=None)
        VariantFactory(product=product)
        ProductImageFactory(product=product)
        review(product, 4 + number % 2)


def test_product_cards_show_the_rating_in_one_query_for_the_page(client):
    # given
    store = StoreFactory()
    _listed_products(3, store)
    unrated = ProductFactory(store=store, title="Nobody reviewed me")
    VariantFactory(product=unrated)
    small = _page_costs(client, reverse("catalog:product_list"))
    _listed_products(9, store)
    # when
    big = _page_costs(client, reverse("catalog:product_list"))
    store_page = client.get(store.get_absolute_url())
    # then
    assert big == small
    body = text(client.get(reverse("catalog:product_list")))
    assert body.count('class="product-card__rating"') == 12
    assert "Rated 4.0 out of 5 from 1 review" in body and "Rated 5.0 out of 5 from 1 review" in body
    assert text(store_page).count('class="product-card__rating"') == 12


def test_the_feed_product_sheet_shows_the_rating(client):
    product = ProductFactory()
    VariantFactory(product=product)
    review(product, 4)
    review(product, 3)
    post = make_post(products=[product])
    tag = post.tags.get()
    response = client.get(reverse("social:product_sheet", kwargs={"pk": tag.pk}), headers=HX)
    body = text(response)
    assert "Rated 3.5 out of 5 from 2 reviews" in body and f"{product.get_absolute_url()}#reviews" in body
