"""Counters under real parallel requests: threads with their own PostgreSQL connections."""

import pytest

from social import services
from social.models import Post, Profile
from tests.concurrency import in_parallel
from tests.factories import StoreFactory, UserFactory, make_post

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres_only")]


def test_twenty_parallel_likes_count_exactly_twenty():
    # given
    post = make_post()
    fans = [UserFactory() for _ in range(20)]
    # when every fan likes at the same moment, and likes again
    errors = in_parallel([lambda fan=fan: services.like(user=fan, post=post) for fan in fans] * 2)
    # then
    assert errors == []
    post = Post.objects.get(pk=post.pk)
    assert post.like_count == 20 == post.likes.count()


def test_parallel_follows_and_unfollows_keep_the_follower_count_exact():
    store = StoreFactory()
    profile = services.profile_for_store(store=store)
    fans = [UserFactory() for _ in range(20)]
    for fan in fans[:10]:
        services.profile_for_user(user=fan)
    errors = in_parallel([lambda fan=fan: services.follow(follower=fan, profile=profile) for fan in fans])
    assert errors == []
    errors = in_parallel([lambda fan=fan: services.unfollow(follower=fan, profile=profile) for fan in fans[:7]])
    assert errors == []
    assert Profile.objects.get(pk=profile.pk).follower_count == 13 == profile.followers.count()


def test_parallel_comments_count_exactly():
    post = make_post()
    authors = [UserFactory() for _ in range(15)]
    errors = in_parallel([lambda a=a: services.add_comment(author=a, post=post, body="Mantap!") for a in authors])
    assert errors == []
    assert Post.objects.get(pk=post.pk).comment_count == 15
