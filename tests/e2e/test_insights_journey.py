"""What the browser reports for insights (static/js/insights.js), in a real browser: a post card
seen for a second is an impression, a tapped tag a tag tap, both with the feed's source, sent
in one batch (sendBeacon) a few seconds later; the product sheet it opens is recorded by the
server."""

import time

from playwright.sync_api import expect

from shop import events
from shop.events import EventName, Source
from social.services.profiles import profile_for_store
from tests.factories import buyable_variant, make_post

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def test_a_seen_post_and_a_tapped_tag_reach_the_events(open_context, settings, monkeypatch):
    # given a store's post with a tagged product, and events kept in this process
    settings.EVENTS_REDIS_URL = ""
    stored = []
    monkeypatch.setattr(events, "_sink", stored.extend)
    variant = buyable_variant()
    post = make_post(variant.store.owner, profile=profile_for_store(store=variant.store), products=[variant.product])
    page = open_context(user_agent=BROWSER).new_page()

    # when a visitor opens For you, looks at the post for over a second and taps its tag
    page.goto("/")
    card = page.locator(f"#post-{post.pk}")
    expect(card).to_be_visible()
    page.wait_for_timeout(2500)
    card.locator(".tag-dot").click()
    expect(page.locator("#product-sheet")).to_be_visible()

    # then the impression and the tap arrive in one batch, besides the sheet's open
    deadline = time.monotonic() + 10
    while events.buffered() < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    events.flush()
    got = sorted((e.name, e.post_id, e.store_id, e.source) for e in stored)
    assert got == [
        (EventName.POST_IMPRESSION, post.pk, variant.store_id, Source.FOR_YOU),
        (EventName.TAG_TAP, post.pk, variant.store_id, Source.FOR_YOU),
        (EventName.SHEET_OPEN, post.pk, variant.store_id, Source.FOR_YOU),
    ]
    assert len({e.visitor for e in stored}) == 1 and stored[0].visitor
