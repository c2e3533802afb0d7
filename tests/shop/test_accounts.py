import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from shop.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _sign_up(client, email="ani@example.com", username="ani"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "username": username, "password1": PASSWORD, "password2": PASSWORD},
    )


def test_sign_up_sends_the_confirmation_email_through_the_task_queue(client, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _sign_up(client)
    # then
    assert response.status_code == 302
    user = User.objects.get(email="ani@example.com")
    assert user.username == "ani"
    assert callbacks, "the email is queued after commit, not sent inside the request's transaction"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ani@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_no_email_leaves_before_the_transaction_commits(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        _sign_up(client)
    assert mail.outbox == []


def test_a_taken_email_is_refused_with_a_message(client):
    UserFactory(email="ani@example.com")
    response = _sign_up(client, username="ani2")
    assert response.status_code == 200
    assert User.objects.filter(email="ani@example.com").count() == 1
    assert "already registered" in response.content.decode()


def test_login_is_by_email(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == user


def test_repeated_failed_logins_are_rate_limited(client):
    # given five failed attempts on one account
    user = UserFactory()
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
        assert response.status_code == 200
    # when the right password follows
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    # then it is refused for now
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_mandatory_verification_blocks_login_until_the_address_is_confirmed(client, settings):
    # given
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    user = UserFactory(verified_email=False)
    # when
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    # then
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    # and once verified
    EmailAddress.objects.filter(user=user).update(verified=True)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_mails_a_link(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/password/reset/key/" in mail.outbox[0].body


def test_changing_email_sends_a_confirmation_to_the_new_address(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.com"})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=user, email="new@example.com", verified=False).exists()
    assert mail.outbox[-1].to == ["new@example.com"]


def test_the_admin_login_goes_through_the_rate_limited_site_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_shopper_cannot_enter_the_admin(client):
    client.force_login(UserFactory())
    assert client.get("/admin/").status_code in (302, 403)
    assert client.get("/admin/login/").status_code == 403
