"""Authentication backends that load a signed-in person's store with them.

Every page's header asks whether the person has a store (the "Back office" and "My store
page" links), and sellers' pages ask for it again. Fetched with the user, in the same
query (a join on a primary key), it costs nothing more; fetched on its own it is one more
query on every page. Both backends Django and allauth log people in with are covered,
since a session remembers the backend that logged it in and asks that one for the user.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class _WithStore:
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("store").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class StoreModelBackend(_WithStore, ModelBackend):
    """Django's username-and-password backend (the admin's login)."""


class StoreAuthenticationBackend(_WithStore, AuthenticationBackend):
    """allauth's backend (email login on the site)."""
