"""The signed-in person is loaded with their store in one query (catalog.auth_backends): it
must give what the ORM's ``select_related("store")`` gives."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from catalog import auth_backends
from catalog.auth_backends import StoreAuthenticationBackend, StoreModelBackend, person_annotations, user_with_store
from catalog.models import Store
from shop.models import User
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_a_seller_and_their_store_are_what_the_orm_gives(django_assert_num_queries):
    # given a seller whose store has a logo and some text
    store = StoreFactory(description="Kopi & teh <b>asli</b>", whatsapp="+628123456789")
    store.logo.save("logo.png", ContentFile(b"not read here"), save=True)
    expected = User.objects.select_related("store").get(pk=store.owner_id)
    # when
    with django_assert_num_queries(1):
        user = user_with_store(str(store.owner_id))  # as the session stores it
        loaded_store = user.store
        owner = loaded_store.owner
    # then every column has the ORM's value and type, and nothing more is asked
    assert _values(user) == _values(expected)
    assert {name: type(value) for name, value in _values(user).items()} == {
        name: type(value) for name, value in _values(expected).items()
    }
    assert _values(loaded_store) == _values(expected.store)
    assert loaded_store.logo.name == expected.store.logo.name and loaded_store.logo.url
    assert owner is user
    assert user.date_joined.tzinfo is not None and loaded_store.created_at.tzinfo is not None
    assert user._state.adding is False and user._state.db == "default"
    # and the loaded user saves like any other
    user.bio = "Baru"
    user.save(update_fields=["bio"])
    assert User.objects.get(pk=user.pk).bio == "Baru"


def test_a_shopper_without_a_store_has_none_without_another_query(django_assert_num_queries):
    shopper = UserFactory(first_name="Sari")
    with django_assert_num_queries(1):
        user = user_with_store(shopper.pk)
        assert not hasattr(user, "store")  # as with select_related: no store, no query
    assert _values(user) == _values(User.objects.get(pk=shopper.pk))


def test_remembering_no_store_reads_nothing_the_first_time_either(monkeypatch, django_assert_num_queries):
    # given the marker for "no store" as a process starts (nothing read through it yet)
    monkeypatch.setattr(auth_backends, "_NO_STORE", auth_backends._NoStores(Store).none())
    StoreFactory()  # someone else's store, which it must not read
    shopper = UserFactory()
    # when / then: the person's query alone, and the user knows they have no store
    with django_assert_num_queries(1):
        user = user_with_store(shopper.pk)
        assert not hasattr(user, "store")
        assert len(auth_backends._NO_STORE) == 0 and not list(auth_backends._NO_STORE.filter(pk=1))


def test_an_unknown_or_inactive_person_is_nobody():
    inactive = UserFactory(is_active=False)
    assert user_with_store(987_654) is None
    for backend in (StoreModelBackend(), StoreAuthenticationBackend()):
        assert backend.get_user(987_654) is None
        assert backend.get_user(inactive.pk) is None
        assert backend.get_user(UserFactory().pk) is not None


def test_a_signed_in_page_knows_the_person_and_their_store(client):
    store = StoreFactory(name="Toko Kopi Gayo")
    client.force_login(store.owner)
    page = client.get("/").content.decode()
    assert store.owner.username in page and 'href="/admin/"' in page


def _as_the_orm_gives(pk):
    return User.objects.select_related("store").annotate(**person_annotations()).get(pk=pk)


def test_on_postgresql_the_compiled_query_is_used_and_leaves_no_stand_in_attributes(django_assert_num_queries):
    # given a seller, on the suite's PostgreSQL (where the store's columns need no converter)
    store = StoreFactory(name="Toko Teh")
    assert connection.vendor != "postgresql" or auth_backends._store_needs_no_converters("default")
    expected = _as_the_orm_gives(store.owner_id)
    # when loaded twice (the second run reuses the compiled SQL with another value)
    other = UserFactory()
    with django_assert_num_queries(2):
        user = user_with_store(store.owner_id)
        assert user_with_store(other.pk).pk == other.pk
    # then the user has the apps' values as the ORM's annotations give them, and no store column
    for name in person_annotations():
        assert getattr(user, name) == getattr(expected, name)
    assert not [name for name in vars(user) if name.startswith(auth_backends._STORE_PREFIX)]
    assert user.store.name == "Toko Teh" and user.store.owner is user


def test_where_the_store_needs_converters_the_orm_loads_the_person(monkeypatch, django_assert_num_queries):
    # given a database whose store columns need converters (as SQLite's booleans and times)
    monkeypatch.setitem(auth_backends._fast, "default", False)
    store = StoreFactory()
    shopper = UserFactory()
    expected = _as_the_orm_gives(store.owner_id)
    # when / then the same user and store, still one query each, and nobody unknown
    with django_assert_num_queries(2):
        user = user_with_store(str(store.owner_id))
        assert user.store.owner is user
        nobody_with_store = user_with_store(shopper.pk)
        assert not hasattr(nobody_with_store, "store")
    assert _values(user) == _values(expected) and _values(user.store) == _values(expected.store)
    assert user_with_store(987_654) is None
