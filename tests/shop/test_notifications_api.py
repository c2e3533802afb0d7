"""The notifications API under /api/v1/notifications/: the grouped inbox with cursors, the
unread count, mark read (never anyone else's), and the settings.

No gettext call with a literal in this file: makemessages scans tests/ too.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.models import Notification, NotificationPreference
from shop.notifications import selectors, services
from tests.factories import UserFactory
from tests.shop.notification_kinds import COMMENT, FOLLOW, LIKE, ORDER, registered_test_kinds

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications/"
COUNT = f"{API}unread-count/"
READ = f"{API}read/"
READ_ALL = f"{API}read-all/"
PREFERENCES = f"{API}preferences/"


@pytest.fixture(autouse=True)
def _test_kinds():
    with registered_test_kinds():
        yield


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def person(name: str):
    return UserFactory(username=name.lower(), first_name=name)


@pytest.fixture
def ani():
    return person("Ani")


@pytest.fixture
def budi():
    return person("Budi")


def notify_at(recipient, kind, *, actor=None, minutes_ago: float = 0, **fields) -> Notification:
    notification = services.notify(recipient=recipient, kind=kind, actor=actor, **fields)
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return notification


@pytest.mark.parametrize(
    "method, url",
    [("get", API), ("get", COUNT), ("post", READ), ("post", READ_ALL), ("get", PREFERENCES), ("put", PREFERENCES)],
)
def test_everything_needs_a_login(method, url):
    response = getattr(APIClient(), method)(url, {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_the_inbox_is_grouped_and_never_shows_anyone_elses(ani, budi):
    # given
    citra, dewi = person("Citra"), person("Dewi")
    notify_at(ani, LIKE.name, actor=budi, minutes_ago=30, group_key="like:post:1", target_url="/p/1/")
    notify_at(ani, FOLLOW.name, actor=dewi, minutes_ago=20)
    latest_like = notify_at(ani, LIKE.name, actor=citra, minutes_ago=10, group_key="like:post:1", target_url="/p/1/")
    notify_at(budi, FOLLOW.name, actor=ani)
    # when
    response = client_for(ani).get(API)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert [row["text"] for row in body["results"]] == ["Citra and 1 other liked your post", "Dewi follows you"]
    like = body["results"][0]
    assert like["id"] == latest_like.pk
    assert like["kind"] == LIKE.name
    assert like["group_key"] == "like:post:1"
    assert like["actors"] == ["Citra", "Budi"]
    assert like["actor_count"] == 2
    assert like["count"] == 2
    assert like["unread"] is True
    assert like["target_url"] == "/p/1/"
    assert set(like) == {
        "id",
        "kind",
        "group_key",
        "text",
        "actors",
        "actor_count",
        "count",
        "unread",
        "target_url",
        "created_at",
    }


def test_the_inbox_pages_with_cursors_each_row_once(ani):
    # given 23 groups: 13 single notifications and 10 groups of two, interleaved in time
    actors = [person(f"Fan{number}") for number in range(3)]
    for number in range(23):
        group = f"like:post:{number}" if number % 2 else ""
        notify_at(ani, LIKE.name, actor=actors[number % 3], minutes_ago=number, group_key=group)
        if group:  # its older like falls between the next two rows
            notify_at(ani, LIKE.name, actor=actors[(number + 1) % 3], minutes_ago=number + 1.5, group_key=group)
    client = client_for(ani)
    # when: following `next` with pages of 5
    seen, pages, url = [], 0, f"{API}?limit=5"
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        # session, user, the window, the groups already shown, the rows, their counts, second actors
        assert len(queries) <= 7, [query["sql"] for query in queries.captured_queries]
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        pages += 1
        url = body["next"]
    # then
    assert pages == 5
    assert len(seen) == len(set(seen)) == 23


def test_a_huge_group_costs_bounded_reading_and_every_row_still_comes_once(ani, monkeypatch):
    # given: reading 4 notifications at a time, at most twice a page; a viral post's 30 likes
    # between two follows, and older rows after them
    monkeypatch.setattr(selectors, "WINDOW", 4)
    monkeypatch.setattr(selectors, "MAX_WINDOWS", 2)
    fans = [person(f"Fan{number}") for number in range(30)]
    notify_at(ani, FOLLOW.name, actor=fans[0], minutes_ago=0)
    for number, fan in enumerate(fans):
        notify_at(ani, LIKE.name, actor=fan, minutes_ago=1 + number, group_key="like:post:viral")
    for number in range(6):
        notify_at(ani, FOLLOW.name, actor=fans[number], minutes_ago=40 + number)
    client = client_for(ani)
    # when
    rows, pages, url = [], 0, f"{API}?limit=3"
    while url:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).json()
        assert len(queries) <= 2 + 2 * 2 + 3
        assert len(body["results"]) <= 3
        rows += body["results"]
        pages += 1
        url = body["next"]
    # then: 8 rows, each once; the viral row counts all 30
    assert len(rows) == 8 and len({row["id"] for row in rows}) == 8
    viral = [row for row in rows if row["group_key"] == "like:post:viral"]
    assert len(viral) == 1 and viral[0]["count"] == 30 and viral[0]["actor_count"] == 30
    assert viral[0]["text"] == "Fan0 and 29 others liked your post"
    assert pages > 3  # some pages were short: the reading stopped inside the viral group


def test_a_forged_cursor_or_limit_is_a_400(ani):
    client = client_for(ani)
    response = client.get(API, {"cursor": "garbage"})
    assert response.status_code == 400
    assert "cursor" in response.json()
    assert client.get(API, {"limit": 51}).status_code == 400
    assert client.get(API, {"limit": 0}).status_code == 400


def test_the_unread_count_counts_only_your_unread(ani, budi):
    for _ in range(3):
        services.notify(recipient=ani, kind=FOLLOW.name, actor=budi)
    services.notify(recipient=budi, kind=FOLLOW.name, actor=ani)
    services.mark_read(user=ani, notification_ids=[Notification.objects.filter(recipient=ani).first().pk])
    response = client_for(ani).get(COUNT)
    assert response.status_code == 200
    assert response.json() == {"count": 2}


def test_the_unread_count_works_with_a_token(ani, budi):
    services.notify(recipient=ani, kind=FOLLOW.name, actor=budi)
    token = Token.objects.create(user=ani)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(COUNT).json() == {"count": 1}


def test_read_by_ids_ignores_ids_that_are_not_yours(ani, budi):
    # given
    mine = services.notify(recipient=ani, kind=FOLLOW.name, actor=budi)
    theirs = services.notify(recipient=budi, kind=FOLLOW.name, actor=ani)
    # when: Ani sends her id, Budi's, and one that does not exist
    response = client_for(ani).post(READ, {"ids": [mine.pk, theirs.pk, 999_999]}, format="json")
    # then: only hers is marked, and the answer does not tell the others apart
    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_read_by_group_key_marks_only_your_group(ani, budi):
    citra = person("Citra")
    services.notify(recipient=ani, kind=LIKE.name, actor=budi, group_key="like:post:1")
    services.notify(recipient=ani, kind=LIKE.name, actor=citra, group_key="like:post:1")
    other_group = services.notify(recipient=ani, kind=LIKE.name, actor=citra, group_key="like:post:2")
    theirs = services.notify(recipient=budi, kind=LIKE.name, actor=ani, group_key="like:post:1")
    response = client_for(ani).post(READ, {"group_key": "like:post:1"}, format="json")
    assert response.json() == {"marked": 2}
    assert Notification.objects.get(pk=other_group.pk).read_at is None
    assert Notification.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": []}, {"ids": ["x"]}, {"ids": [0]}, {"ids": [2**63]}, {"group_key": ""}, {"group_key": "a\x00b"}],
)
def test_read_validates_its_input(ani, body):
    assert client_for(ani).post(READ, body, format="json").status_code == 400


def test_read_all_marks_only_yours(ani, budi):
    for _ in range(2):
        services.notify(recipient=ani, kind=FOLLOW.name, actor=budi)
    theirs = services.notify(recipient=budi, kind=FOLLOW.name, actor=ani)
    response = client_for(ani).post(READ_ALL)
    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert client_for(ani).get(COUNT).json() == {"count": 0}
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_session_writes_need_a_csrf_token(ani, budi):
    services.notify(recipient=ani, kind=FOLLOW.name, actor=budi)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(ani)
    assert client.post(READ_ALL).status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


# --- Settings ------------------------------------------------------------------------------------


def _kinds(body) -> dict:
    return {entry["kind"]: entry for entry in body["kinds"]}


def test_the_settings_list_every_kind_with_defaults(ani):
    response = client_for(ani).get(PREFERENCES)
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "en"
    entries = _kinds(body)
    assert entries[LIKE.name] == {
        "kind": LIKE.name,
        "label": LIKE.label,
        "transactional": False,
        "sends_email": True,
        "email": True,
        "in_app": True,
    }
    assert entries[COMMENT.name]["email"] is False  # off by default
    assert entries[FOLLOW.name]["sends_email"] is False and entries[FOLLOW.name]["email"] is False
    assert entries[ORDER.name]["transactional"] is True
    assert entries[ORDER.name]["email"] is True and entries[ORDER.name]["in_app"] is True


def test_changing_the_settings(ani, budi):
    client = client_for(ani)
    # when
    response = client.put(
        PREFERENCES,
        {
            "language": "id",
            "kinds": [
                {"kind": LIKE.name, "email": False, "in_app": True},
                {"kind": FOLLOW.name, "email": False, "in_app": False},
            ],
        },
        format="json",
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "id"
    assert _kinds(body)[LIKE.name]["email"] is False
    assert _kinds(body)[FOLLOW.name]["in_app"] is False
    assert _kinds(body)[COMMENT.name]["in_app"] is True  # left out: unchanged
    ani.refresh_from_db()
    assert ani.language == "id"
    assert services.notify(recipient=ani, kind=FOLLOW.name, actor=budi) is None
    # and a PUT with only a language keeps the kinds
    assert client.put(PREFERENCES, {"language": "en"}, format="json").status_code == 200
    assert NotificationPreference.objects.get(user=ani, kind=LIKE.name).email is False


@pytest.mark.parametrize(
    "body",
    [
        {"kinds": [{"kind": ORDER.name, "email": False, "in_app": False}]},
        {"kinds": [{"kind": "never_registered", "email": False, "in_app": False}]},
        {"kinds": [{"kind": LIKE.name, "email": False}]},
        {"kinds": [{"kind": LIKE.name, "email": False, "in_app": True}] * 2},
        {"language": "xx"},
    ],
)
def test_invalid_settings_are_a_400_and_change_nothing(ani, body):
    response = client_for(ani).put(PREFERENCES, body, format="json")
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()
    ani.refresh_from_db()
    assert ani.language == ""


def test_the_schema_documents_the_notifications_api(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("", "unread-count/", "read/", "read-all/", "preferences/"):
        assert f"{API}{path}" in schema["paths"], path
    assert {"200", "400", "401"} <= set(schema["paths"][READ]["post"]["responses"])
    assert "not yours are ignored" in schema["paths"][READ]["post"]["description"]
    assert {"get", "put"} <= set(schema["paths"][PREFERENCES])
