"""Product reviews: writing (and editing) a review with photos, deleting it, helpful votes,
reports, moderation by the seller or staff, and the seller's one public reply.

Aggregates: a product's ``ProductRating`` counts its visible reviews. Every service that
changes what the visible reviews add up to (create, a rating edit, hide, unhide, delete)
moves it with ``F()`` in its own transaction, so it is exact under concurrency. Locks are
always taken in one order, the review row first and the rating row second (by the
``UPDATE``), so two services never wait on each other in opposite orders.

Verified purchase: a review is marked when its author has a paid order (paid, shipped,
delivered or completed, with its money in: ``paid_at``) holding the product, when it is
written and, later, when such an order is paid (``checkout.signals.order_paid``, see
``social.reviews_signals``). Once set it stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from checkout.models import OrderLine, OrderStatus
from shop import stencil
from shop.images import verify_image
from shop.models import User
from social import review_notifications
from social.models import (
    REVIEW_PHOTOS_MAX,
    ProductRating,
    Review,
    ReviewPhoto,
    ReviewReply,
    ReviewReport,
    ReviewVote,
)
from social.models.reviews import REPLY_MAX, REVIEW_BODY_MAX, REVIEW_TITLE_MAX

PHOTO_ALT_MAX = 200
REPORT_NOTE_MAX = 500


# --- Rules shared by the services (and the pages, to show or hide a button) ----------------------


def is_moderator(*, user: User, product: Product) -> bool:
    """Staff (superusers) and the seller whose store sells ``product`` (``product.store`` loaded)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or product.store.owner_id == user.pk


def can_reply(*, user: User, product: Product) -> bool:
    """Only the owner of the product's store answers its reviews."""
    return user.is_authenticated and user.is_active and product.store.owner_id == user.pk


def is_reviewable(*, product: Product) -> bool:
    return product.status == Product.Status.ACTIVE and product.store.is_active


def _paid_order_lines() -> QuerySet:
    """Order lines of paid orders: paid, shipped, delivered or completed, with the money in."""
    paid = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
    # ``paid_at``: cash on delivery is paid at the door, not when the parcel leaves.
    return OrderLine.objects.filter(order__status__in=paid, order__paid_at__isnull=False)


def has_paid_order(*, user: User, product: Product) -> bool:
    return _paid_order_lines().filter(product_id=product.pk, order__buyer_id=user.pk).exists()


def mark_verified_purchases(*, reviews: QuerySet[Review]) -> int:
    """Mark the reviews of ``reviews`` whose author has a paid order with their product.

    Idempotent, one ``UPDATE``. Returns how many were marked now.
    """
    purchase = Exists(
        _paid_order_lines().filter(product_id=OuterRef("product_id"), order__buyer_id=OuterRef("author_id"))
    )
    marked = reviews.filter(purchase, verified_purchase=False).update(verified_purchase=True)
    if marked:
        stencil.updated(Review)
    return marked


# --- Checking what a person typed ----------------------------------------------------------------


def _clean_text(value: str | None, *, field: str, limit: int, label: str) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError({field: _("Null characters are not allowed.")})
    if len(value) > limit:
        raise ValidationError({field: _("%(label)s has at most %(n)d characters.") % {"label": label, "n": limit}})
    return value


def _clean_rating(rating: int | str) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int | str):
        raise ValidationError({"rating": _("Choose 1 to 5 stars.")})
    try:
        rating = int(rating)
    except ValueError:
        raise ValidationError({"rating": _("Choose 1 to 5 stars.")}) from None
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose 1 to 5 stars.")})
    return rating


def verify_photos(photos: Sequence) -> list:
    """Each upload verified and re-encoded (``shop.images.verify_image``: the rules of product
    images). Every bad file is named. The number is checked before anything is decoded."""
    photos = [photo for photo in photos if photo]
    if len(photos) > REVIEW_PHOTOS_MAX:
        raise ValidationError(
            {
                "photos": _("A review has at most %(n)d photos; you chose %(count)d.")
                % {"n": REVIEW_PHOTOS_MAX, "count": len(photos)}
            }
        )
    verified, errors = [], []
    for photo in photos:
        try:
            verified.append(verify_image(photo))
        except ValidationError as exc:
            name = getattr(photo, "name", "") or _("a photo")
            errors += [_("%(file)s: %(error)s") % {"file": name, "error": message} for message in exc.messages]
    if errors:
        raise ValidationError({"photos": errors})
    return verified


# --- Aggregates ------------------------------------------------------------------------------------


def _move_rating(product_id: int, *, add: int | None = None, remove: int | None = None) -> None:
    """Count a visible rating in (``add``), out (``remove``), or both (an edit), with ``F()``.

    The row is created race-free first when a rating comes in: ``INSERT ... ON CONFLICT DO
    NOTHING``, then the ``UPDATE`` (which waits for any other writer of the row).
    """
    if add is not None and add == remove:
        return
    changes: dict = {}
    if add is not None:
        ProductRating.objects.bulk_create([ProductRating(product_id=product_id)], ignore_conflicts=True)
        changes[f"star_{add}"] = F(f"star_{add}") + 1
    if remove is not None:
        changes[f"star_{remove}"] = F(f"star_{remove}") - 1
    count = (add is not None) - (remove is not None)
    total = (add or 0) - (remove or 0)
    if count:
        changes["count"] = F("count") + count
    if total:
        changes["total"] = F("total") + total
    ProductRating.objects.filter(pk=product_id).update(**changes)
    stencil.updated(ProductRating)


def _locked(review: Review) -> Review:
    """The review's row, locked for the rest of the transaction (the caller's), with its product
    and store. ValidationError if it was deleted meanwhile."""
    locked = (
        Review.objects.select_for_update(of=("self",)).select_related("product__store").filter(pk=review.pk).first()
    )
    if locked is None:
        raise ValidationError(_("This review no longer exists."), code="not_found")
    return locked


def _remove_files(files: list) -> None:
    names = [(file.storage, file.name) for file in files if file]

    def remove() -> None:
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(remove)


def _photo_files(photos: Iterable[ReviewPhoto]) -> list:
    return [f for photo in photos for f in (photo.image, photo.thumbnail, photo.display, photo.webp) if f]


# --- Writing ------------------------------------------------------------------------------------


def write_review(
    *,
    author: User,
    product: Product,
    rating: int,
    title: str = "",
    body: str = "",
    photos: Sequence = (),
    photo_alts: Sequence[str] = (),
    remove_photo_ids: Sequence[int] = (),
) -> tuple[Review, bool]:
    """Write ``author``'s review of ``product``, or edit it if they already wrote one.

    One review per person and product (a unique constraint; a parallel second write edits the
    first). Only active products of open stores; never one's own store's. ``photos`` are
    uploads, verified here (before the transaction: decoding is slow); ``photo_alts`` describe
    them in order; ``remove_photo_ids`` are photos of this review to drop. At most 5 photos in
    all. Returns ``(review, created)``.
    """
    rating = _clean_rating(rating)
    title = _clean_text(title, field="title", limit=REVIEW_TITLE_MAX, label=_("A title"))
    body = _clean_text(body, field="body", limit=REVIEW_BODY_MAX, label=_("A review"))
    alts = [
        _clean_text(alt, field="photo_alts", limit=PHOTO_ALT_MAX, label=_("A photo description")) for alt in photo_alts
    ]
    try:
        remove_ids = {int(pk) for pk in remove_photo_ids}
    except (TypeError, ValueError):
        raise ValidationError({"remove_photo_ids": _("Name the photos to remove by their ids.")}) from None
    verified = verify_photos(photos)
    with transaction.atomic():
        return _write(author, product, rating, title, body, verified, alts, remove_ids)


def _write(
    author: User,
    product: Product,
    rating: int,
    title: str,
    body: str,
    photos: list,
    alts: list[str],
    remove_ids: set[int],
) -> tuple[Review, bool]:
    current = Product.objects.select_related("store").filter(pk=product.pk).first()
    if current is None or not is_reviewable(product=current):
        raise ValidationError(_("This product is not on sale, so it cannot be reviewed."), code="not_reviewable")
    product = current
    if product.store.owner_id == author.pk:
        raise PermissionDenied(_("You cannot review your own store's products."))
    review = Review.objects.select_for_update(of=("self",)).filter(product=product, author=author).first()
    created = False
    if review is None:
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    product=product,
                    author=author,
                    rating=rating,
                    title=title,
                    body=body,
                    verified_purchase=has_paid_order(user=author, product=product),
                )
            created = True
        except IntegrityError:
            # A parallel request wrote it first (the insert waited for it): edit that one.
            review = Review.objects.select_for_update(of=("self",)).get(product=product, author=author)
    review.product = product
    old_rating = None if created else review.rating
    kept = [] if created else list(review.photos.order_by("position", "id"))
    removed = [photo for photo in kept if photo.pk in remove_ids]
    kept = [photo for photo in kept if photo.pk not in remove_ids]
    if len(kept) + len(photos) > REVIEW_PHOTOS_MAX:
        raise ValidationError(
            {
                "photos": _("A review has at most %(n)d photos: it has %(kept)d, you added %(count)d.")
                % {"n": REVIEW_PHOTOS_MAX, "kept": len(kept), "count": len(photos)}
            }
        )
    if not created:
        review.rating, review.title, review.body = rating, title, body
        review.verified_purchase = review.verified_purchase or has_paid_order(user=author, product=product)
        review.save(update_fields=["rating", "title", "body", "verified_purchase", "updated_at"])
    if removed:
        ReviewPhoto.objects.filter(pk__in=[photo.pk for photo in removed]).delete()
        _remove_files(_photo_files(removed))
    start = max(photo.position for photo in kept) + 1 if kept else 0
    new_photos = [
        ReviewPhoto.objects.create(
            review=review, image=upload, alt_text=alts[index] if index < len(alts) else "", position=start + index
        )
        for index, upload in enumerate(photos)
    ]
    if not review.is_hidden:
        _move_rating(product.pk, add=rating, remove=old_rating)
    if created:
        review_notifications.review_received(review=review)
    _after_commit_write(review, new_photos)
    return review, created


def _after_commit_write(review: Review, photos: list[ReviewPhoto]) -> None:
    from shop.broker import publish  # lost to a broker outage, the renditions are swept again
    from social.tasks import make_review_photo_renditions

    review_id, verified = review.pk, review.verified_purchase
    photo_ids = [photo.pk for photo in photos]

    def after() -> None:
        for photo_id in photo_ids:
            publish(make_review_photo_renditions, photo_id)
        if not verified:
            # An order paid while this transaction ran announced itself before the review was
            # visible to its handler: look once more now that both are committed.
            mark_verified_purchases(reviews=Review.objects.filter(pk=review_id))

    transaction.on_commit(after)


@transaction.atomic
def delete_review(*, review: Review, actor: User) -> None:
    """The author deletes their review (its photos, votes, reports and reply go with it)."""
    review = _locked(review)
    if review.author_id != actor.pk:
        raise PermissionDenied(_("Only the author can delete this review."))
    if not review.is_hidden:
        _move_rating(review.product_id, remove=review.rating)
    files = _photo_files(review.photos.all())
    review.delete()
    _remove_files(files)


# --- Helpful votes and reports --------------------------------------------------------------------


def _require_visible(review: Review) -> None:
    if review.is_hidden:
        raise PermissionDenied(_("This review is hidden."))


@transaction.atomic
def vote_helpful(*, user: User, review: Review) -> bool:
    """``user`` finds the review helpful. False if they already said so (nothing changes)."""
    _require_visible(review)
    if review.author_id == user.pk:
        raise PermissionDenied(_("You cannot vote for your own review."))
    try:
        with transaction.atomic():
            ReviewVote.objects.create(review=review, user=user)
    except IntegrityError:
        return False
    Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
    stencil.updated(Review)
    return True


@transaction.atomic
def unvote_helpful(*, user: User, review: Review) -> bool:
    deleted, _detail = ReviewVote.objects.filter(review=review, user=user).delete()
    if deleted:
        Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") - 1)
        stencil.updated(Review)
    return bool(deleted)


@transaction.atomic
def report_review(*, user: User, review: Review, reason: str, note: str = "") -> bool:
    """Report a review to the seller and staff, once per person. False if already reported."""
    _require_visible(review)
    if review.author_id == user.pk:
        raise PermissionDenied(_("You cannot report your own review."))
    if reason not in ReviewReport.Reason.values:
        raise ValidationError({"reason": _("Choose why you report this review.")})
    note = _clean_text(note, field="note", limit=REPORT_NOTE_MAX, label=_("A note"))
    try:
        with transaction.atomic():
            ReviewReport.objects.create(review=review, reporter=user, reason=reason, note=note)
    except IntegrityError:
        return False
    Review.objects.filter(pk=review.pk).update(report_count=F("report_count") + 1)
    return True


# --- Moderation and the seller's reply ------------------------------------------------------------


@transaction.atomic
def hide_review(*, review: Review, actor: User) -> bool:
    """Staff or the product's seller hide a review: it leaves the lists and the aggregates, and
    its open reports are resolved. False if it was already hidden."""
    review = _locked(review)
    if not is_moderator(user=actor, product=review.product):
        raise PermissionDenied(_("You cannot moderate this review."))
    if review.is_hidden:
        return False
    Review.objects.filter(pk=review.pk).update(is_hidden=True, hidden_by=actor)
    stencil.updated(Review)
    _move_rating(review.product_id, remove=review.rating)
    ReviewReport.objects.filter(review=review, resolved_at__isnull=True).update(resolved_at=timezone.now())
    return True


@transaction.atomic
def unhide_review(*, review: Review, actor: User) -> bool:
    """Show a hidden review again; it counts again. False if it was not hidden."""
    review = _locked(review)
    if not is_moderator(user=actor, product=review.product):
        raise PermissionDenied(_("You cannot moderate this review."))
    if not review.is_hidden:
        return False
    Review.objects.filter(pk=review.pk).update(is_hidden=False, hidden_by=None)
    stencil.updated(Review)
    _move_rating(review.product_id, add=review.rating)
    return True


@transaction.atomic
def reply_to_review(*, review: Review, actor: User, body: str) -> tuple[ReviewReply, bool]:
    """The owner of the product's store answers a review, once; later calls edit that answer.

    The review's author is told of the first answer. Returns ``(reply, created)``.
    """
    review = _locked(review)
    if not can_reply(user=actor, product=review.product):
        raise PermissionDenied(_("Only the store's owner can reply to its reviews."))
    _require_visible(review)
    body = _clean_text(body, field="body", limit=REPLY_MAX, label=_("A reply"))
    if not body:
        raise ValidationError({"body": _("Write your reply first.")})
    # The review's row lock makes this the only writer of its reply.
    reply = ReviewReply.objects.filter(review=review).first()
    if reply is not None:
        reply.body = body
        reply.save(update_fields=["body", "updated_at"])
        return reply, False
    reply = ReviewReply.objects.create(review=review, author=actor, body=body)
    review_notifications.review_replied(review=review, reply=reply)
    return reply, True
