"""People you may know: friends of friends ranked by mutual friends, then people who follow the
same stores; never oneself, someone already followed, blocked either way or dismissed; cached
per person and forgotten when they follow, unfollow, block or dismiss; on the feed and one's
profile by htmx, and in the API."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from social import selectors, services
from social.models import FriendSuggestionDismissal
from social.selectors.recommendations import compute_people_you_may_know, pymk_cache_key
from tests.factories import PASSWORD, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

PYMK_URL = reverse("social:people_you_may_know")


def follow(follower, followee) -> None:
    services.follow(follower=follower, profile=services.profile_for_user(user=followee))


def befriend(a, b) -> None:
    follow(a, b)
    follow(b, a)


def follow_store(user, store) -> None:
    services.follow(follower=user, profile=services.profile_for_store(store=store))


def suggested(user) -> list[str]:
    return [s.username for s in selectors.people_you_may_know(user=user)]


@pytest.fixture
def graph():
    """me has friends ani, budi, citra. dewi is a friend of all three, eko of ani and budi,
    fajar of ani only; gita only follows ani (not a friend of ani)."""
    people = {
        name: UserFactory(username=name, first_name=name.title())
        for name in ["me", "ani", "budi", "citra", "dewi", "eko", "fajar", "gita"]
    }
    me = people["me"]
    for friend in ("ani", "budi", "citra"):
        befriend(me, people[friend])
    for friend in ("ani", "budi", "citra"):
        befriend(people["dewi"], people[friend])
    for friend in ("ani", "budi"):
        befriend(people["eko"], people[friend])
    befriend(people["fajar"], people["ani"])
    follow(people["gita"], people["ani"])
    cache.clear()
    return people


# --- Ranking -----------------------------------------------------------------------------


def test_friends_of_friends_come_ranked_by_mutual_friends(graph):
    # when
    suggestions = selectors.people_you_may_know(user=graph["me"])
    # then: dewi (3 mutual friends), eko (2), fajar (1); gita follows ani without being her friend
    assert [s.username for s in suggestions] == ["dewi", "eko", "fajar"]
    assert [s.mutual_friends for s in suggestions] == [3, 2, 1]
    assert suggestions[0].via_name == "Ani"
    assert all(s.profile_id for s in suggestions)


def test_people_following_the_same_stores_come_after_friends_of_friends(graph):
    # given: me follows three stores; hana follows two of them, ivan one
    me = graph["me"]
    stores = [StoreFactory() for _ in range(3)]
    for store in stores:
        follow_store(me, store)
    hana, ivan = UserFactory(username="hana"), UserFactory(username="ivan")
    for store in stores[:2]:
        follow_store(hana, store)
    follow_store(ivan, stores[2])
    # when
    suggestions = compute_people_you_may_know(user_id=me.pk)
    # then
    assert [s.username for s in suggestions] == ["dewi", "eko", "fajar", "hana", "ivan"]
    assert [s.shared_stores for s in suggestions[3:]] == [2, 1]
    assert suggestions[3].mutual_friends == 0


def test_someone_found_both_ways_is_listed_once_as_a_friend_of_friends(graph):
    me, dewi = graph["me"], graph["dewi"]
    store = StoreFactory()
    follow_store(me, store)
    follow_store(dewi, store)
    assert suggested(me).count("dewi") == 1


def test_only_the_least_followed_stores_count_within_a_budget_of_rows(monkeypatch):
    # given: I follow a niche store (2 followers with me) and a big one (5 with me)
    me, hana, ivan = UserFactory(), UserFactory(username="hana"), UserFactory(username="ivan")
    niche, big = StoreFactory(), StoreFactory()
    for user in (me, hana):
        follow_store(user, niche)
    for user in (me, ivan, UserFactory(), UserFactory(), UserFactory()):
        follow_store(user, big)
    assert len(compute_people_you_may_know(user_id=me.pk)) == 5
    # when only 2 follower rows may be read: the niche store (the least followed) fills them
    monkeypatch.setattr("social.selectors.recommendations.people.PYMK_STORE_FOLLOWERS_READ", 2)
    # then
    assert [s.username for s in compute_people_you_may_know(user_id=me.pk)] == ["hana"]


def test_the_list_is_bounded(graph):
    me = graph["me"]
    store = StoreFactory()
    follow_store(me, store)
    for number in range(5):
        follow_store(UserFactory(username=f"fan{number}"), store)
    assert len(compute_people_you_may_know(user_id=me.pk, limit=4)) == 4


# --- Exclusions ---------------------------------------------------------------------------


def test_never_oneself_nor_friends_nor_anyone_already_followed(graph):
    # given: me already follows fajar (who does not follow back: not a friend yet)
    me = graph["me"]
    follow(me, graph["fajar"])
    # when
    names = suggested(me)
    # then
    assert "me" not in names
    assert not {"ani", "budi", "citra", "fajar"} & set(names)
    assert names == ["dewi", "eko"]


def test_never_someone_blocked_either_way(graph):
    me = graph["me"]
    services.block(blocker=me, blocked=graph["dewi"])
    services.block(blocker=graph["eko"], blocked=me)
    assert suggested(me) == ["fajar"]


def test_a_dismissed_person_never_comes_back(graph):
    me, dewi = graph["me"], graph["dewi"]
    # when
    assert services.dismiss_suggestion(user=me, suggested=dewi) is True
    assert services.dismiss_suggestion(user=me, suggested=dewi) is False
    # then
    assert suggested(me) == ["eko", "fajar"]
    assert FriendSuggestionDismissal.objects.filter(user=me, suggested=dewi).count() == 1


def test_one_cannot_dismiss_oneself(graph):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.dismiss_suggestion(user=graph["me"], suggested=graph["me"])


def test_inactive_people_are_not_suggested(graph):
    dewi = graph["dewi"]
    dewi.is_active = False
    dewi.save(update_fields=["is_active"])
    assert "dewi" not in suggested(graph["me"])


def test_someone_without_friends_or_stores_gets_nothing():
    assert selectors.people_you_may_know(user=UserFactory()) == []


# --- Cache ------------------------------------------------------------------------------------


def test_a_cached_list_costs_no_query(graph, django_assert_num_queries):
    me = graph["me"]
    first = selectors.people_you_may_know(user=me)
    with django_assert_num_queries(0):
        again = selectors.people_you_may_know(user=me)
    assert again == first
    assert cache.get(pymk_cache_key(me.pk)) is not None


def test_following_someone_forgets_the_cached_list_of_both(graph, django_capture_on_commit_callbacks):
    me, dewi = graph["me"], graph["dewi"]
    assert suggested(me)[0] == "dewi"
    selectors.people_you_may_know(user=dewi)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        follow(me, dewi)
    # then
    assert cache.get(pymk_cache_key(me.pk)) is None
    assert cache.get(pymk_cache_key(dewi.pk)) is None
    assert "dewi" not in suggested(me)


def test_unfollowing_and_blocking_forget_the_cached_list(graph, django_capture_on_commit_callbacks):
    me, ani = graph["me"], graph["ani"]
    selectors.people_you_may_know(user=me)
    with django_capture_on_commit_callbacks(execute=True):
        services.unfollow(follower=me, profile=services.profile_for_user(user=ani))
    assert cache.get(pymk_cache_key(me.pk)) is None
    # ani is no longer a friend: fajar (ani's friend only) is no longer suggested, dewi has 2 mutual friends
    suggestions = selectors.people_you_may_know(user=me)
    assert [(s.username, s.mutual_friends) for s in suggestions] == [("dewi", 2), ("eko", 1)]
    with django_capture_on_commit_callbacks(execute=True):
        services.block(blocker=graph["dewi"], blocked=me)
    assert suggested(me) == ["eko"]


def test_dismissing_forgets_the_cached_list(graph, django_capture_on_commit_callbacks):
    me = graph["me"]
    selectors.people_you_may_know(user=me)
    with django_capture_on_commit_callbacks(execute=True):
        services.dismiss_suggestion(user=me, suggested=graph["eko"])
    assert suggested(me) == ["dewi", "fajar"]


def test_what_friends_do_reaches_the_cached_list_when_it_expires(graph):
    # given a cached list
    me = graph["me"]
    assert suggested(me) == ["dewi", "eko", "fajar"]
    # when a friend makes a new friend: the cache still holds the old list (it expires in minutes)
    befriend(graph["citra"], UserFactory(username="joko"))
    assert "joko" not in suggested(me)
    cache.delete(pymk_cache_key(me.pk))
    # then
    assert "joko" in suggested(me)


def test_the_same_sql_runs_in_at_most_three_queries(graph):
    me = graph["me"]
    for _ in range(2):
        follow_store(me, StoreFactory())
    with CaptureQueriesContext(connection) as queries:
        compute_people_you_may_know(user_id=me.pk)
    # friends of friends, the same stores (the first tier left room), the names
    assert len(queries) == 3


# --- Pages ----------------------------------------------------------------------------------


def _login(client, user) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def test_the_page_lists_suggestions_with_follow_and_dismiss(client, graph):
    _login(client, graph["me"])
    response = client.get(PYMK_URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Dewi") < body.index("Eko") < body.index("Fajar")
    assert "Friends with Ani and 2 others" in body
    assert reverse("social:dismiss_suggestion", args=[graph["dewi"].pk]) in body
    assert reverse("social:follow", args=[services.profile_for_user(user=graph["dewi"]).pk]) in body


def test_the_card_for_the_feed_is_a_fragment_and_empty_without_suggestions(client, graph):
    _login(client, graph["me"])
    response = client.get(PYMK_URL, {"card": "1"}, HTTP_HX_REQUEST="true")
    assert "People you may know" in response.content.decode()
    assert "<html" not in response.content.decode()
    _login(client, UserFactory())
    assert client.get(PYMK_URL, {"card": "1"}, HTTP_HX_REQUEST="true").content == b""


def test_dismissing_from_the_page_removes_the_row(client, graph):
    me, dewi = graph["me"], graph["dewi"]
    _login(client, me)
    response = client.post(reverse("social:dismiss_suggestion", args=[dewi.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""
    assert FriendSuggestionDismissal.objects.filter(user=me, suggested=dewi).exists()
    assert "Dewi" not in client.get(PYMK_URL).content.decode()


def test_the_pages_need_a_login(client):
    response = client.get(PYMK_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_feed_and_ones_profile_fetch_the_card_after_loading(client, graph):
    me = graph["me"]
    _login(client, me)
    card_url = f"{PYMK_URL}?card=1"
    assert card_url in client.get(reverse("social:following")).content.decode()
    assert card_url in client.get(reverse("social:user_profile", args=[me.username])).content.decode()
    # not on someone else's profile
    assert card_url not in client.get(reverse("social:user_profile", args=["ani"])).content.decode()


# --- API --------------------------------------------------------------------------------------


def test_the_api_lists_and_dismisses(client, graph):
    me, dewi = graph["me"], graph["dewi"]
    _login(client, me)
    # when
    listed = client.get("/api/v1/people-you-may-know/").json()
    # then
    assert [row["username"] for row in listed["results"]] == ["dewi", "eko", "fajar"]
    assert listed["results"][0]["mutual_friends"] == 3
    assert set(listed["results"][0]) == {
        "id",
        "username",
        "name",
        "profile",
        "mutual_friends",
        "shared_stores",
        "url",
    }
    # when
    response = client.post(f"/api/v1/people-you-may-know/{dewi.pk}/dismiss/")
    # then
    assert response.status_code == 204
    assert [row["username"] for row in client.get("/api/v1/people-you-may-know/").json()["results"]] == [
        "eko",
        "fajar",
    ]
    assert client.post(f"/api/v1/people-you-may-know/{me.pk}/dismiss/").status_code == 400
    assert client.post("/api/v1/people-you-may-know/999999/dismiss/").status_code == 404


def test_the_api_needs_a_login(client):
    assert client.get("/api/v1/people-you-may-know/").status_code == 401
