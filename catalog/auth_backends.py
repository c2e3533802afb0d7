"""Authentication backends that load a signed-in person's store with them, in one query.

Every page's header asks whether the person has a store (the "Back office" and "My store
page" links), and sellers' pages ask for it again. Fetched with the user, in the same
query (a join on a primary key), it costs nothing more; fetched on its own it is one more
query on every page. Both backends Django and allauth log people in with are covered,
since a session remembers the backend that logged it in and asks that one for the user.

Apps above catalog add values of their own to that query through
``catalog.signals.person_loading``: scalar sub-queries about the person, read as annotations.
Checkout adds the cart's item count, which every page's header shows, and social how many
profiles the person follows, which the home page asks: read with the person, neither costs
a round trip of its own.

The query runs on every signed-in request, and building and compiling it with the ORM cost
several ms of CPU, so it is compiled once per process (``shop.compiled``) and run through
``raw()``; public APIs only (``Model.from_db``, a one-to-one's setter, ``prefetch_related_objects``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, Prefetch, QuerySet, prefetch_related_objects

from catalog import signals
from catalog.models import Store
from shop.compiled import CompiledQuery, needs_converters
from shop.models import User

# The store's columns ride along as annotations named like this (``store_col_name``...).
_STORE_PREFIX = "store_col_"


def person_annotations() -> dict[str, Any]:
    """What the apps above read with every signed-in person (``catalog.signals.person_loading``)."""
    annotations: dict[str, Any] = {}
    for _receiver, added in signals.person_loading.send(sender=None):
        annotations.update(added or {})
    return annotations


def _store_needs_no_converters(db: str) -> bool:
    """Whether every store column comes out of this database already as the ORM gives it
    (true on PostgreSQL; on SQLite booleans and times need the ORM's converters)."""
    return not needs_converters(Store, connections[db])


def _people(db: str) -> QuerySet[User]:
    return User.objects.db_manager(db).annotate(**person_annotations())


def _person_with_store_columns(*, user_id: int, db: str) -> QuerySet[User]:
    store_columns = {
        _STORE_PREFIX + field.attname: F(f"store__{field.attname}") for field in Store._meta.concrete_fields
    }
    return _people(db).annotate(**store_columns).filter(pk=user_id)


_person_query: CompiledQuery[User] = CompiledQuery(_person_with_store_columns)


class _NoStores(QuerySet[Store]):
    """The stores of a person whose query found none: filtered by anything, it still reads
    nothing, and reading it costs no query and no SQL. Prefetched, it makes the person remember
    "no store" as ``select_related`` does, for the cost of a lookup: ``Store.objects.none()``
    is filtered and compiled before it finds it has nothing to ask, which cost more than the
    person's query itself on every signed-in shopper's request."""

    def filter(self, *args: Any, **kwargs: Any) -> _NoStores:
        return self

    def __iter__(self) -> Iterator[Store]:
        return iter(())

    def __len__(self) -> int:
        return 0


# Empty underneath too: whatever else reads it finds nothing, without a query.
_NO_STORE = _NoStores(Store).none()
_fast: dict[str, bool] = {}


def user_with_store(user_id: object, *, db: str = DEFAULT_DB_ALIAS) -> User | None:
    """The user with primary key ``user_id`` with their store (or none) and the values the apps
    above add (``person_annotations``), in one query, as ``select_related("store").get()`` gives
    them; ``None`` if there is no such user.

    It runs on every signed-in request, so on a database whose store columns need no converter
    (PostgreSQL) the query is compiled once per process (``shop.compiled``) with the store's
    columns as annotations, and the store is built from them with ``Model.from_db``; elsewhere
    (SQLite) the ORM builds it each time."""
    pk = User._meta.pk.to_python(user_id)
    fast = _fast.get(db)
    if fast is None:
        fast = _fast[db] = _store_needs_no_converters(db)
    if not fast:
        try:
            return _people(db).select_related("store").get(pk=pk)
        except User.DoesNotExist:
            return None
    found = _person_query.rows({"user_id": pk}, db=db)
    if not found:
        return None
    user = found[0]
    names = [field.attname for field in Store._meta.concrete_fields]
    values = [user.__dict__.pop(_STORE_PREFIX + name) for name in names]
    # Like select_related: no store (the join found nothing) is remembered as None.
    if values[names.index(Store._meta.pk.attname)] is None:
        prefetch_related_objects([user], Prefetch("store", queryset=_NO_STORE))
    else:
        # Setting a one-to-one's forward side caches both sides, as select_related does.
        Store.from_db(db, names, values).owner = user
    return user


class _WithStore:
    def get_user(self, user_id):
        user = user_with_store(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class StoreModelBackend(_WithStore, ModelBackend):
    """Django's username-and-password backend (the admin's login)."""


class StoreAuthenticationBackend(_WithStore, AuthenticationBackend):
    """allauth's backend (email login on the site)."""
