"""Attribution: an order paid is credited to the shopper's last touch of the store within 7
days (a post, a shopper's post tagging the product, a chat, a campaign's or a flow's email),
the touches before it assist, and the daily figures count it on its payment day, gross and net of refunds."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory

from checkout import services
from insights import attribution, rollups
from insights.models import (
    DailyChannelFigures,
    DailyEmailFigures,
    DailyPostFigures,
    DailyProductFigures,
    DailyStoreFigures,
    EmailKind,
    OrderAttribution,
    Touch,
    TouchKind,
)
from shop import events
from shop.events import EventName as N
from shop.events import Source
from social.services.profiles import profile_for_store
from tests.factories import UserFactory, buyable_variant, make_post, place

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
CAMPAIGN = 501
FLOW = 502


@pytest.fixture
def shop(no_redis):
    """A store with a product, the store's own post tagging it, and a shopper."""
    variant = buyable_variant(price=10_000_000)
    store = variant.store
    post = make_post(store.owner, profile=profile_for_store(store=store), products=[variant.product])
    return {"variant": variant, "store": store, "post": post, "shopper": UserFactory()}


def _tap(shop, *, days_ago: float, post=None, user=None, visitor=None) -> None:
    post = post or shop["post"]
    events.record(
        N.TAG_TAP,
        store_id=shop["store"].pk,
        post_id=post.pk,
        product_id=shop["variant"].product_id,
        user_id=user.pk if user else None,
        visitor=visitor,
        source=Source.FOLLOWING,
        at=datetime.now(UTC) - timedelta(days=days_ago),
    )
    events.flush()


def _buy(shop, django_capture_on_commit_callbacks, *, buyer=None):
    """The shopper places an order of the product and the seller confirms the transfer."""
    buyer = buyer or shop["shopper"]
    with django_capture_on_commit_callbacks(execute=True):
        [order] = place(buyer, (shop["variant"], 1)).orders
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_transfer(order=order, actor=order.store.owner)
    events.flush()
    order.refresh_from_db()
    return order


def _paid_day(order):
    """The day (in Jakarta) the order was paid: a test run at midnight there rolls up that day."""
    return rollups.local_day(order.paid_at)


def test_a_tap_on_a_post_and_an_order_three_days_later_credit_the_post(shop, django_capture_on_commit_callbacks):
    # given the shopper tapped the store's post three days ago
    _tap(shop, days_ago=3, user=shop["shopper"])
    # when they buy the product today and it is paid
    order = _buy(shop, django_capture_on_commit_callbacks)
    # then the order is credited to the post, with no assists
    credited = OrderAttribution.objects.get(order_id=order.pk)
    assert (credited.kind, credited.post_id, credited.amount, credited.assists) == (
        TouchKind.POST,
        shop["post"].pk,
        order.total,
        [],
    )
    # and today's figures give the post its order and revenue
    rollups.roll_up_day(day=_paid_day(order))
    row = DailyPostFigures.objects.get(post_id=shop["post"].pk, day=_paid_day(order))
    assert (row.store_id, row.orders_paid, row.revenue) == (shop["store"].pk, 1, order.total)
    channel = DailyChannelFigures.objects.get(store_id=shop["store"].pk, kind=TouchKind.POST)
    assert (channel.orders_paid, channel.revenue) == (1, order.total)
    product = DailyProductFigures.objects.get(product_id=shop["variant"].product_id, day=_paid_day(order))
    assert (product.orders_paid, product.revenue) == (1, order.subtotal)


def test_a_campaign_click_in_between_takes_the_credit_and_the_post_assists(shop, django_capture_on_commit_callbacks):
    # given a tap on the post three days ago, then a campaign email clicked yesterday
    shopper = shop["shopper"]
    _tap(shop, days_ago=3, user=shopper)
    events.record(
        N.CAMPAIGN_EMAIL_CLICKED,
        store_id=shop["store"].pk,
        user_id=shopper.pk,
        ref_id=CAMPAIGN,
        source=Source.EMAIL,
        at=datetime.now(UTC) - timedelta(days=1),
    )
    events.flush()
    # when the shopper buys
    order = _buy(shop, django_capture_on_commit_callbacks)
    # then the campaign has the credit, the post assisted
    credited = OrderAttribution.objects.get(order_id=order.pk)
    assert (credited.kind, credited.ref_id) == (TouchKind.CAMPAIGN, CAMPAIGN)
    assert [(a["kind"], a["post"]) for a in credited.assists] == [(TouchKind.POST, shop["post"].pk)]
    rollups.roll_up_day(day=_paid_day(order))
    campaign = DailyEmailFigures.objects.get(ref_id=CAMPAIGN)
    assert (campaign.store_id, campaign.orders_paid, campaign.revenue) == (shop["store"].pk, 1, order.total)
    rows = DailyChannelFigures.objects.filter(store_id=shop["store"].pk)
    channels = {row.kind: (row.orders_paid, row.assisted) for row in rows}
    assert channels == {TouchKind.CAMPAIGN: (1, 0), TouchKind.POST: (0, 1)}
    assert not DailyPostFigures.objects.filter(post_id=shop["post"].pk, orders_paid__gt=0).exists()


def _email_click(shop, name, *, ref_id: int, days_ago: float) -> None:
    events.record(
        name,
        store_id=shop["store"].pk,
        user_id=shop["shopper"].pk,
        ref_id=ref_id,
        source=Source.EMAIL,
        at=datetime.now(UTC) - timedelta(days=days_ago),
    )
    events.flush()


def test_a_flow_email_clicked_after_a_campaign_takes_the_credit_as_a_campaign_would(
    shop, django_capture_on_commit_callbacks
):
    # given a campaign email clicked three days ago, then an automatic (flow) email yesterday
    _email_click(shop, N.CAMPAIGN_EMAIL_CLICKED, ref_id=CAMPAIGN, days_ago=3)
    _email_click(shop, N.FLOW_EMAIL_CLICKED, ref_id=FLOW, days_ago=1)
    # when the shopper buys
    order = _buy(shop, django_capture_on_commit_callbacks)
    # then the flow has the credit and the campaign assisted
    credited = OrderAttribution.objects.get(order_id=order.pk)
    assert (credited.kind, credited.ref_id) == (TouchKind.FLOW, FLOW)
    assert [(a["kind"], a["ref"]) for a in credited.assists] == [(TouchKind.CAMPAIGN, CAMPAIGN)]
    rollups.roll_up_day(day=_paid_day(order))
    flow = DailyEmailFigures.objects.get(kind=EmailKind.FLOW, ref_id=FLOW)
    assert (flow.store_id, flow.orders_paid, flow.revenue) == (shop["store"].pk, 1, order.total)
    assert not DailyEmailFigures.objects.filter(kind=EmailKind.CAMPAIGN, orders_paid__gt=0).exists()
    rows = DailyChannelFigures.objects.filter(store_id=shop["store"].pk)
    assert {row.kind: (row.orders_paid, row.assisted) for row in rows} == {
        TouchKind.FLOW: (1, 0),
        TouchKind.CAMPAIGN: (0, 1),
    }


def test_a_flow_click_again_after_a_campaign_click_still_earns_the_sale(shop, django_capture_on_commit_callbacks):
    # given a flow email first clicked four days ago, a campaign two days ago, the flow's again yesterday
    _email_click(shop, N.FLOW_EMAIL_CLICKED, ref_id=FLOW, days_ago=4)
    _email_click(shop, N.CAMPAIGN_EMAIL_CLICKED, ref_id=CAMPAIGN, days_ago=2)
    _email_click(shop, N.FLOW_EMAIL_CLICKED_AGAIN, ref_id=FLOW, days_ago=1)
    # when the shopper buys, then the last click (the flow's) earns it
    order = _buy(shop, django_capture_on_commit_callbacks)
    credited = OrderAttribution.objects.get(order_id=order.pk)
    assert (credited.kind, credited.ref_id) == (TouchKind.FLOW, FLOW)


def test_a_flow_click_eight_days_before_the_payment_earns_nothing(shop, django_capture_on_commit_callbacks):
    # given the shopper's only touch: a flow email clicked eight days ago
    _email_click(shop, N.FLOW_EMAIL_CLICKED, ref_id=FLOW, days_ago=8)
    # when they buy today, then the order is direct
    order = _buy(shop, django_capture_on_commit_callbacks)
    credited = OrderAttribution.objects.get(order_id=order.pk)
    assert (credited.kind, credited.ref_id) == (TouchKind.DIRECT, None)
    rollups.roll_up_day(day=_paid_day(order))
    assert not DailyEmailFigures.objects.filter(orders_paid__gt=0).exists()


def test_after_eight_days_the_order_is_direct(shop, django_capture_on_commit_callbacks):
    # given the shopper's only tap was eight days ago
    _tap(shop, days_ago=8, user=shop["shopper"])
    # when they buy today
    order = _buy(shop, django_capture_on_commit_callbacks)
    # then the order is direct
    credited = OrderAttribution.objects.get(order_id=order.pk)
    assert (credited.kind, credited.post_id) == (TouchKind.DIRECT, None)
    rollups.roll_up_day(day=_paid_day(order))
    rows = DailyChannelFigures.objects.filter(store_id=shop["store"].pk)
    assert list(rows.values_list("kind", "orders_paid")) == [(TouchKind.DIRECT, 1)]


def test_a_shoppers_post_that_tagged_the_product_is_credited_as_such(shop, django_capture_on_commit_callbacks):
    # given another shopper's post tagging the store's product, tapped yesterday
    their_post = make_post(UserFactory(), products=[shop["variant"].product])
    _tap(shop, days_ago=1, post=their_post, user=shop["shopper"])
    # when the shopper buys
    order = _buy(shop, django_capture_on_commit_callbacks)
    # then the shopper's post earns the sale
    credited = OrderAttribution.objects.get(order_id=order.pk)
    assert (credited.kind, credited.post_id) == (TouchKind.SHOPPER_POST, their_post.pk)


def test_what_a_visitor_tapped_before_signing_in_counts_when_they_buy(shop, django_capture_on_commit_callbacks):
    # given an anonymous visitor (cookie etv=4242) tapped the post two days ago
    _tap(shop, days_ago=2, visitor=4242)
    # when, signed in, they place the order from the same browser and it is paid
    request = RequestFactory().get("/checkout/", HTTP_USER_AGENT=BROWSER)
    request.COOKIES[events.VISITOR_COOKIE] = "4242"
    with events.viewing(events.Viewer(request)), django_capture_on_commit_callbacks(execute=True):
        [order] = place(shop["shopper"], (shop["variant"], 1)).orders
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_transfer(order=order, actor=order.store.owner)
    # then the visitor's tap earns the sale
    credited = OrderAttribution.objects.get(order_id=order.pk)
    assert (credited.visitor, credited.kind, credited.post_id) == (4242, TouchKind.POST, shop["post"].pk)


def test_touches_of_other_stores_and_other_shoppers_do_not_count(shop, django_capture_on_commit_callbacks):
    # given another store's product tapped by the shopper, and the store's post tapped by someone else
    other = buyable_variant()
    events.record(
        N.TAG_TAP,
        store_id=other.store_id,
        post_id=shop["post"].pk,
        product_id=other.product_id,
        user_id=shop["shopper"].pk,
        at=datetime.now(UTC) - timedelta(hours=2),
    )
    _tap(shop, days_ago=1, user=UserFactory())
    # when the shopper buys from the store
    order = _buy(shop, django_capture_on_commit_callbacks)
    # then the order is direct
    assert OrderAttribution.objects.get(order_id=order.pk).kind == TouchKind.DIRECT


def test_a_chat_started_before_the_order_earns_it(shop, django_capture_on_commit_callbacks):
    # given the shopper tapped the post two days ago, then started a chat with the store yesterday
    _tap(shop, days_ago=2, user=shop["shopper"])
    events.record(
        N.CHAT_STARTED,
        store_id=shop["store"].pk,
        user_id=shop["shopper"].pk,
        ref_id=77,
        at=datetime.now(UTC) - timedelta(days=1),
    )
    events.flush()
    # when they buy
    order = _buy(shop, django_capture_on_commit_callbacks)
    # then the chat has the credit
    credited = OrderAttribution.objects.get(order_id=order.pk)
    assert (credited.kind, credited.ref_id, credited.assist_kinds) == (TouchKind.CHAT, 77, 1 << TouchKind.POST)


def test_a_refund_makes_the_payment_days_net_figures_smaller(shop, django_capture_on_commit_callbacks):
    # given an order credited to the post, paid today and rolled up
    _tap(shop, days_ago=1, user=shop["shopper"])
    order = _buy(shop, django_capture_on_commit_callbacks)
    rollups.roll_up_day(day=_paid_day(order))
    # when the seller refunds it
    with django_capture_on_commit_callbacks(execute=True):
        services.record_refund(order=order, actor=order.store.owner)
    events.flush()
    # then the payment day counts it gross and refunded (the day was rolled up again)
    store_row = DailyStoreFigures.objects.get(store_id=shop["store"].pk, day=_paid_day(order))
    assert (store_row.orders_paid, store_row.revenue, store_row.refunds) == (1, order.total, order.total)
    post_row = DailyPostFigures.objects.get(post_id=shop["post"].pk, day=_paid_day(order))
    assert (post_row.revenue, post_row.refunds) == (order.total, order.total)


def test_paying_twice_credits_once_and_a_lost_credit_is_made_by_the_rollup(shop, django_capture_on_commit_callbacks):
    # given a paid order whose credit was lost (the handler failed), and a tap before it
    _tap(shop, days_ago=1, user=shop["shopper"])
    order = _buy(shop, django_capture_on_commit_callbacks)
    OrderAttribution.objects.filter(order_id=order.pk).delete()
    # when the day is rolled up (twice)
    rollups.roll_up_day(day=_paid_day(order))
    first = list(DailyChannelFigures.objects.values_list("kind", "orders_paid", "revenue"))
    rollups.roll_up_day(day=_paid_day(order))
    # then the order is credited from its payment event, once
    credited = OrderAttribution.objects.get(order_id=order.pk)
    assert (credited.kind, credited.amount) == (TouchKind.POST, order.total)
    assert first == list(DailyChannelFigures.objects.values_list("kind", "orders_paid", "revenue"))
    assert first == [(TouchKind.POST, 1, order.total)]
    # and crediting the same payment again changes nothing
    attribution.credit_paid(
        order_id=order.pk, store_id=order.store_id, buyer_id=None, amount=1, paid_at=datetime.now(UTC)
    )
    assert OrderAttribution.objects.get(order_id=order.pk).amount == order.total


def test_an_add_to_cart_after_a_tap_counts_in_the_posts_carts(shop):
    # given a visitor who taps the post's tag, then adds the product to the cart, and another
    # visitor who adds it without tapping
    now = datetime.now(UTC)
    at = {"store_id": shop["store"].pk, "product_id": shop["variant"].product_id}
    _tap(shop, days_ago=0.00001, visitor=11)
    events.record(N.ADD_TO_CART, **at, visitor=11, at=now)
    events.record(N.ADD_TO_CART, **at, visitor=12, at=now)
    events.flush()
    # when the day is rolled up
    rollups.roll_up_day(day=rollups.local_day(now))
    # then the post has one cart, the store two
    assert DailyPostFigures.objects.get(post_id=shop["post"].pk).adds_to_cart == 1
    assert DailyStoreFigures.objects.get(store_id=shop["store"].pk).adds_to_cart == 2


def test_touches_are_kept_from_the_events_and_pruned_after_the_window(shop):
    # given a tap with nobody to credit, a tap by a visitor, and a follow (not a touch)
    _tap(shop, days_ago=0)
    _tap(shop, days_ago=10, visitor=5)
    events.record(N.FOLLOW, store_id=shop["store"].pk, user_id=3)
    events.flush()
    assert Touch.objects.count() == 1
    # when old touches are pruned
    pruned = attribution.prune_touches()
    # then the ten-day-old one is gone
    assert (pruned, Touch.objects.count()) == (1, 0)


def test_the_recent_days_roll_up_again_the_days_of_orders_refunded_since(no_redis):
    # given an order paid five days ago, credited and rolled up, refunded now (its day's
    # roll-up was not handed over: the broker was down)
    paid_at = datetime.now(UTC) - timedelta(days=5)
    paid_day = rollups.local_day(paid_at)
    attribution.credit_paid(order_id=90, store_id=3, buyer_id=None, amount=50_000_00, paid_at=paid_at)
    rollups.roll_up_day(day=paid_day)
    attribution.record_refund(order_id=90, refunded=50_000_00, at=datetime.now(UTC))
    # when the recent days are rolled up (every 10 minutes)
    rolled = rollups.roll_up_recent_days()
    # then the payment day was too, with its refund
    assert [r.day for r in rolled][0] == paid_day and len(rolled) == 3
    row = DailyChannelFigures.objects.get(store_id=3, day=paid_day)
    assert (row.kind, row.orders_paid, row.revenue, row.refunds) == (TouchKind.DIRECT, 1, 50_000_00, 50_000_00)
