"""The demo's friends features, through ``social.services``:

- every demo person lets friends see what they buy (``share_purchases``), so the demo's paid
  orders show as "bought this" to their friends;
- some shoppers send a product to one or two friends with a note (the friends are notified);
- "you may also like" is computed once, as the periodic task would.

Idempotent: a recommendation is found again by sender, recipient and product, and the opt-in
is an update of those still off. Deterministic: choices come from ``seeded_random``.
"""

from __future__ import annotations

from catalog.models import Product, Store
from shop.models import User
from social import services
from social.demo.base import SHOPPER_NAMES, SocialReport, count, seeded_random
from social.models import Recommendation
from social.selectors.recommendations import friends_of

NOTES = (
    "Ini yang aku ceritain kemarin!",
    "Cocok buat kamu 😍",
    "Kado ulang tahun Ibu?",
    "Aku udah coba, enak banget.",
    "You need this.",
    "",
)


def seed_recommendations(report: SocialReport, people: dict[str, User], stores: dict[str, Store]) -> None:
    ids = [user.pk for user in people.values()]
    User.objects.filter(pk__in=ids, share_purchases=False).update(share_purchases=True)
    for user in people.values():
        user.share_purchases = True
    products = list(Product.objects.active().filter(store__in=list(stores.values())).order_by("slug"))
    if products:
        _recommend(report, people, products)
    services.compute_product_affinities()


def _recommend(report: SocialReport, people: dict[str, User], products: list[Product]) -> None:
    existing = set(
        Recommendation.objects.filter(sender_id__in=[user.pk for user in people.values()]).values_list(
            "sender_id", "recipient_id", "product_id"
        )
    )
    for name, sender in sorted(people.items()):
        if name not in SHOPPER_NAMES:
            continue
        rng = seeded_random("recommend", name)
        friends = list(friends_of(user=sender))
        if not friends or rng.random() < 0.4:
            continue
        product = rng.choice(products)
        chosen = rng.sample(friends, k=min(len(friends), rng.choice((1, 1, 2))))
        note = rng.choice(NOTES)
        new = []
        for friend in chosen:
            there = (sender.pk, friend.pk, product.pk) in existing
            count(report, "recommendations", not there)
            if not there:
                new.append(friend)
        if new:
            services.recommend(sender=sender, recipients=new, product=product, note=note)
