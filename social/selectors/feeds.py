"""Social reads shared by the pages and the API: feeds (keyset pages, never OFFSET),
profiles, posts with everything a post card shows, in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Expression, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Store
from catalog.selectors import with_from_price
from shop.compiled import CompiledQuery
from shop.cursors import aware_datetime, decode_cursor, encode_cursor
from shop.expressions import Probe
from shop.models import User
from social.models import (
    HAS_BLOCKS_ATTRIBUTE,
    Block,
    Comment,
    FeedEntry,
    Follow,
    Hashtag,
    Like,
    Post,
    PostHashtag,
    PostImage,
    ProductTag,
    Profile,
    Save,
    may_have_blocks,
    visible_post,
)
from social.services import build_feed, profile_for_store, profile_for_user

PAGE_SIZE = 20


@dataclass
class Page:
    items: list
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


# --- Post cards ---------------------------------------------------------------------


def _with_viewer_state(queryset: QuerySet[Post], viewer: User | None) -> QuerySet[Post]:
    """Posts with ``viewer_liked``, ``viewer_saved`` and ``viewer_follows`` read with them
    (three probes of unique indexes, ``Probe``); ``mark_viewer_state`` finishes the job."""
    if viewer is None:
        return queryset
    state = {  # the attributes ``Post`` declares for them
        "viewer_liked": Probe(Like.objects.filter(user=viewer, post=OuterRef("pk"))),
        "viewer_saved": Probe(Save.objects.filter(user=viewer, post=OuterRef("pk"))),
        "viewer_follows": Probe(Follow.objects.filter(follower=viewer, followee=OuterRef("profile_id"))),
    }
    return queryset.annotate(**state)


def post_card_queryset(viewer: User | None = None) -> QuerySet[Post]:
    """Posts ``viewer`` may see with everything a card shows: author, profile (and store),
    pictures and tagged products with prices, and the viewer's state."""
    tags = with_from_price(ProductTag.objects.select_related("product__store"), product=OuterRef("product"))
    return _with_viewer_state(
        Post.objects.visible_to(viewer)
        .select_related("author", "profile__user", "profile__store")
        .prefetch_related(
            Prefetch("images", queryset=PostImage.objects.order_by("position", "id"), to_attr="ordered_images"),
            Prefetch("tags", queryset=tags.order_by("id"), to_attr="product_tags"),
        ),
        viewer,
    )


# What picks a page and keys a cached card (``social.cards.card_version``), no more.
ROW_FIELDS = (
    "id",
    "profile_id",
    "author_id",
    "created_at",
    "edited_at",
    "like_count",
    "comment_count",
    "hot_score",
    "tag_version",
)


def post_rows(viewer: User | None = None, *, blocks: bool | None = None) -> QuerySet[Post]:
    """Posts ``viewer`` may see as light rows with the viewer's state: what the feeds select.
    The pages show them as cached cards (``social.cards``), the API as ``post_cards``.
    ``blocks`` as for ``visible_post``."""
    return _with_viewer_state(Post.objects.visible_to(viewer, blocks=blocks).only(*ROW_FIELDS), viewer)


def mark_viewer_state(posts: list[Post], viewer: User | None) -> list[Post]:
    """Finish the viewer's state of posts from ``post_rows`` or ``post_card_queryset``: none
    for an anonymous viewer, and ``viewer_is_author``. No query."""
    for post in posts:
        if viewer is None:
            post.viewer_liked = post.viewer_saved = post.viewer_follows = False
        post.viewer_is_author = viewer is not None and post.author_id == viewer.pk
    return posts


def decorate(posts: list[Post], viewer: User | None) -> list[Post]:
    """Attach what depends on the viewer (``mark_viewer_state``) and what the card template
    reads from the prefetched pictures and tags. No query."""
    mark_viewer_state(posts, viewer)
    for post in posts:
        # Both lists come from ``post_card_queryset``'s Prefetch(to_attr=...), which the type of a post does not know.
        pictures = post.ordered_images  # type: ignore[attr-defined]
        tags = post.product_tags  # type: ignore[attr-defined]
        for picture in pictures:
            picture.post = post  # the alt text names the post's profile; no query
            picture.image_tags = [tag for tag in tags if tag.image_id == picture.pk]
        seen: set[int] = set()
        post.tagged_products = []
        for tag in tags:
            if tag.product_id not in seen:
                seen.add(tag.product_id)
                tag.product.from_price = tag.from_price
                post.tagged_products.append(tag.product)
    return posts


def post_cards(*, posts: list[Post], user: User | AnonymousUser | None = None) -> list[Post]:
    """Full post cards (``post_card_queryset``, decorated) for ``posts`` (rows a feed selected),
    in their order; posts that are full cards already are kept, and those the viewer may no
    longer see are left out. Three queries for any number of rows (none if all are full)."""
    viewer = _viewer(user)
    wanted = [post.pk for post in posts if not hasattr(post, "ordered_images")]
    loaded: dict[int, Post] = {}
    if wanted:
        loaded = {post.pk: post for post in post_card_queryset(viewer).filter(pk__in=wanted)}
        decorate(list(loaded.values()), viewer)
    cards = []
    for post in posts:
        card = post if hasattr(post, "ordered_images") else loaded.get(post.pk)
        if card is not None:
            cards.append(card)
    return cards


def _viewer(user: User | AnonymousUser | None) -> User | None:
    return user if isinstance(user, User) and user.is_authenticated else None


def _keyset_by_time(
    queryset: QuerySet, cursor: str | None, *, time_field: str = "created_at", id_field: str = "id"
) -> QuerySet:
    position = decode_cursor(cursor, aware_datetime, int)
    if position is not None:
        at, last_id = position
        queryset = queryset.filter(Q(**{f"{time_field}__lt": at}) | Q(**{time_field: at, f"{id_field}__lt": last_id}))
    return queryset.order_by(f"-{time_field}", f"-{id_field}")


def _time_page(posts: list[Post], limit: int) -> Page:
    more = len(posts) > limit
    posts = posts[:limit]
    cursor = encode_cursor(posts[-1].created_at.isoformat(), posts[-1].pk) if more and posts else None
    return Page(posts, cursor)


# --- Feeds ---------------------------------------------------------------------------
# Feeds select rows (``post_rows``): the pages show them as cached cards, the API loads
# their cards (``post_cards``).


def _feed_window(
    *, viewer_id: int, after_at: datetime | None, after_id: int | None, limit: int, blocks: bool
) -> QuerySet[Post]:
    """The next ``limit`` entries of ``viewer_id``'s materialised feed after the position, as
    rows the viewer may see (``blocks`` as for ``visible_post``), newest first."""
    entries = FeedEntry.objects.filter(owner_id=viewer_id)
    if after_at is not None:
        entries = entries.filter(Q(created_at__lt=after_at) | Q(created_at=after_at, post_id__lt=after_id))
    window = entries.order_by("-created_at", "-post_id").values("post_id")[:limit]
    return post_rows(User(pk=viewer_id), blocks=blocks).filter(pk__in=window).order_by("-created_at", "-id")


# Every Following page reads it: built and compiled once per process (``shop.compiled``).
# Planned for each viewer: a plan kept for any viewer, made for the average one, reads all
# of the entries of a viewer whose feed holds thousands (tests/shop/test_generic_plans.py).
_FEED_WINDOW = CompiledQuery(_feed_window)


def following_feed(*, user: User, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """The newest posts of the people and stores ``user`` follows, as rows with their state.

    Reads the materialised feed (built on the first visit): one query for the page and the
    viewer's state. Past its oldest entry the page is read from the posts of the followed
    profiles directly.
    """
    at, last_id = decode_cursor(cursor, aware_datetime, int) or (None, None)

    def window() -> list[Post]:
        values = {"viewer_id": user.pk, "after_at": at, "after_id": last_id}
        return _FEED_WINDOW.rows(values, limit=limit + 1, blocks=may_have_blocks(user))

    posts = window()
    # A full window means a built feed (entries are only ever written into built feeds), so
    # only a short one asks whether the feed was ever built.
    if len(posts) <= limit and not Profile.objects.filter(user=user, feed_built_at__isnull=False).exists():
        build_feed(user=user)
        posts = window()
    if len(posts) <= limit:
        # Past the materialised feed's oldest entry: the followed profiles' posts themselves.
        after = encode_cursor(posts[-1].created_at.isoformat(), posts[-1].pk) if posts else cursor
        followed = Follow.objects.filter(follower=user).values("followee_id")
        older = _keyset_by_time(post_rows(user).filter(profile_id__in=followed), after)
        posts += list(older[: limit + 1 - len(posts)])
    page = _time_page(posts, limit)
    return Page(mark_viewer_state(page.items, user), page.next_cursor)


# The attribute of a signed-in user holding how many profiles they follow, read with them.
PERSON_FOLLOWING_ATTRIBUTE = "following_count_read"


def person_following_count(sender: object, **kwargs: object) -> dict[str, Expression]:
    """``catalog.signals.person_loading``: how many profiles the signed-in person follows, as a
    scalar sub-query read with them (0 before they have a profile)."""
    following = Profile.objects.filter(user=OuterRef("pk")).values("following_count")[:1]
    return {PERSON_FOLLOWING_ATTRIBUTE: Coalesce(Subquery(following), 0, output_field=IntegerField())}


def _blocks_involving(user: User | OuterRef) -> QuerySet[Block]:
    return Block.objects.filter(Q(blocker=user) | Q(blocked=user))


def person_has_blocks(sender: object, **kwargs: object) -> dict[str, Exists]:
    """``catalog.signals.person_loading``: whether the signed-in person blocked anyone or was
    blocked, read with them: pages that show others' posts as everyone sees them then need no
    query of their own for the rest (``has_blocks``)."""
    return {HAS_BLOCKS_ATTRIBUTE: Exists(_blocks_involving(OuterRef("pk")))}


def has_blocks(user: User) -> bool:
    """Whether ``user`` blocked anyone or was blocked by anyone: if not, they see every
    visible post (``visible_post``). The signed-in person's answer is read with them, as this
    request began; any other user's is one query."""
    read = getattr(user, HAS_BLOCKS_ATTRIBUTE, None)
    if read is not None:
        return bool(read)
    return _blocks_involving(user).exists()


def follows_anyone(user: User) -> bool:
    """Whether ``user`` follows any person or store: the home page shows them Following then,
    else For you with a nudge. Every signed-in home page asks, so the signed-in person is
    loaded with the count (``person_following_count``): that count, as it was when this
    request began, costs no query; any other user is one query."""
    read = getattr(user, PERSON_FOLLOWING_ATTRIBUTE, None)
    if read is not None:
        return read > 0
    return Profile.objects.filter(user=user, following_count__gt=0).exists()


def friend_ids(user: User) -> list[int]:
    """Users who follow ``user`` and whom ``user`` follows back."""
    profile = profile_for_user(user=user)
    followers = Follow.objects.filter(followee=profile).values("follower_id")
    return list(
        Follow.objects.filter(follower=user, followee__user_id__in=followers).values_list(
            "followee__user_id", flat=True
        )
    )


def hashtag_feed(
    *, name: str, user: User | AnonymousUser | None = None, cursor: str | None = None, limit: int = PAGE_SIZE
) -> tuple[Hashtag, Page]:
    hashtag = Hashtag.objects.filter(name=name.lower()).first()
    if hashtag is None:
        raise Http404(_("No posts with this hashtag yet."))
    viewer = _viewer(user)
    # Visibility is part of the window, not applied after it: a hidden post (or a blocked
    # author's) inside it would otherwise shorten the page and lose its next cursor.
    links = PostHashtag.objects.filter(visible_post(viewer, via="post__"), hashtag=hashtag)
    links = _keyset_by_time(links, cursor, id_field="post_id")
    posts = list(
        post_card_queryset(viewer).filter(pk__in=links.values("post_id")[: limit + 1]).order_by("-created_at", "-id")
    )
    page = _time_page(posts, limit)
    return hashtag, Page(decorate(page.items, viewer), page.next_cursor)


def profile_posts(
    *, profile: Profile, user: User | AnonymousUser | None = None, cursor: str | None = None, limit: int = PAGE_SIZE
) -> Page:
    viewer = _viewer(user)
    posts = list(_keyset_by_time(post_card_queryset(viewer).filter(profile=profile), cursor)[: limit + 1])
    page = _time_page(posts, limit)
    return Page(decorate(page.items, viewer), page.next_cursor)


def saved_posts(*, user: User, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """The user's private Saved list, most recently saved first."""
    # Only saves of posts the user may still see, in the window itself (as in ``hashtag_feed``).
    queryset = Save.objects.filter(visible_post(user, via="post__"), user=user)
    saves = list(_keyset_by_time(queryset, cursor).values_list("post_id", "created_at", "id")[: limit + 1])
    more = len(saves) > limit
    saves = saves[:limit]
    by_id = {post.pk: post for post in post_card_queryset(user).filter(pk__in=[s[0] for s in saves])}
    posts = [by_id[post_id] for post_id, _at, _id in saves if post_id in by_id]
    cursor = encode_cursor(saves[-1][1].isoformat(), saves[-1][2]) if more and saves else None
    return Page(decorate(posts, user), cursor)


def posts_tagging_page(
    *, product: Product, user: User | AnonymousUser | None = None, cursor: str | None = None, limit: int = PAGE_SIZE
) -> Page:
    """ "Seen in posts", page by page: the posts that tag ``product``, newest (highest id) first."""
    viewer = _viewer(user)
    position = decode_cursor(cursor, int)
    queryset = post_card_queryset(viewer).filter(pk__in=ProductTag.objects.filter(product=product).values("post_id"))
    if position is not None:
        queryset = queryset.filter(pk__lt=position[0])
    posts = list(queryset.order_by("-id")[: limit + 1])
    more = len(posts) > limit
    posts = posts[:limit]
    return Page(decorate(posts, viewer), encode_cursor(posts[-1].pk) if more else None)


def posts_tagging(*, product: Product, user: User | AnonymousUser | None = None, limit: int = 12) -> list[Post]:
    """ "Seen in posts": the newest posts that tag ``product`` that ``user`` may see, with what
    their thumbnails show (the profile, the pictures as ``ordered_images``), not whole cards.
    Two queries."""
    viewer = _viewer(user)
    ids = ProductTag.objects.filter(product=product).order_by("-post_id").values("post_id")
    return list(
        Post.objects.visible_to(viewer)
        .filter(pk__in=ids[: limit * 2])
        .select_related("profile__user", "profile__store")
        .prefetch_related(
            Prefetch("images", queryset=PostImage.objects.order_by("position", "id"), to_attr="ordered_images")
        )
        .order_by("-created_at", "-id")[:limit]
    )


def post_detail(*, pk: int, user: User | AnonymousUser | None = None) -> Post:
    viewer = _viewer(user)
    post = post_card_queryset(viewer).filter(pk=pk).first()
    if post is None:
        raise Http404(_("No such post."))
    return decorate([post], viewer)[0]


def comments_for(*, post: Post, cursor: str | None = None, limit: int = 50) -> Page:
    """Top-level visible comments, oldest first, each with ``visible_replies``."""
    position = decode_cursor(cursor, aware_datetime, int)
    queryset = Comment.objects.filter(post=post, parent=None, is_hidden=False).select_related("author")
    if position is not None:
        at, last_id = position
        queryset = queryset.filter(Q(created_at__gt=at) | Q(created_at=at, id__gt=last_id))
    comments = list(
        queryset.prefetch_related(
            Prefetch(
                "replies",
                queryset=Comment.objects.filter(is_hidden=False).select_related("author").order_by("created_at", "id"),
                to_attr="visible_replies",
            )
        ).order_by("created_at", "id")[: limit + 1]
    )
    more = len(comments) > limit
    comments = comments[:limit]
    next_cursor = encode_cursor(comments[-1].created_at.isoformat(), comments[-1].pk) if more else None
    return Page(comments, next_cursor)


# --- Profiles ------------------------------------------------------------------------


def user_profile(*, username: str, viewer: User | AnonymousUser | None = None) -> Profile:
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise Http404(_("No such person."))
    profile = profile_for_user(user=user)
    profile.user = user
    return profile


def store_profile(*, slug: str) -> Profile:
    store = Store.objects.filter(slug=slug, is_active=True).select_related("owner").first()
    if store is None:
        raise Http404(_("No such store."))
    profile = profile_for_store(store=store)
    profile.store = store
    return profile


def follow_state(*, viewer: User | AnonymousUser | None, profile: Profile) -> bool:
    viewer = _viewer(viewer)
    return viewer is not None and Follow.objects.filter(follower=viewer, followee=profile).exists()


@dataclass
class ProfileRelations:
    """How the viewer stands to a profile."""

    is_self: bool = False  # the viewer speaks for it (their own profile or their store's)
    is_following: bool = False
    follows_viewer: bool = False
    is_blocked: bool = False  # the viewer blocked the person behind it

    @property
    def is_friend(self) -> bool:
        return self.is_following and self.follows_viewer


def profile_relations(*, viewer: User | AnonymousUser | None, profile: Profile) -> ProfileRelations:
    """At most three small queries; none for an anonymous viewer. Reads only (no profile is created)."""
    viewer = _viewer(viewer)
    if viewer is None:
        return ProfileRelations()
    if profile.user_id is not None:
        owner_id = profile.user_id
    else:
        assert profile.store is not None  # a profile is a person's or a store's
        owner_id = profile.store.owner_id
    if owner_id == viewer.pk:
        return ProfileRelations(is_self=True)
    follows_viewer = profile.user_id is not None and (
        Follow.objects.filter(follower_id=profile.user_id, followee__user=viewer).exists()
    )
    return ProfileRelations(
        is_following=Follow.objects.filter(follower=viewer, followee=profile).exists(),
        follows_viewer=follows_viewer,
        is_blocked=Block.objects.filter(blocker=viewer, blocked_id=owner_id).exists(),
    )


def followers_of(*, profile: Profile, cursor: str | None = None, limit: int = 50) -> Page:
    """People following ``profile``, newest first (each with their profile handle)."""
    follows = list(
        _keyset_by_time(Follow.objects.filter(followee=profile), cursor).select_related("follower__profile")[
            : limit + 1
        ]
    )
    more = len(follows) > limit
    follows = follows[:limit]
    next_cursor = encode_cursor(follows[-1].created_at.isoformat(), follows[-1].pk) if more else None
    return Page([follow.follower for follow in follows], next_cursor)


def following_of(*, user: User, cursor: str | None = None, limit: int = 50) -> Page:
    """Profiles ``user`` follows, newest first."""
    follows = list(
        _keyset_by_time(Follow.objects.filter(follower=user), cursor).select_related(
            "followee__user", "followee__store"
        )[: limit + 1]
    )
    more = len(follows) > limit
    follows = follows[:limit]
    next_cursor = encode_cursor(follows[-1].created_at.isoformat(), follows[-1].pk) if more else None
    return Page([follow.followee for follow in follows], next_cursor)
