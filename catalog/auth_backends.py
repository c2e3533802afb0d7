"""Authentication backends that load a signed-in person's store with them, cheaply.

Every page's header asks whether the person has a store (the "Back office" and "My store
page" links), and sellers' pages ask for it again. Fetched with the user, in the same
query (a join on a primary key), it costs nothing more; fetched on its own it is one more
query on every page. Both backends Django and allauth log people in with are covered,
since a session remembers the backend that logged it in and asks that one for the user.

The query runs on every signed-in request, so it is written once per process instead of
being built by the ORM each time: building ``select_related("store").get(pk=...)`` cost
about 1 ms of CPU on a small server, most of what loading the person costs. The columns
come from the models, and each value goes through the converters the ORM would apply, so
the user and store are the ones the ORM gives (``tests/catalog/test_auth_backends.py``).
On PostgreSQL it is a prepared statement (``shop.sql``), planned once per connection.

Apps above catalog may add a value of their own to that query (``add_person_column``): a
scalar sub-query about the person, read into an attribute of the user. Checkout adds the
cart's item count, which every page's header shows, and social how many profiles the person
follows, which the home page asks: read with the person, neither costs a round trip of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import DEFAULT_DB_ALIAS, connections

from shop.sql import prepared_cursor


class _Columns:
    """A model's concrete fields as selected under ``alias``, with their converters."""

    def __init__(self, model, alias: str, connection):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{quote(field.column)}" for field in self.fields)
        self.converters = []
        for index, field in enumerate(self.fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                self.converters.append((index, column, found))

    def instance(self, db: str, connection, values: list):
        for index, column, converters in self.converters:
            for converter in converters:
                values[index] = converter(values[index], column, connection)
        return self.model.from_db(db, self.attnames, values)


# attribute -> a function of the connection giving a scalar SQL sub-query about the user ``u``.
_person_columns: dict[str, Callable] = {}


def add_person_column(attribute: str, sql: Callable) -> None:
    """Read ``sql(connection)``, a scalar sub-query that may refer to the user's row as ``u``,
    with every signed-in person, into ``user.<attribute>``. Call it from ``AppConfig.ready()``."""
    _person_columns[attribute] = sql
    _user_with_store_query.cache_clear()


@cache
def _user_with_store_query(db: str) -> tuple[str, _Columns, _Columns, list[str]]:
    connection = connections[db]
    user_model = get_user_model()
    store_field = user_model._meta.get_field("store").field  # Store.owner, a one-to-one
    quote = connection.ops.quote_name
    users = _Columns(user_model, "u", connection)
    stores = _Columns(store_field.model, "s", connection)
    user_table, store_table = quote(user_model._meta.db_table), quote(store_field.model._meta.db_table)
    user_pk, store_owner = quote(user_model._meta.pk.column), quote(store_field.column)
    extras = list(_person_columns)
    extra_sql = "".join(f", ({_person_columns[attribute](connection)})" for attribute in extras)
    sql = (
        f"SELECT {users.sql}, {stores.sql}{extra_sql} FROM {user_table} u "
        f"LEFT OUTER JOIN {store_table} s ON s.{store_owner} = u.{user_pk} WHERE u.{user_pk} = %s"
    )
    return sql, users, stores, extras


def user_with_store(user_id, *, db: str = DEFAULT_DB_ALIAS):
    """The user with primary key ``user_id`` and their store (or none) in one query, as
    ``select_related("store").get(pk=user_id)`` would give them, with the values apps added
    (``add_person_column``); ``None`` if there is no such user."""
    sql, users, stores, extras = _user_with_store_query(db)
    connection = connections[db]
    user_id = get_user_model()._meta.pk.to_python(user_id)
    with prepared_cursor(db) as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    split, end = len(users.fields), len(users.fields) + len(stores.fields)
    user = users.instance(db, connection, row[:split])
    store_values = row[split:end]
    for attribute, value in zip(extras, row[end:], strict=True):
        setattr(user, attribute, value)
    # Like select_related: no store (the join found nothing) is remembered as None.
    store = None if store_values[0] is None else stores.instance(db, connection, store_values)
    if store is not None:
        store._state.fields_cache["owner"] = user
    user._state.fields_cache["store"] = store
    return user


class _WithStore:
    def get_user(self, user_id):
        user = user_with_store(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class StoreModelBackend(_WithStore, ModelBackend):
    """Django's username-and-password backend (the admin's login)."""


class StoreAuthenticationBackend(_WithStore, AuthenticationBackend):
    """allauth's backend (email login on the site)."""
