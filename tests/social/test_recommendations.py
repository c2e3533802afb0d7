"""Friends and products: "Ani and 2 friends liked / rated / bought this" on product pages and in
the "From your friends" shelf (purchases only of friends who share them), sending a product or
a post to friends, "Recommended to you", the recommender told of a purchase (only if the buyer
shares purchases), and "You may also like" computed by the periodic task."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkout import services as checkout_services
from shop.models import Delivery, Notification
from shop.notifications.emails import build_email
from social import selectors, services
from social.models import ProductAffinity, Recommendation, Review
from social.ratelimit import RateLimited
from social.selectors.recommendations import friend_proof, friends_shelf
from social.services.reviews import hide_review, write_review
from social.tasks import compute_product_affinities_task
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    ProductFactory,
    StoreFactory,
    UserFactory,
    buyable_variant,
    make_post,
    place,
)

pytestmark = pytest.mark.django_db


# --- Helpers ------------------------------------------------------------------------------------


def follow(follower, followee) -> None:
    services.follow(follower=follower, profile=services.profile_for_user(user=followee))


def befriend(a, b) -> None:
    follow(a, b)
    follow(b, a)


def person(name: str, *, shares: bool = True):
    return UserFactory(username=name.lower(), first_name=name, share_purchases=shares)


def buy(buyer, variant, capture):
    """A paid order of one unit of ``variant`` (transfer confirmed by the seller), with what
    runs after the commit (order_paid) run."""
    placed = place(buyer, (variant, 1))
    order = placed.orders[0]
    with capture(execute=True):
        checkout_services.confirm_transfer(order=order, actor=order.store.owner)
    order.refresh_from_db()
    return order


def like_a_post_tagging(user, product):
    post = make_post(products=[product])
    services.like(user=user, post=post)
    return post


def _login(client, user) -> None:
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def me():
    return person("Me")


@pytest.fixture
def variant():
    return buyable_variant()


@pytest.fixture
def product(variant):
    return variant.product


# --- Friend proof ---------------------------------------------------------------------------


def test_friends_who_liked_rated_and_bought_are_counted_once_each(
    me, product, variant, django_capture_on_commit_callbacks
):
    # given: ani liked a post tagging it and bought it; budi rated it 5; citra rated it 4 and liked it
    ani, budi, citra = person("Ani"), person("Budi"), person("Citra")
    for friend in (ani, budi, citra):
        befriend(me, friend)
    like_a_post_tagging(ani, product)
    buy(ani, variant, django_capture_on_commit_callbacks)
    write_review(author=budi, product=product, rating=5)
    write_review(author=citra, product=product, rating=4)
    like_a_post_tagging(citra, product)
    # when
    proof = friend_proof(product_id=product.pk, user=me)
    # then
    assert proof.count == 3
    kinds = {entry.username: entry.kinds for entry in proof.friends}
    assert kinds == {"ani": {"liked", "bought"}, "budi": {"rated"}, "citra": {"rated", "liked"}}
    lines = {line.kind: (line.first, line.others) for line in proof.lines}
    assert lines == {"bought": ("Ani", 0), "rated": ("Budi", 1), "liked": ("Ani", 1)}
    assert [line.kind for line in proof.lines] == ["bought", "rated", "liked"]


def test_what_does_not_count_as_proof(me, product, variant, django_capture_on_commit_callbacks):
    # given friends who: rated 3 stars; wrote a 5-star review now hidden; liked a post now hidden;
    # placed an order never paid; liked a post tagging another product
    low, hidden, hidden_post, unpaid, other = (person(name) for name in ("Low", "Hidden", "Gone", "Unpaid", "Other"))
    for friend in (low, hidden, hidden_post, unpaid, other):
        befriend(me, friend)
    write_review(author=low, product=product, rating=3)
    review, _created = write_review(author=hidden, product=product, rating=5)
    hide_review(review=review, actor=product.store.owner)
    post = like_a_post_tagging(hidden_post, product)
    services.hide_post(post=post)
    place(unpaid, (variant, 1))
    like_a_post_tagging(other, ProductFactory())
    # when / then
    assert Review.objects.filter(product=product).count() == 2
    assert not friend_proof(product_id=product.pk, user=me)


def test_only_friends_count_never_people_who_follow_one_way(me, product):
    # given: fan follows me (I do not follow back); idol is followed by me (no follow back)
    fan, idol, stranger = person("Fan"), person("Idol"), person("Stranger")
    follow(fan, me)
    follow(me, idol)
    for someone in (fan, idol, stranger):
        like_a_post_tagging(someone, product)
        write_review(author=someone, product=product, rating=5)
    # when / then
    assert not friend_proof(product_id=product.pk, user=me)
    assert friends_shelf(user=me) == []


def test_a_visitor_sees_no_proof_and_costs_no_query(product, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert not friend_proof(product_id=product.pk, user=AnonymousUser())


def test_an_opted_out_purchase_never_shows_on_the_page_the_shelf_or_the_api(
    client, me, product, variant, django_capture_on_commit_callbacks
):
    # given: a friend who keeps purchases private bought it; another friend who shares bought it too
    private, sharing = person("Private", shares=False), person("Sharing")
    befriend(me, private)
    befriend(me, sharing)
    buy(private, variant, django_capture_on_commit_callbacks)
    buy(sharing, variant, django_capture_on_commit_callbacks)
    _login(client, me)
    # when
    page = client.get(product.get_absolute_url()).content.decode()
    shelf_page = client.get(reverse("social:friends_shelf")).content.decode()
    api = client.get(f"/api/v1/products/{product.slug}/friends/").json()
    api_shelf = client.get("/api/v1/friends/shelf/").json()
    # then: the sharing friend's purchase shows; the private one is nowhere
    assert "Sharing bought this" in page
    assert "Private" not in page and "Private" not in shelf_page
    assert [friend["username"] for friend in api["friends"]] == ["sharing"]
    assert api["count"] == 1 and api["friends"][0]["bought"] is True
    assert api_shelf["results"][0]["friends"] == 1
    assert "private" not in str(api) + str(api_shelf)
    # and once the sharing friend stops sharing, nothing is left
    services.set_share_purchases(user=sharing, share=False)
    assert not friend_proof(product_id=product.pk, user=me)
    assert client.get(f"/api/v1/products/{product.slug}/friends/").json()["count"] == 0
    assert "bought this" not in client.get(product.get_absolute_url()).content.decode()
    # the shelf was cached with that purchase in it: it is dropped at once, not minutes later
    assert client.get("/api/v1/friends/shelf/").json()["results"] == []
    assert friends_shelf(user=me) == []


def test_a_cached_shelf_loses_a_former_friends_purchases_at_once(me, variant, django_capture_on_commit_callbacks):
    # given: my friend's purchase is on my (cached) shelf
    ani = person("Ani")
    befriend(me, ani)
    buy(ani, variant, django_capture_on_commit_callbacks)
    assert [item.product for item in friends_shelf(user=me)] == [variant.product]
    # when we are no longer friends
    with django_capture_on_commit_callbacks(execute=True):
        services.unfollow(follower=ani, profile=services.profile_for_user(user=me))
    # then
    assert friends_shelf(user=me) == []


def test_the_shelf_ranking_is_cached_and_the_cards_are_read_fresh(me, django_assert_max_num_queries):
    ani = person("Ani")
    befriend(me, ani)
    like_a_post_tagging(ani, buyable_variant().product)
    friends_shelf(user=me)
    with django_assert_max_num_queries(3):  # the cards: products, pictures, ratings
        assert len(friends_shelf(user=me)) == 1


def test_the_product_page_proof_costs_the_same_queries_for_1_and_10_friends(client, me, product):
    # given one friend who rated and liked it
    friends = [person(f"Friend{number}") for number in range(10)]
    befriend(me, friends[0])
    write_review(author=friends[0], product=product, rating=5)
    like_a_post_tagging(friends[0], product)
    _login(client, me)
    client.get(product.get_absolute_url())  # session, caches

    def count() -> tuple[int, str]:
        client.get(product.get_absolute_url())  # the page's stencil, for the catalog's version now
        with CaptureQueriesContext(connection) as queries:
            response = client.get(product.get_absolute_url())
        assert response.status_code == 200
        return len(queries), response.content.decode()

    one, _body = count()
    # when nine more friends liked and rated it
    for friend in friends[1:]:
        befriend(me, friend)
        write_review(author=friend, product=product, rating=4)
        like_a_post_tagging(friend, product)
    ten, body = count()
    # then
    print(f"product page with friend proof: {one} queries for 1 friend, {ten} for 10")
    assert ten == one
    assert "Friend0 and 9 friends rated this highly" in body


def test_the_product_page_offers_sending_to_a_friend(client, me, product):
    send_url = f"{reverse('social:recommend')}?product={product.pk}"
    assert "Send to a friend" in client.get(product.get_absolute_url()).content.decode()
    _login(client, me)
    assert send_url in client.get(product.get_absolute_url()).content.decode()


# --- From your friends --------------------------------------------------------------------------


def test_the_shelf_ranks_products_by_friends_then_recency(me):
    # given: three friends liked product a, one liked b, one rated c (newest)
    friends = [person(name) for name in ("Ani", "Budi", "Citra")]
    for friend in friends:
        befriend(me, friend)
    a, b, c = (buyable_variant().product for _ in range(3))
    for friend in friends:
        like_a_post_tagging(friend, a)
    like_a_post_tagging(friends[1], b)
    write_review(author=friends[2], product=c, rating=5)
    # and a product no longer on sale
    archived = buyable_variant().product
    like_a_post_tagging(friends[0], archived)
    archived.status = "archived"
    archived.save(update_fields=["status"])
    # when
    items = friends_shelf(user=me)
    # then
    assert [item.product for item in items] == [a, c, b]
    assert (items[0].friends, items[0].first_name, items[0].kinds) == (3, "Ani", ("liked",))
    assert items[1].kinds == ("rated",)


def test_the_shelf_page_and_its_feed_section(client, me):
    friend = person("Ani")
    befriend(me, friend)
    product = buyable_variant().product
    like_a_post_tagging(friend, product)
    _login(client, me)
    page = client.get(reverse("social:friends_shelf")).content.decode()
    assert product.title in page and "Ani" in page
    section = client.get(reverse("social:friends_shelf"), {"section": "1"}, HTTP_HX_REQUEST="true")
    assert product.title in section.content.decode() and "<html" not in section.content.decode()
    assert f"{reverse('social:friends_shelf')}?section=1" in client.get(reverse("social:following")).content.decode()
    _login(client, UserFactory())
    assert client.get(reverse("social:friends_shelf"), {"section": "1"}, HTTP_HX_REQUEST="true").content == b""


# --- Send to a friend ---------------------------------------------------------------------------


def test_recommending_to_friends_notifies_each_of_them(me, product):
    # given
    ani, budi = person("Ani"), person("Budi")
    befriend(me, ani)
    befriend(me, budi)
    # when
    made = services.recommend(sender=me, recipients=[ani, budi], product=product, note="  Enak banget!  ")
    # then
    assert {row.recipient for row in made} == {ani, budi}
    assert all(row.note == "Enak banget!" and row.product == product for row in made)
    notifications = Notification.objects.filter(kind="friend_recommendation")
    assert {n.recipient for n in notifications} == {ani, budi}
    assert all(n.actor == me and n.target_url == reverse("social:recommended_to_you") for n in notifications)
    assert notifications.first().data["title"] == product.title
    # emailed by default, with the inbox's line
    assert Delivery.objects.filter(notification__in=notifications).count() == 2
    email = build_email(notifications.get(recipient=ani))
    assert f"Me recommended {product.title} to you" in email.subject
    assert reverse("social:recommended_to_you") in email.body


def test_recommending_a_post(me):
    friend = person("Ani")
    befriend(me, friend)
    post = make_post(caption="Lihat ini")
    [row] = services.recommend(sender=me, recipients=[friend.pk], post=post)
    assert row.post == post and row.product is None
    assert Notification.objects.get(kind="friend_recommendation").recipient == friend


def test_only_friends_can_be_recommended_to(me, product):
    # given: fan follows me, idol is followed by me; neither is a friend
    friend, fan, idol = person("Ani"), person("Fan"), person("Idol")
    befriend(me, friend)
    follow(fan, me)
    follow(me, idol)
    for outsider in (fan, idol, person("Stranger")):
        # when / then: the whole request is refused, the friend gets nothing either
        with pytest.raises(PermissionDenied):
            services.recommend(sender=me, recipients=[friend, outsider], product=product)
    assert not Recommendation.objects.exists()
    assert not Notification.objects.filter(kind="friend_recommendation").exists()


@pytest.mark.parametrize(
    ("note", "code"),
    [
        ("<b>hi</b>", "note_html"),
        ("see <script>alert(1)</script>", "note_html"),
        ("x" * 301, "note_too_long"),
        ("bad\x00byte", "note_nul"),
    ],
)
def test_a_note_is_plain_text_of_limited_length(me, product, note, code):
    friend = person("Ani")
    befriend(me, friend)
    with pytest.raises(ValidationError) as error:
        services.recommend(sender=me, recipients=[friend], product=product, note=note)
    assert error.value.code == code


def test_a_note_may_hold_comparisons_and_emoji(me, product):
    friend = person("Ani")
    befriend(me, friend)
    [row] = services.recommend(sender=me, recipients=[friend], product=product, note="harga < 100rb 😍 & enak")
    assert row.note == "harga < 100rb 😍 & enak"


def test_what_cannot_be_recommended(me, product):
    friend = person("Ani")
    befriend(me, friend)
    with pytest.raises(ValidationError):
        services.recommend(sender=me, recipients=[me], product=product)
    with pytest.raises(ValidationError):
        services.recommend(sender=me, recipients=[], product=product)
    with pytest.raises(ValidationError):
        services.recommend(sender=me, recipients=[friend], product=product, post=make_post())
    draft = ProductFactory(status="draft")
    with pytest.raises(ValidationError):
        services.recommend(sender=me, recipients=[friend], product=draft)
    # a post the friend may not see (its author blocked them)
    author = person("Author")
    post = make_post(author)
    services.block(blocker=author, blocked=friend)
    with pytest.raises(ValidationError):
        services.recommend(sender=me, recipients=[friend], post=post)
    assert not Recommendation.objects.exists()


def test_recommending_is_rate_limited(me, product):
    friend = person("Ani")
    befriend(me, friend)
    for _ in range(30):
        services.recommend(sender=me, recipients=[friend], product=product)
    with pytest.raises(RateLimited):
        services.recommend(sender=me, recipients=[friend], product=product)


def test_sending_from_the_product_page_with_htmx(client, me, product):
    # given
    ani, stranger = person("Ani"), person("Stranger")
    befriend(me, ani)
    _login(client, me)
    url = reverse("social:recommend")
    # when: the form opens in place; it lists friends only
    form = client.get(url, {"product": product.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "Ani" in form and "Stranger" not in form and "<html" not in form
    # when: it is sent to a friend
    response = client.post(
        url, {"product": product.pk, "recipients": [ani.pk], "note": "Coba deh"}, HTTP_HX_REQUEST="true"
    )
    # then
    assert response.status_code == 200
    assert "Sent to Ani." in response.content.decode()
    assert Recommendation.objects.get().recipient == ani
    # a stranger is not a valid choice: 400 with the form, and nothing sent
    refused = client.post(url, {"product": product.pk, "recipients": [stranger.pk]}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    assert "You can only recommend to your friends." in refused.content.decode()
    assert Recommendation.objects.count() == 1


def test_sending_without_javascript_comes_back_to_the_product(client, me, product):
    ani = person("Ani")
    befriend(me, ani)
    _login(client, me)
    assert client.get(reverse("social:recommend"), {"product": product.pk}).status_code == 200
    response = client.post(reverse("social:recommend"), {"product": product.pk, "recipients": [ani.pk]})
    assert response.status_code == 302 and response["Location"] == product.get_absolute_url()
    assert client.get(reverse("social:recommend"), {"product": 999999}).status_code == 404


def test_sending_a_post_from_its_page(client, me):
    ani = person("Ani")
    befriend(me, ani)
    post = make_post()
    _login(client, me)
    assert f"{reverse('social:recommend')}?post={post.pk}" in client.get(post.get_absolute_url()).content.decode()
    response = client.post(
        reverse("social:recommend"), {"post": post.pk, "recipients": [ani.pk]}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert Recommendation.objects.get().post == post


# --- Recommended to you -------------------------------------------------------------------------


def test_recommended_to_you_lists_them_and_marks_them_seen(client, me, product):
    # given
    ani, budi = person("Ani"), person("Budi")
    befriend(me, ani)
    befriend(me, budi)
    services.recommend(sender=ani, recipients=[me], product=product, note="Wajib coba")
    post = make_post(caption="Foto bagus")
    services.recommend(sender=budi, recipients=[me], post=post)
    _login(client, me)
    assert client.get(reverse("notifications:count")).content.decode().strip() != ""
    # when
    page = client.get(reverse("social:recommended_to_you")).content.decode()
    # then: newest first, with the note; both were new and are now seen, and so is the bell's row
    assert page.index("Budi") < page.index("Ani")
    assert "Wajib coba" in page and product.title in page and "New" in page
    assert not Recommendation.objects.filter(recipient=me, seen_at__isnull=True).exists()
    assert not Notification.objects.filter(recipient=me, kind="friend_recommendation", read_at__isnull=True).exists()
    assert "pill--new" not in client.get(reverse("social:recommended_to_you")).content.decode()


def test_recommended_to_you_leaves_out_blocked_senders_and_products_off_sale(me, product):
    ani, budi = person("Ani"), person("Budi")
    befriend(me, ani)
    befriend(me, budi)
    services.recommend(sender=ani, recipients=[me], product=product)
    gone = buyable_variant().product
    services.recommend(sender=budi, recipients=[me], product=gone)
    kept = buyable_variant().product
    services.recommend(sender=budi, recipients=[me], product=kept)
    # when
    services.block(blocker=me, blocked=ani)
    gone.status = "archived"
    gone.save(update_fields=["status"])
    # then
    page = selectors.recommendations.received_recommendations(user=me)
    assert [row.product for row in page.items] == [kept]


def test_recommended_to_you_pages_through_a_cursor(me, product):
    ani = person("Ani")
    befriend(me, ani)
    for _ in range(5):
        services.recommend(sender=ani, recipients=[me], product=product)
    first = selectors.recommendations.received_recommendations(user=me, limit=3)
    second = selectors.recommendations.received_recommendations(user=me, cursor=first.next_cursor, limit=3)
    assert len(first.items) == 3 and len(second.items) == 2 and second.next_cursor is None
    assert not {row.pk for row in first.items} & {row.pk for row in second.items}


# --- A purchase after a recommendation ----------------------------------------------------------


def test_the_recommender_is_told_once_when_a_sharing_friend_buys(me, variant, django_capture_on_commit_callbacks):
    # given: ani and budi recommended the product to me (twice for ani); I share purchases
    product = variant.product
    ani, budi = person("Ani"), person("Budi")
    befriend(me, ani)
    befriend(me, budi)
    services.recommend(sender=ani, recipients=[me], product=product)
    services.recommend(sender=ani, recipients=[me], product=product)
    services.recommend(sender=budi, recipients=[me], product=product)
    # when
    order = buy(me, variant, django_capture_on_commit_callbacks)
    # then: each recommender once, naming the product, never the order
    told = Notification.objects.filter(kind="recommendation_purchased")
    assert sorted(n.recipient.username for n in told) == ["ani", "budi"]
    assert all(n.actor == me and n.data["title"] == product.title for n in told)
    assert all(str(order.number) not in str(n.data) + n.target_url for n in told)
    assert set(Recommendation.objects.values_list("purchased_order_id", flat=True)) == {order.pk}
    # when I buy it again: nobody is told again
    buy(me, variant, django_capture_on_commit_callbacks)
    assert Notification.objects.filter(kind="recommendation_purchased").count() == 2


def test_the_recommender_is_told_nothing_when_the_buyer_keeps_purchases_private(
    variant, django_capture_on_commit_callbacks
):
    # given
    product = variant.product
    buyer, ani = person("Buyer", shares=False), person("Ani")
    befriend(buyer, ani)
    services.recommend(sender=ani, recipients=[buyer], product=product)
    # when
    buy(buyer, variant, django_capture_on_commit_callbacks)
    # then: no notification, nothing recorded (a later purchase, once sharing, may still tell)
    assert not Notification.objects.filter(kind="recommendation_purchased").exists()
    assert Recommendation.objects.get().purchased_order_id is None
    # when the buyer starts sharing and buys again
    services.set_share_purchases(user=buyer, share=True)
    order = buy(buyer, variant, django_capture_on_commit_callbacks)
    # then
    assert Notification.objects.get(kind="recommendation_purchased").recipient == ani
    assert Recommendation.objects.get().purchased_order_id == order.pk


def test_no_one_is_told_of_a_purchase_by_someone_no_longer_a_friend_or_of_an_unrelated_one(
    me, variant, django_capture_on_commit_callbacks
):
    # given: ani recommended the product, then stopped being my friend; budi recommended another product
    product = variant.product
    ani, budi = person("Ani"), person("Budi")
    befriend(me, ani)
    befriend(me, budi)
    services.recommend(sender=ani, recipients=[me], product=product)
    services.recommend(sender=budi, recipients=[me], product=buyable_variant().product)
    services.unfollow(follower=ani, profile=services.profile_for_user(user=me))
    # when
    buy(me, variant, django_capture_on_commit_callbacks)
    # then
    assert not Notification.objects.filter(kind="recommendation_purchased").exists()


def test_a_recommendation_made_after_the_order_was_placed_did_not_lead_to_it(
    me, variant, django_capture_on_commit_callbacks
):
    ani = person("Ani")
    befriend(me, ani)
    placed = place(me, (variant, 1))
    services.recommend(sender=ani, recipients=[me], product=variant.product)
    order = placed.orders[0]
    with django_capture_on_commit_callbacks(execute=True):
        checkout_services.confirm_transfer(order=order, actor=order.store.owner)
    assert not Notification.objects.filter(kind="recommendation_purchased").exists()


# --- You may also like ----------------------------------------------------------------------------


def test_the_affinity_task_blends_co_likes_category_and_store(django_capture_on_commit_callbacks):
    # given: in one category, a store with three products; another store with a product of the
    # same category; and a product elsewhere that two people liked together with the first
    category = CategoryFactory()
    store = StoreFactory()
    first, same_store_and_category, same_store = (
        ProductFactory(store=store, category=category),
        ProductFactory(store=store, category=category),
        ProductFactory(store=store, category=CategoryFactory()),
    )
    same_category = ProductFactory(category=category)
    liked_together = ProductFactory(category=CategoryFactory())
    unrelated = ProductFactory(category=CategoryFactory())
    for fan in (UserFactory(), UserFactory()):
        like_a_post_tagging(fan, first)
        like_a_post_tagging(fan, liked_together)
    archived = ProductFactory(store=store, category=category, status="archived")
    # when
    written = compute_product_affinities_task.delay().get()
    # then: 3 x 2/3 = 2.0 for two co-likers; 1.5 for the same category and store; 1 for the category; 0.5 for the store
    scores = dict(ProductAffinity.objects.filter(product=first).values_list("other__title", "score"))
    assert scores == pytest.approx(
        {
            liked_together.title: 2.0,
            same_store_and_category.title: 1.5,
            same_category.title: 1.0,
            same_store.title: 0.5,
        }
    )
    assert unrelated.title not in scores and archived.title not in scores
    assert written == ProductAffinity.objects.count()
    assert ProductAffinity.objects.filter(product=liked_together, other=first).exists()


def test_the_affinity_task_keeps_twelve_per_product_and_replaces_old_rows():
    category = CategoryFactory()
    products = [ProductFactory(category=category) for _ in range(15)]
    stale = ProductAffinity.objects.create(product=products[0], other=products[1], score=99)
    # when
    services.compute_product_affinities()
    services.compute_product_affinities()  # idempotent
    # then
    assert not ProductAffinity.objects.filter(pk=stale.pk).exists()
    assert all(ProductAffinity.objects.filter(product=p).count() == 12 for p in products)


def test_purchases_pair_up_only_for_buyers_who_share_them(django_capture_on_commit_callbacks):
    # given: two variants from different stores and categories, bought together by someone private
    a, b = buyable_variant(), buyable_variant()
    private = person("Private", shares=False)
    buy(private, a, django_capture_on_commit_callbacks)
    buy(private, b, django_capture_on_commit_callbacks)
    services.compute_product_affinities()
    assert not ProductAffinity.objects.filter(product=a.product, other=b.product).exists()
    # when someone who shares buys both
    sharing = person("Sharing")
    buy(sharing, a, django_capture_on_commit_callbacks)
    buy(sharing, b, django_capture_on_commit_callbacks)
    services.compute_product_affinities()
    # then
    assert ProductAffinity.objects.get(product=a.product, other=b.product).score == pytest.approx(1.5)


def test_the_product_page_shows_what_the_table_holds_in_constant_queries(client):
    category = CategoryFactory()
    product = buyable_variant(store=StoreFactory()).product
    product.category = category
    product.save(update_fields=["category"])
    assert "You may also like" not in client.get(product.get_absolute_url()).content.decode()

    def related(count):
        for _ in range(count):
            other = buyable_variant().product
            other.category = category
            other.save(update_fields=["category"])
        services.compute_product_affinities()
        with CaptureQueriesContext(connection) as queries:
            body = client.get(product.get_absolute_url()).content.decode()
        return len(queries), body

    two, _body = related(2)
    eight, body = related(6)
    assert two == eight
    assert "You may also like" in body
    assert body.count('class="product-card"') == 6  # ALSO_LIKE_LIMIT of the 8


def test_the_affinity_task_is_scheduled(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "social.tasks.compute_product_affinities_task" in tasks


# --- "Let friends see what I buy" ---------------------------------------------------------------


def test_sharing_purchases_is_off_by_default_and_a_setting(client):
    user = UserFactory()
    assert user.share_purchases is False
    _login(client, user)
    url = reverse("social:friends_settings")
    assert 'name="share_purchases"' in client.get(url).content.decode()
    client.post(url, {"share_purchases": "on"})
    user.refresh_from_db()
    assert user.share_purchases is True
    client.post(url, {})
    user.refresh_from_db()
    assert user.share_purchases is False


@pytest.mark.django_db(transaction=True)
def test_the_friend_proof_keeps_its_plan_answers_the_same_and_leaves_the_connection_as_it_was(me, product):
    """Run more often than psycopg's prepare threshold, the proof is a prepared statement
    whose plan PostgreSQL keeps for any values (``shop.compiled.kept_plan``): the answers stay
    each product's and viewer's own, and the connection plans other statements as before."""
    ani, budi = person("Ani"), person("Budi")
    befriend(me, ani)
    write_review(author=ani, product=product, rating=5)
    other = buyable_variant(store=product.store).product
    write_review(author=budi, product=other, rating=5)

    def plan_mode() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode" if connection.vendor == "postgresql" else "SELECT 'n/a'")
            return cursor.fetchone()[0]

    before = plan_mode()
    for _ in range(8):
        assert [entry.username for entry in friend_proof(product_id=product.pk, user=me).friends] == ["ani"]
        assert not friend_proof(product_id=other.pk, user=me)
        assert not friend_proof(product_id=product.pk, user=ani)  # Ani's friends did nothing with it
    assert plan_mode() == before
    if connection.vendor == "postgresql":
        assert before == "force_custom_plan"  # the site's (shop/settings.py)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE %s", ["%SELECT DISTINCT u.id%"]
            )
            plans = [generic for (generic,) in cursor.fetchall()]
        assert plans and all(generic > 0 for generic in plans), plans
