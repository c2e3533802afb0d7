"""The notification centre's pages: the grouped inbox, open and mark read (only ever your own),
the bell's count, the settings page, the one-click unsubscribe link, and the back office.

No gettext call with a literal in this file: makemessages scans tests/ too.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shop.models import Delivery, Notification, NotificationPreference
from shop.notifications import services
from shop.notifications.emails import UNSUBSCRIBE_SALT, unsubscribe_token
from tests.admin_helpers import admin_url
from tests.factories import UserFactory
from tests.shop.notification_kinds import COMMENT, FOLLOW, LIKE, ORDER, registered_test_kinds

pytestmark = pytest.mark.django_db

INBOX = "/notifications/"
COUNT = "/notifications/count/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _test_kinds():
    with registered_test_kinds():
        yield


@pytest.fixture
def ani(client):
    user = UserFactory(username="ani", first_name="Ani")
    client.force_login(user)
    return user


def person(name: str):
    return UserFactory(username=name.lower(), first_name=name)


def notify_at(recipient, kind, *, actor=None, minutes_ago: int = 0, **fields) -> Notification:
    notification = services.notify(recipient=recipient, kind=kind, actor=actor, **fields)
    when = timezone.now() - timedelta(minutes=minutes_ago)
    Notification.objects.filter(pk=notification.pk).update(created_at=when)
    notification.created_at = when
    return notification


def rows_of(html: str) -> list[str]:
    return re.findall(r'<li class="inbox-row[^"]*">.*?</li>', html, flags=re.S)


def texts_of(html: str) -> list[str]:
    return re.findall(r'<span class="inbox-row__text">(.*?)</span>', html)


# --- The inbox --------------------------------------------------------------------------------


def test_the_inbox_needs_a_login(client):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_inbox_groups_notifications_about_the_same_thing(client, ani):
    # given: three people liked one post (Citra last), Dewi followed, and someone liked another post
    budi, citra, dewi, eko = (person(name) for name in ("Budi", "Citra", "Dewi", "Eko"))
    notify_at(ani, LIKE.name, actor=budi, minutes_ago=50, group_key="like:post:1", target_url="/p/1/")
    notify_at(ani, LIKE.name, actor=budi, minutes_ago=45, group_key="like:post:1", target_url="/p/1/")  # again
    notify_at(ani, LIKE.name, actor=eko, minutes_ago=40, group_key="like:post:1", target_url="/p/1/")
    notify_at(ani, FOLLOW.name, actor=dewi, minutes_ago=30)
    notify_at(ani, LIKE.name, actor=citra, minutes_ago=20, group_key="like:post:1", target_url="/p/1/")
    notify_at(ani, LIKE.name, actor=eko, minutes_ago=10, group_key="like:post:2", target_url="/p/2/")
    # someone else's notification never shows
    notify_at(budi, FOLLOW.name, actor=citra, minutes_ago=5)
    # when
    response = client.get(INBOX)
    # then: one row per group, at its latest notification, others counted once each
    assert response.status_code == 200
    html = response.content.decode()
    assert texts_of(html) == [
        "Eko liked your post",
        "Citra and 2 others liked your post",
        "Dewi follows you",
    ]
    assert html.count("inbox-row--unread") == 3
    assert "Mark all as read" in html
    assert "Citra follows you" not in html


def test_an_unknown_kind_shows_a_generic_line(client, ani):
    Notification.objects.create(recipient=ani, kind="removed_kind")
    html = client.get(INBOX).content.decode()
    assert texts_of(html) == ["You have a new notification."]


def test_the_empty_inbox_says_so(client, ani):
    html = client.get(INBOX).content.decode()
    assert "No notifications yet." in html
    assert "Mark all as read" not in html


def test_email_only_notifications_are_not_in_the_inbox(client, ani):
    services.set_preferences(user=ani, choices={LIKE.name: {"email": True, "in_app": False}})
    services.notify(recipient=ani, kind=LIKE.name, actor=person("Budi"))
    assert Notification.objects.filter(recipient=ani).count() == 1
    assert "No notifications yet." in client.get(INBOX).content.decode()
    assert client.get(COUNT).content.decode().strip() == ""


def test_load_more_pages_with_a_cursor(client, ani):
    # given 25 separate notifications
    actor = person("Budi")
    for minute in range(25):
        notify_at(ani, COMMENT.name, actor=actor, minutes_ago=minute, data={"text": f"comment {minute}"})
    # when
    first = client.get(INBOX).content.decode()
    # then: 20 rows and a "Load more" link carrying the cursor
    assert len(rows_of(first)) == 20
    more = re.search(r'hx-get="([^"]+)"', first[first.index("inbox__more") :]).group(1).replace("&amp;", "&")
    assert "cursor=" in more
    # when htmx asks for the next rows
    second = client.get(more, **HTMX)
    # then: only the last five rows, no page around them, no further link
    body = second.content.decode()
    assert "<html" not in body
    assert texts_of(body) == [f"Budi commented: comment {minute}" for minute in range(20, 25)]
    assert "inbox__more" not in body
    # and without htmx the same address is a whole page
    assert "<html" in client.get(more).content.decode()


def test_a_forged_cursor_is_a_400(client, ani):
    assert client.get(INBOX, {"cursor": "not-a-cursor"}).status_code == 400
    assert client.get(INBOX, {"cursor": "MjAyNi0wMS0wMXwx"}).status_code == 400  # a naive time


def _inbox_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INBOX).status_code == 200
    return len(queries)


def test_the_inbox_costs_the_same_queries_for_5_and_25_notifications(client, ani, django_assert_max_num_queries):
    actors = [person(f"Fan{number}") for number in range(6)]

    def add(count: int):
        for number in range(count):
            group = f"like:post:{number % 3}" if number % 2 else ""
            services.notify(recipient=ani, kind=LIKE.name, actor=actors[number % 6], group_key=group)

    add(5)
    five = _inbox_queries(client)
    add(20)
    with django_assert_max_num_queries(five):
        response = client.get(INBOX)
    assert len(rows_of(response.content.decode())) == 3 + 13
    # session, user, the window of notifications, the rows, their groups' counts, the second actors' names
    assert five <= 6


# --- Open, mark read: only your own -----------------------------------------------------------


def test_opening_a_row_marks_its_group_read_and_goes_to_its_target(client, ani):
    budi, citra = person("Budi"), person("Citra")
    older = notify_at(ani, LIKE.name, actor=budi, minutes_ago=5, group_key="like:post:1", target_url="/p/1/")
    latest = notify_at(ani, LIKE.name, actor=citra, minutes_ago=1, group_key="like:post:1", target_url="/p/1/")
    other = notify_at(ani, FOLLOW.name, actor=budi)
    # when
    response = client.get(reverse("notifications:open", args=[latest.pk]))
    # then
    assert response.status_code == 302
    assert response["Location"] == "/p/1/"
    assert Notification.objects.filter(pk__in=[older.pk, latest.pk], read_at__isnull=False).count() == 2
    assert Notification.objects.get(pk=other.pk).read_at is None


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/p/1/", "javascript:alert(1)", "", "p/1/", "/\\evil.example"]
)
def test_opening_a_row_never_leaves_the_site(client, ani, target):
    notification = services.notify(recipient=ani, kind=FOLLOW.name, actor=person("Budi"), target_url=target)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == INBOX
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_someone_elses_notification_cannot_be_opened(client, ani):
    budi = person("Budi")
    theirs = services.notify(recipient=budi, kind=FOLLOW.name, actor=ani, target_url="/p/1/")
    response = client.get(reverse("notifications:open", args=[theirs.pk]))
    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_marking_read_touches_only_your_own(client, ani):
    # given
    budi = person("Budi")
    mine = services.notify(recipient=ani, kind=FOLLOW.name, actor=budi)
    mine_grouped = services.notify(recipient=ani, kind=LIKE.name, actor=budi, group_key="like:post:1")
    theirs = services.notify(recipient=budi, kind=FOLLOW.name, actor=ani)
    theirs_grouped = services.notify(recipient=budi, kind=LIKE.name, actor=ani, group_key="like:post:1")
    # when: Ani posts Budi's ids and a group key both of them have
    response = client.post(
        reverse("notifications:mark_read"), {"ids": [theirs.pk, "x", "9" * 30], "group_key": "like:post:1"}
    )
    # then
    assert response.status_code == 302
    assert Notification.objects.get(pk=mine_grouped.pk).read_at is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert Notification.objects.get(pk=theirs_grouped.pk).read_at is None
    assert Notification.objects.get(pk=mine.pk).read_at is None
    # and by id, with htmx: no content, and the bell is told to refresh
    response = client.post(reverse("notifications:mark_read"), {"ids": [mine.pk]}, **HTMX)
    assert response.status_code == 204
    assert response["HX-Trigger"] == "notifications-changed"
    assert Notification.objects.get(pk=mine.pk).read_at is not None


def test_a_group_key_with_a_nul_byte_marks_nothing(client, ani):
    notification = services.notify(recipient=ani, kind=LIKE.name, actor=person("Budi"), group_key="like:post:1")
    response = client.post(reverse("notifications:mark_read"), {"group_key": "like:\x00post:1"})
    assert response.status_code == 400  # every form field: shop.middleware.RefuseNulMiddleware
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_mark_all_read_marks_only_your_own(client, ani):
    budi = person("Budi")
    for _ in range(3):
        services.notify(recipient=ani, kind=FOLLOW.name, actor=budi)
    theirs = services.notify(recipient=budi, kind=FOLLOW.name, actor=ani)
    # a GET does nothing
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    # when
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    # then
    assert response.redirect_chain[-1][0] == INBOX
    assert not Notification.objects.filter(recipient=ani, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "inbox-row--unread" not in response.content.decode()


def test_marking_read_needs_a_login_and_a_csrf_token(ani):
    budi = person("Budi")
    notification = services.notify(recipient=ani, kind=FOLLOW.name, actor=budi)
    anonymous = Client()
    assert anonymous.post(reverse("notifications:mark_all_read")).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ani)
    assert strict.post(reverse("notifications:mark_all_read")).status_code == 403
    assert strict.post(reverse("notifications:mark_read"), {"ids": [notification.pk]}).status_code == 403
    assert Notification.objects.get(pk=notification.pk).read_at is None


# --- The bell -----------------------------------------------------------------------------------


def test_the_bell_count_is_an_htmx_fragment_with_an_accessible_label(client, ani):
    budi = person("Budi")
    assert client.get(COUNT).content.decode().strip() == ""
    for _ in range(3):
        services.notify(recipient=ani, kind=FOLLOW.name, actor=budi)
    services.notify(recipient=budi, kind=FOLLOW.name, actor=ani)  # someone else's
    # when
    response = client.get(COUNT, **HTMX)
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="bell__badge" aria-hidden="true">3</span>' in html
    assert '<span class="visually-hidden">(3 unread)</span>' in html
    assert "no-cache" in response["Cache-Control"]


def test_the_bell_count_stops_at_99_plus(client, ani):
    Notification.objects.bulk_create(Notification(recipient=ani, kind=FOLLOW.name) for _ in range(120))
    html = client.get(COUNT).content.decode()
    assert ">99+</span>" in html
    assert "(more than 99 unread)" in html


def test_the_bell_count_is_empty_for_anonymous_visitors(client):
    response = client.get(COUNT, **HTMX)
    assert response.status_code == 204
    assert response.content == b""


def test_every_page_has_the_bell_for_signed_in_users_at_no_query(client, ani):
    # given
    services.notify(recipient=ani, kind=FOLLOW.name, actor=person("Budi"))
    # when
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    # then: the bell asks for its count after the page loaded, and polls
    assert f'<a class="bell" href="{INBOX}"' in html
    assert f'hx-get="{COUNT}"' in html
    assert 'hx-trigger="load, notifications-poll' in html and 'data-notifications-poll="30"' in html
    assert not [query for query in queries.captured_queries if "shop_notification" in query["sql"]]


def test_anonymous_visitors_have_no_bell(client):
    assert 'class="bell"' not in client.get("/").content.decode()


# --- Settings ------------------------------------------------------------------------------------


def test_the_settings_page_lists_optional_kinds_and_transactional_ones_as_always_on(client, ani):
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 200
    html = response.content.decode()
    for kind in (LIKE, COMMENT, FOLLOW):
        assert kind.label in html
    assert 'name="email__test_like"' in html and 'name="in_app__test_like"' in html
    assert 'name="email__test_follow"' not in html  # follows send no email
    assert 'name="email__test_comment"' in html
    assert re.search(r'name="email__test_like"[^>]*checked', html)
    assert not re.search(r'name="email__test_comment"[^>]*checked', html)  # off by default
    # the transactional kind has no switch, and is listed as always on
    always = html[html.index("Always on") :]
    assert ORDER.label in always
    assert "__test_order" not in html
    assert '<option value="id"' in html


def test_saving_the_settings(client, ani):
    # when: likes in the app only, comments by email too, follows off; emails in Indonesian
    response = client.post(
        reverse("notifications:preferences"),
        {"in_app__test_like": "on", "email__test_comment": "on", "in_app__test_comment": "on", "language": "id"},
    )
    # then
    assert response.status_code == 302
    saved = {row.kind: (row.email, row.in_app) for row in NotificationPreference.objects.filter(user=ani)}
    assert saved[LIKE.name] == (False, True)
    assert saved[COMMENT.name] == (True, True)
    assert saved[FOLLOW.name][1] is False  # follows have no email to turn on or off
    assert ORDER.name not in saved
    ani.refresh_from_db()
    assert ani.language == "id"
    html = client.get(response["Location"]).content.decode()
    assert "Your notification settings are saved." in html
    assert not re.search(r'name="email__test_like"[^>]*checked', html)
    assert re.search(r'name="in_app__test_like"[^>]*checked', html)
    # and they take effect
    services.notify(recipient=ani, kind=FOLLOW.name, actor=person("Budi"))
    assert not Notification.objects.filter(recipient=ani).exists()


def test_an_unknown_language_is_refused(client, ani):
    response = client.post(reverse("notifications:preferences"), {"language": "xx"})
    assert response.status_code == 400
    ani.refresh_from_db()
    assert ani.language == ""
    assert not NotificationPreference.objects.exists()


def test_the_settings_page_needs_a_login(client):
    assert client.get(reverse("notifications:preferences")).status_code == 302


# --- Unsubscribe ---------------------------------------------------------------------------------


@pytest.fixture
def shopper():
    return UserFactory(username="shopper")


def unsubscribe_url(user, kind) -> str:
    return reverse("notifications:unsubscribe", kwargs={"token": unsubscribe_token(user.pk, kind)})


def test_the_unsubscribe_link_asks_first_without_a_login(client, shopper):
    response = client.get(unsubscribe_url(shopper, LIKE.name))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Stop emails about {LIKE.label}?" in html
    assert 'method="post"' in html
    assert not NotificationPreference.objects.exists()  # a link scanner's GET changes nothing


def test_the_unsubscribe_button_stops_that_kind_of_email(client, shopper):
    response = client.post(unsubscribe_url(shopper, LIKE.name))
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    preference = NotificationPreference.objects.get(user=shopper, kind=LIKE.name)
    assert preference.email is False and preference.in_app is True
    assert not NotificationPreference.objects.exclude(kind=LIKE.name).exists()


def test_one_click_unsubscribe_from_a_mail_client_needs_no_csrf_token(shopper, django_capture_on_commit_callbacks):
    # given the email as sent
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=shopper, kind=LIKE.name, actor=person("Budi"))
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    # when: the mail client POSTs (RFC 8058) with no cookie and no CSRF token
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(link, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    # then
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=shopper, kind=LIKE.name).email is False
    # and the next like is not emailed
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=shopper, kind=LIKE.name, actor=person("Citra"))
    assert mail.outbox == []


def _tampered(token: str) -> list[str]:
    value, _sep, signature = token.rpartition(":")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    other_user = signing.dumps({"u": 999_999, "k": LIKE.name}, salt="another-salt", compress=True)
    return [f"{value}:{flipped}", token[:-2], other_user, "nonsense", f"{token}x"]


def test_a_tampered_token_is_a_400_and_changes_nothing(client, shopper):
    token = unsubscribe_token(shopper.pk, LIKE.name)
    for bad in _tampered(token):
        url = reverse("notifications:unsubscribe", kwargs={"token": bad})
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 400, bad
            assert "not valid" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_a_token_for_another_user_cannot_be_made_without_the_key(client, shopper):
    # a token signed with the right salt but the wrong key
    forged = signing.dumps({"u": shopper.pk, "k": LIKE.name}, key="not-the-secret-key", salt=UNSUBSCRIBE_SALT)
    assert client.post(reverse("notifications:unsubscribe", kwargs={"token": forged})).status_code == 400
    assert not NotificationPreference.objects.exists()


def test_transactional_and_unknown_kinds_cannot_be_unsubscribed(client, shopper):
    assert client.post(unsubscribe_url(shopper, ORDER.name)).status_code == 400
    assert client.post(unsubscribe_url(shopper, "removed_kind")).status_code == 400
    assert not NotificationPreference.objects.exists()


# --- Back office ----------------------------------------------------------------------------------


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_superusers_see_notifications_and_deliveries_read_only(superuser_client, shopper):
    # given
    notification = services.notify(recipient=shopper, kind=LIKE.name, actor=person("Budi"))
    delivery = Delivery.objects.get()
    # then
    assert superuser_client.get(admin_url(Notification, "changelist")).status_code == 200
    assert superuser_client.get(admin_url(Delivery, "changelist")).status_code == 200
    page = superuser_client.get(admin_url(Notification, "change", notification.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert superuser_client.get(admin_url(Delivery, "change", delivery.pk)).status_code == 200
    assert superuser_client.get(admin_url(Notification, "add")).status_code == 403
    assert superuser_client.get(admin_url(Notification, "delete", notification.pk)).status_code == 403


def test_staff_who_are_not_superusers_see_no_notifications(shopper):
    staff = UserFactory(is_staff=True)
    client = Client()
    client.force_login(staff)
    services.notify(recipient=shopper, kind=LIKE.name, actor=staff)
    assert client.get(admin_url(Notification, "changelist")).status_code == 403
    assert client.get(admin_url(Delivery, "changelist")).status_code == 403


def test_send_again_from_the_back_office(superuser_client, shopper, django_capture_on_commit_callbacks):
    # given a delivery that failed, and one that went
    services.notify(recipient=shopper, kind=LIKE.name, actor=person("Budi"))
    failed = Delivery.objects.get()
    Delivery.objects.filter(pk=failed.pk).update(state=Delivery.State.FAILED, last_error="550 mailbox full")
    services.notify(recipient=person("Citra"), kind=LIKE.name, actor=shopper)
    sent = Delivery.objects.exclude(pk=failed.pk).get()
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            admin_url(Delivery, "changelist"),
            {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 email will be sent again." in html
    assert "1 email was skipped" in html
    failed.refresh_from_db()
    assert failed.state == Delivery.State.SENT
    assert [message.to for message in mail.outbox] == [[shopper.email]]
