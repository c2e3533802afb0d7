"""Reviews in the back office: a seller sees the reviews of their own products only, hides and
shows them again and replies once (editing later); staff see every review and the reports."""

import pytest
from django.contrib.auth.models import Group

from catalog.services import SELLERS_GROUP, ensure_sellers_group
from social import services
from social.models import ProductRating, Review, ReviewReply, ReviewReport
from tests.admin_helpers import admin_url, form_data
from tests.factories import ProductFactory, SellerFactory, StoreFactory, UserFactory, image_file

pytestmark = pytest.mark.django_db


def review(product, rating=4, author=None, **kwargs) -> Review:
    written, _created = services.write_review(author=author or UserFactory(), product=product, rating=rating, **kwargs)
    return written


@pytest.fixture
def shop():
    ensure_sellers_group()
    mine = ProductFactory(store=StoreFactory(owner=SellerFactory(username="ayu")), title="Kopi Gayo")
    theirs = ProductFactory(store=StoreFactory(owner=SellerFactory(username="budi")), title="Tenun Ikat")
    reported = review(mine, 1, title="Mine reported", photos=[image_file()])
    services.report_review(user=UserFactory(username="reporter"), review=reported, reason="spam", note="An ad")
    return {
        "mine": mine,
        "theirs": theirs,
        "reported": reported,
        "other": review(theirs, 5, title="Theirs"),
    }


def test_sellers_get_the_review_permissions():
    ensure_sellers_group()
    codenames = set(Group.objects.get(name=SELLERS_GROUP).permissions.values_list("codename", flat=True))
    assert {"view_review", "change_review", "view_reviewphoto"} <= codenames
    assert "delete_review" not in codenames and "view_reviewreport" not in codenames


def test_a_seller_sees_only_reviews_of_their_products(client, shop):
    client.force_login(shop["mine"].store.owner)
    listing = client.get(admin_url(Review, "changelist"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "Mine reported" in body and "Theirs" not in body
    assert client.get(admin_url(Review, "change", shop["other"].pk)).status_code == 404
    page = client.get(admin_url(Review, "change", shop["reported"].pk))
    assert page.status_code == 200 and "reporter" not in page.content.decode()  # who reported stays with staff
    assert client.get(admin_url(ReviewReport, "changelist")).status_code == 403


def test_a_seller_hides_and_shows_again_through_the_actions(client, shop):
    product = shop["mine"]
    client.force_login(product.store.owner)
    url = admin_url(Review, "changelist")
    # a review of another store in the selection is ignored: it is not in the seller's queryset
    selection = [shop["reported"].pk, shop["other"].pk]
    response = client.post(url, {"action": "hide_reviews", "_selected_action": selection}, follow=True)
    assert "1 review was hidden." in response.content.decode()
    assert (
        Review.objects.get(pk=shop["reported"].pk).is_hidden and not Review.objects.get(pk=shop["other"].pk).is_hidden
    )
    assert ProductRating.objects.get(pk=product.pk).count == 0
    client.post(url, {"action": "unhide_reviews", "_selected_action": [shop["reported"].pk]})
    assert ProductRating.objects.get(pk=product.pk).count == 1


def test_a_seller_replies_once_from_the_review_page_and_edits_the_reply(client, shop):
    written = shop["reported"]
    client.force_login(shop["mine"].store.owner)
    url = admin_url(Review, "change", written.pk)
    data = form_data(client.get(url))
    data["reply"] = "Mohon maaf, kak."
    response = client.post(url, data)
    assert response.status_code == 302
    assert ReviewReply.objects.get(review=written).body == "Mohon maaf, kak."
    data = form_data(client.get(url))
    assert data["reply"] == "Mohon maaf, kak."
    data["reply"] = "Sudah kami kirim ulang."
    client.post(url, data)
    assert ReviewReply.objects.filter(review=written).count() == 1
    assert ReviewReply.objects.get(review=written).body == "Sudah kami kirim ulang."
    # the review itself is unchanged
    assert Review.objects.get(pk=written.pk).title == "Mine reported"


def test_staff_see_every_review_and_the_reports_but_do_not_reply_for_the_seller(client, shop):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    body = client.get(admin_url(Review, "changelist")).content.decode()
    assert "Mine reported" in body and "Theirs" in body
    reported = client.get(admin_url(Review, "changelist"), {"reported": "yes"}).content.decode()
    assert "Mine reported" in reported and "Theirs" not in reported
    page = client.get(admin_url(Review, "change", shop["reported"].pk)).content.decode()
    assert "reporter" in page and "An ad" in page
    reports = client.get(admin_url(ReviewReport, "changelist")).content.decode()
    assert "Spam or advertising" in reports and "Mine reported" in reports
    # the reply field is read only for staff: posting a reply changes nothing
    url = admin_url(Review, "change", shop["reported"].pk)
    data = form_data(client.get(url))
    data["reply"] = "Staff answering"
    client.post(url, data)
    assert not ReviewReply.objects.exists()


def test_nobody_adds_or_deletes_reviews_in_the_admin(client, shop):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(admin_url(Review, "add")).status_code == 403
    assert client.get(admin_url(Review, "delete", shop["reported"].pk)).status_code == 403
    assert Review.objects.count() == 2


def test_the_reply_field_read_only_for_staff_stays_open_for_the_seller_afterwards(client, shop):
    # given: staff opened the review (its reply field read only for them)
    url = admin_url(Review, "change", shop["reported"].pk)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200
    # when the seller replies next, in the same process
    client.force_login(shop["mine"].store.owner)
    page = client.get(url)
    assert "Only the store" not in page.content.decode()  # staff's read-only note did not leak
    data = form_data(page)
    data["reply"] = "Kami bantu, kak."
    client.post(url, data)
    # then
    assert ReviewReply.objects.get(review=shop["reported"]).body == "Kami bantu, kak."
