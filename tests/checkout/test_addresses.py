"""The address book pages: list, add (and back to checkout), edit, delete, default; every
page for signed-in shoppers and their own addresses only."""

import html

import pytest
from django.test import Client
from django.urls import reverse

from checkout.models import Address
from checkout.services.addresses import MAX_ADDRESSES
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/addresses/"
NEW = "/addresses/new/"

VALID = {
    "label": "Kantor",
    "recipient": "Budi Santoso",
    "phone": "+62 812-3456-7890",
    "street": "Jl. Sudirman Kav. 52",
    "district": "Kebayoran Baru",
    "city": "Jakarta Selatan",
    "province": "DKI Jakarta",
    "postal_code": "12190",
}


def text(response) -> str:
    return html.unescape(response.content.decode())


def edit_url(address) -> str:
    return reverse("checkout:address_edit", args=[address.pk])


def test_the_routes_other_pages_link_to():
    assert reverse("checkout:addresses") == LIST
    assert reverse("checkout:address_create") == NEW
    assert reverse("checkout:address_delete", args=[3]) == "/addresses/3/delete/"
    assert reverse("checkout:address_default", args=[3]) == "/addresses/3/default/"


def test_visitors_are_sent_to_log_in(client):
    login = reverse("account_login")
    assert client.get(LIST)["Location"] == f"{login}?next={LIST}"
    assert client.get(NEW)["Location"] == f"{login}?next={NEW}"
    # a POST-only address comes back to the list after logging in, not to a 405
    address = AddressFactory()
    response = client.post(reverse("checkout:address_delete", args=[address.pk]))
    assert response["Location"] == f"{login}?next={LIST}"
    assert Address.objects.filter(pk=address.pk).exists()


def test_the_list_shows_the_default_first_and_marked(client):
    # given
    buyer = UserFactory()
    home = AddressFactory(user=buyer, label="Rumah", is_default=True)
    office = AddressFactory(user=buyer, label="Kantor", city="Bandung")
    AddressFactory(label="Someone else's", city="Medan")
    client.force_login(buyer)
    # when
    body = text(client.get(LIST))
    # then
    assert body.index("Rumah") < body.index("Kantor")
    assert body.count(">Default</span>") == 1
    assert "Bandung" in body and "Medan" not in body and "Someone else's" not in body
    assert reverse("checkout:address_default", args=[office.pk]) in body
    assert reverse("checkout:address_default", args=[home.pk]) not in body  # already the default
    assert edit_url(office) in body and reverse("checkout:address_delete", args=[office.pk]) in body


def test_an_empty_address_book_invites_to_add_one(client):
    client.force_login(UserFactory())
    body = text(client.get(LIST))
    assert "No addresses yet." in body and f'href="{NEW}"' in body


def test_the_form_offers_the_provinces_and_explains_the_phone(client):
    client.force_login(UserFactory())
    body = text(client.get(NEW))
    assert '<select name="province"' in body
    assert '<option value="" selected>Choose a province</option>' in body
    assert '<option value="DKI Jakarta">DKI Jakarta</option>' in body and "Papua Pegunungan" in body
    assert "A mobile number the courier can call" in body
    assert 'aria-describedby="id_phone_helptext"' in body


def test_adding_the_first_address_makes_it_the_default(client):
    # given
    buyer = UserFactory()
    client.force_login(buyer)
    # when
    response = client.post(NEW, VALID)
    # then
    assert response.status_code == 302 and response["Location"] == LIST
    address = Address.objects.get(user=buyer)
    assert address.is_default and address.phone == "081234567890"  # normalised by the service
    assert (address.recipient, address.province, address.postal_code) == ("Budi Santoso", "DKI Jakarta", "12190")
    assert "Address saved" in text(client.get(LIST))


def test_a_new_address_can_become_the_default(client):
    buyer = UserFactory()
    old = AddressFactory(user=buyer, is_default=True)
    client.force_login(buyer)
    client.post(NEW, {**VALID, "make_default": "on"})
    new = Address.objects.exclude(pk=old.pk).get(user=buyer)
    old.refresh_from_db()
    assert new.is_default and not old.is_default


def test_adding_from_checkout_goes_back_there(client):
    client.force_login(UserFactory())
    checkout = reverse("checkout:checkout")
    page = text(client.get(f"{NEW}?next={checkout}"))
    assert f'<input type="hidden" name="next" value="{checkout}">' in page
    response = client.post(f"{NEW}?next={checkout}", VALID)
    assert response["Location"] == checkout
    response = client.post(NEW, {**VALID, "next": checkout})
    assert response["Location"] == checkout


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_a_next_off_the_site_is_ignored(client, target):
    client.force_login(UserFactory())
    response = client.post(NEW, {**VALID, "next": target})
    assert response.status_code == 302 and response["Location"] == LIST
    page = text(client.get(f"{NEW}?next={target}"))
    assert f'name="next" value="{target}"' not in page and f'href="{target}"' not in page
    assert f'href="{LIST}"' in page  # the back link and "Cancel" lead to the address book


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"postal_code": "1219"}, "postal_code", "Enter the five-digit postal code"),
        ({"phone": "12345"}, "phone", "Enter an Indonesian mobile number"),
        ({"province": "Atlantis"}, "province", "Select a valid choice."),
        ({"province": ""}, "province", "This field is required."),
        ({"recipient": ""}, "recipient", "This field is required."),
    ],
)
def test_invalid_input_is_shown_at_its_field(client, changes, field, message):
    buyer = UserFactory()
    client.force_login(buyer)
    response = client.post(NEW, {**VALID, **changes})
    assert response.status_code == 400
    body = text(response)
    assert "Please correct the errors below." in body and message in body
    assert f'name="{field}"' in body and 'aria-invalid="true"' in body
    assert not Address.objects.filter(user=buyer).exists()


def test_a_full_address_book_says_so(client):
    buyer = UserFactory()
    AddressFactory.create_batch(MAX_ADDRESSES, user=buyer)
    client.force_login(buyer)
    response = client.post(NEW, VALID)
    assert response.status_code == 400 and "Your address book is full" in text(response)
    assert Address.objects.filter(user=buyer).count() == MAX_ADDRESSES
    assert f'href="{NEW}"' not in text(client.get(LIST))


def test_editing_an_address(client):
    # given
    buyer = UserFactory()
    address = AddressFactory(user=buyer, is_default=True)
    client.force_login(buyer)
    page = text(client.get(edit_url(address)))
    assert 'value="Ani Wijaya"' in page and 'name="make_default"' not in page  # already the default
    # when
    response = client.post(edit_url(address), {**VALID, "city": "Bandung", "province": "Jawa Barat"})
    # then
    assert response.status_code == 302 and response["Location"] == LIST
    address.refresh_from_db()
    assert (address.city, address.province, address.phone) == ("Bandung", "Jawa Barat", "081234567890")
    assert address.is_default


def test_editing_with_errors_changes_nothing(client):
    buyer = UserFactory()
    address = AddressFactory(user=buyer)
    client.force_login(buyer)
    response = client.post(edit_url(address), {**VALID, "postal_code": "abc"})
    assert response.status_code == 400 and "five-digit postal code" in text(response)
    address.refresh_from_db()
    assert address.postal_code == "12730"


def test_editing_can_make_an_address_the_default(client):
    buyer = UserFactory()
    first = AddressFactory(user=buyer, is_default=True)
    second = AddressFactory(user=buyer)
    client.force_login(buyer)
    client.post(edit_url(second), {**VALID, "make_default": "on"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default


def test_someone_elses_address_is_a_404_everywhere(client):
    # given another shopper's default address
    theirs = AddressFactory(is_default=True, city="Surabaya")
    me = UserFactory()
    mine = AddressFactory(user=me, is_default=True)
    client.force_login(me)
    # then
    assert client.get(edit_url(theirs)).status_code == 404
    assert client.post(edit_url(theirs), VALID).status_code == 404
    assert client.post(reverse("checkout:address_delete", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("checkout:address_default", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.city == "Surabaya" and theirs.is_default and mine.is_default


def test_deleting_the_default_passes_it_to_the_newest_other(client):
    buyer = UserFactory()
    default = AddressFactory(user=buyer, is_default=True)
    older = AddressFactory(user=buyer)
    newer = AddressFactory(user=buyer)
    client.force_login(buyer)
    response = client.post(reverse("checkout:address_delete", args=[default.pk]))
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Address.objects.filter(pk=default.pk).exists()
    assert Address.objects.get(user=buyer, is_default=True) == newer
    assert not Address.objects.get(pk=older.pk).is_default
    assert "Address deleted" in text(client.get(LIST))


def test_delete_and_default_need_a_post(client):
    buyer = UserFactory()
    address = AddressFactory(user=buyer)
    client.force_login(buyer)
    assert client.get(reverse("checkout:address_delete", args=[address.pk])).status_code == 405
    assert client.get(reverse("checkout:address_default", args=[address.pk])).status_code == 405
    assert Address.objects.filter(pk=address.pk).exists()


def test_choosing_another_default(client):
    buyer = UserFactory()
    first = AddressFactory(user=buyer, is_default=True)
    second = AddressFactory(user=buyer, label="Kos")
    client.force_login(buyer)
    response = client.post(reverse("checkout:address_default", args=[second.pk]))
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default
    assert "is now your default address" in text(client.get(LIST))


def test_address_forms_need_a_csrf_token():
    buyer = UserFactory()
    address = AddressFactory(user=buyer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    assert client.post(NEW, VALID).status_code == 403
    assert client.post(reverse("checkout:address_delete", args=[address.pk])).status_code == 403
    assert Address.objects.filter(user=buyer).count() == 1
