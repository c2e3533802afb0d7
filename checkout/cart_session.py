"""The requester's cart: the web layer's side of ``checkout.services.carts``.

A signed-in shopper's cart is theirs; a visitor's is kept by its token in their session. These
helpers read the request (user, session, method) and call the services with plain values, so
that no service takes a request.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest

from checkout.models import Cart
from checkout.services import carts
from shop.models import User

SESSION_KEY = "cart_token"
# Requests that change no cart: for them the count read with the person is still the count.
_READING_METHODS = {"GET", "HEAD", "OPTIONS"}


def session_token(request: HttpRequest) -> str | None:
    """The visitor's cart token kept in the session, if it is one."""
    session = getattr(request, "session", None)
    token = session.get(SESSION_KEY) if session is not None else None
    try:
        return str(uuid.UUID(str(token))) if token else None
    except ValueError:
        return None


def _signed_in(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def cart_for_request(request: HttpRequest, *, create: bool = False) -> Cart | None:
    """The cart of whoever makes ``request``: the user's own when signed in, else the one
    whose token the session holds. ``create`` makes one when there is none."""
    user = _signed_in(request)
    if user is not None:
        return carts.cart_for_user(user=user, create=create)
    had_token = session_token(request)
    cart = carts.visitor_cart(token=had_token, create=create)
    if cart is not None and str(cart.token) != had_token:
        request.session[SESSION_KEY] = str(cart.token)
    return cart


def _owner(request: HttpRequest) -> tuple[int | None, str | None]:
    """(user id, cart token) of whoever makes ``request``: one of them, or neither for a
    visitor without a cart. Every page's header asks, so it builds no query."""
    user = _signed_in(request)
    if user is not None:
        return user.pk, None
    return None, session_token(request)


def _count_read_with_person(request: HttpRequest) -> int | None:
    user = _signed_in(request)
    if user is None or request.method not in _READING_METHODS:
        return None
    return getattr(user, carts.PERSON_COUNT_ATTRIBUTE, None)


def cached_cart_count(request: HttpRequest) -> int | None:
    """The item count of the requester's cart as read with the person, or from the cache: never
    a query of its own. ``None`` when it is not cached (then ``request_cart_count`` computes it)."""
    if (count := _count_read_with_person(request)) is not None:
        return count
    user_id, token = _owner(request)
    return carts.cached_cart_count(user_id=user_id, token=token)


def request_cart_count(request: HttpRequest, *, fresh: bool = False) -> int:
    """The item count of the requester's cart, cached for the next pages. ``fresh``: count
    again even if cached (the caller has just changed the cart)."""
    if not fresh and (count := _count_read_with_person(request)) is not None:
        return count
    user_id, token = _owner(request)
    return carts.owner_cart_count(user_id=user_id, token=token, fresh=fresh)


def remember_cart_count(request: HttpRequest, count: int) -> None:
    """A page that has just counted the cart (the cart page) saves the header the work."""
    user_id, token = _owner(request)
    carts.remember_cart_count(user_id=user_id, token=token, count=count)


def adopt_session_cart(request: HttpRequest, user: User) -> None:
    """On login: the visitor's session cart becomes (or joins) the user's cart."""
    token = request.session.pop(SESSION_KEY, None)
    carts.adopt_visitor_cart(token=str(token) if token else None, user=user)
