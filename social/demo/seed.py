"""Fill the social side of the demo through ``social.services``, so every counter is right.

Runs after ``catalog.demo.seed`` (it needs its people, stores and products):

- follows: each shopper follows 2 to 4 stores and 3 to 8 other shoppers, half of them
  follow back (friends); the sellers follow stores and shoppers too;
- posts: every store posts its own products, shoppers post "what I bought", each with
  product tags on the products' own pictures, published over the last three weeks;
- likes, comments with replies from the post's author, and a few saves;
- the Following feed of the seller demo login, built once.

Idempotent: a post is found again by its profile and caption, a comment by its post,
author, text and parent; follows, likes and saves are no-ops when they exist. Running it
twice changes nothing, and a larger catalog seed gets the posts it now has products for.

Deterministic: every choice comes from a ``random.Random`` seeded with ``SEED`` and the
name of what is being decided (a person, a post), not from the order rows were made.

Fast: a post's pictures are the product's pictures. Their originals are re-verified
(``shop.images.verify_image``) in one worker thread while the main thread writes, and
the product's renditions are copied, since they are what rendering the same picture
would make again: the on-commit rendition task then finds nothing to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import transaction
from django.utils import timezone

from catalog.demo.stores import STORES
from catalog.models import Store
from social import services
from social.demo.base import SocialReport, demo_people
from social.demo.engagement import engage, ensure_follows, existing_follows
from social.demo.posts import ensure_post, plan_posts, submit_originals, unpublished
from social.demo.recommendations import seed_recommendations
from social.demo.reviews import seed_reviews
from social.demo.reviews import summary as review_summary
from social.models import Profile


def seed_social(*, progress: Callable[[str], None] | None = None) -> SocialReport:
    """Create whatever part of the demo's social life is missing. Returns what was done."""
    say = progress or (lambda message: None)
    report = SocialReport()
    started = time.perf_counter()
    now = timezone.now()
    people = demo_people()
    stores = {store.slug: store for store in Store.objects.filter(slug__in=[s.slug for s in STORES])}
    plan = plan_posts(people, stores)
    verifier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-verify")
    try:
        to_publish = unpublished(plan)
        originals = submit_originals(verifier, to_publish)
        with transaction.atomic():
            ensure_follows(report, people, stores, existing_follows(people))
        if to_publish:
            say(f"Social: publishing {len(to_publish)} posts with their product tags...")
        posts = [(planned, ensure_post(report, planned, originals, now)) for planned in plan]
    finally:
        verifier.shutdown(wait=True, cancel_futures=True)
    with transaction.atomic():
        engage(report, people, posts, now)
    say(review_summary(seed_reviews(people=people, stores=stores, now=now)))
    with transaction.atomic():
        seed_recommendations(report, people, stores)  # opt-ins, recommendations, "you may also like"
    seller = people.get(STORES[0].owner.username)
    if seller is not None and not Profile.objects.filter(user=seller, feed_built_at__isnull=False).exists():
        services.build_feed(user=seller)
    report.seconds = time.perf_counter() - started
    return report
