"""The demo's reviews, all through ``social.services`` so every product's rating is exact.

- Shoppers who bought a product in the checkout demo review it (their reviews carry the
  "Verified purchase" badge); a few others review it too. Most products of the first
  ``REVIEWED_PER_STORE`` of each store get 1 to 5 reviews, mostly good, some poor.
- About one review in four has one or two photos, drawn with Pillow (a parcel on a table,
  in the product's colours): small, so verifying them and their renditions stay quick.
- Other shoppers find reviews helpful; the seller replies to every review of 3 stars or
  fewer and to some of the others.
- One spam review on the first store's first product is reported and hidden by its seller:
  it stays out of the product's rating.

Idempotent: a review is found again by its author and product and then left alone (its
photos are not added twice); votes, replies and hiding are no-ops when they exist.
Deterministic: every choice comes from ``seeded_random`` with the product's slug.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from catalog.demo.canvas import font
from catalog.demo.specs import SHOPPERS
from catalog.demo.stores import STORES
from catalog.models import Product, Store
from checkout.models import OrderLine
from shop.models import User
from social import services
from social.demo.base import seeded_random
from social.models import Review, ReviewReply

REVIEWED_PER_STORE = 6
PHOTO_SIZE = 480

REVIEW_TEXTS = {
    5: (
        ("Mantap, sesuai foto!", "Barangnya bagus sekali, persis seperti di foto. Pengiriman cepat dan rapi."),
        ("Love it", "Quality is even better than I expected. Will buy again for my sister."),
        ("Recommended seller", "Packing aman, bonus stiker lucu. Sukses terus tokonya!"),
        ("Puas banget", "Sudah order kedua kalinya, kualitas tetap konsisten. Terima kasih kak!"),
        ("", "Bagus, cepat sampai, penjual ramah."),
    ),
    4: (
        ("Bagus", "Kualitas oke, hanya pengiriman agak lama satu hari dari estimasi."),
        ("Good value", "Nice product for the price. The colour is a little darker than the photo."),
        ("Suka", "Sesuai deskripsi. Kemasan bisa lebih tebal sedikit."),
        ("", "Overall puas, semoga awet."),
    ),
    3: (
        ("Lumayan", "Barang sampai dengan baik tapi ukurannya sedikit berbeda dari yang saya bayangkan."),
        ("It's okay", "Does the job. Not bad, not amazing."),
    ),
    2: (
        ("Kurang sesuai", "Warnanya beda cukup jauh dari foto, agak kecewa."),
        ("Slow delivery", "Took almost two weeks to arrive and the box was dented."),
    ),
    1: (("Kecewa", "Barang yang datang tidak sesuai pesanan. Sudah chat tapi belum dibalas."),),
}
RATINGS = (5, 5, 5, 5, 4, 4, 4, 3, 2, 1)
SELLER_REPLIES = {
    "good": (
        "Terima kasih banyak kak, ditunggu order berikutnya! 🙏",
        "Thank you for the kind words, we are glad you like it!",
        "Senang sekali mendengarnya, terima kasih sudah belanja di toko kami.",
    ),
    "poor": (
        "Mohon maaf atas ketidaknyamanannya kak. Kami sudah kirim pesan untuk membantu penukaran.",
        "Sorry to hear that! Please message us, we will make it right.",
        "Terima kasih masukannya, kami akan perbaiki kemasan dan pengiriman.",
    ),
}
SPAM_AUTHOR = "wulan"
SPAM_REPORTER = "ani"
SPAM_TEXT = ("PROMO!!!", "Diskon 90% semua produk, klik link di bio kami sekarang juga!!! 🔥🔥🔥")


def _colours(slug: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    digest = hashlib.sha256(slug.encode()).digest()
    main = (80 + digest[0] % 150, 60 + digest[1] % 150, 50 + digest[2] % 150)
    table = (205 + digest[3] % 40, 190 + digest[4] % 40, 165 + digest[5] % 40)
    return main, table


def draw_photo(product: Product, number: int) -> SimpleUploadedFile:
    """A shopper's snapshot of the parcel: the product's colours, its store's initial, a table."""
    main, table = _colours(f"{product.slug}:{number}")
    image = Image.new("RGB", (PHOTO_SIZE, PHOTO_SIZE), table)
    draw = ImageDraw.Draw(image)
    s = PHOTO_SIZE / 100
    draw.rectangle([0, 0, PHOTO_SIZE, 38 * s], fill=tuple(max(0, c - 25) for c in table))  # the wall
    draw.ellipse([18 * s, 74 * s, 86 * s, 90 * s], fill=tuple(max(0, c - 40) for c in table))  # a shadow
    tilt = (number % 3 - 1) * 4
    box = [24 * s + tilt * s, 30 * s, 80 * s + tilt * s, 82 * s]
    draw.rounded_rectangle(box, radius=4 * s, fill=main, outline=tuple(max(0, c - 60) for c in main), width=3)
    draw.rectangle([box[0], 48 * s, box[2], 56 * s], fill=(245, 240, 230))  # a label band
    letter = (product.store.name or "E")[0].upper()
    face = font("bold", int(16 * s))
    draw.text(((box[0] + box[2]) / 2, 40 * s), letter, font=face, fill=(255, 255, 255), anchor="mm")
    label = font("regular", int(4.2 * s))
    draw.text(((box[0] + box[2]) / 2, 52 * s), product.title[:22], font=label, fill=(40, 40, 40), anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82)
    return SimpleUploadedFile(f"review-{product.slug}-{number}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _buyers_by_product(shoppers: dict[str, User]) -> dict[int, list[str]]:
    """Which demo shoppers have an order line of each product (paid or not: the service decides)."""
    names = {user.pk: name for name, user in shoppers.items()}
    buyers: dict[int, list[str]] = {}
    lines = OrderLine.objects.filter(order__buyer_id__in=names, product__isnull=False).values_list(
        "product_id", "order__buyer_id"
    )
    for product_id, buyer_id in lines.order_by("id"):
        name = names[buyer_id]
        if name not in buyers.setdefault(product_id, []):
            buyers[product_id].append(name)
    return buyers


def _products(stores: dict[str, Store]) -> list[Product]:
    chosen = []
    for spec in STORES:
        store = stores.get(spec.slug)
        if store is None:
            continue
        products = Product.objects.active().filter(store=store).select_related("store").order_by("created_at", "id")
        chosen += list(products[:REVIEWED_PER_STORE])
    return chosen


def seed_reviews(*, people: dict[str, User], stores: dict[str, Store], now: datetime) -> Counter:
    """Create whatever part of the demo's reviews is missing. Returns what was created."""
    created: Counter = Counter()
    shoppers = {p.username: people[p.username] for p in SHOPPERS if p.username in people}
    if not shoppers:
        return created
    names = sorted(shoppers)
    buyers = _buyers_by_product(shoppers)
    existing = set(Review.objects.filter(author__in=shoppers.values()).values_list("author_id", "product_id"))
    spam_target = _spam_target(stores)
    for product in _products(stores):
        rng = seeded_random("reviews", product.slug)
        others = [name for name in names if name not in buyers.get(product.pk, [])]
        if product == spam_target:  # the spam author's review of it is the spam
            others = [name for name in others if name != SPAM_AUTHOR]
            buyers[product.pk] = [name for name in buyers.get(product.pk, []) if name != SPAM_AUTHOR]
        count = rng.choice((0, 1, 1, 2, 2, 3, 3, 4))
        reviewers = (buyers.get(product.pk, []) + rng.sample(others, k=min(len(others), count)))[: max(count, 1)]
        with transaction.atomic():
            for index, name in enumerate(reviewers):
                _review(created, product, shoppers[name], name, index, existing, names, shoppers, now)
    if spam_target is not None:
        _spam(created, spam_target, shoppers, existing)
    return created


def _review(created, product, author, name, index, existing, names, shoppers, now) -> None:
    if (author.pk, product.pk) in existing:
        return
    rng = seeded_random("review", product.slug, name)
    rating = rng.choice(RATINGS)
    title, body = rng.choice(REVIEW_TEXTS[rating])
    photos = [draw_photo(product, number) for number in range(rng.choice((1, 1, 2)))] if rng.random() < 0.25 else []
    try:
        review, _created = services.write_review(
            author=author,
            product=product,
            rating=rating,
            title=title,
            body=body,
            photos=photos,
            photo_alts=[f"{product.title}, as it arrived"] * len(photos),
        )
    except (PermissionDenied, ValidationError):
        return  # a shopper who owns the store, or a product no longer on sale
    existing.add((author.pk, product.pk))
    created["reviews"] += 1
    created["review photos"] += len(photos)
    written = now - timedelta(days=rng.randint(1, 45), minutes=rng.randint(0, 600))
    Review.objects.filter(pk=review.pk).update(created_at=written, updated_at=written)
    voters = [other for other in names if other != name]
    for voter in rng.sample(voters, k=min(len(voters), rng.choice((0, 0, 1, 1, 2, 3)))):
        created["helpful votes"] += services.vote_helpful(user=shoppers[voter], review=review)
    if rating <= 3 or rng.random() < 0.3:
        kind = "poor" if rating <= 3 else "good"
        body = rng.choice(SELLER_REPLIES[kind])
        services.reply_to_review(review=review, actor=product.store.owner, body=body)
        ReviewReply.objects.filter(review=review).update(created_at=written + timedelta(hours=rng.randint(2, 30)))
        created["seller replies"] += 1


def _spam_target(stores: dict[str, Store]) -> Product | None:
    store = stores.get(STORES[0].slug)
    if store is None:
        return None
    return (
        Product.objects.active().filter(store=store).select_related("store__owner").order_by("created_at", "id").first()
    )


def _spam(created, product: Product, shoppers, existing) -> None:
    """One spam review, reported by a shopper and hidden by the seller."""
    author, reporter = shoppers.get(SPAM_AUTHOR), shoppers.get(SPAM_REPORTER)
    if author is None or reporter is None:
        return
    with transaction.atomic():
        review = Review.objects.filter(author=author, product=product).first()
        if review is None:
            review, _created = services.write_review(
                author=author, product=product, rating=5, title=SPAM_TEXT[0], body=SPAM_TEXT[1]
            )
            existing.add((author.pk, product.pk))
            created["reviews"] += 1
        if not review.is_hidden:
            services.report_review(user=reporter, review=review, reason="spam", note="Iklan, bukan ulasan.")
            created["hidden reviews"] += services.hide_review(review=review, actor=product.store.owner)


def summary(created: Counter) -> str:
    kinds = ("reviews", "review photos", "helpful votes", "seller replies", "hidden reviews")
    parts = [f"{created[kind]} {kind}" for kind in kinds]
    made = ", ".join(part for part in parts if not part.startswith("0 ")) or "nothing"
    return f"Reviews: created {made}."
