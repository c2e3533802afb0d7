"""What the friends features hook into, from ``SocialConfig.ready()``:

- two notification kinds: "friend_recommendation" (a friend recommended a product or a post
  to you; emailed by default) and "recommendation_purchased" (a friend bought what you
  recommended; told only when that friend shares their purchases, see
  ``services.recommendations.record_recommended_purchase``);
- checkout's ``order_paid`` (sent after commit): the recommenders of what was bought hear of it.

The services call ``recommended`` and ``recommendation_purchased`` inside their transaction.
"""

from __future__ import annotations

import logging

from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from shop.models import User
from shop.notifications import kinds
from shop.notifications.services import notify

log = logging.getLogger(__name__)


def received_group_key(recipient_id: int) -> str:
    """Every recommendation a person receives shares one inbox row, which opens "Recommended
    to you"; opening that page marks the row read."""
    return f"recommendations:to:{recipient_id}"


def recommended_text(actor: str, others: int, data: dict) -> str:
    actor = actor or gettext("Someone")
    if others <= 0:
        title = data.get("title") or ""
        if title:
            return gettext("%(actor)s recommended %(title)s to you") % {"actor": actor, "title": title}
        return gettext("%(actor)s recommended something to you") % {"actor": actor}
    return ngettext(
        "%(actor)s and %(count)d other friend recommended things to you",
        "%(actor)s and %(count)d other friends recommended things to you",
        others,
    ) % {"actor": actor, "count": others}


def purchased_text(actor: str, others: int, data: dict) -> str:
    actor = actor or gettext("Someone")
    title = data.get("title") or gettext("something")
    return gettext("%(actor)s bought %(title)s, which you recommended") % {"actor": actor, "title": title}


def register_kinds() -> None:
    kinds.register(
        kinds.Kind(
            name="friend_recommendation",
            label=_("Recommendations from friends"),
            text=recommended_text,
            email_template=kinds.GENERIC_EMAIL,
        ),
        kinds.Kind(
            name="recommendation_purchased",
            label=_("Friends buying what you recommended"),
            text=purchased_text,
            email_template=kinds.GENERIC_EMAIL,
            email_by_default=False,
        ),
    )


def recommended(recommendation) -> None:
    """Tell the recipient of ``recommendation`` (sender and recipient loaded)."""
    if recommendation.product_id:
        title = recommendation.product.title
        data = {"recommendation": recommendation.pk, "product": recommendation.product_id, "title": title}
    else:
        data = {"recommendation": recommendation.pk, "post": recommendation.post_id, "title": ""}
    notify(
        recipient=recommendation.recipient,
        kind="friend_recommendation",
        actor=recommendation.sender,
        target_url=reverse("social:recommended_to_you"),
        group_key=received_group_key(recommendation.recipient_id),
        data=data,
    )


def recommendation_purchased(*, sender: User, buyer: User, products: list, order) -> None:
    """Tell ``sender`` that ``buyer`` (who shares their purchases) bought ``products``,
    which ``sender`` had recommended to them. The order itself is never shown to them."""
    title = ", ".join(product.title for product in products)
    notify(
        recipient=sender,
        kind="recommendation_purchased",
        actor=buyer,
        target_url=products[0].get_absolute_url(),
        data={"title": title[:200], "products": [product.pk for product in products]},
    )


def _order_paid(sender, order, **kwargs) -> None:
    """Sent after the payment's commit: the recommenders are told by a task (retried). With
    the broker down (``shop.broker.publish`` logs that once) they are told here and now
    instead; a failure then loses only this courtesy, never the purchase: it is logged."""
    from shop.broker import publish
    from social.services.recommendations import record_recommended_purchase
    from social.tasks import tell_recommenders_task

    try:
        if not publish(tell_recommenders_task, order.pk):
            record_recommended_purchase(order=order)
    except Exception:  # also the task's own failure, run here without a broker
        log.warning("Could not tell the recommenders of order %s.", order.pk, exc_info=True)


def connect() -> None:
    from checkout import signals as checkout_signals

    checkout_signals.order_paid.connect(_order_paid, dispatch_uid="social.friends.order_paid")
