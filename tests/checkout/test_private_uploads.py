"""Proofs of transfer are private uploads: stored outside the public media root and served
only through a view that checks who asks (the buyer, the store's seller, staff); the web
server can send the bytes (X-Accel-Redirect / X-Sendfile) once Django has said yes."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.views.static import serve
from rest_framework.test import APIClient

from checkout.models import Order
from tests.factories import StoreFactory, UserFactory, buyable_variant, image_file, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def order_with_proof(client):
    """A bank-transfer order whose buyer uploaded a proof through the order page."""
    buyer = UserFactory()
    order = place(buyer, (buyable_variant(), 1)).orders[0]
    client.force_login(buyer)
    response = client.post(
        reverse("checkout:order_transfer_proof", kwargs={"number": order.number}), {"image": image_file()}
    )
    assert response.status_code == 302, response.content
    client.logout()
    order.refresh_from_db()
    assert order.transfer_proof
    return order


def image_url(order) -> str:
    return reverse("checkout:order_transfer_proof_image", kwargs={"number": order.number})


def api_image_url(order) -> str:
    return f"/api/v1/orders/{order.number}/transfer-proof/image/"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def test_the_buyer_the_stores_seller_and_staff_get_the_proof(client, order_with_proof):
    stored = order_with_proof.transfer_proof.open("rb").read()
    for person in (order_with_proof.buyer, order_with_proof.store.owner, superuser()):
        client.force_login(person)
        response = client.get(image_url(order_with_proof))
        assert response.status_code == 200
        assert body(response) == stored and response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_another_shopper_another_seller_and_anonymous_get_a_404(client, order_with_proof):
    assert client.get(image_url(order_with_proof)).status_code == 404
    for person in (UserFactory(), StoreFactory().owner, UserFactory(is_staff=True)):
        client.force_login(person)
        assert client.get(image_url(order_with_proof)).status_code == 404


def test_an_order_without_a_proof_is_a_404_even_for_its_buyer(client):
    order = place(UserFactory(), (buyable_variant(), 1)).orders[0]
    client.force_login(order.buyer)
    assert client.get(image_url(order)).status_code == 404


def test_the_file_is_outside_the_public_media_and_its_old_public_url_serves_nothing(settings, order_with_proof):
    name = order_with_proof.transfer_proof.name
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / name).is_file()
    assert not (Path(settings.MEDIA_ROOT) / name).exists()
    # what serves /media/ (Django's static view in development; the web server's root in production)
    with pytest.raises(Http404):
        serve(RequestFactory().get(f"/media/{name}"), name, document_root=settings.MEDIA_ROOT)
    with pytest.raises(ValueError):
        order_with_proof.transfer_proof.url  # noqa: B018 - a private file has no public URL


def test_pages_admin_and_api_link_to_the_checked_view(client, order_with_proof):
    seller = order_with_proof.store.owner
    client.force_login(seller)
    page = client.get(reverse("checkout:order_detail", kwargs={"number": order_with_proof.number}))
    assert f'href="{image_url(order_with_proof)}"' in page.content.decode()
    admin = client.get(reverse("admin:checkout_order_change", args=[order_with_proof.pk]))
    assert f'href="{image_url(order_with_proof)}"' in admin.content.decode() and "/media/" not in admin.content.decode()
    api = APIClient()
    api.force_login(order_with_proof.buyer)
    detail = api.get(f"/api/v1/orders/{order_with_proof.number}/").json()
    assert detail["transfer_proof"] == f"http://testserver{api_image_url(order_with_proof)}"


def test_the_api_serves_the_proof_to_the_buyer_and_seller_only(order_with_proof):
    api = APIClient()
    assert api.get(api_image_url(order_with_proof)).status_code == 401
    for person, status in (
        (order_with_proof.buyer, 200),
        (order_with_proof.store.owner, 200),
        (UserFactory(), 404),
        (StoreFactory().owner, 404),
    ):
        api.force_login(person)
        response = api.get(api_image_url(order_with_proof))
        assert response.status_code == status, (person, response.content)
        if status == 200:
            assert response["Content-Type"] == "image/jpeg" and body(response)[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    ("server", "header"),
    [("x-accel-redirect", "X-Accel-Redirect"), ("x-sendfile", "X-Sendfile")],
)
def test_in_production_the_web_server_sends_the_bytes(client, settings, order_with_proof, server, header):
    settings.PRIVATE_MEDIA_SERVER = server
    client.force_login(order_with_proof.buyer)
    response = client.get(image_url(order_with_proof))
    name = order_with_proof.transfer_proof.name
    expected = f"/_private/{name}" if server == "x-accel-redirect" else str(Path(settings.PRIVATE_MEDIA_ROOT) / name)
    assert response.status_code == 200 and response[header] == expected and response.content == b""
    client.force_login(UserFactory())
    assert header not in client.get(image_url(order_with_proof))  # a 404, no header for the web server


def test_the_migration_moves_proofs_uploaded_as_public_media(settings):
    # given a proof uploaded before, under the public media root
    order = place(UserFactory(), (buyable_variant(), 1)).orders[0]
    name = storages["default"].save("transfers/2026/01/old-proof.jpg", ContentFile(image_file().read()))
    Order.objects.filter(pk=order.pk).update(transfer_proof=name)
    migration = importlib.import_module("checkout.migrations.0003_transfer_proof_private")
    # when the migration runs (twice: a second run finds nothing left to move)
    migration.make_private(apps, None)
    migration.make_private(apps, None)
    # then the file is private, under the same name, and no longer public
    order.refresh_from_db()
    assert order.transfer_proof.name == name
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / name).is_file()
    assert not (Path(settings.MEDIA_ROOT) / name).exists()
    # and going back puts it where it was
    migration.make_public(apps, None)
    assert (Path(settings.MEDIA_ROOT) / name).is_file()
