import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from catalog.auth_backends import user_with_store
from catalog.models import Product
from social import services
from social.models import Comment, Follow, Hashtag, Post, Profile, may_have_blocks
from social.services.posts import TagSpec, hashtags_in, mentions_in
from tests.factories import ProductFactory, StoreFactory, UserFactory, image_file, make_post

pytestmark = pytest.mark.django_db


def _counts(profile):
    profile = Profile.objects.get(pk=profile.pk)
    return profile.follower_count, profile.following_count, profile.post_count


# --- Follows and blocks ---------------------------------------------------------------


def test_following_a_store_counts_on_both_sides_and_only_once():
    # given
    shopper, store = UserFactory(), StoreFactory()
    store_profile = services.profile_for_store(store=store)
    # when
    assert services.follow(follower=shopper, profile=store_profile) is True
    assert services.follow(follower=shopper, profile=store_profile) is False
    # then
    assert _counts(store_profile)[0] == 1
    assert _counts(services.profile_for_user(user=shopper))[1] == 1
    assert services.unfollow(follower=shopper, profile=store_profile) is True
    assert services.unfollow(follower=shopper, profile=store_profile) is False
    assert _counts(store_profile)[0] == 0


def test_nobody_follows_themselves_or_their_own_store():
    store = StoreFactory()
    with pytest.raises(ValidationError):
        services.follow(follower=store.owner, profile=services.profile_for_user(user=store.owner))
    with pytest.raises(ValidationError):
        services.follow(follower=store.owner, profile=services.profile_for_store(store=store))


def test_blocking_ends_follows_both_ways_and_prevents_new_ones():
    # given two users who follow each other, and one follows the other's store
    ani, budi = UserFactory(), UserFactory()
    budi_store = StoreFactory(owner=budi)
    services.follow(follower=ani, profile=services.profile_for_user(user=budi))
    services.follow(follower=ani, profile=services.profile_for_store(store=budi_store))
    services.follow(follower=budi, profile=services.profile_for_user(user=ani))
    # when
    services.block(blocker=budi, blocked=ani)
    # then
    assert not Follow.objects.filter(follower__in=[ani, budi]).exists()
    assert _counts(services.profile_for_store(store=budi_store))[0] == 0
    assert _counts(services.profile_for_user(user=ani)) == (0, 0, 0)
    with pytest.raises(PermissionDenied):
        services.follow(follower=ani, profile=services.profile_for_store(store=budi_store))
    with pytest.raises(PermissionDenied):
        services.follow(follower=budi, profile=services.profile_for_user(user=ani))


def test_blocked_users_cannot_see_or_touch_each_others_posts():
    ani, budi = UserFactory(), UserFactory()
    post = make_post(budi)
    services.block(blocker=budi, blocked=ani)
    assert not Post.objects.visible_to(ani).filter(pk=post.pk).exists()
    assert Post.objects.visible_to(UserFactory()).filter(pk=post.pk).exists()
    with pytest.raises(PermissionDenied):
        services.like(user=ani, post=post)
    with pytest.raises(PermissionDenied):
        services.add_comment(author=ani, post=post, body="hi")


def test_a_person_read_with_no_block_sees_a_block_made_later_in_the_same_request():
    # given both read as the site reads the signed-in person: with no block, so the posts they
    # may see are asked without the block conditions
    ani, budi = UserFactory(), UserFactory()
    post = make_post(budi)
    ani_read, budi_read = user_with_store(ani.pk), user_with_store(budi.pk)
    assert not may_have_blocks(ani_read) and Post.objects.visible_to(ani_read).filter(pk=post.pk).exists()
    # when budi blocks ani, in the request that read them
    services.block(blocker=budi_read, blocked=ani_read)
    # then what that request reads from then on leaves the other's posts out
    assert may_have_blocks(ani_read) and may_have_blocks(budi_read)
    assert not Post.objects.visible_to(ani_read).filter(pk=post.pk).exists()


# --- Posts and tags ----------------------------------------------------------------------


def test_a_post_has_one_to_ten_pictures():
    author = UserFactory()
    with pytest.raises(ValidationError):
        services.create_post(author=author, images=[])
    with pytest.raises(ValidationError):
        services.create_post(author=author, images=[image_file() for _ in range(11)])
    assert make_post(author, images=10).images.count() == 10


def test_hashtags_and_mentions_are_linked_from_the_caption():
    # given
    wulan = UserFactory(username="wulan")
    # when
    post = make_post(caption="Batik baru! #BatikTulis #ootd @wulan @nobody #batiktulis #123 a#b")
    # then
    assert sorted(post.hashtags.values_list("name", flat=True)) == ["batiktulis", "ootd"]
    assert list(post.mentions.all()) == [wulan]
    services.edit_caption(post=post, editor=post.author, caption="Now #kopi only")
    assert list(post.hashtags.values_list("name", flat=True)) == ["kopi"]
    assert Hashtag.objects.filter(name="ootd").exists()


def test_word_parsing():
    assert hashtags_in("#a #A #b_c #12 x#y &#39;") == ["a", "b_c"]
    assert mentions_in("hi @ani. and @budi_s, @ani") == ["ani", "budi_s"]


def test_a_store_tags_only_its_own_active_products():
    # given
    store = StoreFactory()
    own, other = ProductFactory(store=store), ProductFactory()
    draft = ProductFactory(store=store, status=Product.Status.DRAFT)
    store_profile = services.profile_for_store(store=store)
    # when / then
    post = make_post(store.owner, profile=store_profile, products=[own])
    assert list(post.tags.values_list("product", flat=True)) == [own.pk]
    with pytest.raises(ValidationError, match="only its own products"):
        make_post(store.owner, profile=store_profile, products=[other])
    with pytest.raises(ValidationError, match="not on sale"):
        make_post(store.owner, profile=store_profile, products=[draft])


def test_a_shopper_tags_any_active_product_what_i_bought():
    post = make_post(products=[ProductFactory(), ProductFactory()])
    assert post.tags.count() == 2


@pytest.mark.parametrize("x,y", [(-0.1, 0.5), (0.5, 1.01), ("left", 0.5)])
def test_a_tag_outside_the_picture_is_refused(x, y):
    author = UserFactory()
    with pytest.raises(ValidationError, match="between 0 and 1"):
        services.create_post(author=author, images=[image_file()], tags=[TagSpec(0, ProductFactory(), x, y)])


def test_the_database_refuses_a_tag_outside_the_picture():
    post = make_post(products=[ProductFactory()])
    with pytest.raises(IntegrityError), transaction.atomic():
        post.tags.update(x=1.5)


def test_only_a_stores_owner_posts_as_the_store():
    store = StoreFactory()
    with pytest.raises(PermissionDenied):
        make_post(UserFactory(), profile=services.profile_for_store(store=store))


def test_only_the_author_edits_or_deletes_a_post():
    post = make_post()
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        services.edit_caption(post=post, editor=stranger, caption="mine now")
    with pytest.raises(PermissionDenied):
        services.delete_post(post=post, actor=stranger)
    services.delete_post(post=post, actor=post.author)
    assert not Post.objects.filter(pk=post.pk).exists()
    assert _counts(post.profile)[2] == 0


# --- Likes, saves, comments ---------------------------------------------------------------


def test_likes_and_saves_count_once_per_user_and_raise_the_hot_score():
    post = make_post()
    before = Post.objects.get(pk=post.pk).hot_score
    fans = [UserFactory() for _ in range(3)]
    for fan in fans:
        assert services.like(user=fan, post=post)
    assert services.like(user=fans[0], post=post) is False
    services.save_post(user=fans[0], post=post)
    post.refresh_from_db()
    assert (post.like_count, post.save_count) == (3, 1)
    assert post.hot_score > before
    services.unlike(user=fans[0], post=post)
    services.unsave_post(user=fans[0], post=post)
    post.refresh_from_db()
    assert (post.like_count, post.save_count) == (2, 0)


def test_replies_are_one_level_deep():
    post = make_post()
    top = services.add_comment(author=UserFactory(), post=post, body="Cantik!")
    reply = services.add_comment(author=UserFactory(), post=post, body="Setuju", parent=top)
    deeper = services.add_comment(author=UserFactory(), post=post, body="Me too", parent=reply)
    assert deeper.parent_id == top.pk
    with pytest.raises(ValidationError):
        services.add_comment(author=UserFactory(), post=make_post(), body="x", parent=top)
    with pytest.raises(ValidationError):
        services.add_comment(author=UserFactory(), post=post, body="   ")


def test_comment_counts_stay_exact_through_hide_unhide_and_delete():
    # given a thread of a comment with two replies, and another comment
    post = make_post()
    top = services.add_comment(author=UserFactory(), post=post, body="1")
    reply = services.add_comment(author=UserFactory(), post=post, body="2", parent=top)
    services.add_comment(author=UserFactory(), post=post, body="3", parent=top)
    other = services.add_comment(author=UserFactory(), post=post, body="4")

    def count():
        return Post.objects.get(pk=post.pk).comment_count

    assert count() == 4
    # when the thread is hidden by the post's author
    services.hide_comment(comment=top, actor=post.author)
    assert count() == 1
    # a reply of the hidden thread is deleted: nothing more leaves the count
    services.delete_comment(comment=Comment.objects.get(pk=reply.pk), actor=reply.author)
    assert count() == 1
    services.unhide_comment(comment=Comment.objects.get(pk=top.pk), actor=post.author)
    assert count() == 3
    services.delete_comment(comment=Comment.objects.get(pk=top.pk), actor=post.author)
    assert count() == 1
    services.delete_comment(comment=other, actor=other.author)
    assert count() == 0


def test_only_authors_and_the_posts_author_delete_comments():
    post = make_post()
    comment = services.add_comment(author=UserFactory(), post=post, body="spam")
    with pytest.raises(PermissionDenied):
        services.delete_comment(comment=comment, actor=UserFactory())
    with pytest.raises(PermissionDenied):
        services.hide_comment(comment=comment, actor=comment.author)
    services.delete_comment(comment=comment, actor=post.author)


def test_a_stores_owner_moderates_comments_on_the_stores_posts():
    store = StoreFactory()
    post = make_post(store.owner, profile=services.profile_for_store(store=store))
    comment = services.add_comment(author=UserFactory(), post=post, body="spam")
    assert services.hide_comment(comment=comment, actor=store.owner)
