"""Daily figures written straight into the rollup tables: the insights pages, the API and the
browser tests read nothing else."""

from datetime import timedelta

from insights.models import (
    DailyChannelFigures,
    DailyEmailFigures,
    DailyPostFigures,
    DailyProductFigures,
    DailySourceFigures,
    DailyStoreFigures,
    EmailKind,
    TouchKind,
)
from insights.rollups import today
from shop.events import Source


def figures_of(store, *, days: int, posts=None, products=None) -> None:
    """``days`` days (ending today) of figures for ``store``: two orders of Rp150.000 a day,
    the first post selling one of them, each product one. ``posts`` and ``products`` default
    to the store's own (five of each)."""
    from social.models import Post

    posts = list(Post.objects.filter(profile__store=store).order_by("pk")[:5]) if posts is None else posts
    products = list(store.products.order_by("pk")[:5]) if products is None else products
    first_day = today() - timedelta(days=days - 1)
    tables = (DailyStoreFigures, DailyPostFigures, DailyProductFigures, DailyChannelFigures, DailySourceFigures)
    for model in (*tables, DailyEmailFigures):
        model.objects.filter(store_id=store.pk, day__gte=first_day).delete()  # rolled up already (a refund)
    store_rows, post_rows, product_rows, channel_rows, source_rows, email_rows = [], [], [], [], [], []
    for back in range(days):
        day = today() - timedelta(days=back)
        store_rows.append(
            DailyStoreFigures(
                store_id=store.pk,
                day=day,
                impressions=100,
                tag_taps=20,
                product_views=30,
                adds_to_cart=5,
                checkouts_started=3,
                orders_paid=2,
                revenue=2 * 15_000_000,
                refunds=0,
            )
        )
        for n, post in enumerate(posts):
            post_rows.append(
                DailyPostFigures(
                    post_id=post.pk,
                    store_id=store.pk,
                    day=day,
                    impressions=50 - n,
                    tag_taps=10,
                    sheet_opens=5,
                    adds_to_cart=2,
                    orders_paid=1 if n == 0 else 0,
                    revenue=15_000_000 if n == 0 else 0,
                )
            )
        for product in products:
            product_rows.append(
                DailyProductFigures(
                    product_id=product.pk,
                    store_id=store.pk,
                    day=day,
                    product_views=10,
                    orders_paid=1,
                    revenue=15_000_000,
                )
            )
        channel_rows.append(
            DailyChannelFigures(store_id=store.pk, day=day, kind=TouchKind.POST, orders_paid=1, revenue=15_000_000)
        )
        source_rows.append(DailySourceFigures(store_id=store.pk, day=day, source=Source.FOLLOWING, tag_taps=20))
        # a campaign's email and a flow's (their ids made up: the page names them from
        # marketing, or not at all)
        email_rows.append(
            DailyEmailFigures(store_id=store.pk, day=day, ref_id=store.pk, sent=10, delivered=9, clicked=2)
        )
        email_rows.append(
            DailyEmailFigures(
                store_id=store.pk, day=day, kind=EmailKind.FLOW, ref_id=store.pk, sent=3, delivered=3, clicked=1
            )
        )
    DailyStoreFigures.objects.bulk_create(store_rows)
    DailyPostFigures.objects.bulk_create(post_rows)
    DailyProductFigures.objects.bulk_create(product_rows)
    DailyChannelFigures.objects.bulk_create(channel_rows)
    DailySourceFigures.objects.bulk_create(source_rows)
    DailyEmailFigures.objects.bulk_create(email_rows)
