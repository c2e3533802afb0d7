"""Product reviews: one per shopper and product, with photos, helpful votes, reports, one
seller reply, and exact per-product aggregates kept with ``F()`` in the same transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from shop.models import RenditionedImage

REVIEW_PHOTOS_MAX = 5
REVIEW_TITLE_MAX = 120
REVIEW_BODY_MAX = 4000
REPLY_MAX = 2000


class Review(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("product"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("author")
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    title = models.CharField(_("title"), max_length=REVIEW_TITLE_MAX, blank=True)
    body = models.TextField(_("review"), max_length=REVIEW_BODY_MAX, blank=True)
    # Set when the author has a paid order with this product (on writing, and when one is paid).
    verified_purchase = models.BooleanField(_("verified purchase"), default=False)
    helpful_count = models.PositiveIntegerField(_("helpful votes"), default=0)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    updated_at = models.DateTimeField(_("edited"), auto_now=True)

    # Set on the reviews of a page by ``social.selectors.reviews`` (not columns).
    seller_reply: ReviewReply | None
    viewer_is_author: bool

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "author"], name="review_one_per_author_and_product"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["product", "-created_at", "-id"], name="review_product_newest"),
            models.Index(fields=["product", "-helpful_count", "-id"], name="review_product_helpful"),
            models.Index(fields=["product", "rating", "-id"], name="review_product_rating"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.product_id} by {self.author_id}"


class ReviewPhoto(RenditionedImage):
    image_folder = "reviews"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")

    class Meta(RenditionedImage.Meta):
        verbose_name = _("review photo")
        verbose_name_plural = _("review photos")

    def __str__(self) -> str:
        return self.alt_text or f"Review {self.review_id} photo {self.position}"

    @property
    def alt(self) -> str:
        return self.alt_text or _("Photo from a review")


class ReviewVote(models.Model):
    """One "helpful" vote per user and review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "user"], name="review_vote_once")]

    def __str__(self) -> str:
        return f"{self.user_id} 👍 {self.review_id}"


class ReviewReport(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        OFFENSIVE = "offensive", _("Offensive or abusive")
        OFF_TOPIC = "off_topic", _("Not about this product")
        FAKE = "fake", _("Fake or misleading")
        OTHER = "other", _("Something else")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        constraints = [models.UniqueConstraint(fields=["review", "reporter"], name="review_report_once")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.review_id}"


class ReviewReply(models.Model):
    """The seller's one public answer to a review."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("reply"), max_length=REPLY_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("seller reply")
        verbose_name_plural = _("seller replies")

    def __str__(self) -> str:
        return self.body[:60]


class ProductRating(models.Model):
    """A product's visible reviews, counted: changed only with ``F()`` by the review
    services in the transaction that changes a review, so it is exact under concurrency."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="rating")
    count = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)  # the sum of the ratings
    star_1 = models.PositiveIntegerField(default=0)
    star_2 = models.PositiveIntegerField(default=0)
    star_3 = models.PositiveIntegerField(default=0)
    star_4 = models.PositiveIntegerField(default=0)
    star_5 = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("product rating")
        verbose_name_plural = _("product ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    count=models.F("star_1")
                    + models.F("star_2")
                    + models.F("star_3")
                    + models.F("star_4")
                    + models.F("star_5")
                ),
                name="rating_count_is_sum_of_stars",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.average:.1f} ({self.count})"

    @property
    def average(self) -> float:
        return self.total / self.count if self.count else 0.0

    @property
    def stars(self) -> list[tuple[int, int]]:
        """``[(5, n5), (4, n4), ...]`` for the histogram."""
        return [(star, getattr(self, f"star_{star}")) for star in range(5, 0, -1)]
