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
    follows = models.PositiveIntegerField(default=0)

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
