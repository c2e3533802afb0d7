"""Friends' recommendations: products or posts sent to a friend, dismissed suggestions of
people you may know, and the precomputed "you may also like" table."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Product


class Recommendation(models.Model):
    """``sender`` recommends a product (or a post) to ``recipient``, a friend, with a note."""

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommendations_sent")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommendations_received"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    post = models.ForeignKey("social.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    # The order (checkout's) that bought the product after this recommendation, once told.
    purchased_order_id = models.BigIntegerField(null=True, blank=True)

    # Set on the rows of a page by ``social.selectors.recommendations.received`` (not a column).
    product_card: Product | None

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False) | Q(post__isnull=False), name="recommendation_has_subject"
            ),
            models.CheckConstraint(condition=~Q(sender=models.F("recipient")), name="recommendation_not_to_self"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="recommendation_inbox"),
            models.Index(fields=["recipient", "product"], name="recommendation_product"),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id} → {self.recipient_id}"


class FriendSuggestionDismissal(models.Model):
    """``user`` does not want ``suggested`` among "people you may know"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    suggested = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "suggested"], name="suggestion_dismissed_once")]

    def __str__(self) -> str:
        return f"{self.user_id} ✕ {self.suggested_id}"


class ProductAffinity(models.Model):
    """ "You may also like": for ``product``, ``other`` with a score, computed by a periodic
    task from the same category and store and from people who liked or bought both."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "other"], name="affinity_pair_once"),
            models.CheckConstraint(condition=~Q(product=models.F("other")), name="affinity_not_self"),
        ]
        indexes = [models.Index(fields=["product", "-score"], name="affinity_product_best")]

    def __str__(self) -> str:
        return f"{self.product_id} ~ {self.other_id} ({self.score:.2f})"
