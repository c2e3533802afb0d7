"""The daily digest: one notification and one email a day per shopper, listing what the
stores they follow posted in the last 24 hours; a constant number of queries per batch."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from shop.models import Notification
from shop.notifications import selectors
from shop.notifications import services as notifications
from social import digest
from social import services as social
from tests.factories import StoreFactory, UserFactory, make_post

pytestmark = pytest.mark.django_db


def store_post(store, caption, *, hours_ago=1):
    return make_post(
        store.owner,
        profile=social.profile_for_store(store=store),
        caption=caption,
        at=timezone.now() - timedelta(hours=hours_ago),
    )


def follow(user, *stores):
    for store in stores:
        social.follow(follower=user, profile=social.profile_for_store(store=store))


def digests_of(user):
    return list(Notification.objects.filter(recipient=user, kind="daily_digest"))


@pytest.fixture
def stores():
    kopi, tenun, quiet = (StoreFactory(name=name) for name in ("Kopi Ayu", "Tenun Budi", "Sepi"))
    store_post(kopi, "Panen baru dari Gayo", hours_ago=2)
    store_post(kopi, "Roasting hari ini", hours_ago=1)
    store_post(tenun, "Motif baru", hours_ago=3)
    store_post(tenun, "Kemarin lusa", hours_ago=30)  # older than a day: not in the digest
    store_post(quiet, "Minggu lalu", hours_ago=24 * 7)
    return kopi, tenun, quiet


def test_one_digest_a_day_lists_several_posts_in_one_email(stores, django_capture_on_commit_callbacks):
    # given
    kopi, tenun, _quiet = stores
    shopper = UserFactory(username="dewi")
    follow(shopper, kopi, tenun)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert digest.send_daily_digests() == 1
        assert digest.send_daily_digests() == 0  # a rerun the same day
    # then
    (note,) = digests_of(shopper)
    assert note.data["count"] == 3 and note.group_key == f"digest:{timezone.localdate().isoformat()}"
    assert [post["caption"] for post in note.data["posts"]] == [
        "Roasting hari ini",
        "Panen baru dari Gayo",
        "Motif baru",
    ]
    assert digest.digest_text("", 0, note.data) == "3 new posts from the stores you follow"
    (row,) = [row for row in selectors.inbox(user=shopper).rows if row.kind == "daily_digest"]
    assert row.text == "3 new posts from the stores you follow" and row.target_url == "/feed/following/"
    (message,) = mail.outbox
    assert message.to == [shopper.email] and message.subject == "New from the stores you follow"
    for caption in ("Roasting hari ini", "Panen baru dari Gayo", "Motif baru"):
        assert caption in message.body
    assert "Kemarin lusa" not in message.body
    assert "Kopi Ayu, Tenun Budi" in message.body
    html = message.alternatives[0][0]
    assert "/feed/following/" in html and "/media/" in html  # the posts' pictures
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_next_day_brings_a_new_digest(stores):
    kopi, _tenun, _quiet = stores
    shopper = UserFactory()
    follow(shopper, kopi)
    digest.send_daily_digests()
    tomorrow = timezone.now() + timedelta(days=1)
    store_post(kopi, "Besok", hours_ago=-12)  # posted "tomorrow" morning
    assert digest.send_daily_digests(now=tomorrow) == 1
    assert len(digests_of(shopper)) == 2


def test_no_digest_without_new_posts_from_followed_stores(stores):
    # given
    _kopi, _tenun, quiet = stores
    follows_quiet = UserFactory()
    follow(follows_quiet, quiet)
    follows_nobody = UserFactory()
    friend = UserFactory()
    make_post(friend, caption="A person, not a store")
    follows_a_person = UserFactory()
    social.follow(follower=follows_a_person, profile=social.profile_for_user(user=friend))
    # when
    written = digest.send_daily_digests()
    # then
    assert written == 0
    assert not Notification.objects.filter(kind="daily_digest").exists()
    assert digests_of(follows_nobody) == []


def test_hidden_posts_blocked_authors_and_the_limit(settings, stores):
    # given
    settings.DAILY_DIGEST_MAX_POSTS = 2
    kopi, tenun, _quiet = stores
    hidden = store_post(kopi, "Hidden by staff")
    social.hide_post(post=hidden)
    shopper, blocker = UserFactory(), UserFactory()
    follow(shopper, kopi, tenun)
    follow(blocker, kopi, tenun)
    social.block(blocker=blocker, blocked=tenun.owner)  # ends the follow too
    # when
    digest.send_daily_digests()
    # then
    (note,) = digests_of(shopper)
    assert note.data["count"] == 3 and len(note.data["posts"]) == 2
    assert "Hidden by staff" not in str(note.data)
    (blocked_note,) = digests_of(blocker)
    assert {post["store"] for post in blocked_note.data["posts"]} == {"Kopi Ayu"}


def test_preferences_turn_the_digest_off(stores, django_capture_on_commit_callbacks):
    kopi, _tenun, _quiet = stores
    nothing, app_only = UserFactory(), UserFactory()
    follow(nothing, kopi)
    follow(app_only, kopi)
    notifications.set_preferences(user=nothing, choices={"daily_digest": {"email": False, "in_app": False}})
    notifications.set_preferences(user=app_only, choices={"daily_digest": {"email": False, "in_app": True}})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert digest.send_daily_digests() == 1
    assert digests_of(nothing) == []
    assert [note.in_app for note in digests_of(app_only)] == [True]
    assert mail.outbox == []


def test_a_batch_costs_the_same_queries_whatever_its_size(stores, django_assert_max_num_queries):
    # given
    kopi, tenun, _quiet = stores
    few = [UserFactory() for _ in range(3)]
    many = [UserFactory() for _ in range(30)]
    for user in few + many:
        follow(user, kopi, tenun)
    now = timezone.now()
    profile_ids = [social.profile_for_store(store=kopi).pk, social.profile_for_store(store=tenun).pk]
    since = now - timedelta(days=1)
    # when / then: follows, posts, pictures, blocks, recipients, preferences, the day's
    # digests already written (after an advisory lock on PostgreSQL), two bulk inserts, and
    # the savepoint around them
    with django_assert_max_num_queries(12):
        assert len(digest.digest_batch([u.pk for u in few], profile_ids=profile_ids, since=since, now=now)) == 3
    with django_assert_max_num_queries(12):
        assert len(digest.digest_batch([u.pk for u in many], profile_ids=profile_ids, since=since, now=now)) == 30


def test_many_followers_are_walked_in_batches(stores):
    kopi, _tenun, _quiet = stores
    users = [UserFactory() for _ in range(7)]
    for user in users:
        follow(user, kopi)
    assert digest.send_daily_digests(batch_size=3) == 7
    assert Notification.objects.filter(kind="daily_digest").count() == 7
