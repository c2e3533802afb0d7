"""Back in stock and price drops for shoppers who saved a post tagging the product.

checkout registers the kinds and tells the shoppers whose cart holds the variant
(``checkout.reminders``); this tells those who saved a post that tags its product, reusing
checkout's kinds, news and batching (social may import checkout, never the reverse). The
two audiences are kept apart: a saver whose cart holds the variant is checkout's, so nobody
hears the same news twice, and each is told at most once per variant and kind a day.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from checkout import reminders as checkout_reminders
from checkout.models import CartLine
from checkout.reminders import BACK_IN_STOCK, PRICE_DROP, VariantNews
from social.models import Block, Save


def connect() -> None:
    """From ``SocialConfig.ready()``: register the daily digest, listen to catalog's news
    about variants."""
    from catalog import signals
    from social import digest

    digest.register_kinds()
    signals.variant_restocked.connect(_variant_restocked, dispatch_uid="social.reminders.restocked")
    signals.variant_price_dropped.connect(_variant_price_dropped, dispatch_uid="social.reminders.price_dropped")


def _variant_restocked(sender, variant, previous_stock, **kwargs) -> None:
    from social.tasks import remind_savers_task

    checkout_reminders.enqueue(remind_savers_task, variant.pk, BACK_IN_STOCK)


def _variant_price_dropped(sender, variant, old_price, new_price, **kwargs) -> None:
    from social.tasks import remind_savers_task

    checkout_reminders.enqueue(remind_savers_task, variant.pk, PRICE_DROP, old_price)


def saver_ids(news: VariantNews) -> QuerySet:
    """Active users who saved a visible post tagging the product, less those whose cart holds
    the variant (checkout tells them) and anyone with a block between them and the seller."""
    carted = CartLine.objects.filter(variant_id=news.variant_id, cart__user_id=OuterRef("user_id"))
    blocked = Block.objects.filter(
        Q(blocker_id=OuterRef("user_id"), blocked_id=news.owner_id)
        | Q(blocker_id=news.owner_id, blocked_id=OuterRef("user_id"))
    )
    return (
        Save.objects.filter(post__tags__product_id=news.product_id, post__is_hidden=False, user__is_active=True)
        .exclude(Exists(carted))
        .exclude(Exists(blocked))
    )


def remind_savers(*, variant_id: int, kind: str, old_price: int | None = None) -> int:
    """Tell who saved a post tagging the variant's product that it is back in stock or
    cheaper. Idempotent: a second run the same day notifies nobody again."""
    news = checkout_reminders.variant_news(variant_id=variant_id, kind=kind, old_price=old_price)
    if news is None:
        return 0
    return checkout_reminders.tell_about_variant(news, checkout_reminders.id_batches(saver_ids(news), "user_id"))
