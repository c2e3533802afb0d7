"""The demo's posts: planned from ``social.demo.content``, published through ``services.create_post``."""

from __future__ import annotations

import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Prefetch

from catalog.demo.stores import STORES
from catalog.models import Product, ProductImage, Store
from shop.images import verify_image
from shop.models import User
from social import services
from social.demo.base import SocialReport, seeded_random
from social.demo.content import SHOPPER_POSTS, STORE_POSTS, PostSpec
from social.models import FeedEntry, Post, PostHashtag, PostImage, Profile
from social.services.posts import TagSpec, hot_score_update

PICTURES_MAX = 4
RENDITION_FIELDS = ("thumbnail", "display", "webp")


@dataclass
class PlannedPost:
    key: str  # names the post for the random choices made about it
    author: User
    profile: Profile
    spec: PostSpec
    products: list[Product]
    pictures: list[ProductImage] = field(default_factory=list)
    store_slug: str = ""  # the store whose products it shows (for the comments people leave)


def plan_posts(people: dict[str, User], stores: dict[str, Store]) -> list[PlannedPost]:
    """Every post whose products exist and are on sale, oldest first."""
    slugs = {slug for specs in STORE_POSTS.values() for spec in specs for slug in spec.products}
    slugs |= {slug for post in SHOPPER_POSTS for slug in post.spec.products}
    products = {
        product.slug: product
        for product in Product.objects.filter(slug__in=slugs, status=Product.Status.ACTIVE, store__is_active=True)
        .select_related("store")
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))
    }
    plan = []
    for store_spec in STORES:
        store = stores.get(store_spec.slug)
        owner = people.get(store_spec.owner.username)
        if store is None or owner is None or store.owner_id != owner.pk:
            continue
        profile = services.profile_for_store(store=store)
        for index, spec in enumerate(STORE_POSTS.get(store_spec.slug, ())):
            planned = _planned(f"{store.slug}:{index}", owner, profile, spec, products, store.slug)
            if planned is not None:
                plan.append(planned)
    for index, shopper_post in enumerate(SHOPPER_POSTS):
        author = people.get(shopper_post.username)
        if author is None:
            continue
        profile = services.profile_for_user(user=author)
        key = f"{shopper_post.username}:{index}"
        planned = _planned(key, author, profile, shopper_post.spec, products, "")
        if planned is not None:
            planned.store_slug = planned.products[0].store.slug
            plan.append(planned)
    plan.sort(key=lambda planned: -planned.spec.days_ago)
    return plan


def _planned(key, author, profile, spec: PostSpec, products: dict[str, Product], store_slug) -> PlannedPost | None:
    if not all(slug in products for slug in spec.products):
        return None
    tagged = [products[slug] for slug in spec.products]
    planned = PlannedPost(key, author, profile, spec, tagged, store_slug=store_slug)
    # Round robin over the products' pictures: each product shows at least once.
    wanted = min(PICTURES_MAX, max(spec.pictures, len(tagged)))
    queues = [list(product.images.all()) for product in tagged]
    while len(planned.pictures) < wanted and any(queues):
        for queue in queues:
            if queue and len(planned.pictures) < wanted:
                planned.pictures.append(queue.pop(0))
    return planned if planned.pictures else None


def unpublished(plan: list[PlannedPost]) -> list[PlannedPost]:
    """The planned posts not published yet (found by profile and caption)."""
    captions = [planned.spec.caption for planned in plan]
    existing = set(Post.objects.filter(caption__in=captions).values_list("profile", "caption"))
    return [planned for planned in plan if (planned.profile.pk, planned.spec.caption) not in existing]


def submit_originals(verifier: ThreadPoolExecutor, plan: list[PlannedPost]) -> dict[int, Future]:
    """Verified copies of every product picture that ``plan``'s posts use, made in a worker thread.

    One thread: ``verify_image`` uses ``warnings.catch_warnings``, which is not thread-safe.
    """

    def verified(name: str) -> bytes:
        with default_storage.open(name, "rb") as source:
            upload = SimpleUploadedFile("original.jpg", source.read(), content_type="image/jpeg")
        return verify_image(upload).read()

    originals: dict[int, Future] = {}
    for planned in plan:
        for picture in planned.pictures:
            if picture.pk not in originals:
                originals[picture.pk] = verifier.submit(verified, picture.image.name)
    return originals


def ensure_post(report: SocialReport, planned: PlannedPost, originals: dict[int, Future], now: datetime) -> Post:
    post = Post.objects.filter(profile=planned.profile, caption=planned.spec.caption).first()
    if post is not None:
        report.existing["posts"] += 1
        return post
    rng = seeded_random("post", planned.key)
    uploads = [
        SimpleUploadedFile(f"{uuid.uuid4().hex}.jpg", originals[picture.pk].result(), content_type="image/jpeg")
        for picture in planned.pictures
    ]
    tags = []
    for number, product in enumerate(planned.products):
        shown_on = [i for i, picture in enumerate(planned.pictures) if picture.product_id == product.pk]
        # The drawings put the product in the middle; a second tag on the same picture sits lower.
        x = round(0.5 + rng.uniform(-0.12, 0.12), 3)
        y = round((0.55 if shown_on else 0.35 + 0.2 * number) + rng.uniform(-0.08, 0.08), 3)
        tags.append(TagSpec(shown_on[0] if shown_on else 0, product, x, y))
    with transaction.atomic():
        post = services.create_post(
            author=planned.author,
            profile=planned.profile,
            caption=planned.spec.caption,
            images=uploads,
            alt_texts=[picture.alt_text for picture in planned.pictures],
            tags=tags,
        )
        _backdate(post, now - timedelta(days=planned.spec.days_ago, minutes=rng.randint(0, 59)))
        for picture, source in zip(post.images.order_by("position"), planned.pictures, strict=True):
            _copy_renditions(picture, source)
    report.created["posts"] += 1
    report.created["pictures"] += len(uploads)
    report.created["tags"] += len(tags)
    return post


def _backdate(post: Post, at: datetime) -> None:
    """Publish ``post`` at ``at`` (as ``tests.factories.make_post`` does), and score it for then."""
    Post.objects.filter(pk=post.pk).update(created_at=at)
    FeedEntry.objects.filter(post=post).update(created_at=at)
    PostHashtag.objects.filter(post=post).update(created_at=at)
    post.created_at = at
    Post.objects.filter(pk=post.pk).update(**hot_score_update(post=post))


def _copy_renditions(picture: PostImage, source: ProductImage) -> None:
    """Give ``picture`` copies of ``source``'s renditions: ``picture`` is a copy of its original."""
    if not source.renditions_ready:
        return  # the on-commit task renders it
    for name in RENDITION_FIELDS:
        rendition = getattr(source, name)
        with rendition.open("rb") as file:
            data = file.read()
        extension = rendition.name.rsplit(".", 1)[-1]
        getattr(picture, name).save(f"{uuid.uuid4().hex}-{name}.{extension}", ContentFile(data), save=False)
    PostImage.objects.filter(pk=picture.pk).update(
        **{name: getattr(picture, name).name for name in RENDITION_FIELDS}, renditions_source=picture.image.name
    )
