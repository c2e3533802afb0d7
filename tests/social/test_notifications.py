"""Social events notify the right person, in the same transaction, and never oneself."""

import pytest
from django.core import mail

from shop.models import Delivery, Notification
from shop.notifications import selectors
from social import services
from tests.factories import StoreFactory, UserFactory, make_post

pytestmark = pytest.mark.django_db


def kinds_of(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_following_a_store_notifies_its_owner():
    store = StoreFactory()
    fan = UserFactory()
    services.follow(follower=fan, profile=services.profile_for_store(store=store))
    note = Notification.objects.get(recipient=store.owner)
    assert note.kind == "new_follower" and note.actor == fan
    assert fan.username in note.target_url


def test_likes_group_into_one_line_and_own_likes_are_silent(django_capture_on_commit_callbacks):
    author = UserFactory()
    post = make_post(author)
    services.like(user=author, post=post)
    assert kinds_of(author) == []
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("ani", "budi", "citra"):
            services.like(user=UserFactory(username=name), post=post)
    rows = selectors.inbox(user=author).rows
    assert len(rows) == 1 and rows[0].count == 3
    assert rows[0].text == "citra and 2 others liked your post"
    # Likes do not email by default.
    assert not Delivery.objects.exists() and mail.outbox == []


def test_comments_and_replies_notify_the_author_and_the_commenter(django_capture_on_commit_callbacks):
    author, first, second = UserFactory(), UserFactory(), UserFactory()
    post = make_post(author)
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.add_comment(author=first, post=post, body="Cantik!")
        services.add_comment(author=second, post=post, body="Setuju", parent=comment)
    assert kinds_of(author) == ["post_commented", "post_commented"]
    assert kinds_of(first) == ["comment_replied"]
    # Comments email by default: one each, sent after commit.
    assert sorted(message.to[0] for message in mail.outbox) == sorted([author.email, author.email, first.email])


def test_mentions_notify_once_and_never_across_a_block():
    author, friend, blocker = UserFactory(), UserFactory(username="sari"), UserFactory(username="tono")
    services.block(blocker=blocker, blocked=author)
    post = make_post(author, caption="Dengan @sari dan @tono")
    assert kinds_of(friend) == ["mentioned"] and kinds_of(blocker) == []
    services.edit_caption(post=post, editor=author, caption="Dengan @sari lagi")
    assert kinds_of(friend) == ["mentioned"]
