"""The review notification kinds: the seller hears of a new review of their product, the
author of the seller's reply. The review services call these inside their transaction;
``register_kinds`` runs in ``SocialConfig.ready()``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from shop.notifications import kinds
from shop.notifications.services import notify


def _fill(text: str, actor: str, others: int, data: dict) -> str:
    return text % {"actor": actor or gettext("Someone"), "count": others, "product": data.get("product_title", "")}


def review_received_text(actor: str, others: int, data: dict) -> str:
    if others <= 0:
        return _fill(gettext("%(actor)s reviewed %(product)s"), actor, others, data)
    return _fill(
        ngettext(
            "%(actor)s and %(count)d other reviewed %(product)s",
            "%(actor)s and %(count)d others reviewed %(product)s",
            others,
        ),
        actor,
        others,
        data,
    )


def review_replied_text(actor: str, others: int, data: dict) -> str:
    return _fill(gettext("%(actor)s replied to your review of %(product)s"), actor, others, data)


def register_kinds() -> None:
    kinds.register(
        kinds.Kind(
            name="review_received",
            label=_("Reviews of your products"),
            text=review_received_text,
            email_template=kinds.GENERIC_EMAIL,
        ),
        kinds.Kind(
            name="review_replied",
            label=_("Replies to your reviews"),
            text=review_replied_text,
            email_template=kinds.GENERIC_EMAIL,
        ),
    )


def _review_url(review) -> str:
    return f"{reverse('catalog:product_detail', kwargs={'slug': review.product.slug})}#review-{review.pk}"


def review_received(*, review) -> None:
    """To the owner of the product's store (``review.product.store`` loaded)."""
    notify(
        recipient=review.product.store.owner,
        kind="review_received",
        actor=review.author,
        target_url=_review_url(review),
        group_key=f"review:product:{review.product_id}",
        data={"review": review.pk, "product": review.product_id, "product_title": review.product.title},
    )


def review_replied(*, review, reply) -> None:
    notify(
        recipient=review.author,
        kind="review_replied",
        actor=reply.author,
        target_url=_review_url(review),
        group_key=f"review:reply:{review.pk}",
        data={"review": review.pk, "product": review.product_id, "product_title": review.product.title},
    )
