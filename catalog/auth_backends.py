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
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.db import DEFAULT_DB_ALIAS

from catalog import signals
from shop.models import User


def person_annotations() -> dict[str, Any]:
    """What the apps above read with every signed-in person (``catalog.signals.person_loading``)."""
    annotations: dict[str, Any] = {}
    for _receiver, added in signals.person_loading.send(sender=None):
        annotations.update(added or {})
    return annotations


def user_with_store(user_id: object, *, db: str = DEFAULT_DB_ALIAS) -> User | None:
    """The user with primary key ``user_id`` with their store (or none) and the values the apps
    above add (``person_annotations``), in one query; ``None`` if there is no such user."""
    people = User.objects.db_manager(db).select_related("store").annotate(**person_annotations())
    try:
        return people.get(pk=user_id)
    except User.DoesNotExist:
        return None


class _WithStore:
    def get_user(self, user_id):
        user = user_with_store(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class StoreModelBackend(_WithStore, ModelBackend):
    """Django's username-and-password backend (the admin's login)."""


class StoreAuthenticationBackend(_WithStore, AuthenticationBackend):
    """allauth's backend (email login on the site)."""
