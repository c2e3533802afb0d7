"""The events (append-only, raw) and the daily figures rolled up from them.

``Event`` is kept compact: small ints for the name and the source, bigint ids, one timestamp;
no foreign keys, so deleting a product, a post or a person never cascades into history (and
never waits on this table's locks). On PostgreSQL the table is partitioned by month (see
``insights.partitions``: the migration makes it, a task adds months and drops old ones),
without a primary key constraint (a partitioned table's key would have to include ``at``,
and nothing ever looks an event up by id) and with a BRIN index on ``at`` (a few kB a
partition: rows arrive in time order). On SQLite it is a plain table with the same columns.

Impressions are deduplicated per viewer, post and day by the rollup (a distinct count), not
by a unique index: the index would cost about as much as the row itself on the most common
event, would have to include the partition key, and a bulk insert would need
``ON CONFLICT``. The raw table keeps every impression sent; the figures count each once.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.events import EventName, Source


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    name = models.PositiveSmallIntegerField(choices=[(n.value, n.slug) for n in EventName])
    source = models.PositiveSmallIntegerField(choices=[(s.value, s.slug) for s in Source], default=Source.DIRECT.value)
    store_id = models.BigIntegerField(null=True)
    post_id = models.BigIntegerField(null=True)
    product_id = models.BigIntegerField(null=True)
    order_id = models.BigIntegerField(null=True)
    user_id = models.BigIntegerField(null=True)
    visitor = models.BigIntegerField(null=True)
    amount = models.BigIntegerField(null=True)  # minor units of the site currency (order paid)
    ref_id = models.BigIntegerField(null=True)  # the conversation, offer or campaign (shop.events.Event)

    class Meta:
        db_table = "insights_event"
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{EventName(self.name).slug} at {self.at:%Y-%m-%d %H:%M:%S}"


class DailyFigures(models.Model):
    """One day's counts (the day cut in ``INSIGHTS_TIME_ZONE``), recomputed from the events."""

    day = models.DateField()
    store_id = models.BigIntegerField(null=True)
    impressions = models.PositiveIntegerField(default=0)  # once per viewer, post and day
    tag_taps = models.PositiveIntegerField(default=0)
    sheet_opens = models.PositiveIntegerField(default=0)
    product_views = models.PositiveIntegerField(default=0)
    adds_to_cart = models.PositiveIntegerField(default=0)
    checkouts_started = models.PositiveIntegerField(default=0)
    orders_placed = models.PositiveIntegerField(default=0)
    orders_paid = models.PositiveIntegerField(default=0)
    revenue = models.BigIntegerField(default=0)  # paid, minor units
    # Of the orders paid on the day, what was refunded since (net = revenue - refunds).
    refunds = models.BigIntegerField(default=0)
    follows = models.PositiveIntegerField(default=0)
    chats_started = models.PositiveIntegerField(default=0)
    offers_sent = models.PositiveIntegerField(default=0)
    offers_accepted = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyStoreFigures(DailyFigures):
    class Meta:
        db_table = "insights_daily_store"
        constraints = [models.UniqueConstraint(fields=["store_id", "day"], name="insights_daily_store_unique")]
        verbose_name = _("daily store figures")
        verbose_name_plural = _("daily store figures")

    def __str__(self) -> str:
        return f"store {self.store_id} on {self.day}"


class DailyPostFigures(DailyFigures):
    """Per post and store: a shopper's post that tags two stores' products counts for each."""

    post_id = models.BigIntegerField()

    class Meta:
        db_table = "insights_daily_post"
        constraints = [
            models.UniqueConstraint(fields=["post_id", "store_id", "day"], name="insights_daily_post_unique"),
        ]
        indexes = [models.Index(fields=["store_id", "day"], name="insights_daily_post_store")]
        verbose_name = _("daily post figures")
        verbose_name_plural = _("daily post figures")

    def __str__(self) -> str:
        return f"post {self.post_id}, store {self.store_id} on {self.day}"


class DailyProductFigures(DailyFigures):
    product_id = models.BigIntegerField()

    class Meta:
        db_table = "insights_daily_product"
        constraints = [
            models.UniqueConstraint(fields=["product_id", "day"], name="insights_daily_product_unique"),
        ]
        indexes = [models.Index(fields=["store_id", "day"], name="insights_daily_product_store")]
        verbose_name = _("daily product figures")
        verbose_name_plural = _("daily product figures")

    def __str__(self) -> str:
        return f"product {self.product_id} on {self.day}"


# --- Attribution ----------------------------------------------------------------------------


class TouchKind(models.IntegerChoices):
    """What a sale is credited to. Stored as a small int: never renumber one."""

    DIRECT = 0, _("Direct")
    POST = 1, _("Store's post")
    SHOPPER_POST = 2, _("Shopper's post")
    CHAT = 3, _("Chat")
    CAMPAIGN = 4, _("Campaign")
    FLOW = 5, _("Automatic email")


class Touch(models.Model):
    """A moment a shopper met a store through something that may earn the sale: a post's tag
    tapped or its product sheet opened (``kind`` POST; whether it was the store's own post or a
    shopper's is decided when an order is credited), a chat started or an offer bought (CHAT,
    ``ref_id`` the conversation or the offer), a campaign email clicked (CAMPAIGN, ``ref_id``
    the campaign) or an automatic email's (FLOW, ``ref_id`` the flow). Written by the event
    sink from the events it stores (``insights.touches``); kept ``TOUCH_DAYS_KEPT`` days, long
    enough for the attribution window."""

    at = models.DateTimeField()
    kind = models.PositiveSmallIntegerField(choices=TouchKind.choices)
    store_id = models.BigIntegerField()
    post_id = models.BigIntegerField(null=True)
    product_id = models.BigIntegerField(null=True)
    ref_id = models.BigIntegerField(null=True)
    user_id = models.BigIntegerField(null=True)
    visitor = models.BigIntegerField(null=True)
    source = models.PositiveSmallIntegerField(default=Source.DIRECT.value)

    class Meta:
        db_table = "insights_touch"
        indexes = [
            models.Index(fields=["store_id", "user_id", "at"], name="insights_touch_user"),
            models.Index(fields=["store_id", "visitor", "at"], name="insights_touch_visitor"),
            models.Index(fields=["at"], name="insights_touch_at"),
        ]
        verbose_name = _("touch")
        verbose_name_plural = _("touches")

    def __str__(self) -> str:
        return f"{TouchKind(self.kind).label} for store {self.store_id} at {self.at:%Y-%m-%d %H:%M}"


class OrderAttribution(models.Model):
    """An order as insights counts it: kept when it is placed (with the visitor who placed it,
    whose touches before signing in count too), credited when it is paid to the last touch
    that was not direct within ``ATTRIBUTION_WINDOW`` (``assists``: the touches before it),
    and reduced by what was refunded since. Ids only, as everything in insights."""

    order_id = models.BigIntegerField(unique=True)
    store_id = models.BigIntegerField()
    buyer_id = models.BigIntegerField(null=True)
    visitor = models.BigIntegerField(null=True)
    placed_at = models.DateTimeField(null=True)
    paid_at = models.DateTimeField(null=True)
    amount = models.BigIntegerField(default=0)  # the order's total when paid (gross)
    refunded = models.BigIntegerField(default=0)
    refunded_at = models.DateTimeField(null=True)
    kind = models.PositiveSmallIntegerField(choices=TouchKind.choices, default=TouchKind.DIRECT)
    post_id = models.BigIntegerField(null=True)
    ref_id = models.BigIntegerField(null=True)  # the conversation, offer, campaign or flow credited
    touched_at = models.DateTimeField(null=True)
    # [{"kind": 1, "post": 12, "ref": null, "at": "2026-12-01T10:00:00+00:00"}, ...], newest first.
    assists = models.JSONField(default=list, blank=True)
    # The kinds among the assists as bits (1 << kind): the rollups count assisted orders in SQL.
    assist_kinds = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "insights_order_attribution"
        indexes = [
            models.Index(fields=["store_id", "paid_at"], name="insights_attribution_paid"),
            models.Index(fields=["paid_at"], name="insights_attribution_day"),
            models.Index(fields=["refunded_at"], name="insights_attribution_refunded"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refunded__gte=0) & models.Q(refunded__lte=models.F("amount")),
                name="insights_attribution_refund_within_amount",
            ),
        ]
        verbose_name = _("order attribution")
        verbose_name_plural = _("order attributions")

    def __str__(self) -> str:
        return f"order {self.order_id}: {TouchKind(self.kind).label}"


class DailyChannelFigures(models.Model):
    """A store's paid orders of a day by what they are credited to (direct, posts, shoppers'
    posts, chats, campaigns, automatic emails), and how many orders each kind assisted."""

    day = models.DateField()
    store_id = models.BigIntegerField()
    kind = models.PositiveSmallIntegerField(choices=TouchKind.choices)
    orders_paid = models.PositiveIntegerField(default=0)
    revenue = models.BigIntegerField(default=0)
    refunds = models.BigIntegerField(default=0)
    assisted = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "insights_daily_channel"
        constraints = [
            models.UniqueConstraint(fields=["store_id", "day", "kind"], name="insights_daily_channel_unique"),
        ]
        verbose_name = _("daily channel figures")
        verbose_name_plural = _("daily channel figures")

    def __str__(self) -> str:
        return f"store {self.store_id}, {TouchKind(self.kind).label} on {self.day}"


class EmailKind(models.IntegerChoices):
    """What sent a marketing email: ``DailyEmailFigures.ref_id`` is a campaign's id or a flow's
    (a store's automatic follow-up: its steps' emails count together; marketing's own flow
    report has them per step). Stored as a small int: never renumber one."""

    CAMPAIGN = 1, _("Campaign")
    FLOW = 2, _("Automatic email")


class DailyEmailFigures(models.Model):
    """A day of one campaign's (or one flow's) marketing email: sent, delivered,
    clicked (people: the first click of each; events from marketing), and the orders credited
    to it with their revenue (``OrderAttribution``)."""

    day = models.DateField()
    store_id = models.BigIntegerField()
    kind = models.PositiveSmallIntegerField(choices=EmailKind.choices, default=EmailKind.CAMPAIGN)
    ref_id = models.BigIntegerField()  # the campaign or the flow
    sent = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    clicked = models.PositiveIntegerField(default=0)
    orders_paid = models.PositiveIntegerField(default=0)
    revenue = models.BigIntegerField(default=0)
    refunds = models.BigIntegerField(default=0)

    class Meta:
        db_table = "insights_daily_email"
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref_id", "day"], name="insights_daily_email_unique"),
        ]
        indexes = [models.Index(fields=["store_id", "day"], name="insights_daily_email_store")]
        verbose_name = _("daily email figures")
        verbose_name_plural = _("daily email figures")

    def __str__(self) -> str:
        return f"{EmailKind(self.kind).label} {self.ref_id} on {self.day}"


class DailySourceFigures(models.Model):
    """Where a store's shoppers came from on a day (Following, For you, a hashtag, search, a
    shared link, a chat, an email, WhatsApp...): taps, sheet opens and product views."""

    day = models.DateField()
    store_id = models.BigIntegerField()
    source = models.PositiveSmallIntegerField(choices=[(s.value, s.slug) for s in Source])
    tag_taps = models.PositiveIntegerField(default=0)
    sheet_opens = models.PositiveIntegerField(default=0)
    product_views = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "insights_daily_source"
        constraints = [
            models.UniqueConstraint(fields=["store_id", "day", "source"], name="insights_daily_source_unique"),
        ]
        verbose_name = _("daily source figures")
        verbose_name_plural = _("daily source figures")

    def __str__(self) -> str:
        return f"store {self.store_id}, {Source(self.source).slug} on {self.day}"
