"""The social layer: profiles, follows, blocks, posts with shoppable tags, likes, comments,
saves, hashtags, and the materialised Following feed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Store
from shop.models import RenditionedImage

POST_IMAGES_MAX = 10
CAPTION_MAX = 2200
COMMENT_MAX = 1000


class Profile(models.Model):
    """The social face of a user or of a store: what is followed and what posts.

    Exactly one of ``user`` and ``store`` is set. Counters are changed only with
    ``F()`` updates by the services, so they stay exact under concurrent requests.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="profile"
    )
    store = models.OneToOneField(Store, on_delete=models.CASCADE, null=True, blank=True, related_name="profile")
    follower_count = models.PositiveIntegerField(_("followers"), default=0)
    following_count = models.PositiveIntegerField(_("following"), default=0)
    post_count = models.PositiveIntegerField(_("posts"), default=0)
    # When this user's Following feed was last built in full (None: never; built on first visit).
    feed_built_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, store__isnull=True) | Q(user__isnull=True, store__isnull=False),
                name="profile_is_user_xor_store",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        if self.store_id:
            return reverse("social:store_profile", kwargs={"slug": self.store.slug})
        return reverse("social:user_profile", kwargs={"username": self.user.username})

    @property
    def is_store(self) -> bool:
        return self.store_id is not None

    @property
    def name(self) -> str:
        return self.store.name if self.store_id else self.user.display_name

    @property
    def handle(self) -> str:
        return self.store.slug if self.store_id else self.user.username

    @property
    def owner_id(self) -> int:
        """The user who speaks for this profile: the user, or the store's owner."""
        return self.store.owner_id if self.store_id else self.user_id


class Follow(models.Model):
    """``follower`` follows ``followee`` (a user's or a store's profile). Asymmetric."""

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    followee = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [models.UniqueConstraint(fields=["follower", "followee"], name="follow_once")]
        indexes = [models.Index(fields=["followee", "-created_at"], name="follow_followee_newest")]

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.followee_id}"


class Block(models.Model):
    """``blocker`` blocked ``blocked``: no follows between them, and neither sees the other's posts."""

    blocker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} ⊘ {self.blocked_id}"


class Hashtag(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("hashtag")
        verbose_name_plural = _("hashtags")

    def __str__(self) -> str:
        return f"#{self.name}"

    def get_absolute_url(self) -> str:
        return reverse("social:hashtag", kwargs={"name": self.name})


# The attribute of the signed-in person holding whether they blocked or were blocked by
# anyone, read with them as the request began (``social.selectors.feeds.person_has_blocks``).
HAS_BLOCKS_ATTRIBUTE = "has_blocks_read"


def may_have_blocks(user) -> bool:
    """Whether a block may involve ``user``, without a query: False only for the signed-in
    person read with none (``HAS_BLOCKS_ATTRIBUTE``); anyone else may have some."""
    return bool(getattr(user, HAS_BLOCKS_ATTRIBUTE, True))


def visible_post(user, *, via: str = "", blocks: bool | None = None) -> Q:
    """The condition on a post ``user`` may see: not hidden, and no block either way between
    them and the author. The one place this rule is written: every feed, card and API list
    reads it (``PostQuerySet.visible_to``). ``via`` reaches the post from another model
    ("post__" from a save or a hashtag link), so a window read there holds only visible posts
    and stays full.

    ``blocks``: whether a block may involve ``user`` (default: ``may_have_blocks``). Most
    people have none, and for them the block conditions are left out, which halves the time
    PostgreSQL takes to plan a feed page's statement."""
    condition = Q(**{f"{via}is_hidden": False})
    if blocks is None:
        blocks = may_have_blocks(user)
    if user is not None and user.is_authenticated and blocks:
        author = OuterRef(f"{via}author_id")
        condition &= ~Q(Exists(Block.objects.filter(blocker_id=author, blocked_id=user.pk)))
        condition &= ~Q(Exists(Block.objects.filter(blocker_id=user.pk, blocked_id=author)))
    return condition


class PostQuerySet(models.QuerySet):
    def visible(self) -> PostQuerySet:
        return self.filter(is_hidden=False)

    def visible_to(self, user, *, blocks: bool | None = None) -> PostQuerySet:
        """Posts ``user`` may see: not hidden, and no block between them and the author
        (``visible_post``)."""
        return self.filter(visible_post(user, blocks=blocks))


class Post(models.Model):
    """A photo post by ``author``, published as ``profile`` (their own, or their store's)."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="posts")
    caption = models.TextField(_("caption"), max_length=CAPTION_MAX, blank=True)
    hashtags = models.ManyToManyField(Hashtag, through="PostHashtag", related_name="posts", blank=True)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Mention", related_name="mentioned_in", blank=True
    )
    is_hidden = models.BooleanField(_("hidden by staff"), default=False)
    created_at = models.DateTimeField(_("published"), auto_now_add=True, db_index=False)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    save_count = models.PositiveIntegerField(_("saves"), default=0)
    # Engagement with a time decay, in one indexed number: log10(engagement) + age bonus.
    # A post a day newer needs ~10x less engagement to rank the same (see services.HOT_HALF_DAY).
    hot_score = models.FloatField(default=0, editable=False)
    # Counts changes to the post's product tags: cached cards (social.cards) compare it, as they
    # compare the counters and the edit time, so a tag shows on the next page in every process.
    tag_version = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # When the post was pushed into its followers' feeds (``services.fan_out_post``); null until
    # then, so a fan-out lost to a broker outage is handed over again by the sweeper.
    fanned_out_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PostQuerySet.as_manager()

    # Read with the posts of a page by ``social.selectors.feeds`` (not columns).
    viewer_liked: bool
    viewer_saved: bool
    viewer_follows: bool
    viewer_is_author: bool
    tagged_products: list[Product]

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["profile", "-created_at", "-id"], name="post_profile_newest"),
            models.Index(fields=["-hot_score", "-id"], name="post_hot"),
            models.Index(fields=["-created_at", "-id"], name="post_newest"),
            models.Index(fields=["created_at"], condition=Q(fanned_out_at__isnull=True), name="post_fan_out_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.profile}: {self.caption[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("social:post_detail", kwargs={"pk": self.pk})


class PostImage(RenditionedImage):
    image_folder = "posts"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")

    class Meta(RenditionedImage.Meta):
        verbose_name = _("post image")
        verbose_name_plural = _("post images")

    def __str__(self) -> str:
        return self.alt_text or f"Post {self.post_id} image {self.position}"

    @property
    def alt(self) -> str:
        return self.alt_text or _("Photo by %(name)s") % {"name": self.post.profile.name}


class ProductTag(models.Model):
    """A product placed on a post's picture, at (x, y) from the top-left, each 0..1."""

    image = models.ForeignKey(PostImage, on_delete=models.CASCADE, related_name="tags")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="tags")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="post_tags")
    x = models.FloatField()
    y = models.FloatField()

    class Meta:
        verbose_name = _("product tag")
        verbose_name_plural = _("product tags")
        constraints = [
            models.CheckConstraint(
                condition=Q(x__gte=0) & Q(x__lte=1) & Q(y__gte=0) & Q(y__lte=1), name="tag_inside_image"
            ),
            models.UniqueConstraint(fields=["image", "product"], name="tag_product_once_per_image"),
        ]
        indexes = [models.Index(fields=["product", "-post"], name="tag_product_posts")]

    def __str__(self) -> str:
        return f"{self.product_id} @ ({self.x:.2f}, {self.y:.2f})"


class PostHashtag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "hashtag"], name="post_hashtag_once")]
        indexes = [models.Index(fields=["hashtag", "-created_at", "-post"], name="hashtag_newest")]

    def __str__(self) -> str:
        return f"{self.post_id} #{self.hashtag_id}"


class Mention(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="mention_once")]

    def __str__(self) -> str:
        return f"{self.post_id} @{self.user_id}"


class Like(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="like_once")]
        indexes = [models.Index(fields=["post", "user"], name="like_post_user")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.post_id}"


class Save(models.Model):
    """A post in the user's private "Saved" list."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saves")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="saves")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="save_once")]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="save_user_newest")]

    def __str__(self) -> str:
        return f"{self.user_id} ⤓ {self.post_id}"


class Comment(models.Model):
    """A comment, or a reply to one (one level: a reply's parent is never a reply)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    body = models.TextField(_("comment"), max_length=COMMENT_MAX)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["post", "created_at", "id"], name="comment_post_oldest")]

    def __str__(self) -> str:
        return self.body[:60]


class FeedEntry(models.Model):
    """One post in one user's materialised Following feed (fan-out on write).

    ``created_at`` repeats the post's, so a page is one index range scan on
    ``(owner, -created_at, -post)``: the cost of a page does not grow with follows or posts.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "post"], name="feed_entry_once")]
        indexes = [
            models.Index(fields=["owner", "-created_at", "-post"], name="feed_owner_newest"),
            models.Index(fields=["owner", "profile"], name="feed_owner_profile"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.post_id}"


class TaggedPost(ProductTag):
    """For the admin: a store's product tagged in someone else's post (one row per tag)."""

    class Meta:
        proxy = True
        verbose_name = _("post tagging your products")
        verbose_name_plural = _("posts tagging your products")
