"""Friends' writes: dismissing a suggested person, sharing one's purchases with friends,
recommending a product or a post to friends, telling a recommender that it led to a purchase,
and computing "you may also like" (``ProductAffinity``) for the periodic task.

Privacy rules kept here and in ``social.selectors.recommendations``: a recommendation reaches
friends only (mutual follows); a purchase is shown to, or told to, nobody unless the buyer
turned on "Let friends see what I buy" (``User.share_purchases``), and then only to friends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import cast

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Product
from checkout.models import Order
from shop import stencil
from shop.models import User
from social import ratelimit
from social.models import Block, FriendSuggestionDismissal, Post, ProductAffinity, Recommendation

NOTE_MAX = cast(int, Recommendation._meta.get_field("note").max_length)
RECIPIENTS_MAX = 20
# "You may also like": rows kept per product, and the blend of signals that ranks them.
AFFINITY_PER_PRODUCT = 12
AFFINITY_RECENT_PER_PERSON = 10  # each person's latest liked or bought products that pair up
AFFINITY_WEIGHT_TOGETHER = 3.0  # people who liked or bought both: 3 x n / (n + 1), so 1.5 for one, < 3 always
AFFINITY_WEIGHT_CATEGORY = 1.0
AFFINITY_WEIGHT_STORE = 0.5

ratelimit.LIMITS.setdefault(
    "recommend",
    ratelimit.Limit(
        30, 600, gettext_lazy("You are sending recommendations too fast. Please wait a few minutes and try again.")
    ),
)

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


# --- People you may know ----------------------------------------------------------------------


def forget_friend_reads(*user_ids: int | None) -> None:
    """Drop these people's cached "people you may know" and "From your friends" shelf: a
    follow, an unfollow, a block or a dismissal changes them (and an unfollow must take a
    former friend's purchases off the shelf). Now, and again once the transaction commits,
    in case a request read the old rows and cached them in between."""
    from social.selectors import recommendations as friends_selectors

    ids = [pk for pk in user_ids if pk]
    keys = [friends_selectors.pymk_cache_key(pk) for pk in ids] + [friends_selectors.shelf_cache_key(pk) for pk in ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def dismiss_suggestion(*, user: User, suggested: User) -> bool:
    """``user`` does not want ``suggested`` among their suggestions again. Returns False if
    they had already said so."""
    if suggested.pk == user.pk:
        raise ValidationError(_("You cannot dismiss yourself."), code="dismiss_self")
    try:
        with transaction.atomic():
            FriendSuggestionDismissal.objects.create(user=user, suggested=suggested)
    except IntegrityError:
        return False
    forget_friend_reads(user.pk)
    return True


# --- Sharing purchases ------------------------------------------------------------------------


def set_share_purchases(*, user: User, share: bool) -> None:
    """ "Let friends see what I buy". Turned off, no page, list, API answer or notification
    shows a purchase of theirs from the next request on: the reads check the flag, and the
    one cached read that holds purchases (the friends' shelves) is dropped for everyone."""
    from social.selectors import recommendations as friends_selectors

    User.objects.filter(pk=user.pk).update(share_purchases=bool(share))
    user.share_purchases = bool(share)
    if not share:

        def drop_shelves() -> None:
            cache.add(friends_selectors.SHELF_SHARING_VERSION_KEY, 0, None)
            cache.incr(friends_selectors.SHELF_SHARING_VERSION_KEY)

        drop_shelves()
        transaction.on_commit(drop_shelves)


# --- Recommending to friends ----------------------------------------------------------------


def clean_note(note: str | None) -> str:
    """A note as typed: plain text up to ``NOTE_MAX`` characters, no HTML, no NUL."""
    note = (note or "").strip()
    if "\x00" in note:
        raise ValidationError(_("The note cannot contain NUL characters."), code="note_nul")
    if _TAG.search(note):
        raise ValidationError(_("Write the note as plain text, without HTML."), code="note_html")
    if len(note) > NOTE_MAX:
        raise ValidationError(
            _("Keep the note to %(max)d characters (it has %(length)d).") % {"max": NOTE_MAX, "length": len(note)},
            code="note_too_long",
        )
    return note


def _recipient_ids(sender: User, recipients: Iterable[User | int]) -> list[int]:
    ids: list[int] = []
    for recipient in recipients:
        pk = recipient.pk if isinstance(recipient, User) else int(recipient)
        if pk not in ids:
            ids.append(pk)
    if not ids:
        raise ValidationError(_("Choose at least one friend."), code="no_recipient")
    if sender.pk in ids:
        raise ValidationError(_("You cannot recommend something to yourself."), code="recommend_self")
    if len(ids) > RECIPIENTS_MAX:
        raise ValidationError(
            _("Choose at most %(max)d friends at a time.") % {"max": RECIPIENTS_MAX}, code="too_many_recipients"
        )
    return ids


def _check_subject(sender: User, product: Product | None, post: Post | None) -> None:
    if (product is None) == (post is None):
        raise ValidationError(_("Recommend either a product or a post."), code="subject")
    if product is not None and not Product.objects.active().filter(pk=product.pk).exists():
        raise ValidationError(_("This product is not on sale."), code="product_unavailable")
    if post is not None and not Post.objects.visible_to(sender).filter(pk=post.pk).exists():
        raise ValidationError(_("This post is not available."), code="post_unavailable")


@transaction.atomic
def recommend(
    *,
    sender: User,
    recipients: Iterable[User | int],
    product: Product | None = None,
    post: Post | None = None,
    note: str = "",
) -> list[Recommendation]:
    """``sender`` recommends ``product`` or ``post`` to some of their friends, with a note.

    Every recipient must be a friend (mutual follow) now: anyone else refuses the whole
    request (PermissionDenied), as does a post that one of them may not see (a block with
    its author). Each recipient is notified in this transaction. Rate limited per sender.
    """
    from social.selectors import recommendations as friends_selectors

    note = clean_note(note)
    ids = _recipient_ids(sender, recipients)
    _check_subject(sender, product, post)
    friends = friends_selectors.friends_among(user=sender, user_ids=ids)
    if set(ids) - friends:
        raise PermissionDenied(_("You can only recommend to your friends (people you follow who follow you back)."))
    people = {person.pk: person for person in User.objects.filter(pk__in=ids, is_active=True)}
    if len(people) != len(ids):
        raise PermissionDenied(_("You can only recommend to your friends (people you follow who follow you back)."))
    if post is not None:
        blocked = Block.objects.filter(
            Q(blocker_id=post.author_id, blocked_id__in=ids) | Q(blocker_id__in=ids, blocked_id=post.author_id)
        ).exists()
        if blocked:
            raise ValidationError(_("This post cannot be shared with everyone you chose."), code="post_hidden")
    ratelimit.take("recommend", sender.pk)
    made = Recommendation.objects.bulk_create(
        [Recommendation(sender=sender, recipient=people[pk], product=product, post=post, note=note) for pk in ids]
    )
    from social import friend_notifications

    for recommendation in made:
        recommendation.sender = sender
        recommendation.recipient = people[recommendation.recipient_id]
        friend_notifications.recommended(recommendation)
    return made


def mark_recommendations_seen(*, user: User) -> int:
    """The person opened "Recommended to you": their recommendations (and the notifications
    about them) are seen. Returns how many were new."""
    from shop.notifications.services import mark_group_read
    from social import friend_notifications

    seen = Recommendation.objects.filter(recipient=user, seen_at__isnull=True).update(seen_at=timezone.now())
    mark_group_read(user=user, group_key=friend_notifications.received_group_key(user.pk))
    return seen


# --- A recommendation that led to a purchase ------------------------------------------------------


def record_recommended_purchase(*, order: Order) -> int:
    """After ``order`` was paid: tell each friend who had recommended one of its products to
    the buyer, once (``Recommendation.purchased_order_id`` is set on the recommendations told).

    Telling a recommender "Ani bought what you recommended" shows them Ani's purchase, so it
    obeys the same rule as every other view of a purchase: only if the buyer lets friends see
    what they buy (``share_purchases``), and only to a recommender who is still their friend.
    Otherwise nothing is told and nothing is recorded, so a later purchase, after the buyer
    opted in, can still be told. Idempotent: a second call finds the recommendations taken.
    Returns how many recommenders were told.
    """
    from social import friend_notifications
    from social.selectors import recommendations as friends_selectors

    buyer = User.objects.filter(pk=order.buyer_id, is_active=True).first()
    if buyer is None or not buyer.share_purchases or order.status not in friends_selectors.PAID_STATUSES:
        return 0
    product_ids = set(order.lines.filter(product__isnull=False).values_list("product_id", flat=True))
    if not product_ids:
        return 0
    with transaction.atomic():
        # Locked, so two orders of the same product paid at once tell the recommender once.
        candidates = list(
            Recommendation.objects.select_for_update()
            .filter(
                recipient=buyer,
                product_id__in=product_ids,
                purchased_order_id__isnull=True,
                created_at__lte=order.placed_at,
            )
            .order_by("pk")
        )
        friends = friends_selectors.friends_among(user=buyer, user_ids={row.sender_id for row in candidates})
        told = [row for row in candidates if row.sender_id in friends]
        if not told:
            return 0
        Recommendation.objects.filter(pk__in=[row.pk for row in told]).update(purchased_order_id=order.pk)
        senders = {person.pk: person for person in User.objects.filter(pk__in={row.sender_id for row in told})}
        products = {product.pk: product for product in Product.objects.filter(pk__in={row.product_id for row in told})}
        by_sender: dict[int, list[Product]] = {}
        for row in told:
            bought = by_sender.setdefault(row.sender_id, [])
            assert row.product_id is not None  # (chosen by product_id__in)
            if products[row.product_id] not in bought:
                bought.append(products[row.product_id])
        for sender_id, bought in by_sender.items():
            friend_notifications.recommendation_purchased(
                sender=senders[sender_id], buyer=buyer, products=bought, order=order
            )
    return len(by_sender)


# --- You may also like ----------------------------------------------------------------------

AFFINITY_SQL = """
WITH engaged AS (
    SELECT l.user_id AS user_id, t.product_id AS product_id, l.created_at AS happened_at
    FROM {like} l
    JOIN {tag} t ON t.post_id = l.post_id
    JOIN {post} p ON p.id = l.post_id
    WHERE NOT p.is_hidden
    UNION ALL
    SELECT o.buyer_id, ol.product_id, COALESCE(o.paid_at, o.placed_at)
    FROM {line} ol
    JOIN {order} o ON o.id = ol.order_id
    JOIN {user} buyer ON buyer.id = o.buyer_id
    WHERE buyer.share_purchases AND o.status IN {paid} AND ol.product_id IS NOT NULL
),
latest AS (
    SELECT user_id, product_id, MAX(happened_at) AS happened_at FROM engaged GROUP BY user_id, product_id
),
recent AS (
    SELECT user_id, product_id FROM (
        SELECT user_id, product_id,
               ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY happened_at DESC, product_id) AS position
        FROM latest
    ) numbered
    WHERE position <= %(recent)s
),
together AS (
    SELECT a.product_id AS product_id, b.product_id AS other_id, COUNT(*) AS people
    FROM recent a JOIN recent b ON b.user_id = a.user_id AND b.product_id <> a.product_id
    GROUP BY a.product_id, b.product_id
),
together_best AS (
    SELECT product_id, other_id FROM (
        SELECT product_id, other_id,
               ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY people DESC, other_id) AS position
        FROM together
    ) ranked_together
    WHERE position <= %(per_product)s
),
live AS (
    SELECT pr.id, pr.category_id, pr.store_id
    FROM {product} pr JOIN {store} s ON s.id = pr.store_id
    WHERE pr.status = %(active)s AND s.is_active
),
pairs AS (
    SELECT a.id AS product_id, b.id AS other_id
    FROM live a JOIN live b ON b.category_id = a.category_id AND b.id <> a.id
    UNION
    SELECT a.id, b.id FROM live a JOIN live b ON b.store_id = a.store_id AND b.id <> a.id
    UNION
    SELECT product_id, other_id FROM together_best
),
scored AS (
    SELECT pairs.product_id, pairs.other_id,
           %(w_together)s * COALESCE(together.people * 1.0 / (together.people + 1), 0)
           + CASE WHEN a.category_id = b.category_id THEN %(w_category)s ELSE 0 END
           + CASE WHEN a.store_id = b.store_id THEN %(w_store)s ELSE 0 END AS score
    FROM pairs
    JOIN live a ON a.id = pairs.product_id
    JOIN live b ON b.id = pairs.other_id
    LEFT JOIN together ON together.product_id = pairs.product_id AND together.other_id = pairs.other_id
),
best AS (
    SELECT product_id, other_id, score,
           ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY score DESC, other_id) AS position
    FROM scored
)
INSERT INTO {affinity} (product_id, other_id, score, computed_at)
SELECT product_id, other_id, score, %(now)s FROM best WHERE position <= %(per_product)s
"""


def compute_product_affinities() -> int:
    """Recompute "you may also like" for every product on sale, in SQL, and replace the old
    rows in one transaction (readers see the old set until the new one is committed).

    For each product, the other products on sale that share its category or its store, or
    that the same people liked (posts tagging both) or bought (only buyers who share their
    purchases: a rare pair could otherwise point at one person's basket), scored
    ``3 x n / (n + 1)`` for n such people, plus 1 for the same category and 0.5 for the same
    store; the best ``AFFINITY_PER_PRODUCT`` are kept. Each person counts with their latest
    ``AFFINITY_RECENT_PER_PERSON`` products, so a heavy liker costs no more than anyone. Only
    the best ``AFFINITY_PER_PRODUCT`` pairs by people in common join the candidates besides
    the same category and store: a pair below them can never make the top (its score is at
    most theirs), so the result is exact and the union stays small.
    Returns the number of rows written. Safe to run twice at once: the second waits.
    """
    from social.selectors import recommendations as friends_selectors

    sql = AFFINITY_SQL.replace("{paid}", friends_selectors._paid_in()).format(**friends_selectors._tables())
    params = {
        "recent": AFFINITY_RECENT_PER_PERSON,
        "active": str(Product.Status.ACTIVE),
        "w_together": AFFINITY_WEIGHT_TOGETHER,
        "w_category": AFFINITY_WEIGHT_CATEGORY,
        "w_store": AFFINITY_WEIGHT_STORE,
        "per_product": AFFINITY_PER_PRODUCT,
        "now": timezone.now(),
        **friends_selectors._paid_params(),
    }
    table = ProductAffinity._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Plain reads go on (the product pages); a second run waits for this one.
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(sql, params)
        stencil.updated(ProductAffinity)  # "You may also like" on the product pages
        # (SQLite reports no row count for an INSERT that starts with WITH.)
        return ProductAffinity.objects.count()
