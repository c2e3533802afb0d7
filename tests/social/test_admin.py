"""The social back office: a seller sees their store's posts, the posts tagging their
products and the comments on their posts, and nothing of another store."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from catalog.models import Product, Store
from catalog.services import SELLERS_GROUP, ensure_sellers_group
from social import services
from social.models import Comment, FeedEntry, Hashtag, Post, ProductTag, Profile, TaggedPost
from social.sellers import SELLER_PERMISSIONS, refresh_sellers_group
from tests.admin_helpers import admin_url, form_data
from tests.factories import ProductFactory, SellerFactory, StoreFactory, UserFactory, make_post

pytestmark = pytest.mark.django_db


@dataclass
class SocialShop:
    owner: object
    store: Store
    product: Product
    spare: Product
    post: Post
    tag: ProductTag
    comment: Comment
    reply: Comment
    shopper_post: Post
    shopper_tag: ProductTag


def make_social_shop(*, owner_name: str, store_name: str, title: str) -> SocialShop:
    owner = SellerFactory(username=owner_name)
    store = StoreFactory(owner=owner, name=store_name)
    product = ProductFactory(store=store, title=title)
    spare = ProductFactory(store=store, title=f"{title} Mini")
    post = make_post(
        owner, profile=services.profile_for_store(store=store), caption=f"New at {store_name} #baru", products=[product]
    )
    shopper = UserFactory(username=f"{owner_name}-fan", first_name="Fan", last_name=owner_name.title())
    shopper_post = make_post(shopper, caption=f"What I bought from {store_name}", products=[product])
    comment = services.add_comment(author=shopper, post=post, body=f"Love it, {store_name}!")
    reply = services.add_comment(author=owner, post=post, body=f"Thank you from {store_name}!", parent=comment)
    return SocialShop(
        owner, store, product, spare, post, post.tags.get(), comment, reply, shopper_post, shopper_post.tags.get()
    )


@pytest.fixture
def shop_a() -> SocialShop:
    return make_social_shop(owner_name="ayu", store_name="Warung Kopi Ayu", title="Kopi Gayo Arabica")


@pytest.fixture
def shop_b() -> SocialShop:
    return make_social_shop(owner_name="budi", store_name="Galeri Tenun Budi", title="Tenun Ikat Sumba")


@pytest.fixture
def seller_a(client, shop_a, shop_b):
    client.force_login(shop_a.owner)
    return client


@pytest.fixture
def superuser_client(client, shop_a, shop_b):
    client.force_login(UserFactory(username="root-admin", is_staff=True, is_superuser=True))
    return client


def comment_count(post: Post) -> int:
    return Post.objects.get(pk=post.pk).comment_count


def visible_comments(post: Post) -> int:
    """The comments a visitor sees: not hidden, and not replies to a hidden comment."""
    return Comment.objects.filter(post=post, is_hidden=False).exclude(parent__is_hidden=True).count()


def add_tag_row(data: dict, row: dict) -> dict:
    index = int(data["tags-TOTAL_FORMS"])
    for name, value in row.items():
        data[f"tags-{index}-{name}"] = str(value)
    data["tags-TOTAL_FORMS"] = str(index + 1)
    return data


def inline_errors(response, prefix: str = "tags") -> list[dict]:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            return [form.errors for form in inline.formset.forms if form.errors]
    raise AssertionError(f"no inline {prefix}")


# --- Permissions --------------------------------------------------------------------------


def test_sellers_get_the_social_permissions_with_the_catalog_ones(shop_a):
    # given: a seller made by catalog.services.make_seller (the factory), which knows nothing of social
    owner = type(shop_a.owner).objects.get(pk=shop_a.owner.pk)
    # then
    for model, actions in SELLER_PERMISSIONS.items():
        for action in actions:
            assert owner.has_perm(f"social.{action}_{model}"), f"{action}_{model}"
    assert owner.has_perm("catalog.change_product")
    assert not owner.has_perm("social.add_post") and not owner.has_perm("social.delete_comment")
    assert not owner.has_perm("social.view_profile") and not owner.has_perm("social.view_follow")


def test_migrate_refreshes_an_existing_sellers_group():
    # given a sellers group from before the social admin, with the catalog permissions only
    group = ensure_sellers_group()
    group.permissions.remove(*group.permissions.filter(content_type__app_label="social"))
    # when migrate ends (the post_migrate receiver)
    refresh_sellers_group()
    # then
    codenames = set(Group.objects.get(name=SELLERS_GROUP).permissions.values_list("codename", flat=True))
    assert {"view_post", "change_comment", "view_taggedpost", "add_producttag", "view_product"} <= codenames


def test_the_seller_index_shows_the_social_section_without_the_superuser_lists(seller_a):
    response = seller_a.get(reverse("admin:index"))
    html = response.content.decode()
    assert admin_url(Post, "changelist") in html
    assert admin_url(TaggedPost, "changelist") in html
    assert admin_url(Comment, "changelist") in html
    assert admin_url(Profile, "changelist") not in html
    assert seller_a.get(admin_url(Profile, "changelist")).status_code == 403
    assert seller_a.get(admin_url(Hashtag, "changelist")).status_code == 403


# --- What a seller sees -------------------------------------------------------------------


def test_a_seller_sees_only_their_stores_posts(seller_a, shop_a, shop_b):
    # when
    response = seller_a.get(admin_url(Post, "changelist"))
    # then: not B's, and not the shopper's post that tags A's product
    assert response.status_code == 200
    assert [post.pk for post in response.context["cl"].result_list] == [shop_a.post.pk]
    html = response.content.decode()
    assert "New at Warung Kopi Ayu" in html
    assert "Galeri Tenun Budi" not in html and "What I bought" not in html


def test_a_seller_sees_the_posts_of_others_that_tag_their_products(seller_a, shop_a, shop_b):
    # when
    response = seller_a.get(admin_url(TaggedPost, "changelist"))
    # then: the shopper's post tagging A's product; not A's own post, nothing of B
    assert response.status_code == 200
    assert [tag.pk for tag in response.context["cl"].result_list] == [shop_a.shopper_tag.pk]
    html = response.content.decode()
    assert "What I bought from Warung Kopi Ayu" in html and "@ayu-fan" in html and "Kopi Gayo Arabica" in html
    assert "Tenun" not in html


def test_a_hidden_post_tagging_the_product_is_not_listed_for_the_seller(seller_a, shop_a):
    services.hide_post(post=shop_a.shopper_post)
    response = seller_a.get(admin_url(TaggedPost, "changelist"))
    assert response.context["cl"].result_count == 0


def test_a_seller_moderates_only_the_comments_on_their_posts(seller_a, shop_a, shop_b):
    # given a comment by A's owner on B's post: on B's post, so B's to moderate
    services.add_comment(author=shop_a.owner, post=shop_b.post, body="Salam dari Ayu")
    # when
    response = seller_a.get(admin_url(Comment, "changelist"))
    # then
    assert {c.pk for c in response.context["cl"].result_list} == {shop_a.comment.pk, shop_a.reply.pk}
    html = response.content.decode()
    assert "Salam dari Ayu" not in html and "Galeri Tenun Budi" not in html


def test_searching_and_filtering_comments_stay_in_the_store(seller_a, shop_a):
    by_text = seller_a.get(admin_url(Comment, "changelist"), {"q": "Tenun"})
    replies = seller_a.get(admin_url(Comment, "changelist"), {"kind": "reply"})
    hidden = seller_a.get(admin_url(Comment, "changelist"), {"is_hidden__exact": "1"})
    assert by_text.context["cl"].result_count == 0
    assert [c.pk for c in replies.context["cl"].result_list] == [shop_a.reply.pk]
    assert hidden.context["cl"].result_count == 0


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_stores_post_answers_404(seller_a, shop_b, view):
    assert seller_a.get(admin_url(Post, view, shop_b.post.pk)).status_code == 404
    assert seller_a.post(admin_url(Post, view, shop_b.post.pk), {"caption": "mine now"}).status_code == 404
    assert Post.objects.get(pk=shop_b.post.pk).caption == "New at Galeri Tenun Budi #baru"


@pytest.mark.parametrize("view", ["change", "history"])
def test_another_stores_tags_and_comments_answer_404(seller_a, shop_b, view):
    assert seller_a.get(admin_url(TaggedPost, view, shop_b.shopper_tag.pk)).status_code == 404
    assert seller_a.get(admin_url(Comment, view, shop_b.comment.pk)).status_code == 404


def test_a_shoppers_post_is_not_a_sellers_to_edit_even_when_it_tags_their_product(seller_a, shop_a):
    assert seller_a.get(admin_url(Post, "change", shop_a.shopper_post.pk)).status_code == 404
    # but it is there to look at, read only, as a post tagging their products
    response = seller_a.get(admin_url(TaggedPost, "change", shop_a.shopper_tag.pk))
    assert response.status_code == 200
    assert b'name="_save"' not in response.content


# --- Comment moderation -------------------------------------------------------------------


def hide(client, *comments, action="hide_comments"):
    return client.post(
        admin_url(Comment, "changelist"),
        {"action": action, "_selected_action": [c.pk for c in comments]},
        follow=True,
    )


def test_hiding_a_comment_takes_it_and_its_replies_out_of_the_count_and_unhiding_brings_them_back(seller_a, shop_a):
    # given
    assert comment_count(shop_a.post) == 2
    # when
    response = hide(seller_a, shop_a.comment)
    # then
    assert "1 comment was hidden." in response.content.decode()
    assert Comment.objects.get(pk=shop_a.comment.pk).is_hidden
    assert comment_count(shop_a.post) == 0 == visible_comments(shop_a.post)

    # when hidden again, nothing changes
    hide(seller_a, shop_a.comment)
    assert comment_count(shop_a.post) == 0

    # when shown again
    response = hide(seller_a, shop_a.comment, action="unhide_comments")
    assert "1 comment is shown again." in response.content.decode()
    assert comment_count(shop_a.post) == 2 == visible_comments(shop_a.post)


def test_hiding_a_comment_and_its_reply_together_counts_each_once(seller_a, shop_a):
    # given a second top-level comment, which stays
    services.add_comment(author=UserFactory(), post=shop_a.post, body="Ready stock?")
    assert comment_count(shop_a.post) == 3
    # when
    hide(seller_a, shop_a.reply, shop_a.comment)
    # then
    assert comment_count(shop_a.post) == 1 == visible_comments(shop_a.post)
    # when both come back
    hide(seller_a, shop_a.comment, shop_a.reply, action="unhide_comments")
    assert comment_count(shop_a.post) == 3 == visible_comments(shop_a.post)


def test_hiding_just_a_reply_drops_the_count_by_one(seller_a, shop_a):
    hide(seller_a, shop_a.reply)
    assert comment_count(shop_a.post) == 1 == visible_comments(shop_a.post)


def test_a_seller_cannot_moderate_another_stores_comments_by_forging_the_selection(seller_a, shop_b):
    hide(seller_a, shop_b.comment)
    assert not Comment.objects.get(pk=shop_b.comment.pk).is_hidden
    assert comment_count(shop_b.post) == 2


def test_a_comments_page_is_read_only(seller_a, shop_a):
    url = admin_url(Comment, "change", shop_a.comment.pk)
    response = seller_a.get(url)
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    assert seller_a.post(url, {"body": "edited", "is_hidden": "on"}).status_code == 403
    assert Comment.objects.get(pk=shop_a.comment.pk).body == "Love it, Warung Kopi Ayu!"
    assert seller_a.get(admin_url(Comment, "delete", shop_a.comment.pk)).status_code == 403


# --- Editing a post and its tags ----------------------------------------------------------


def test_a_seller_edits_the_caption_through_the_service(seller_a, shop_a):
    # given
    url = admin_url(Post, "change", shop_a.post.pk)
    response = seller_a.get(url)
    assert set(response.context["adminform"].form.fields) == {"caption"}  # counters are read only
    data = form_data(response)
    data["caption"] = "Restock! #kopi #gayo"
    # when
    response = seller_a.post(url, data)
    # then
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    post = Post.objects.get(pk=shop_a.post.pk)
    assert post.caption == "Restock! #kopi #gayo" and post.edited_at is not None
    assert set(post.hashtags.values_list("name", flat=True)) == {"kopi", "gayo"}
    assert (post.comment_count, post.tags.count()) == (2, 1)


def test_the_tag_inputs_are_named_and_pictures_listed_by_number(seller_a, shop_a):
    response = seller_a.get(admin_url(Post, "change", shop_a.post.pk))
    html = response.content.decode()
    for label in ("Picture", "Product", "Position x", "Position y"):
        assert f'aria-label="{label}"' in html
    assert ">Picture 1</option>" in html


def test_a_seller_tags_another_of_their_products(seller_a, shop_a):
    # given
    url = admin_url(Post, "change", shop_a.post.pk)
    data = form_data(seller_a.get(url))
    picture = shop_a.post.images.get()
    add_tag_row(data, {"image": picture.pk, "product": shop_a.spare.pk, "x": "0.75", "y": "0.25"})
    # when
    response = seller_a.post(url, data)
    # then
    assert response.status_code == 302, response.context and inline_errors(response)
    tag = ProductTag.objects.get(post=shop_a.post, product=shop_a.spare)
    assert (tag.image_id, tag.x, tag.y) == (picture.pk, 0.75, 0.25)


def test_a_seller_moves_and_removes_tags(seller_a, shop_a):
    # given
    url = admin_url(Post, "change", shop_a.post.pk)
    data = form_data(seller_a.get(url))
    # when: the existing tag moves to the other product and to another point
    data.update({"tags-0-product": str(shop_a.spare.pk), "tags-0-x": "0.1", "tags-0-y": "0.9"})
    response = seller_a.post(url, data)
    # then
    assert response.status_code == 302, response.context and inline_errors(response)
    assert list(shop_a.post.tags.values_list("product_id", "x", "y")) == [(shop_a.spare.pk, 0.1, 0.9)]

    # when it is deleted
    data = form_data(seller_a.get(url))
    data["tags-0-DELETE"] = "on"
    assert seller_a.post(url, data).status_code == 302
    assert not shop_a.post.tags.exists()


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"x": "1.5", "y": "0.5"}, "x", "x goes from 0 (left edge) to 1 (right edge)"),
        ({"x": "0.5", "y": "-0.1"}, "y", "y goes from 0 (top edge) to 1 (bottom edge)"),
    ],
)
def test_a_tag_outside_the_picture_is_refused_with_a_clear_error(seller_a, shop_a, row, field, message):
    # given
    url = admin_url(Post, "change", shop_a.post.pk)
    data = form_data(seller_a.get(url))
    add_tag_row(data, {"image": shop_a.post.images.get().pk, "product": shop_a.spare.pk, **row})
    # when
    response = seller_a.post(url, data)
    # then
    assert response.status_code == 200
    errors = inline_errors(response)
    assert len(errors) == 1 and message in str(errors[0][field])
    assert shop_a.post.tags.count() == 1


def test_another_stores_product_cannot_be_tagged(seller_a, shop_a, shop_b):
    # given
    url = admin_url(Post, "change", shop_a.post.pk)
    response = seller_a.get(url)
    choices = [
        str(value)
        for value, _label in response.context["inline_admin_formsets"][1].formset.forms[0].fields["product"].choices
        if value
    ]
    assert str(shop_a.spare.pk) in choices and str(shop_b.product.pk) not in choices
    data = form_data(response)
    add_tag_row(data, {"image": shop_a.post.images.get().pk, "product": shop_b.product.pk, "x": "0.5", "y": "0.5"})
    # when
    response = seller_a.post(url, data)
    # then
    assert response.status_code == 200
    errors = inline_errors(response)
    assert "Choose one of the active products this post may tag." in str(errors[0]["product"])
    assert not ProductTag.objects.filter(product=shop_b.product, post=shop_a.post).exists()


def test_a_draft_product_cannot_be_tagged(seller_a, shop_a):
    # given
    Product.objects.filter(pk=shop_a.spare.pk).update(status=Product.Status.DRAFT)
    url = admin_url(Post, "change", shop_a.post.pk)
    data = form_data(seller_a.get(url))
    add_tag_row(data, {"image": shop_a.post.images.get().pk, "product": shop_a.spare.pk, "x": "0.5", "y": "0.5"})
    # when
    response = seller_a.post(url, data)
    # then
    assert response.status_code == 200 and inline_errors(response)


def test_a_tag_on_a_product_no_longer_on_sale_stays_when_the_caption_changes(seller_a, shop_a):
    # given
    Product.objects.filter(pk=shop_a.product.pk).update(status=Product.Status.ARCHIVED)
    url = admin_url(Post, "change", shop_a.post.pk)
    data = form_data(seller_a.get(url))
    data["caption"] = "Sold out, thank you all"
    # when
    response = seller_a.post(url, data)
    # then
    assert response.status_code == 302, response.context and inline_errors(response)
    assert shop_a.post.tags.get().product_id == shop_a.product.pk


def test_posts_are_not_added_in_the_admin(seller_a):
    assert seller_a.get(admin_url(Post, "add")).status_code == 403


def test_the_author_deletes_a_post_through_the_service(seller_a, shop_a):
    # given
    store_profile = Profile.objects.get(store=shop_a.store)
    assert store_profile.post_count == 1
    url = admin_url(Post, "delete", shop_a.post.pk)
    # when
    assert seller_a.get(url).status_code == 200
    response = seller_a.post(url, {"post": "yes"})
    # then
    assert response.status_code == 302
    assert not Post.objects.filter(pk=shop_a.post.pk).exists()
    assert Profile.objects.get(pk=store_profile.pk).post_count == 0


# --- Superusers ---------------------------------------------------------------------------


def test_a_superuser_sees_every_post_tag_and_comment(superuser_client, shop_a, shop_b):
    posts = superuser_client.get(admin_url(Post, "changelist"))
    tags = superuser_client.get(admin_url(TaggedPost, "changelist"))
    comments = superuser_client.get(admin_url(Comment, "changelist"))
    assert posts.context["cl"].result_count == 4
    assert {t.pk for t in tags.context["cl"].result_list} == {shop_a.shopper_tag.pk, shop_b.shopper_tag.pk}
    assert comments.context["cl"].result_count == 4
    for model in (Profile, Hashtag):
        assert superuser_client.get(admin_url(model, "changelist")).status_code == 200
    assert superuser_client.get(admin_url(Post, "change", shop_b.post.pk)).status_code == 200


def test_a_superuser_hides_and_shows_a_post(superuser_client, shop_a):
    # given a follower whose feed holds the post
    follower = UserFactory()
    services.follow(follower=follower, profile=Profile.objects.get(store=shop_a.store))
    services.build_feed(user=follower)
    assert FeedEntry.objects.filter(post=shop_a.post).exists()
    # when
    response = superuser_client.post(
        admin_url(Post, "changelist"), {"action": "hide_posts", "_selected_action": [shop_a.post.pk]}, follow=True
    )
    # then
    assert "1 post was hidden." in response.content.decode()
    assert Post.objects.get(pk=shop_a.post.pk).is_hidden
    assert not FeedEntry.objects.filter(post=shop_a.post).exists()
    superuser_client.post(
        admin_url(Post, "changelist"), {"action": "unhide_posts", "_selected_action": [shop_a.post.pk]}
    )
    assert not Post.objects.get(pk=shop_a.post.pk).is_hidden


def test_sellers_cannot_hide_posts(seller_a, shop_a):
    response = seller_a.get(admin_url(Post, "changelist"))
    assert "hide_posts" not in response.content.decode()
    seller_a.post(admin_url(Post, "changelist"), {"action": "hide_posts", "_selected_action": [shop_a.post.pk]})
    assert not Post.objects.get(pk=shop_a.post.pk).is_hidden


def test_a_superuser_cannot_edit_counters_or_someone_elses_caption(superuser_client, shop_a):
    url = admin_url(Post, "change", shop_a.post.pk)
    response = superuser_client.get(url)
    assert response.status_code == 200 and b'name="_save"' not in response.content
    assert superuser_client.post(url, {"caption": "edited by staff"}).status_code == 403
    assert Post.objects.get(pk=shop_a.post.pk).caption == "New at Warung Kopi Ayu #baru"
    assert superuser_client.get(admin_url(Post, "delete", shop_a.post.pk)).status_code == 403


# --- Cost ---------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", [Post, TaggedPost, Comment])
def test_change_lists_cost_the_same_for_more_rows(seller_a, shop_a, model):
    # given
    url = admin_url(model, "changelist")
    store_profile = Profile.objects.get(store=shop_a.store)

    def grow():
        post = make_post(shop_a.owner, profile=store_profile, products=[shop_a.product], images=2)
        make_post(UserFactory(), caption="Mine too", products=[shop_a.product])
        services.add_comment(author=UserFactory(), post=post, body="Berapa ongkirnya?")

    grow()
    before = count_queries(seller_a, url)
    # when
    for _ in range(3):
        grow()
    # then
    assert count_queries(seller_a, url) == before
