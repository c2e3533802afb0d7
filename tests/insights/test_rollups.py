"""Daily figures: days cut at midnight in Jakarta, impressions once per viewer, post and day,
paid orders once, crawlers never, and the same numbers however often a day is rolled up."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.forms.models import model_to_dict

from insights import rollups
from insights.models import (
    DailyChannelFigures,
    DailyEmailFigures,
    DailyPostFigures,
    DailyProductFigures,
    DailySourceFigures,
    DailyStoreFigures,
)
from insights.tasks import roll_up_day_task, roll_up_recent_days_task
from shop import events
from shop.events import EventName as N
from tests.factories import UserFactory, buyable_variant

pytestmark = pytest.mark.django_db

STORE, OTHER_STORE = 1, 2
# A recent day (older ones are past the retention), and 08:00 on it in Jakarta (UTC+7).
DAY = rollups.today() - timedelta(days=3)
MORNING = datetime.combine(DAY, time(1, 0), tzinfo=UTC)


def _store_events(*records) -> None:
    for name, kwargs in records:
        events.record(name, **kwargs)
    events.flush()


def _figures(model, **keys) -> dict:
    row = model.objects.get(**keys)
    return {field: value for field, value in model_to_dict(row).items() if field != "id"}


def _all_rows() -> list:
    return [
        sorted(tuple(sorted((k, v) for k, v in model_to_dict(row).items() if k != "id")) for row in model.objects.all())
        for model in (
            DailyStoreFigures,
            DailyPostFigures,
            DailyProductFigures,
            DailyChannelFigures,
            DailyEmailFigures,
            DailySourceFigures,
        )
    ]


def test_days_are_cut_at_midnight_in_jakarta(no_redis):
    # given follows a second before and at midnight in Jakarta (17:00 UTC)
    before = datetime.combine(DAY, time(16, 59, 59, 999999), tzinfo=UTC)
    at_midnight = datetime.combine(DAY, time(17, 0), tzinfo=UTC)
    start_of_day = datetime.combine(DAY - timedelta(days=1), time(17, 0), tzinfo=UTC)
    _store_events(
        (N.FOLLOW, {"store_id": STORE, "user_id": 1, "at": start_of_day}),
        (N.FOLLOW, {"store_id": STORE, "user_id": 2, "at": before}),
        (N.FOLLOW, {"store_id": STORE, "user_id": 3, "at": at_midnight}),
    )
    # when the day and the next are rolled up
    rollups.roll_up_day(day=DAY)
    rollups.roll_up_day(day=DAY + timedelta(days=1))
    # then the first two count on the day, the one at midnight on the next
    assert dict(DailyStoreFigures.objects.values_list("day", "follows")) == {DAY: 2, DAY + timedelta(days=1): 1}


def test_impressions_count_once_per_viewer_post_and_day(no_redis):
    # given a visitor who sees post 10 three times and post 11 once, a signed-in shopper who
    # sees post 10 twice, two impressions with no viewer at all, and the visitor again the next day
    seen = {"store_id": STORE, "source": events.Source.FOR_YOU, "at": MORNING}
    _store_events(
        *[(N.POST_IMPRESSION, {**seen, "post_id": 10, "visitor": 555}) for _ in range(3)],
        (N.POST_IMPRESSION, {**seen, "post_id": 11, "visitor": 555}),
        *[(N.POST_IMPRESSION, {**seen, "post_id": 10, "user_id": 555, "visitor": 9}) for _ in range(2)],
        *[(N.POST_IMPRESSION, {**seen, "post_id": 10}) for _ in range(2)],
        (N.POST_IMPRESSION, {**seen, "post_id": 10, "visitor": 555, "at": MORNING + timedelta(days=1)}),
    )
    # when the day is rolled up
    rollups.roll_up_day(day=DAY)
    # then post 10 was seen by the visitor, the shopper (user 555 is not visitor 555) and two unknowns
    assert _figures(DailyPostFigures, post_id=10)["impressions"] == 4
    assert _figures(DailyPostFigures, post_id=11)["impressions"] == 1
    assert _figures(DailyStoreFigures, store_id=STORE)["impressions"] == 5


def test_each_counter_and_revenue_once_per_paid_order(no_redis):
    # given a day of one store's funnel, with one order's payment delivered twice
    at = {"at": MORNING}
    product = {"store_id": STORE, "product_id": 7, **at}
    paid = {"store_id": STORE, "order_id": 70, "amount": 150_000_00, **at}
    _store_events(
        (N.TAG_TAP, {**product, "post_id": 10, "visitor": 1}),
        (N.SHEET_OPEN, {**product, "post_id": 10, "visitor": 1}),
        (N.PRODUCT_VIEW, {**product, "visitor": 1}),
        (N.PRODUCT_VIEW, {**product, "visitor": 2}),
        (N.ADD_TO_CART, {**product, "user_id": 5}),
        (N.CHECKOUT_STARTED, {"store_id": STORE, "user_id": 5, **at}),
        (N.ORDER_PLACED, {"store_id": STORE, "order_id": 70, "user_id": 5, "amount": 150_000_00, **at}),
        (N.ORDER_PAID, paid),
        (N.ORDER_PAID, paid),
        (N.ORDER_PAID, {**paid, "order_id": 71, "amount": 50_000_00}),
        (N.FOLLOW, {"store_id": STORE, "user_id": 5, **at}),
        (N.FOLLOW, {"store_id": OTHER_STORE, "user_id": 5, **at}),
    )
    # when the day is rolled up
    result = rollups.roll_up_day(day=DAY)
    # then the store's row counts each event, each paid order and its amount once
    assert (result.stores, result.posts, result.products) == (2, 1, 1)
    assert _figures(DailyStoreFigures, store_id=STORE) == {
        "day": DAY,
        "store_id": STORE,
        "impressions": 0,
        "tag_taps": 1,
        "sheet_opens": 1,
        "product_views": 2,
        "adds_to_cart": 1,
        "checkouts_started": 1,
        "orders_placed": 1,
        "orders_paid": 2,
        "revenue": 200_000_00,
        "refunds": 0,
        "follows": 1,
        "chats_started": 0,
        "offers_sent": 0,
        "offers_accepted": 0,
    }
    product_row = _figures(DailyProductFigures, product_id=7)
    assert (product_row["store_id"], product_row["product_views"], product_row["adds_to_cart"]) == (STORE, 2, 1)
    post_row = _figures(DailyPostFigures, post_id=10)
    assert (post_row["tag_taps"], post_row["sheet_opens"], post_row["product_views"]) == (1, 1, 0)


def test_rolling_a_day_up_twice_gives_the_same_rows_and_new_events_replace_them(no_redis):
    # given a day of events, rolled up
    _store_events(
        (N.POST_IMPRESSION, {"store_id": STORE, "post_id": 10, "visitor": 1, "at": MORNING}),
        (N.PRODUCT_VIEW, {"store_id": STORE, "product_id": 7, "at": MORNING, "source": events.Source.SEARCH}),
        (N.ORDER_PAID, {"store_id": STORE, "order_id": 1, "amount": 1000, "at": MORNING}),
        (N.CAMPAIGN_EMAIL_CLICKED, {"store_id": STORE, "ref_id": 5, "user_id": 2, "at": MORNING}),
    )
    rollups.roll_up_day(day=DAY)
    first = _all_rows()
    assert all(first), "every table has its rows"
    # when it is rolled up again (by the task, as the schedule does)
    roll_up_day_task(DAY.isoformat())
    # then the rows are the same
    assert _all_rows() == first
    assert DailyStoreFigures.objects.count() == 1
    # and a late event is counted by the next run, not added twice
    _store_events((N.PRODUCT_VIEW, {"store_id": STORE, "product_id": 7, "at": MORNING}))
    rollups.roll_up_day(day=DAY)
    rollups.roll_up_day(day=DAY)
    assert _figures(DailyStoreFigures, store_id=STORE)["product_views"] == 2


def test_crawlers_are_left_out_of_the_figures(client, no_redis):
    # given a product page opened by a browser and by two crawlers
    product = buyable_variant().product
    for agent in (
        "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "facebookexternalhit/1.1",
    ):
        assert client.get(product.get_absolute_url(), headers={"User-Agent": agent}).status_code == 200
    events.flush()
    # when today is rolled up
    roll_up_recent_days_task()
    # then one view is counted
    assert _figures(DailyProductFigures, product_id=product.pk)["product_views"] == 1


def test_the_recent_days_are_yesterday_and_today(no_redis, settings):
    # given a view now and one a day ago
    now = datetime.now(UTC)
    _store_events(
        (N.PRODUCT_VIEW, {"store_id": STORE, "product_id": 7, "at": now}),
        (N.PRODUCT_VIEW, {"store_id": STORE, "product_id": 7, "at": now - timedelta(days=1)}),
    )
    # when the recent days are rolled up
    rolled = rollups.roll_up_recent_days()
    # then both days have their row
    assert [r.day for r in rolled] == [rollups.today() - timedelta(days=1), rollups.today()]
    assert DailyStoreFigures.objects.filter(store_id=STORE).count() == 2


def test_a_real_order_paid_reaches_the_stores_figures(no_redis, django_capture_on_commit_callbacks):
    # given an order placed and paid through checkout
    from checkout import services
    from tests.factories import place

    shopper = UserFactory()
    variant = buyable_variant(price=10_000_000)
    with django_capture_on_commit_callbacks(execute=True):
        [order] = place(shopper, (variant, 1)).orders
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_transfer(order=order, actor=order.store.owner)
    events.flush()
    order.refresh_from_db()
    # when today is rolled up
    rollups.roll_up_day(day=rollups.today())
    # then the store's revenue is the order's total
    row = _figures(DailyStoreFigures, store_id=variant.store_id)
    assert (row["adds_to_cart"], row["orders_placed"], row["orders_paid"], row["revenue"]) == (1, 1, 1, order.total)


def test_a_day_past_the_retention_keeps_its_figures(no_redis, settings):
    # given figures of a day whose events are past the retention (their partition dropped)
    settings.INSIGHTS_RETENTION_MONTHS = 2
    old_day = rollups.today() - timedelta(days=100)
    DailyStoreFigures.objects.create(store_id=STORE, day=old_day, product_views=40)
    # when someone rolls it up again, then it is refused and the figures stay
    with pytest.raises(rollups.DayExpired):
        roll_up_day_task(old_day.isoformat())
    assert _figures(DailyStoreFigures, store_id=STORE)["product_views"] == 40
