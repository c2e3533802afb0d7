"""Flows (marketing.flows), run in-process (eager tasks, the locmem outbox) with frozen time
(time-machine): each trigger, the waits between steps, the exit conditions checked again
before every send, one enrolment per trigger, the re-entry cooldown, the report per step,
clicks and orders credited, and nobody without consent ever mailed."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from catalog import services as catalog
from checkout.services.transitions import mark_delivered, mark_shipped
from marketing import services
from marketing.flow_models import Enrolment, Flow, FlowOrder, FlowSend, FlowStep, ProductTips, ProductView
from marketing.flows import defaults, engine, product_views, selectors, tracking, triggers
from marketing.models import Contact, EmailConsent, Source, Suppression, address_hash
from shop import events
from social.models import ProductAffinity
from tests.factories import StoreFactory, UserFactory, buyable_variant, checkout_cart, place
from tests.marketing.campaign_helpers import mailable_contact
from tests.marketing.helpers import paid_order

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def switched_on(store, kind: str) -> Flow:
    flow = next(flow for flow in defaults.ensure_flows(store=store) if flow.kind == kind)
    return defaults.switch(flow=flow, enabled=True)


def to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def evaluate(django_capture_on_commit_callbacks) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        return engine.evaluate()


def test_the_welcome_series_sends_each_step_once_after_its_wait(clock, django_capture_on_commit_callbacks):
    # given a store whose welcome series is on (two steps: at once, then 3 days later)
    store = StoreFactory()
    flow = switched_on(store, Flow.Kind.WELCOME)
    # when a visitor confirms their consent
    with django_capture_on_commit_callbacks(execute=True):
        contact = mailable_contact(store, "ayu@example.com", name="Ayu")
    enrolment = Enrolment.objects.get(flow=flow, contact=contact)
    assert enrolment.trigger_key.startswith("consent:") and enrolment.due_at == START
    mail.outbox.clear()
    # then the first step goes at the next evaluation, with the RFC 8058 headers, once
    evaluate(django_capture_on_commit_callbacks)
    evaluate(django_capture_on_commit_callbacks)
    [first] = to("ayu@example.com")
    assert first.subject == f"Welcome to {store.name}"
    assert first.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Ayu" in first.body
    # and the second waits its 72 hours
    clock.shift(timedelta(hours=71))
    evaluate(django_capture_on_commit_callbacks)
    assert len(to("ayu@example.com")) == 1
    clock.shift(timedelta(hours=1))
    evaluate(django_capture_on_commit_callbacks)
    evaluate(django_capture_on_commit_callbacks)
    assert [m.subject for m in to("ayu@example.com")][1] == f"What's new at {store.name}"
    assert len(to("ayu@example.com")) == 2
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.COMPLETED
    assert FlowSend.objects.filter(enrolment=enrolment, state=FlowSend.State.SENT).count() == 2


def test_a_switched_off_flow_enrols_nobody_and_its_enrolments_leave(clock, django_capture_on_commit_callbacks):
    store = StoreFactory()
    defaults.ensure_flows(store=store)  # all off
    with django_capture_on_commit_callbacks(execute=True):
        mailable_contact(store, "off@example.com")
    assert not Enrolment.objects.exists()
    flow = switched_on(store, Flow.Kind.WELCOME)
    with django_capture_on_commit_callbacks(execute=True):
        mailable_contact(store, "on@example.com")
    defaults.switch(flow=flow, enabled=False)
    mail.outbox.clear()
    result = evaluate(django_capture_on_commit_callbacks)
    assert result["exited"] == {engine.FLOW_OFF: 1}
    assert mail.outbox == []


def test_a_buyer_who_ordered_leaves_the_flow_before_the_next_send(clock, django_capture_on_commit_callbacks):
    # given a contact in the welcome series, first step sent
    store = StoreFactory()
    switched_on(store, Flow.Kind.WELCOME)
    buyer = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        contact = mailable_contact(store, "buyer@example.com", user=buyer)
    evaluate(django_capture_on_commit_callbacks)
    assert len(to("buyer@example.com")) == 2  # the confirmation request and the first step
    # when they order, and the second step falls due
    clock.shift(timedelta(hours=1))
    place(buyer, (buyable_variant(store=store), 1))
    clock.shift(timedelta(days=3))
    mail.outbox.clear()
    evaluate(django_capture_on_commit_callbacks)
    # then they left the flow, unmailed
    assert mail.outbox == []
    enrolment = Enrolment.objects.get(contact=contact)
    assert (enrolment.state, enrolment.exit_reason, enrolment.position) == (Enrolment.State.EXITED, engine.ORDERED, 2)


def test_the_exit_is_checked_again_just_before_the_send(clock, django_capture_on_commit_callbacks):
    # given an enrolment claimed by the evaluation (its exits checked then)
    store = StoreFactory()
    switched_on(store, Flow.Kind.WELCOME)
    with django_capture_on_commit_callbacks(execute=True):
        contact = mailable_contact(store, "late@example.com")
    claimed = engine.claim_due(now=timezone.now())
    assert claimed == [Enrolment.objects.get(contact=contact).pk]
    # when the contact unsubscribes before the task sends it
    services.withdraw_consent(contact=contact, source=Source.LINK)
    mail.outbox.clear()
    # then the task's own check stops it
    assert engine.send_step(enrolment_id=claimed[0]) == engine.NOT_MAILABLE
    assert mail.outbox == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nobody_without_consent_suppressed_or_unsubscribed_is_ever_mailed(
    seed, clock, django_capture_on_commit_callbacks
):
    # given contacts in random consent states, each enrolled in a running flow
    rng = random.Random(seed)
    store, other = StoreFactory(), StoreFactory()
    flow = switched_on(store, Flow.Kind.WIN_BACK)
    expected = set()
    states = [
        "confirmed",
        "requested",
        "withdrawn",
        "store_unsubscribed",
        "other_store_unsubscribed",
        "bounced",
        "none",
    ]
    for n in range(40):
        state = rng.choice(states)
        email = f"p{n}@example.com"
        contact = Contact.objects.create(store=store, name=f"P{n}", source=Source.IMPORT)
        if state != "none":
            EmailConsent.objects.create(
                contact=contact,
                email=email,
                address_hash=address_hash(email),
                state={"requested": "requested", "withdrawn": "withdrawn"}.get(state, "confirmed"),
                requested_at=START,
                confirmed_at=None if state == "requested" else START,
                withdrawn_at=START if state == "withdrawn" else None,
            )
        if state == "store_unsubscribed":
            Suppression.objects.create(store=store, address_hash=address_hash(email), reason="unsubscribed")
        if state == "other_store_unsubscribed":
            Suppression.objects.create(store=other, address_hash=address_hash(email), reason="unsubscribed")
        if state == "bounced":
            Suppression.objects.create(address_hash=address_hash(email), reason="hard_bounce")
        if state in ("confirmed", "other_store_unsubscribed"):
            expected.add(email)
        Enrolment.objects.create(
            flow=flow, store=store, contact=contact, trigger_key=f"t{n}", due_at=START, enrolled_at=START
        )
    mail.outbox.clear()
    # when the flow runs through both its steps
    evaluate(django_capture_on_commit_callbacks)
    clock.shift(timedelta(days=8))
    evaluate(django_capture_on_commit_callbacks)
    # then exactly the mailable ones got each step, once
    received = [message.to[0] for message in mail.outbox]
    assert set(received) == expected
    assert len(received) == 2 * len(expected) or django_settings.MARKETING_WEEKLY_CAP < 2
    assert Enrolment.objects.filter(exit_reason=engine.NOT_MAILABLE).count() == 40 - len(expected)


def test_after_delivery_the_buyer_gets_the_tips_and_what_goes_with_it(clock, django_capture_on_commit_callbacks):
    # given a seller's tips for a product, and a product that goes with it
    store = StoreFactory()
    switched_on(store, Flow.Kind.POST_DELIVERY)
    buyer = UserFactory()
    mailable_contact(store, "rina@example.com", user=buyer)
    variant = buyable_variant(store=store, stock=5)
    other = buyable_variant(store=store, stock=5).product
    ProductTips.objects.create(product=variant.product, store=store, text="Wash it cold, dry in the shade.")
    ProductAffinity.objects.create(product=variant.product, other=other, score=0.9)
    [order] = place(buyer, (variant, 1), method="cod").orders
    # when the seller marks it delivered
    mark_shipped(order=order, actor=store.owner, carrier="JNE", tracking_number="X1")
    with django_capture_on_commit_callbacks(execute=True):
        mark_delivered(order=order, actor=store.owner)
    enrolment = Enrolment.objects.get(flow__kind=Flow.Kind.POST_DELIVERY)
    assert enrolment.order_id == order.pk and enrolment.trigger_key == f"order:{order.pk}"
    # then two days later the email holds the tips and the other product
    mail.outbox.clear()
    clock.shift(timedelta(hours=47))
    evaluate(django_capture_on_commit_callbacks)
    assert mail.outbox == []
    clock.shift(timedelta(hours=1))
    evaluate(django_capture_on_commit_callbacks)
    [email] = to("rina@example.com")
    assert "Wash it cold, dry in the shade." in email.body
    assert variant.product.title in email.body and other.title in email.body
    # and delivering the same order's news again enrols nobody twice
    assert triggers.order_delivered(order=order) == 0


def test_abandoned_cart_is_a_flow_that_stops_when_the_cart_changes(clock, django_capture_on_commit_callbacks):
    # given a contact's cart left with the store for a day
    store = StoreFactory()
    flow = switched_on(store, Flow.Kind.ABANDONED_CART)
    shopper = UserFactory()
    mailable_contact(store, "cart@example.com", user=shopper)
    variant = buyable_variant(store=store)
    cart = checkout_cart(shopper, (variant, 2))
    assert triggers.scan(now=timezone.now()) == {Flow.Kind.ABANDONED_CART: 0}  # not idle yet
    clock.shift(timedelta(hours=24))
    assert triggers.scan() == {Flow.Kind.ABANDONED_CART: 1}
    assert triggers.scan() == {Flow.Kind.ABANDONED_CART: 0}  # one enrolment per trigger
    mail.outbox.clear()
    evaluate(django_capture_on_commit_callbacks)
    [email] = to("cart@example.com")
    assert variant.product.title in email.body
    # when the cart changes before the second reminder
    clock.shift(timedelta(hours=1))
    from checkout import services as checkout

    checkout.add_to_cart(cart=cart, variant_id=buyable_variant(store=store).pk, quantity=1)
    clock.shift(timedelta(hours=48))
    evaluate(django_capture_on_commit_callbacks)
    # then it is not sent, and the cart idle again is a new trigger (after the cooldown)
    assert len(to("cart@example.com")) == 1
    assert Enrolment.objects.get(flow=flow).exit_reason == engine.CART_CHANGED
    assert triggers.scan() == {Flow.Kind.ABANDONED_CART: 1}
    assert Enrolment.objects.filter(flow=flow).count() == 2


def test_checkouts_periodic_cart_reminder_is_gone():
    """The abandoned cart is the marketing flow's: nobody is reminded twice."""
    from checkout import reminders, tasks

    schedule = [entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()]
    assert "checkout.tasks.remind_abandoned_carts_task" not in schedule
    assert not hasattr(reminders, "remind_abandoned_carts") and not hasattr(tasks, "remind_abandoned_carts_task")
    assert {"marketing.tasks.evaluate_flows_task", "marketing.tasks.scan_flows_task"} <= set(schedule)


def test_browse_abandonment_a_day_after_a_view_without_a_cart(clock, django_capture_on_commit_callbacks):
    # given two contacts who viewed a product page (recorded through the real page and sinks)
    store = StoreFactory()
    switched_on(store, Flow.Kind.BROWSE_ABANDONMENT)
    looker, carter = UserFactory(), UserFactory()
    mailable_contact(store, "look@example.com", user=looker)
    mailable_contact(store, "carter@example.com", user=carter)
    variant = buyable_variant(store=store)
    for user in (looker, carter):
        client = Client(HTTP_USER_AGENT="Mozilla/5.0 (Android) Chrome/120")
        client.force_login(user)
        assert client.get(variant.product.get_absolute_url()).status_code == 200
    events.flush()
    events.drain()  # with Redis, the batch went there first (without, flush handed it over)
    assert ProductView.objects.filter(product=variant.product).count() == 2
    checkout_cart(carter, (variant, 1))  # this one carted it
    # when a day has passed
    clock.shift(timedelta(hours=23))
    assert triggers.scan()[Flow.Kind.BROWSE_ABANDONMENT] == 0
    clock.shift(timedelta(hours=1, minutes=1))
    assert triggers.scan()[Flow.Kind.BROWSE_ABANDONMENT] == 1
    # then only the one who did not cart it hears about it
    mail.outbox.clear()
    evaluate(django_capture_on_commit_callbacks)
    assert [message.to for message in mail.outbox] == [["look@example.com"]]
    assert variant.product.title in mail.outbox[0].body


def test_back_in_stock_reaches_those_who_looked_not_those_with_it_in_the_cart(
    clock, django_capture_on_commit_callbacks
):
    store = StoreFactory()
    switched_on(store, Flow.Kind.BACK_IN_STOCK)
    looker, carter, stranger = UserFactory(), UserFactory(), UserFactory()
    for user, email in ((looker, "l@example.com"), (carter, "c@example.com"), (stranger, "s@example.com")):
        mailable_contact(store, email, user=user)
    variant = buyable_variant(store=store, stock=1)
    checkout_cart(carter, (variant, 1))
    catalog.update_variant(variant=variant, stock=0, stock_seen=1)
    product_views.store_product_views(
        [
            events.Event(
                events.EventName.PRODUCT_VIEW,
                timezone.now(),
                0,
                store.pk,
                None,
                variant.product_id,
                None,
                u,
                None,
                None,
            )
            for u in (looker.pk, carter.pk)
        ]
    )
    mail.outbox.clear()
    clock.shift(timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        catalog.update_variant(variant=variant, stock=4, stock_seen=0)
    assert list(Enrolment.objects.values_list("contact__consent__email", flat=True)) == ["l@example.com"]
    evaluate(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox if m.to == ["l@example.com"]] == [["l@example.com"]]
    assert not to("s@example.com")
    # sold out again before the send: the enrolment leaves
    assert triggers.variant_restocked(variant_id=variant.pk) == 0  # same trigger, same day


def test_win_back_after_n_days_once_per_lapse_with_a_cooldown(clock, django_capture_on_commit_callbacks):
    store = StoreFactory()
    flow = switched_on(store, Flow.Kind.WIN_BACK)
    Flow.objects.filter(pk=flow.pk).update(inactive_days=60, cooldown_days=90)
    lapsed = mailable_contact(store, "lapsed@example.com")
    recent = mailable_contact(store, "recent@example.com")
    Contact.objects.filter(pk=lapsed.pk).update(order_count=2, last_order_at=START - timedelta(days=61))
    Contact.objects.filter(pk=recent.pk).update(order_count=1, last_order_at=START - timedelta(days=10))
    assert triggers.scan()[Flow.Kind.WIN_BACK] == 1
    assert triggers.scan()[Flow.Kind.WIN_BACK] == 0
    enrolment = Enrolment.objects.get(flow=flow)
    assert enrolment.contact_id == lapsed.pk
    # left the flow (say, an order), a new lapse within the cooldown is not a new entry
    engine._leave(enrolment.pk, engine.ORDERED, timezone.now())
    Contact.objects.filter(pk=lapsed.pk).update(last_order_at=START - timedelta(days=60, hours=1))
    clock.shift(timedelta(days=30))
    assert triggers.scan()[Flow.Kind.WIN_BACK] == 0
    clock.shift(timedelta(days=61))
    # past the cooldown the lapsed contact enters again (and the other one has lapsed too by now)
    assert triggers.scan()[Flow.Kind.WIN_BACK] == 2
    assert Enrolment.objects.filter(flow=flow, contact=lapsed).count() == 2


def test_a_click_and_the_order_after_it_are_credited_to_the_step(clock, django_capture_on_commit_callbacks):
    # given a browse-abandonment email sent
    store = StoreFactory()
    flow = switched_on(store, Flow.Kind.BROWSE_ABANDONMENT)
    buyer = UserFactory()
    contact = mailable_contact(store, "clicker@example.com", user=buyer)
    variant = buyable_variant(store=store, stock=10, price=20_000_000)
    Enrolment.objects.create(
        flow=flow, store=store, contact=contact, trigger_key="view:x", product=variant.product, due_at=START
    )
    mail.outbox.clear()
    evaluate(django_capture_on_commit_callbacks)
    [email] = to("clicker@example.com")
    # when the buyer follows the product link, and a tampered one
    path = re.search(r"https?://[^/\s]+(/m/f/[^\s\"<]+)", email.body).group(1)
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (Android) Chrome/120")
    assert client.get(path[:-3] + "xx/").status_code == 400
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].endswith(variant.product.get_absolute_url())
    # and pays an order the next day
    clock.shift(timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(buyer, store, price=20_000_000)
    # then the step's report shows it
    [step] = tracking.flow_report(flow)
    assert (step.sent, step.clicked, step.orders, step.revenue, step.exited) == (1, 1, 1, order.total, 0)
    assert FlowOrder.objects.get().order_id == order.pk


def test_a_step_is_sent_once_even_when_two_tasks_hold_it(clock, django_capture_on_commit_callbacks):
    store = StoreFactory()
    switched_on(store, Flow.Kind.WELCOME)
    with django_capture_on_commit_callbacks(execute=True):
        contact = mailable_contact(store, "once@example.com")
    enrolment = Enrolment.objects.get(contact=contact)
    mail.outbox.clear()
    assert engine.send_steps(enrolment_ids=[enrolment.pk, enrolment.pk]) == {"sent": 1, "not_due": 1}
    assert engine.send_step(enrolment_id=enrolment.pk) == "not_due"
    assert len(mail.outbox) == 1


def test_a_dead_workers_step_is_marked_unknown_and_never_sent_again(clock, settings):
    store = StoreFactory()
    flow = switched_on(store, Flow.Kind.WELCOME)
    contact = mailable_contact(store, "dead@example.com")
    enrolment = Enrolment.objects.create(flow=flow, store=store, contact=contact, trigger_key="k", due_at=START)
    # a worker wrote "sending" and died
    outcome, send, _contact = engine._begin(enrolment.pk, now=timezone.now())
    assert outcome == "sending"
    mail.outbox.clear()
    assert engine.send_step(enrolment_id=enrolment.pk) == "already_sent"
    clock.shift(timedelta(seconds=settings.MARKETING_CLAIM_LEASE_SECONDS + 1))
    assert engine.sweep() == 1
    send.refresh_from_db()
    enrolment.refresh_from_db()
    assert send.state == FlowSend.State.UNKNOWN and enrolment.position == 2
    assert mail.outbox == []


def test_the_hourly_cap_makes_a_step_wait(clock, settings, django_capture_on_commit_callbacks):
    settings.MARKETING_HOURLY_CAP = 1
    store = StoreFactory()
    switched_on(store, Flow.Kind.WELCOME)
    with django_capture_on_commit_callbacks(execute=True):
        mailable_contact(store, "a@example.com")
        mailable_contact(store, "b@example.com")
    mail.outbox.clear()
    evaluate(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    waiting = Enrolment.objects.get(position=1)
    assert waiting.due_at == START + timedelta(hours=1)
    clock.shift(timedelta(hours=1))
    evaluate(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2


def test_a_seller_sees_only_their_own_flows():
    mine, theirs = StoreFactory(), StoreFactory()
    defaults.ensure_flows(store=mine)
    their_flows = defaults.ensure_flows(store=theirs)
    assert {flow.store_id for flow in selectors.store_flows(store=mine)} == {mine.pk}
    assert selectors.flow_for_seller(store=mine, pk=their_flows[0].pk) is None
    assert selectors.step_for_seller(store=mine, pk=FlowStep.objects.filter(flow__store=theirs).first().pk) is None
    assert len(defaults.ensure_flows(store=mine)) == 6  # idempotent


def test_every_sink_gets_each_batch_and_a_failure_keeps_it(monkeypatch, settings):
    settings.EVENTS_FLUSH_SECONDS = None
    monkeypatch.setattr(events, "_sinks", [])
    monkeypatch.setattr(events, "_sink", None)
    monkeypatch.setattr(events, "_use_redis", lambda: False)
    first, second = [], []
    events.register_sink(first.extend)
    events.register_sink(second.extend)
    events.register_sink(first.extend)  # once only
    events.record(events.EventName.FOLLOW, store_id=1)
    assert events.flush() == 1
    assert len(first) == len(second) == 1

    def failing(batch):
        raise RuntimeError("down")

    events.register_sink(failing)
    events.record(events.EventName.FOLLOW, store_id=2)
    assert events.flush() == 0
    events._sinks.remove(failing)
    assert events.flush() == 1
    # at least once: the sinks before the failing one get the kept batch again
    assert [event.store_id for event in second] == [1, 2, 2]


def test_recent_anonymous_and_unconsented_carts_are_not_enrolled(clock):
    store = StoreFactory()
    switched_on(store, Flow.Kind.ABANDONED_CART)
    variant = buyable_variant(store=store)
    consented, unconsented, other_store = UserFactory(), UserFactory(), UserFactory()
    mailable_contact(store, "yes@example.com", user=consented)
    services.record_contact(
        store_id=store.pk,
        seen=[services.Seen("user", str(unconsented.pk), verified=True, user_id=unconsented.pk)],
        source=Source.ORDER,
    )
    for user in (consented, unconsented):
        checkout_cart(user, (variant, 1))
    checkout_cart(other_store, (buyable_variant(), 1))  # a cart with another store's lines only
    from checkout.models import Cart

    Cart.objects.create()  # a visitor's
    clock.shift(timedelta(hours=24))
    assert triggers.scan() == {Flow.Kind.ABANDONED_CART: 1}
    assert Enrolment.objects.get().contact.consent.email == "yes@example.com"


def test_the_scans_cost_the_same_queries_for_one_cart_or_many(clock, django_assert_max_num_queries):
    store = StoreFactory()
    switched_on(store, Flow.Kind.ABANDONED_CART)
    variant = buyable_variant(store=store, stock=100)

    def shoppers(count, start):
        for n in range(start, start + count):
            user = UserFactory()
            mailable_contact(store, f"s{n}@example.com", user=user)
            checkout_cart(user, (variant, 1))

    shoppers(1, 0)
    clock.shift(timedelta(hours=24))
    with django_assert_max_num_queries(12):
        assert triggers.scan() == {Flow.Kind.ABANDONED_CART: 1}
    shoppers(15, 1)
    clock.shift(timedelta(hours=24))
    with django_assert_max_num_queries(12):
        assert triggers.scan() == {Flow.Kind.ABANDONED_CART: 15}


def test_the_sellers_changes_are_checked_against_their_own_store():
    from django.core.exceptions import ValidationError

    from marketing.flows import services as flow_services

    mine, theirs = StoreFactory(), StoreFactory()
    flow = defaults.ensure_flows(store=mine)[0]
    their_product = buyable_variant(store=theirs).product
    my_product = buyable_variant(store=mine).product
    # given blocks naming another store's product, tips for it, a step of another flow
    with pytest.raises(ValidationError):
        flow_services.save_step(
            flow=flow,
            step=None,
            delay_hours=1,
            subject="Hi",
            preheader="",
            blocks=[{"type": "products", "products": [their_product.pk]}],
        )
    with pytest.raises(ValidationError):
        flow_services.save_tips(store=mine, product=their_product, text="Mine now")
    their_step = FlowStep.objects.filter(flow__store=theirs).first() or FlowStep.objects.create(
        flow=defaults.ensure_flows(store=theirs)[0], position=9, subject="x"
    )
    with pytest.raises(ValidationError):
        flow_services.save_step(flow=flow, step=their_step, delay_hours=1, subject="Hi", preheader="", blocks=[])
    with pytest.raises(ValidationError):
        flow_services.update_flow(flow=flow, enabled=True, inactive_days=0, cooldown_days=1)
    # then the store's own work is saved: a step at the end with a trigger block, tips
    step = flow_services.save_step(
        flow=flow,
        step=None,
        delay_hours=5,
        subject=" Thanks ",
        preheader="",
        blocks=[{"type": "tips", "junk": 1}, {"type": "products", "products": [my_product.pk]}],
    )
    assert (step.position, step.subject, step.blocks[0]) == (flow.steps.count(), "Thanks", {"type": "tips"})
    assert flow_services.save_tips(store=mine, product=my_product, text="Keep dry").text == "Keep dry"
    assert flow_services.save_tips(store=mine, product=my_product, text="  ") is None
    assert not ProductTips.objects.exists()
