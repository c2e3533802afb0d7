"""Reviews through their services: one per shopper and product, exact aggregates after every
change, verified purchases, photo rules, helpful votes, reports, moderation and the reply."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum

from checkout import services as checkout_services
from shop.models import Notification
from social import services
from social.models import ProductRating, Review, ReviewPhoto, ReviewReply, ReviewReport, ReviewVote
from social.reviews_signals import mark_reviews_of_paid_order
from tests.factories import ProductFactory, StoreFactory, UserFactory, buyable_variant, image_file, place

pytestmark = pytest.mark.django_db


def fresh_aggregate(product) -> dict:
    """What the product's visible reviews add up to, counted from the Review rows themselves."""
    visible = Review.objects.filter(product=product, is_hidden=False)
    totals = visible.aggregate(
        count=Count("id"),
        total=Sum("rating"),
        **{f"star_{star}": Count("id", filter=Q(rating=star)) for star in range(1, 6)},
    )
    totals["total"] = totals["total"] or 0
    return totals


def stored_aggregate(product) -> dict:
    row = ProductRating.objects.filter(pk=product.pk).first()
    if row is None:
        return {"count": 0, "total": 0, **{f"star_{star}": 0 for star in range(1, 6)}}
    return {name: getattr(row, name) for name in ("count", "total", *(f"star_{star}" for star in range(1, 6)))}


def assert_exact(product) -> None:
    assert stored_aggregate(product) == fresh_aggregate(product)


def write(author, product, rating=5, **kwargs):
    review, _created = services.write_review(author=author, product=product, rating=rating, **kwargs)
    return review


# --- Writing and the aggregates ---------------------------------------------------------------


def test_aggregates_are_exact_after_create_edit_hide_unhide_and_delete():
    # given
    product = ProductFactory()
    ani, budi, citra = UserFactory(), UserFactory(), UserFactory()

    # when: three reviews
    first = write(ani, product, 5)
    write(budi, product, 3)
    third = write(citra, product, 4)
    # then
    assert stored_aggregate(product) == {
        "count": 3, "total": 12, "star_1": 0, "star_2": 0, "star_3": 1, "star_4": 1, "star_5": 1,
    }  # fmt: skip
    assert_exact(product)

    # when: an edit moves a star
    write(ani, product, 2)
    # then
    assert stored_aggregate(product)["star_5"] == 0 and stored_aggregate(product)["star_2"] == 1
    assert stored_aggregate(product)["total"] == 9
    assert_exact(product)

    # when: the seller hides one, then shows it again, then its author deletes another
    services.hide_review(review=third, actor=product.store.owner)
    assert stored_aggregate(product)["count"] == 2
    assert_exact(product)
    services.unhide_review(review=third, actor=product.store.owner)
    assert stored_aggregate(product)["count"] == 3
    assert_exact(product)
    services.delete_review(review=first, actor=ani)

    # then
    assert stored_aggregate(product) == {
        "count": 2, "total": 7, "star_1": 0, "star_2": 0, "star_3": 1, "star_4": 1, "star_5": 0,
    }  # fmt: skip
    assert_exact(product)
    assert ProductRating.objects.get(pk=product.pk).average == 3.5


def test_editing_a_hidden_review_leaves_the_aggregates_alone_and_deleting_it_too():
    # given
    product = ProductFactory()
    author = UserFactory()
    review = write(author, product, 5)
    write(UserFactory(), product, 4)
    services.hide_review(review=review, actor=product.store.owner)
    # when
    write(author, product, 1)
    # then
    assert stored_aggregate(product)["count"] == 1 and stored_aggregate(product)["total"] == 4
    assert_exact(product)
    # when
    services.delete_review(review=Review.objects.get(pk=review.pk), actor=author)
    # then
    assert_exact(product)


def test_writing_again_edits_the_one_review():
    # given
    product = ProductFactory()
    author = UserFactory()
    first, created = services.write_review(author=author, product=product, rating=3, title="Okay")
    # when
    second, created_again = services.write_review(author=author, product=product, rating=4, title="Better now")
    # then
    assert created and not created_again
    assert second.pk == first.pk
    assert Review.objects.filter(product=product, author=author).count() == 1
    assert Review.objects.get(pk=first.pk).title == "Better now"
    assert stored_aggregate(product)["count"] == 1


def test_the_database_refuses_a_second_review_by_the_same_author():
    # given
    review = write(UserFactory(), ProductFactory(), 4)
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(product=review.product, author=review.author, rating=2)


def test_the_database_refuses_a_rating_outside_1_to_5():
    product, author = ProductFactory(), UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(product=product, author=author, rating=6)


@pytest.mark.parametrize("rating", [0, 6, -1, "five", None, True, 4.5])
def test_a_rating_must_be_1_to_5_stars(rating):
    with pytest.raises(ValidationError) as error:
        services.write_review(author=UserFactory(), product=ProductFactory(), rating=rating)
    assert "rating" in error.value.message_dict
    assert not Review.objects.exists()


def test_only_active_products_of_open_stores_are_reviewed():
    author = UserFactory()
    draft = ProductFactory(status="draft")
    archived = ProductFactory(status="archived")
    closed = ProductFactory(store=StoreFactory(is_active=False))
    for product in (draft, archived, closed):
        with pytest.raises(ValidationError):
            write(author, product)
    assert not Review.objects.exists()


def test_a_seller_does_not_review_their_own_products():
    product = ProductFactory()
    with pytest.raises(PermissionDenied):
        write(product.store.owner, product)


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "x" * 121), ("body", "x" * 4001), ("title", "nul\x00byte"), ("body", "nul\x00byte")],
)
def test_title_and_text_have_limits_and_no_nul_bytes(field, value):
    with pytest.raises(ValidationError) as error:
        services.write_review(author=UserFactory(), product=ProductFactory(), rating=4, **{field: value})
    assert field in error.value.message_dict


# --- Photos -------------------------------------------------------------------------------------


def test_photos_are_verified_reencoded_and_get_renditions_after_commit(django_capture_on_commit_callbacks):
    # given
    product = ProductFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        review = write(
            UserFactory(), product, 5, photos=[image_file("a.png", fmt="PNG"), image_file("b.jpg")], photo_alts=["Box"]
        )
    # then
    photos = list(review.photos.order_by("position"))
    assert [photo.position for photo in photos] == [0, 1]
    assert photos[0].alt_text == "Box" and photos[1].alt_text == ""
    assert photos[0].image.name.startswith("reviews/originals/") and photos[0].image.name.endswith(".png")
    assert all(photo.renditions_ready for photo in photos)


def test_a_text_file_named_jpg_is_refused():
    # given
    fake = SimpleUploadedFile("holiday.jpg", b"just some text, not a picture", content_type="image/jpeg")
    # when / then
    with pytest.raises(ValidationError) as error:
        write(UserFactory(), ProductFactory(), 5, photos=[fake])
    assert "holiday.jpg" in " ".join(error.value.message_dict["photos"])
    assert not Review.objects.exists() and not ReviewPhoto.objects.exists()


def test_six_photos_are_refused_and_five_in_all_is_the_limit():
    product, author = ProductFactory(), UserFactory()
    # six at once
    with pytest.raises(ValidationError) as error:
        write(author, product, 5, photos=[image_file(f"{n}.jpg") for n in range(6)])
    assert "at most 5" in " ".join(error.value.message_dict["photos"])
    assert not Review.objects.exists()
    # three, then three more: six in all
    review = write(author, product, 5, photos=[image_file(f"{n}.jpg") for n in range(3)])
    with pytest.raises(ValidationError):
        write(author, product, 5, photos=[image_file(f"more{n}.jpg") for n in range(3)])
    assert review.photos.count() == 3
    # removing one makes room for three
    removed = review.photos.order_by("position").first()
    write(author, product, 5, photos=[image_file(f"more{n}.jpg") for n in range(3)], remove_photo_ids=[removed.pk])
    assert review.photos.count() == 5
    assert not ReviewPhoto.objects.filter(pk=removed.pk).exists()


def test_one_cannot_remove_someone_elses_photo():
    product = ProductFactory()
    other = write(UserFactory(), product, 4, photos=[image_file()])
    photo = other.photos.get()
    write(UserFactory(), product, 3, remove_photo_ids=[photo.pk])
    assert ReviewPhoto.objects.filter(pk=photo.pk).exists()


# --- Verified purchase ------------------------------------------------------------------------------


def test_verified_purchase_only_with_a_paid_order(django_capture_on_commit_callbacks):
    # given: one buyer with a paid order, one with an order still awaiting payment
    variant = buyable_variant()
    product = variant.product
    paid_buyer, pending_buyer = UserFactory(), UserFactory()
    paid_order = place(paid_buyer, (variant, 1)).orders[0]
    with django_capture_on_commit_callbacks(execute=True):
        checkout_services.confirm_transfer(order=paid_order, actor=product.store.owner)
    place(pending_buyer, (variant, 1))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        verified = write(paid_buyer, product, 5)
        unverified = write(pending_buyer, product, 4)
        stranger = write(UserFactory(), product, 3)
    # then
    assert Review.objects.get(pk=verified.pk).verified_purchase
    assert not Review.objects.get(pk=unverified.pk).verified_purchase
    assert not Review.objects.get(pk=stranger.pk).verified_purchase


def test_a_review_becomes_verified_when_its_authors_order_is_paid(django_capture_on_commit_callbacks):
    # given: a review written while the order awaits its transfer
    variant = buyable_variant()
    buyer = UserFactory()
    order = place(buyer, (variant, 1)).orders[0]
    with django_capture_on_commit_callbacks(execute=True):
        review = write(buyer, variant.product, 5)
    other_product_review = write(buyer, ProductFactory(), 4)
    assert not Review.objects.get(pk=review.pk).verified_purchase
    # when the seller confirms the transfer (checkout sends order_paid after commit)
    with django_capture_on_commit_callbacks(execute=True):
        checkout_services.confirm_transfer(order=order, actor=variant.product.store.owner)
    # then
    assert Review.objects.get(pk=review.pk).verified_purchase
    assert not Review.objects.get(pk=other_product_review.pk).verified_purchase


def test_the_order_paid_handler_is_idempotent_and_ignores_unpaid_orders():
    variant = buyable_variant()
    buyer = UserFactory()
    order = place(buyer, (variant, 1)).orders[0]
    review = write(buyer, variant.product, 5)
    # an order announced but not paid (status pending) verifies nothing
    assert mark_reviews_of_paid_order(sender=None, order=order) == 0
    assert not Review.objects.get(pk=review.pk).verified_purchase


# --- Helpful, report --------------------------------------------------------------------------------


def test_helpful_once_per_person_and_not_for_ones_own_review():
    # given
    review = write(UserFactory(), ProductFactory(), 5)
    fan = UserFactory()
    # when
    assert services.vote_helpful(user=fan, review=review) is True
    assert services.vote_helpful(user=fan, review=review) is False
    services.vote_helpful(user=UserFactory(), review=review)
    # then
    assert Review.objects.get(pk=review.pk).helpful_count == 2 == ReviewVote.objects.filter(review=review).count()
    with pytest.raises(PermissionDenied):
        services.vote_helpful(user=review.author, review=review)
    # and taking a vote back
    assert services.unvote_helpful(user=fan, review=review) is True
    assert services.unvote_helpful(user=fan, review=review) is False
    assert Review.objects.get(pk=review.pk).helpful_count == 1


def test_report_once_per_person_with_a_reason():
    review = write(UserFactory(), ProductFactory(), 1)
    reporter = UserFactory()
    assert services.report_review(user=reporter, review=review, reason="spam") is True
    assert services.report_review(user=reporter, review=review, reason="offensive") is False
    services.report_review(user=UserFactory(), review=review, reason="fake", note="Never bought it")
    assert Review.objects.get(pk=review.pk).report_count == 2 == ReviewReport.objects.filter(review=review).count()
    with pytest.raises(ValidationError):
        services.report_review(user=UserFactory(), review=review, reason="because")
    with pytest.raises(PermissionDenied):
        services.report_review(user=review.author, review=review, reason="spam")


def test_hiding_resolves_open_reports_and_hidden_reviews_take_no_votes():
    review = write(UserFactory(), ProductFactory(), 1)
    services.report_review(user=UserFactory(), review=review, reason="spam")
    services.hide_review(review=review, actor=review.product.store.owner)
    assert not ReviewReport.objects.filter(resolved_at__isnull=True).exists()
    review.refresh_from_db()
    assert review.is_hidden and review.hidden_by == review.product.store.owner
    with pytest.raises(PermissionDenied):
        services.vote_helpful(user=UserFactory(), review=review)


# --- Moderation and the reply -------------------------------------------------------------------------


def test_who_may_hide_a_review():
    product = ProductFactory()
    review = write(UserFactory(), product, 2)
    staff = UserFactory(is_staff=True, is_superuser=True)
    other_seller = StoreFactory().owner
    for actor in (review.author, UserFactory(), other_seller):
        with pytest.raises(PermissionDenied):
            services.hide_review(review=review, actor=actor)
    assert services.hide_review(review=review, actor=staff) is True
    assert services.hide_review(review=review, actor=product.store.owner) is False  # already hidden
    assert services.unhide_review(review=review, actor=product.store.owner) is True


def test_the_store_owner_replies_once_and_may_edit_the_reply():
    # given
    product = ProductFactory()
    review = write(UserFactory(), product, 3)
    owner = product.store.owner
    # when
    reply, created = services.reply_to_review(review=review, actor=owner, body="Thank you!")
    edited, created_again = services.reply_to_review(review=review, actor=owner, body="Thank you, fixed.")
    # then
    assert created and not created_again and edited.pk == reply.pk
    assert ReviewReply.objects.filter(review=review).count() == 1
    assert ReviewReply.objects.get(review=review).body == "Thank you, fixed."
    # and the author heard of the reply once
    assert Notification.objects.filter(recipient=review.author, kind="review_replied").count() == 1


def test_only_the_store_owner_replies():
    product = ProductFactory()
    review = write(UserFactory(), product, 3)
    staff = UserFactory(is_staff=True, is_superuser=True)
    for actor in (review.author, UserFactory(), StoreFactory().owner, staff):
        with pytest.raises(PermissionDenied):
            services.reply_to_review(review=review, actor=actor, body="Hello")
    assert not ReviewReply.objects.exists()


def test_a_reply_needs_text_without_nul_bytes():
    product = ProductFactory()
    review = write(UserFactory(), product, 3)
    for body in ("", "   ", "a\x00b", "x" * 2001):
        with pytest.raises(ValidationError):
            services.reply_to_review(review=review, actor=product.store.owner, body=body)


def test_only_the_author_deletes_a_review():
    review = write(UserFactory(), ProductFactory(), 3)
    for actor in (UserFactory(), review.product.store.owner, UserFactory(is_staff=True, is_superuser=True)):
        with pytest.raises(PermissionDenied):
            services.delete_review(review=review, actor=actor)
    services.delete_review(review=review, actor=review.author)
    assert not Review.objects.exists()


def test_the_seller_hears_of_a_new_review_but_not_of_an_edit():
    product = ProductFactory(title="Kopi Gayo")
    author = UserFactory()
    write(author, product, 5)
    write(author, product, 4)
    notifications = Notification.objects.filter(recipient=product.store.owner, kind="review_received")
    assert notifications.count() == 1
    assert notifications.get().data["product_title"] == "Kopi Gayo"
